"""Login throttling per username across addresses, beside django-axes's per username and address.

django-axes locks a username out from one address after a few failures, so a
typo-prone user does not lock out a whole hospital behind one address. A
spray of guesses for one username from many addresses never trips it; this
does. Failed logins are counted from the audit trail, whatever the address;
past the limit, each further attempt for that username from an unknown
client must wait a short cool-off after the latest failure. The password is
not checked while it waits, so a guess then tells nothing.

A spray must not keep the real user out, and an attacker who times each
guess for the end of the cool-off would win every race against them (issue
24). So the cool-off does not apply to a known client of that username,
which an attacker spraying from fresh addresses cannot be:

- a browser holding this username's known-client cookie, signed by the
  server and set at each successful login (LOGIN_KNOWN_CLIENT_DAYS); or
- an address this username logged in from within those days, with no failed
  login for it in the window.

A known client still meets django-axes's limit per username and address, so
it cannot guess faster than anyone else from one address. An unknown client
(a new computer, or an address never used before) during a spray waits as
told; the timing of the attacker's guesses changes nothing for a known one.
"""

import math
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core import signing
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import ngettext

from audit.ip import client_ip

from .services import login_cooling_off, login_failures, login_known_address

USERNAME_MAX_LENGTH = 150  # as the audit trail records the name tried
KNOWN_CLIENT_COOKIE = "mastoweb_known"
KNOWN_CLIENT_SALT = "accounts.login_throttling.known_client"
KNOWN_CLIENT_MAX_USERNAMES = 20  # a shared ward computer: the last few who logged in on it


def known_client_usernames(request):
    """The usernames this browser logged in as within LOGIN_KNOWN_CLIENT_DAYS (from the signed cookie)."""
    value = request.COOKIES.get(KNOWN_CLIENT_COOKIE)
    if not value:
        return []
    try:
        names = signing.loads(value, salt=KNOWN_CLIENT_SALT, max_age=timedelta(days=settings.LOGIN_KNOWN_CLIENT_DAYS))
    except signing.BadSignature:
        return []
    return [name for name in names if isinstance(name, str)] if isinstance(names, list) else []


def known_client_remember(request, response, username):
    """After a successful login: this browser is a known client of `username` (most recent first)."""
    names = [username, *(name for name in known_client_usernames(request) if name != username)]
    response.set_cookie(
        KNOWN_CLIENT_COOKIE,
        signing.dumps(names[:KNOWN_CLIENT_MAX_USERNAMES], salt=KNOWN_CLIENT_SALT, compress=True),
        max_age=settings.LOGIN_KNOWN_CLIENT_DAYS * 24 * 3600,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def login_known_client(request, username):
    """Whether this request comes from a client the username logged in from before (see the module)."""
    if request is None:
        return False
    if username in known_client_usernames(request):
        return True
    now = timezone.now()
    return login_known_address(
        username=username,
        address=client_ip(request),
        since=now - timedelta(days=settings.LOGIN_KNOWN_CLIENT_DAYS),
        clean_since=now - settings.LOGIN_USERNAME_WINDOW,
    )


def login_wait_seconds(username, request=None):
    """Seconds before a login for this username is tried again; 0 if it may be tried now."""
    username = username[:USERNAME_MAX_LENGTH]
    now = timezone.now()
    failures = login_failures(username=username, since=now - settings.LOGIN_USERNAME_WINDOW)
    if failures["count"] < settings.LOGIN_USERNAME_FAILURE_LIMIT:
        return 0
    wait = max(0, math.ceil((failures["latest"] + settings.LOGIN_USERNAME_COOLOFF - now).total_seconds()))
    if wait and login_known_client(request, username):
        return 0
    return wait


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
        wait = login_wait_seconds(username, self.request) if username else 0
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
