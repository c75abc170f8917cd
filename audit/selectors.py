"""Reading the audit trail: filters and keyset pages, newest first; failed logins per username."""

from django.contrib.auth import get_user_model
from django.db.models import Count, Max, Q

from mastoweb import paging
from mastoweb.days import day_end, day_start

from .models import Action, AuditEvent

PAGE_SIZE = 50


# A case is an object of the cases app; the trail knows it only by this label and the "case_id" detail.
CASE_OBJECT_TYPE = "cases.case"


def _about_case(case_id):
    """Events about one case: on the case itself, or on its assessments and feedback (details' case_id)."""
    return Q(object_type=CASE_OBJECT_TYPE, object_id=str(case_id)) | Q(details__case_id=str(case_id))


def audit_event_list(*, action="", actor="", date_from=None, date_to=None, case=None):
    """Events matching the filters; bounds are whole days in the site's time zone (days a DayField accepted)."""
    events = AuditEvent.objects.all()
    if case:
        events = events.filter(_about_case(case))
    if action:
        events = events.filter(action=action)
    if actor:
        users = get_user_model().objects.filter(username=actor).values("pk")
        events = events.filter(Q(actor__in=users) | Q(actor__isnull=True, details__username=actor))
    if date_from:
        events = events.filter(created_at__gte=day_start(date_from))
    if date_to:
        events = events.filter(created_at__lt=day_end(date_to))
    return events.order_by("-created_at", "-pk")


# Newest first, ties broken by id: walked through the (created_at) index by mastoweb.paging.
AUDIT_KEYSET = paging.Keyset("created_at", paging.INSTANT, descending=True, key_kind=paging.ID)


def audit_event_page(events, *, after=None, before=None):
    """One page of events after (older than) or before (newer than) a cursor: a mastoweb.paging.Page.

    Keyset paging: the trail only grows, and OFFSET over millions of rows crawls.
    """
    return paging.keyset_page(events, AUDIT_KEYSET, size=PAGE_SIZE, after=after, before=before)


def audit_cursor_encode(cursor):
    return paging.cursor_encode(cursor)


def audit_cursor_decode(value):
    """The cursor from a query string, or None if it is missing or damaged (see mastoweb.paging)."""
    return paging.cursor_decode(value, AUDIT_KEYSET)


def audit_case_log(*, case_id, limit=50):
    """The newest events about one case (who viewed, changed, assessed or gave feedback), newest first."""
    return list(audit_event_list(case=case_id)[:limit])


def audit_login_failures(*, username, since):
    """Failed logins for a username since then, from any address: how many, and the latest's time (or None)."""
    return AuditEvent.objects.filter(
        action=Action.LOGIN_FAILED, created_at__gte=since, details__username=username
    ).aggregate(count=Count("pk"), latest=Max("created_at"))
