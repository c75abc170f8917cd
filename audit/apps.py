from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "Audit trail"

    def ready(self):
        from django.apps import apps
        from django.db.models.signals import pre_delete

        from .append_only import AppendOnlyModel, refuse_delete
        from .models import AuditAction
        from .registry import register_actions, register_details

        # Per model, so other models' bulk deletes stay fast (a receiver for every model would slow them).
        for model in apps.get_models():
            if issubclass(model, AppendOnlyModel):
                pre_delete.connect(refuse_delete, sender=model, dispatch_uid=f"append_only_{model._meta.label_lower}")
        register_actions(AuditAction)
        register_details({"audit_filters": "Filters used"})
