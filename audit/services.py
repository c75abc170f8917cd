"""Recording audit events: the one way to. Apps' services and receivers call it; audit imports none of them."""

from contextlib import contextmanager
from contextvars import ContextVar

from .context import request_address
from .models import AuditAction, AuditEvent
from .registry import action_known

__all__ = ["audit_covered", "audit_export_record", "audit_is_covered", "audit_record"]

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
    return AuditEvent.objects.create(
        actor=actor,
        actor_username=actor.get_username() if actor else "",
        action=action_known(action),
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        details=details,
        ip_address=request_address(request),
    )


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
