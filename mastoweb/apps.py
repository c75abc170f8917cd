"""The project's own app configs: the admin site it uses, session bookkeeping and the device admin."""

from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig


class MastowebAdminConfig(AdminConfig):
    # Every admin.register() in the project lands on the two-factor-aware site.
    default_site = "mastoweb.admin.MastowebAdminSite"


class MastowebConfig(AppConfig):
    name = "mastoweb"
    verbose_name = "Mastoweb"

    def ready(self):
        from django.contrib import admin
        from django.contrib.auth.signals import user_logged_in

        from . import checks  # noqa: F401 - registers the system checks
        from .device_admin import register_device_admin
        from .middleware import stamp_login
        from .navigation import stamp_navigation

        user_logged_in.connect(stamp_login, dispatch_uid="mastoweb_stamp_login")
        user_logged_in.connect(stamp_navigation, dispatch_uid="mastoweb_stamp_navigation")
        # The admin app comes first in INSTALLED_APPS, so its autodiscover has run.
        register_device_admin(admin.site)
