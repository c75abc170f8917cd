from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "Cases"

    def ready(self):
        from . import audit_names, signals  # noqa: F401 - signals connects the receivers

        audit_names.register()
