from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "Audit trail"

    def ready(self):
        from . import signals  # noqa: F401 - connects the login and guidance-edit receivers
        from .registry import register_details

        register_details({"audit_filters": "Filters used", "username": "Username tried"})
