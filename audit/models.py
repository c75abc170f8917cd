"""The audit trail: one append-only row per audited action.

Rows say who did what to which object, when and from where. They never hold
case facts or notes: details carry identifiers and field names only. Nothing
in the app may change or delete a row, so the model and its queryset refuse to,
and so do the database's triggers (audit/migrations/0009). Each row carries a
link of a hash chain (audit.chain), so a change made around all of that shows.
"""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import F
from django.db.models.fields.json import KeyTransform
from django.utils import timezone

from .append_only import AppendOnlyModel, AppendOnlyQuerySet
from .chain import chained_insert
from .registry import action_label


class AuditAction(models.TextChoices):
    """The audit app's own actions; the other apps register theirs (audit.registry)."""

    AUDIT_EXPORTED = "audit_exported", "Audit trail exported"


class AuditEventQuerySet(AppendOnlyQuerySet):
    def bulk_create(self, objs, *args, **kwargs):
        # Each event is a link of the chain, written under its lock: one at a time.
        raise self.model.refusal("Audit events are recorded one at a time (audit.services.audit_record).")


class AuditEvent(AppendOnlyModel):
    change_refused = "Audit events cannot be changed."
    delete_refused = "Audit events cannot be deleted."

    objects = AuditEventQuerySet.as_manager()

    created_at = models.DateTimeField(default=timezone.now, editable=False)
    # PROTECT: a user with audit history is deactivated, never deleted.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # covered by the (actor, created_at) index
    )
    # The name at the time, so the row reads the same if the user is renamed.
    actor_username = models.CharField(max_length=150, blank=True)
    # A code registered by the app that records it (audit.registry), not a database choice.
    action = models.CharField(max_length=40)
    object_type = models.CharField(max_length=100, blank=True, help_text="app_label.model of the object acted on.")
    object_id = models.CharField(max_length=64, blank=True)
    details = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    # The chain (audit.chain): the previous event's hash, and the hash of that and this event's content.
    previous_hash = models.CharField(max_length=64, editable=False)
    hash = models.CharField(max_length=64, editable=False)

    class Meta:
        base_manager_name = "objects"
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["-created_at"], name="audit_event_created_idx"),
            models.Index(fields=["action", "-created_at"], name="audit_event_action_idx"),
            models.Index(fields=["actor", "-created_at"], name="audit_event_actor_idx"),
            # A case's access log: events on the case, and on its assessments and feedback (details' case_id).
            models.Index(fields=["object_type", "object_id", "-created_at"], name="audit_event_object_idx"),
            models.Index(KeyTransform("case_id", "details"), F("created_at").desc(), name="audit_event_case_idx"),
        ]

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise self.refusal(self.change_refused)
        chained_insert(self, using=kwargs.get("using") or "default")

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.actor_username or '-'} {self.action}"

    @property
    def action_label(self):
        return action_label(self.action)

    @property
    def details_display(self):
        return "; ".join(f"{key}: {value}" for key, value in sorted(self.details.items()))
