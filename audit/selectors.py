"""Reading the audit trail: filters and keyset pages, newest first; failed logins per username."""

from datetime import datetime

from django.contrib.auth import get_user_model
from django.db.models import Count, Max, Q
from django.utils import timezone

from mastoweb.days import day_end, day_start, instant_in_range

from .models import Action, AuditEvent

PAGE_SIZE = 50
MAX_ID = 2**63 - 1  # a BigAutoField on every database


def audit_event_list(*, action="", actor="", date_from=None, date_to=None):
    """Events matching the filters; bounds are whole days in the site's time zone (days a DayField accepted)."""
    events = AuditEvent.objects.all()
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


def audit_event_page(events, *, after=None):
    """One page of events older than the cursor, and the cursor of the next page (or None).

    Keyset paging: the trail only grows, and OFFSET over millions of rows crawls.
    """
    if after is not None:
        created_at, pk = after
        events = events.filter(Q(created_at__lt=created_at) | Q(created_at=created_at, pk__lt=pk))
    page = list(events[: PAGE_SIZE + 1])
    more = len(page) > PAGE_SIZE
    page = page[:PAGE_SIZE]
    cursor = (page[-1].created_at, page[-1].pk) if more else None
    return page, cursor


def audit_cursor_encode(cursor):
    created_at, pk = cursor
    return f"{created_at.isoformat()}_{pk}"


def audit_cursor_decode(value):
    """The cursor from a query string, or None if it is missing or damaged.

    Only a cursor the database can be asked about comes back: an aware instant
    that exists in UTC and an id in the range of the table's key.
    """
    stamp, _, pk = (value or "").rpartition("_")
    try:
        created_at = datetime.fromisoformat(stamp)
        pk = int(pk)
    except ValueError:
        return None
    if timezone.is_naive(created_at) or not instant_in_range(created_at) or not 0 < pk <= MAX_ID:
        return None
    return created_at, pk


def audit_login_failures(*, username, since):
    """Failed logins for a username since then, from any address: how many, and the latest's time (or None)."""
    return AuditEvent.objects.filter(
        action=Action.LOGIN_FAILED, created_at__gte=since, details__username=username
    ).aggregate(count=Count("pk"), latest=Max("created_at"))
