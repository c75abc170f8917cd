from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from mastoweb.filtering import filters_refused_redirect
from mastoweb.paging import cursor_damaged_message, page_cursors, page_links
from mastoweb.spreadsheets import EXPORT_CHUNK_SIZE, csv_download

from . import export
from .filters import AuditEventFilter
from .registry import events_described
from .selectors import AUDIT_KEYSET, audit_event_page, audit_events_newest_first
from .services import audit_export_record

DAMAGED_CURSOR = cursor_damaged_message("these are the newest events")
VIEW_PERMISSION = "audit.view_auditevent"


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


@login_required
@permission_required(VIEW_PERMISSION, raise_exception=True)
@require_GET
def event_export(request):
    """The filtered trail as CSV, streamed; the export is itself an event of the trail."""
    filters = AuditEventFilter(request.GET)
    if not filters.is_valid():
        return filters_refused_redirect(request, "audit:list")
    audit_export_record(user=request.user, filters=filters.used)
    events = audit_events_newest_first(filters.qs).iterator(chunk_size=EXPORT_CHUNK_SIZE)
    return csv_download(export.csv_lines(events, user=request.user), name="audit")
