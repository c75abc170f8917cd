"""The accounts app's audit actions and details: logins, lockouts and the two-factor step.

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
    TWO_FACTOR_ALERT = "two_factor_alert", "Many wrong two-factor codes after a right password"


def register():
    register_actions(AccountAction)
    register_details({"username": "Username tried", "failures": "Wrong codes in a row"})
