"""Login, two-factor, session limits and roles."""

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import post_migrate

        from . import audit_names, signals  # noqa: F401 - signals connects the login receivers
        from .middleware import stamp_login
        from .navigation import stamp_navigation
        from .roles import ensure_roles

        audit_names.register()
        post_migrate.connect(ensure_roles, sender=self, dispatch_uid="accounts_ensure_roles")
        user_logged_in.connect(stamp_login, dispatch_uid="accounts_stamp_login")
        user_logged_in.connect(stamp_navigation, dispatch_uid="accounts_stamp_navigation")
