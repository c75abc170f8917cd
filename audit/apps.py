from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "Audit trail"

    def ready(self):
        from .models import AuditAction
        from .registry import register_actions, register_details

        register_actions(AuditAction)
        register_details({"audit_filters": "Filters used"})
