"""Recording audit events. Other apps call these; audit imports none of them."""

from contextlib import contextmanager
from contextvars import ContextVar

from .ip import client_ip
from .models import Action, AuditEvent

__all__ = ["Action", "audit_covered", "audit_is_covered", "audit_record"]

_covered = ContextVar("audit_covered", default=False)


def audit_record(*, actor, action, obj=None, request=None, **details):
    """Append one audit event.

    `details` name what was acted on (ids, numbers, field names); they must
    never carry case facts or free-text notes.
    """
    if actor is not None and not actor.is_authenticated:
        actor = None
    return AuditEvent.objects.create(
        actor=actor,
        actor_username=actor.get_username() if actor else "",
        action=Action(action),
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        details=details,
        ip_address=client_ip(request) if request is not None else None,
    )


@contextmanager
def audit_covered():
    """Writes inside are covered by one event the calling service records itself.

    Per-object edit events (see signals) are skipped inside, so copying a whole
    guidance version is one "draft created" event, not one per paragraph.
    """
    token = _covered.set(True)
    try:
        yield
    finally:
        _covered.reset(token)


def audit_is_covered():
    return _covered.get()
