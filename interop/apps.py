from django.apps import AppConfig


class InteropConfig(AppConfig):
    name = "interop"
    verbose_name = "Interoperability (CDS Hooks, FHIR)"

    def ready(self):
        from . import audit_names

        audit_names.register()
