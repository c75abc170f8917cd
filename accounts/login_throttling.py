"""Login throttling per username across addresses, beside django-axes's per username and address.

django-axes locks a username out from one address after a few failures, so a
typo-prone user does not lock out a whole hospital behind one address. A
spray of guesses for one username from many addresses never trips it; this
does. Failed logins are counted from the audit trail, whatever the address;
past the limit, each further attempt for that username must wait a short
cool-off after the latest failure. The password is not checked while it
waits, so a guess then tells nothing.
"""

import math

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import ngettext

from .services import login_cooling_off, login_failures

USERNAME_MAX_LENGTH = 150  # as the audit trail records the name tried


def login_wait_seconds(username):
    """Seconds before a login for this username is tried again; 0 if it may be tried now."""
    now = timezone.now()
    failures = login_failures(username=username[:USERNAME_MAX_LENGTH], since=now - settings.LOGIN_USERNAME_WINDOW)
    if failures["count"] < settings.LOGIN_USERNAME_FAILURE_LIMIT:
        return 0
    return max(0, math.ceil((failures["latest"] + settings.LOGIN_USERNAME_COOLOFF - now).total_seconds()))


class LoginForm(AuthenticationForm):
    """Django's login form, which first asks whether the username must wait."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "username_cooling_off": (
            "There have been many failed logins for this username. Wait %(wait)s, then try again."
        ),
    }

    def clean(self):
        username = self.cleaned_data.get("username")
        wait = login_wait_seconds(username) if username else 0
        if wait:
            message = self.error_messages["username_cooling_off"]
            wait_text = ngettext("%(count)d second", "%(count)d seconds", wait) % {"count": wait}
            self.add_error(
                "username", ValidationError(message, code="username_cooling_off", params={"wait": wait_text})
            )
            login_cooling_off(username=username[:USERNAME_MAX_LENGTH], wait_seconds=wait)
            return self.cleaned_data
        return super().clean()

    @property
    def cooling_off(self):
        return self.has_error("username", "username_cooling_off")
