"""Session limits, the two-factor step, and no caching of signed-in pages."""

import time
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME, SESSION_KEY, logout
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.http import urlencode
from django_htmx.http import HttpResponseClientRedirect
from django_htmx.middleware import HtmxDetails

from .twofactor import two_factor_pending

LOGIN_AT = "mastoweb_login_at"
SEEN_AT = "mastoweb_seen_at"
# Activity is written to the session at most once a minute, not on every request.
SEEN_RESOLUTION = 60


def stamp_login(sender, request, user, **kwargs):
    """user_logged_in receiver: the session's start, for the absolute limit."""
    now = time.time()
    request.session[LOGIN_AT] = now
    request.session[SEEN_AT] = now


def _htmx(request):
    # These middlewares run before django-htmx's, which sets request.htmx.
    return HtmxDetails(request)


def _redirect(request, url):
    # htmx would swap the login page into a fragment; make it load the whole page.
    if _htmx(request):
        return HttpResponseClientRedirect(url)
    return redirect(url)


def _return_path(request):
    htmx = _htmx(request)
    if htmx and htmx.current_url:
        return urlsplit(htmx.current_url)._replace(scheme="", netloc="").geturl()
    return request.get_full_path()


class SessionLimitsMiddleware:
    """Log out after SESSION_IDLE_TIMEOUT without activity, and SESSION_ABSOLUTE_TIMEOUT after login.

    Works on the session alone (no user query). Logout flushes the session;
    the message survives in the messages cookie and shows on the login page.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = request.session
        if SESSION_KEY in session:
            now = time.time()
            login_at = session.setdefault(LOGIN_AT, now)
            seen_at = session.get(SEEN_AT, now)
            if now - login_at > settings.SESSION_ABSOLUTE_TIMEOUT:
                hours = round(settings.SESSION_ABSOLUTE_TIMEOUT / 3600)
                return self._expire(
                    request, "absolute", f"Sessions end {hours} hours after login. Please log in again."
                )
            if now - seen_at > settings.SESSION_IDLE_TIMEOUT:
                minutes = round(settings.SESSION_IDLE_TIMEOUT / 60)
                return self._expire(
                    request,
                    "idle",
                    f"You were logged out after {minutes} minutes without activity. Please log in again.",
                )
            if SEEN_AT not in session or now - seen_at >= SEEN_RESOLUTION:
                session[SEEN_AT] = now
        return self.get_response(request)

    def _expire(self, request, reason, message):
        next_path = _return_path(request)
        request.logout_reason = f"session_{reason}"  # read by the audit trail
        logout(request)
        messages.info(request, message)
        return _redirect(request, redirect_to_login(next_path).url)


class TwoFactorRequiredMiddleware:
    """Superusers pass the two-factor step before any page (staff meet it at the admin's door).

    Must come after django_otp's OTPMiddleware.
    """

    EXEMPT = {"login", "logout", "two_factor_verify", "two_factor_setup", "healthz"}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.resolver_match.url_name in self.EXEMPT and not request.resolver_match.namespace:
            return None
        user = request.user
        if user.is_superuser and two_factor_pending(user):
            url = f"{reverse('two_factor_verify')}?{urlencode({REDIRECT_FIELD_NAME: _return_path(request)})}"
            return _redirect(request, url)
        return None


class NoStoreMiddleware:
    """Nothing shown to a signed-in user (case data above all) is kept by a browser or proxy cache."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)
        return response


def session_idle_seconds_left(request):
    """How long this session may stay idle before SessionLimitsMiddleware ends it, as the server counts."""
    seen_at = request.session.get(SEEN_AT, time.time())
    return max(0, round(settings.SESSION_IDLE_TIMEOUT - (time.time() - seen_at)))
