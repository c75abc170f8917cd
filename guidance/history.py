"""Field-level history of a guidance version and its content (django-simple-history)."""

from dataclasses import dataclass

from .models import GuidanceVersion, Paragraph, Rule, Section

_TRACKED = (
    (GuidanceVersion, "version", ("title", "status", "change_note", "published_at", "retired_at")),
    (Section, "section", ("slug", "title", "text", "order")),
    (Paragraph, "paragraph", ("slug", "title", "text", "order", "section_id")),
    (Rule, "rule", ("rule_id", "paragraph_id", "kind", "summary", "condition", "mentions", "order")),
)
# django-simple-history's record types, in words (the audit trail's guidance edits say them the same way).
HISTORY_CHANGES = {"+": "created", "~": "changed", "-": "deleted"}


@dataclass(frozen=True)
class HistoryEntry:
    when: object
    who: object
    what: str  # version / section / paragraph / rule
    name: str  # slug or rule id
    action: str  # created / changed / deleted
    changes: tuple  # ((field, before, after), ...)

    @property
    def changed(self):
        """An edit of an existing object (not its creation or deletion): its fields are shown before and after."""
        return self.action == HISTORY_CHANGES["~"]


def version_history(version):
    """Every recorded change to the version and its content, newest first.

    One query per tracked model, whatever the number of records: each record
    is compared with the previous record of the same object in memory.
    """
    entries = []
    for model, what, fields in _TRACKED:
        records = model.history.select_related("history_user").order_by("id", "history_date", "history_id")
        records = records.filter(id=version.pk) if model is GuidanceVersion else records.filter(version_id=version.pk)
        previous = {}
        for record in records:
            before = previous.get(record.id)
            changes = tuple(
                (field, getattr(before, field) if before else "", getattr(record, field))
                for field in fields
                if before is None or getattr(before, field) != getattr(record, field)
            )
            if record.history_type != "~" or changes:
                entries.append(
                    HistoryEntry(
                        when=record.history_date,
                        who=record.history_user,
                        what=what,
                        name=getattr(record, "rule_id", None) or getattr(record, "slug", None) or f"v{record.number}",
                        action=HISTORY_CHANGES.get(record.history_type, record.history_type),
                        changes=changes if record.history_type != "-" else (),
                    )
                )
            previous[record.id] = record
    return sorted(entries, key=lambda entry: entry.when, reverse=True)
