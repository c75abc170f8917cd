import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from mastoweb.paging import page_cursors, page_links
from mastoweb.spreadsheets import Echo, csv_cell

from .filters import AuditEventFilter
from .registry import details_in_words, events_described
from .selectors import AUDIT_KEYSET, audit_event_page, audit_events_newest_first
from .services import audit_export_record

DAMAGED_CURSOR = 'The page link is damaged: its position ("after") could not be read, so these are the newest events.'
VIEW_PERMISSION = "audit.view_auditevent"
EXPORT_CHUNK_SIZE = 2000


@login_required
@permission_required(VIEW_PERMISSION, raise_exception=True)
@require_GET
def event_list(request):
    filters = AuditEventFilter(request.GET or None)
    form = filters.form
    page = None
    if not form.is_bound or filters.is_valid():
        after, before, damaged = page_cursors(request.GET, AUDIT_KEYSET)
        if damaged:
            messages.error(request, DAMAGED_CURSOR)
        page = audit_event_page(audit_events_newest_first(filters.qs), after=after, before=before)
        events_described(page.rows, user=request.user)
    return render(
        request,
        "audit/event_list.html",
        {
            "form": form,
            "events": page.rows if page else [],
            **page_links(request.GET, page),
            "refused": form.is_bound and not form.is_valid(),
        },
    )


CSV_COLUMNS = ["time", "user", "action", "object_type", "object_id", "object", "details", "from"]


def _csv_lines(events, *, user):
    writer = csv.writer(Echo())
    yield writer.writerow(CSV_COLUMNS)
    chunk = []
    for event in events:
        chunk.append(event)
        if len(chunk) == EXPORT_CHUNK_SIZE:
            yield from _csv_rows(writer, chunk, user=user)
            chunk = []
    yield from _csv_rows(writer, chunk, user=user)


def _csv_rows(writer, events, *, user):
    events_described(events, user=user)  # one query per kind of object for the whole chunk
    for event in events:
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
        yield writer.writerow([csv_cell(value) for value in row])


@login_required
@permission_required(VIEW_PERMISSION, raise_exception=True)
@require_GET
def event_export(request):
    """The filtered trail as CSV, streamed; the export is itself an event of the trail."""
    filters = AuditEventFilter(request.GET)
    if not filters.is_valid():
        return redirect(f"{reverse('audit:list')}?{request.GET.urlencode()}")
    audit_export_record(user=request.user, filters=filters.used)
    events = audit_events_newest_first(filters.qs).iterator(chunk_size=EXPORT_CHUNK_SIZE)
    response = StreamingHttpResponse(_csv_lines(events, user=request.user), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="mastoweb-audit-{timezone.now():%Y%m%d-%H%M}.csv"'
    return response
