"""The audit trail as CSV: one row per event, described in words, streamed as it is read.

Every cell a spreadsheet could take for a formula is defused first.
"""

from itertools import islice

from mastoweb.spreadsheets import EXPORT_CHUNK_SIZE, csv_cell, csv_writer

from .registry import details_in_words, events_described

COLUMNS = ["time", "user", "action", "object_type", "object_id", "object", "details", "from"]


def event_row(event):
    """One described event (events_described) as export cells."""
    row = [
        event.created_at.isoformat(),
        event.actor_username,
        event.action_label,
        event.object_type,
        event.object_id,
        event.object_named.name if event.object_named else "",
        details_in_words(event),
        event.ip_address or "",
    ]
    return [csv_cell(value) for value in row]


def csv_lines(events, *, user, chunk_size=EXPORT_CHUNK_SIZE):
    """The header, then one CSV line per event; each chunk's objects are described in one query per kind."""
    writer = csv_writer()
    yield writer.writerow(COLUMNS)
    events = iter(events)
    while chunk := list(islice(events, chunk_size)):
        events_described(chunk, user=user)
        for event in chunk:
            yield writer.writerow(event_row(event))
