"""The project's own app configs: the admin site it uses, and the system checks."""

from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig


class MastowebAdminConfig(AdminConfig):
    # Every admin.register() in the project lands on the two-factor-aware site.
    default_site = "accounts.sites.MastowebAdminSite"


class MastowebConfig(AppConfig):
    name = "mastoweb"
    verbose_name = "Mastoweb"

    def ready(self):
        from . import checks  # noqa: F401 - registers the system checks
