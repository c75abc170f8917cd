"""Recording audit events: the one way to. Apps' services and receivers call it; audit imports none of them."""

import hashlib
from contextlib import contextmanager, suppress
from contextvars import ContextVar

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from .context import request_address
from .models import AuditAction, AuditEvent
from .registry import action_known

__all__ = ["audit_covered", "audit_export_record", "audit_is_covered", "audit_record", "audit_record_refusal"]

# A detail's text is cut to this length: a caller can send a 5 KB "alg" and a refusal quotes it.
MAX_DETAIL_CHARS = 200

_covered = ContextVar("audit_covered", default=False)


def audit_record(*, actor, action, obj=None, request=None, **details):
    """Append one audit event.

    `action` is a code an app registered (audit.registry); any other raises
    UnknownActionError. "From where" is the address of `request`, or of the
    request being served (audit.context). `details` name what was acted on
    (ids, numbers, field names); they must never carry case facts or
    free-text notes.
    """
    if actor is not None and not actor.is_authenticated:
        actor = None
    details = {key: _cut(value) for key, value in details.items()}
    return AuditEvent.objects.create(
        actor=actor,
        actor_username=actor.get_username() if actor else "",
        action=action_known(action),
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        details=details,
        ip_address=request_address(request),
    )


def _cut(value):
    if isinstance(value, str) and len(value) > MAX_DETAIL_CHARS:
        return value[: MAX_DETAIL_CHARS - 1] + "\u2026"
    return value


def audit_record_refusal(*, action, key, obj=None, request=None, **details):
    """A request refused before anyone was identified (a login while the username cools off, a CDS Hooks call
    with a bad token): one event per AUDIT_REFUSAL_WINDOW_SECONDS for the same `key`, not one per request.

    The first refusal of a window is recorded; the others are counted, and the count is recorded with the
    first refusal of a later window (`refused_again`: how many more the window before had). So a flood of
    3,000 refusals writes a few rows, and the trail still says how many there were. Returns the event, or
    None when the refusal was only counted.
    """
    window = settings.AUDIT_REFUSAL_WINDOW_SECONDS
    bucket = int(timezone.now().timestamp() // window)
    stem = "audit.refused:" + hashlib.sha256(f"{action}|{key}".encode()).hexdigest()[:32]
    if not cache.add(f"{stem}:{bucket}", 1, timeout=window * 1440):
        with suppress(ValueError):  # expired meanwhile: this refusal goes uncounted
            cache.incr(f"{stem}:{bucket}")
        return None
    previous = cache.get(f"{stem}:last")
    cache.set(f"{stem}:last", bucket, timeout=window * 1440)
    count = cache.get(f"{stem}:{previous}") if previous is not None and previous != bucket else None
    if count and count > 1:
        details["refused_again"] = count - 1
    return audit_record(actor=None, action=action, obj=obj, request=request, window_seconds=window, **details)


def audit_export_record(*, user, filters):
    """The trail's own export is an event of the trail: which filters, never their values."""
    return audit_record(actor=user, action=AuditAction.AUDIT_EXPORTED, audit_filters=filters)


@contextmanager
def audit_covered():
    """Writes inside are covered by one event the calling service records itself.

    Per-object edit events (see guidance.signals) are skipped inside, so copying
    a whole guidance version is one "draft created" event, not one per paragraph.
    """
    token = _covered.set(True)
    try:
        yield
    finally:
        _covered.reset(token)


def audit_is_covered():
    return _covered.get()
