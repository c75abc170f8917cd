"""Logins, logouts, failed logins and lockouts, as audit events."""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from audit.services import audit_record

from .audit_names import AccountAction
from .login_throttling import USERNAME_MAX_LENGTH


@receiver(user_logged_in, dispatch_uid="audit_login")
def record_login(sender, request, user, **kwargs):
    audit_record(actor=user, action=AccountAction.LOGIN, request=request)


@receiver(user_logged_out, dispatch_uid="audit_logout")
def record_logout(sender, request, user, **kwargs):
    if user is None:
        return
    reason = getattr(request, "logout_reason", "")
    details = {"reason": reason} if reason else {}
    audit_record(actor=user, action=AccountAction.LOGOUT, request=request, **details)


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def record_login_failed(sender, credentials, request=None, **kwargs):
    # Django has already replaced the password with asterisks; keep the name tried only.
    username = str(credentials.get("username", ""))[:USERNAME_MAX_LENGTH]
    audit_record(actor=None, action=AccountAction.LOGIN_FAILED, request=request, username=username)


@receiver(user_locked_out, dispatch_uid="audit_locked_out")
def record_locked_out(sender, request, username=None, ip_address=None, **kwargs):
    username = str(username or "")[:USERNAME_MAX_LENGTH]
    audit_record(actor=None, action=AccountAction.LOCKED_OUT, request=request, username=username)
