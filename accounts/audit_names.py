"""The accounts app's audit actions and details: logins, lockouts, the two-factor step, and who may do what.

Registered with audit.registry when the app starts (AccountsConfig.ready).
"""

from django.db import models

from audit.registry import register_actions, register_details


class AccountAction(models.TextChoices):
    LOGIN = "login", "Logged in"
    LOGOUT = "logout", "Logged out"
    LOGIN_FAILED = "login_failed", "Failed login"
    LOCKED_OUT = "locked_out", "Locked out after failed logins"
    TWO_FACTOR_ENROLLED = "two_factor_enrolled", "Two-factor device set up"
    TWO_FACTOR_VERIFIED = "two_factor_verified", "Two-factor code accepted"
    TWO_FACTOR_FAILED = "two_factor_failed", "Two-factor code refused"
    # Who may do what: recorded in our own append-only trail, not only in Django's admin log.
    USER_CREATED = "user_created", "User created"
    USER_CHANGED = "user_changed", "User's access changed"
    ROLE_GRANTED = "role_granted", "Role granted"
    ROLE_REMOVED = "role_removed", "Role removed"
    USER_PERMISSIONS_CHANGED = "user_permissions_changed", "User's own permissions changed"
    GROUP_PERMISSIONS_CHANGED = "group_permissions_changed", "Role's permissions changed"
    TWO_FACTOR_DEVICE_ADDED = "two_factor_device_added", "Two-factor device added"
    TWO_FACTOR_DEVICE_REMOVED = "two_factor_device_removed", "Two-factor device removed"
    TWO_FACTOR_ALERT = "two_factor_alert", "Many wrong two-factor codes after a right password"


def register():
    register_actions(AccountAction)
    register_details(
        {
            "username": "Username tried",
            "roles": "Roles",
            "permissions": "Permissions",
            "changed": "Changed",
            "device_user": "Device of",
            "approval_restarts": "Approval of drafts begun before this refused",
            "failures": "Wrong codes in a row",
        }
    )
