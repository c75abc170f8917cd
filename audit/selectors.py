"""Reading the audit trail: filters and keyset pages, newest first."""

from django.contrib.auth import get_user_model
from django.db.models import Q

from mastoweb import paging
from mastoweb.days import day_end, day_start

from .models import AuditEvent

PAGE_SIZE = 50


# A case is an object of the cases app; the trail knows it only by this label and the "case_id" detail.
CASE_OBJECT_TYPE = "cases.case"


def _about_case(case_id):
    """Events about one case: on the case itself, or on its assessments and feedback (details' case_id)."""
    return Q(object_type=CASE_OBJECT_TYPE, object_id=str(case_id)) | Q(details__case_id=str(case_id))


def _by_actor(events, username):
    users = get_user_model().objects.filter(username=username).values("pk")
    # Failed logins have no actor: they carry the name that was tried.
    return events.filter(Q(actor__in=users) | Q(actor__isnull=True, details__username=username))


# The trail's filters, each one condition: (events, value) -> events, applied to the query string's
# cleaned values by audit.filters.AuditEventFilter (django-filter).
AUDIT_CONDITIONS = {
    "action": lambda events, action: events.filter(action=action),
    "actor": _by_actor,
    "case": lambda events, case_id: events.filter(_about_case(case_id)),
    "date_from": lambda events, day: events.filter(created_at__gte=day_start(day)),
    "date_to": lambda events, day: events.filter(created_at__lt=day_end(day)),
}


def audit_events_newest_first(events):
    return events.order_by("-created_at", "-pk")


# Newest first, ties broken by id: walked through the (created_at) index by mastoweb.paging.
AUDIT_KEYSET = paging.Keyset("created_at", paging.INSTANT, descending=True, key_kind=paging.ID)


def audit_event_page(events, *, after=None, before=None):
    """One page of events after (older than) or before (newer than) a cursor: a mastoweb.paging.Page.

    Keyset paging: the trail only grows, and OFFSET over millions of rows crawls.
    """
    return paging.keyset_page(events, AUDIT_KEYSET, size=PAGE_SIZE, after=after, before=before)


def audit_case_log(*, case_id, limit=50):
    """The newest events about one case (who viewed, changed, assessed or gave feedback), newest first."""
    return list(audit_events_newest_first(AuditEvent.objects.filter(_about_case(case_id)))[:limit])
