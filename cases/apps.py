from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "Cases"

    def ready(self):
        from . import audit_names, signals  # noqa: F401 - signals connects the receivers

        audit_names.register()
        _declare_local_caches()


def _declare_local_caches():
    """Django's local-memory caches (settings.CACHES "charts" and "fragments") hold this process's drawings
    and fragments, keyed by what they show: forgotten with the other per-process caches."""
    from django.core.cache import caches as django_caches

    from core import caches

    for alias in ("charts", "fragments"):
        caches.declare(f"django.{alias}", django_caches[alias])
