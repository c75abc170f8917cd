from django.apps import AppConfig


class GuidanceConfig(AppConfig):
    name = "guidance"
    verbose_name = "Guidance"

    def ready(self):
        from . import audit_names, signals  # noqa: F401 - signals connects the edit receiver

        audit_names.register()

        from django.db.models.signals import post_migrate

        from .selectors import guidance_after_migrate

        post_migrate.connect(guidance_after_migrate, sender=self, dispatch_uid="guidance_after_migrate")
