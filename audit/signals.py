"""Receivers that turn framework signals into audit events.

Guidance models are named by label, not imported: audit sits below every app
of ours. Their edits arrive through django-simple-history, which already knows
the user of the current request and keeps the field-level record we point to.
"""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from simple_history.models import HistoricalRecords
from simple_history.signals import post_create_historical_record

from .models import Action
from .services import audit_is_covered, audit_record

GUIDANCE_CONTENT = {"guidance.guidanceversion", "guidance.section", "guidance.paragraph", "guidance.rule"}
HISTORY_CHANGES = {"+": "created", "~": "changed", "-": "deleted"}


@receiver(user_logged_in, dispatch_uid="audit_login")
def record_login(sender, request, user, **kwargs):
    audit_record(actor=user, action=Action.LOGIN, request=request)


@receiver(user_logged_out, dispatch_uid="audit_logout")
def record_logout(sender, request, user, **kwargs):
    if user is None:
        return
    reason = getattr(request, "logout_reason", "")
    details = {"reason": reason} if reason else {}
    audit_record(actor=user, action=Action.LOGOUT, request=request, **details)


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def record_login_failed(sender, credentials, request=None, **kwargs):
    # Django has already replaced the password with asterisks; keep the name tried only.
    username = str(credentials.get("username", ""))[:150]
    audit_record(actor=None, action=Action.LOGIN_FAILED, request=request, username=username)


@receiver(user_locked_out, dispatch_uid="audit_locked_out")
def record_locked_out(sender, request, username=None, ip_address=None, **kwargs):
    audit_record(actor=None, action=Action.LOCKED_OUT, request=request, username=str(username or "")[:150])


@receiver(post_create_historical_record, dispatch_uid="audit_guidance_edit")
def record_guidance_edit(sender, instance, history_instance, history_user=None, **kwargs):
    if instance._meta.label_lower not in GUIDANCE_CONTENT or audit_is_covered():
        return
    change = HISTORY_CHANGES.get(history_instance.history_type, history_instance.history_type)
    details = {"change": change, "history_id": history_instance.history_id}
    if history_instance.history_type == "~" and history_instance.prev_record is not None:
        details["fields"] = sorted(history_instance.diff_against(history_instance.prev_record).changed_fields)
    version_id = getattr(instance, "version_id", None)
    if version_id is not None:
        details["version_id"] = version_id
    audit_record(
        actor=history_user,
        action=Action.GUIDANCE_DRAFT_EDITED,
        obj=instance,
        request=getattr(HistoricalRecords.context, "request", None),
        **details,
    )
