"""The two-factor step's writes and the failed-login count, each with its audit event."""

import logging

from django.db import transaction
from django.db.models import Count, Max, Q

from audit.models import AuditEvent
from audit.services import audit_record, audit_record_refusal

from .audit_names import AccountAction
from .models import DeviceConfirmation

logger = logging.getLogger(__name__)


def device_enrol(*, user, device):
    """The user's first valid code: the device is confirmed, and counts for login (set up while staff)."""
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        DeviceConfirmation.objects.create(device=device, confirmed_by=user)
    audit_record(actor=user, action=AccountAction.TWO_FACTOR_ENROLLED, obj=device)


def device_confirm_for_login(*, admin, device):
    """An administrator vouches for a device set up before its user needed the second factor."""
    DeviceConfirmation.objects.create(device=device, confirmed_by=admin)
    audit_record(actor=admin, action=AccountAction.TWO_FACTOR_ENROLLED, obj=device, by_admin=True)


def two_factor_passed(*, user, device):
    audit_record(actor=user, action=AccountAction.TWO_FACTOR_VERIFIED, obj=device)


def two_factor_refused(*, user, device):
    audit_record(actor=user, action=AccountAction.TWO_FACTOR_FAILED, obj=device)


def two_factor_alert(*, user, device, failures):
    """Many wrong codes after a right password: the password may be known to someone else. Staff read it here."""
    audit_record(actor=user, action=AccountAction.TWO_FACTOR_ALERT, obj=device, failures=failures)
    logger.warning(
        "two_factor_alert: %d wrong codes in a row for user %s after a right password; the password may be known",
        failures,
        user.pk,
    )


def login_cooling_off(*, username, wait_seconds):
    """A login refused unchecked because its username must wait (accounts.login_throttling)."""
    audit_record_refusal(
        action=AccountAction.LOCKED_OUT,
        key=username,
        username=username,
        across_addresses=True,
        wait_seconds=wait_seconds,
    )


def login_failures(*, username, since):
    """Failed logins for a username since then, from any address: how many, and the latest's time (or None)."""
    return AuditEvent.objects.filter(
        action=AccountAction.LOGIN_FAILED, created_at__gte=since, details__username=username
    ).aggregate(count=Count("pk"), latest=Max("created_at"))


def approval_restarted_since(*, user, since):
    """Whether, after `since`, something let this user do more than before or reset their credentials:
    their account was made, they were given a role, permission or the superuser flag that approves
    guidance, a role of theirs was given that permission, or someone else set their password or
    two-factor device (the events accounts.signals marks `approval_restarts`)."""
    groups = [str(pk) for pk in user.groups.values_list("pk", flat=True)]
    about_user = Q(object_type="auth.user", object_id=str(user.pk))
    about_groups = Q(object_type="auth.group", object_id__in=groups)
    return (
        AuditEvent.objects.filter(created_at__gt=since, details__approval_restarts=True)
        .filter(about_user | about_groups)
        .exists()
    )


def login_known_address(*, username, address, since, clean_since):
    """Whether `username` logged in from `address` since then, with no failed login from it since clean_since."""
    if not address:
        return False
    from_there = AuditEvent.objects.filter(ip_address=address)
    return (
        from_there.filter(action=AccountAction.LOGIN, actor_username=username, created_at__gte=since).exists()
        and not from_there.filter(
            action=AccountAction.LOGIN_FAILED, details__username=username, created_at__gte=clean_since
        ).exists()
    )
