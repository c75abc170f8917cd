"""Edits of guidance content, as audit events.

They arrive through django-simple-history, which knows the user of the
current request (its own middleware) and keeps the field-level record the
event points to; the address comes from audit's request context.
"""

from django.dispatch import receiver
from simple_history.signals import post_create_historical_record

from audit.services import audit_is_covered, audit_record

from .audit_names import GuidanceAction
from .history import HISTORY_CHANGES

GUIDANCE_CONTENT = {
    "guidance.guidanceversion",
    "guidance.section",
    "guidance.paragraph",
    "guidance.rule",
    "guidance.safetyproperty",
}


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
    audit_record(actor=history_user, action=GuidanceAction.GUIDANCE_DRAFT_EDITED, obj=instance, **details)
