from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .forms import AuditFilterForm
from .selectors import audit_cursor_decode, audit_cursor_encode, audit_event_list, audit_event_page

DAMAGED_CURSOR = 'The page link is damaged: its position ("after") could not be read, so these are the newest events.'


@login_required
@permission_required("audit.view_auditevent", raise_exception=True)
@require_GET
def event_list(request):
    form = AuditFilterForm(request.GET or None)
    events, cursor = [], None
    if not form.is_bound or form.is_valid():
        after = audit_cursor_decode(request.GET.get("after"))
        if after is None and request.GET.get("after"):
            messages.error(request, DAMAGED_CURSOR)
        filters = form.cleaned_data if form.is_bound else {}
        events, cursor = audit_event_page(audit_event_list(**filters), after=after)
    next_query = None
    if cursor is not None:
        query = request.GET.copy()
        query["after"] = audit_cursor_encode(cursor)
        next_query = query.urlencode()
    first_query = request.GET.copy()
    first_query.pop("after", None)
    return render(
        request,
        "audit/event_list.html",
        {
            "form": form,
            "events": events,
            "next_query": next_query,
            "first_query": first_query.urlencode(),
            "paged": "after" in request.GET,
            "refused": form.is_bound and not form.is_valid(),
        },
    )
