"""Two-factor login (TOTP) for staff and superusers.

Staff and superusers pass a second step after their password whenever
settings.OTP_REQUIRED is on (always in production). A user without a device
sets one up once: the page shows a QR code drawn on the server as inline SVG
(no script), and the device counts only after it has produced a valid code.
Only users who need the step may set one up, and a device counts for login
only with a DeviceConfirmation: made at setup, or by an administrator for a
device set up before its user became staff.
"""

import math
from base64 import b32encode
from urllib.parse import urlencode
from xml.etree import ElementTree

import qrcode
import qrcode.image.svg
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods
from django_htmx.http import HttpResponseClientRedirect
from django_otp import login as otp_login
from django_otp import verify_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from .login_throttling import LoginForm, known_client_remember
from .models import DeviceConfirmation
from .services import device_enrol, two_factor_alert, two_factor_passed, two_factor_refused


def two_factor_required(user):
    return settings.OTP_REQUIRED and user.is_authenticated and (user.is_staff or user.is_superuser)


def device_confirmed_for_login(device):
    """Whether the device may pass the two-factor step: see DeviceConfirmation."""
    return DeviceConfirmation.objects.filter(device=device).exists()


def two_factor_pending(user):
    """A user who must pass the two-factor step and has not yet in this session."""
    is_verified = getattr(user, "is_verified", None)
    return two_factor_required(user) and not (is_verified and is_verified())


class LoginView(auth_views.LoginView):
    """Django's login, throttled per username too; staff and superusers continue to the two-factor step."""

    authentication_form = LoginForm

    def form_valid(self, form):
        response = super().form_valid(form)
        known_client_remember(self.request, response, form.get_user().get_username())
        return response

    def get(self, request, *args, **kwargs):
        # htmx follows a 302 to this page in the background (a preview sent after the session ended):
        # rendering it there would use up the message saying why the session ended, which belongs to
        # the login page the person opens. The answer sends htmx here as a whole page instead.
        if request.htmx:
            return HttpResponseClientRedirect(request.get_full_path())
        return super().get(request, *args, **kwargs)

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.cooling_off:
            response.status_code = 429  # as django-axes answers a lockout
        return response

    def get_success_url(self):
        url = super().get_success_url()
        if two_factor_pending(self.request.user):
            return f"{reverse('two_factor_verify')}?{urlencode({REDIRECT_FIELD_NAME: url})}"
        return url


class TokenForm(forms.Form):
    token = forms.CharField(
        label="Code from your authenticator app",
        min_length=6,
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )

    def clean_token(self):
        token = self.cleaned_data["token"].replace(" ", "")
        if not token.isdigit():
            raise forms.ValidationError("The code is the digits shown in your authenticator app.")
        return token


def two_factor_page(view):
    """A page of the second step: signed in, GET or POST, never cached, the code kept out of error reports."""
    return sensitive_post_parameters("token")(never_cache(login_required(require_http_methods(["GET", "POST"])(view))))


def _second_factor_login(request, device):
    # A step up in privilege gets a new session id, as a login does.
    request.session.cycle_key()
    otp_login(request, device)


def _next_url(request):
    url = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME, "")
    if url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return url
    return settings.LOGIN_REDIRECT_URL


def _with_next(name, next_url):
    return f"{reverse(name)}?{urlencode({REDIRECT_FIELD_NAME: next_url})}"


def qr_code_svg(data):
    """The QR code of `data` as an inline <svg> element (markup we generate, safe to embed)."""
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathFillImage).get_image()
    image.set("role", "img")
    image.set("aria-label", "QR code for your authenticator app")
    image.set("class", "two-factor-qr")
    ElementTree.register_namespace("", "http://www.w3.org/2000/svg")
    return mark_safe(ElementTree.tostring(image, encoding="unicode"))  # noqa: S308 - no user input in the markup


def code_wait_seconds(device):
    """Seconds before the device's next code is checked (see OTP_FREE_FAILURES in settings).

    None after the first few wrong codes; then OTP_BACKOFF_SECONDS, doubling with each further one
    up to OTP_BACKOFF_MAX_SECONDS, counted from the last wrong code. Capped, so someone holding a
    stolen password cannot keep the real user out for hours; staff are alerted instead (_token_accepted).
    """
    failures = device.throttling_failure_count - settings.OTP_FREE_FAILURES
    if failures < 0 or device.throttling_failure_timestamp is None:
        return 0
    delay = min(settings.OTP_BACKOFF_SECONDS * 2 ** min(failures, 32), settings.OTP_BACKOFF_MAX_SECONDS)
    waited = (timezone.now() - device.throttling_failure_timestamp).total_seconds()
    return max(0, math.ceil(delay - waited))


def _seconds(count):
    return ngettext("%(count)d second", "%(count)d seconds", count) % {"count": count}


def _token_accepted(request, device, form, check):
    """Run `check(token)` unless the device must wait; explain a refusal on the form, with the wait."""
    wait = code_wait_seconds(device)
    if not wait:
        if check(form.cleaned_data["token"]):
            return True
        device.refresh_from_db(fields=["throttling_failure_count", "throttling_failure_timestamp"])
        if device.throttling_failure_count == settings.OTP_ALERT_FAILURES:
            two_factor_alert(user=request.user, device=device, failures=device.throttling_failure_count)
        wait = code_wait_seconds(device)
        then = f"Wait {_seconds(wait)}, then enter" if wait else "Enter"
        message = f"That code is not right or has expired. {then} the current code from your app."
    else:
        message = f"Too many wrong codes. Wait {_seconds(wait)}, then enter the current code from your app."
    form.add_error("token", message)
    two_factor_refused(user=request.user, device=device)
    return False


@two_factor_page
def verify(request):
    next_url = _next_url(request)
    devices = TOTPDevice.objects.filter(user=request.user, confirmed=True)
    if not devices:
        return redirect(_with_next("two_factor_setup", next_url))
    if request.user.is_verified():
        return redirect(next_url)
    device = next((device for device in devices if device_confirmed_for_login(device)), None)
    if device is None:
        # Set up while the account needed no second factor: only an administrator can vouch for it.
        return render(request, "registration/two_factor_verify.html", {"awaiting_admin": True}, status=403)
    form = TokenForm(request.POST or None)
    if form.is_valid() and _token_accepted(
        request, device, form, lambda token: verify_token(request.user, device.persistent_id, token)
    ):
        _second_factor_login(request, device)
        two_factor_passed(user=request.user, device=device)
        return redirect(next_url)
    return render(request, "registration/two_factor_verify.html", {"form": form, "next": next_url})


@two_factor_page
def setup(request):
    if not two_factor_required(request.user):
        # A device set up now would later count for a role the account does not have yet.
        raise PermissionDenied("Two-factor login is only for accounts that need it.")
    next_url = _next_url(request)
    if TOTPDevice.objects.filter(user=request.user, confirmed=True).exists():
        # Replacing a device is an administrator's job: a stolen password must not enrol a new one.
        messages.info(request, "Two-factor login is already set up for your account.")
        return redirect(_with_next("two_factor_verify", next_url))
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=request.user, name="Authenticator app", confirmed=False)
    form = TokenForm(request.POST or None)
    if form.is_valid() and _token_accepted(request, device, form, device.verify_token):
        device_enrol(user=request.user, device=device)
        _second_factor_login(request, device)
        messages.success(request, "Two-factor login is set up. You will be asked for a code at each login.")
        return redirect(next_url)
    secret = b32encode(device.bin_key).decode()
    return render(
        request,
        "registration/two_factor_setup.html",
        {
            "form": form,
            "next": next_url,
            "qr_code": qr_code_svg(device.config_url),
            # In groups of four, for typing into an app by hand.
            "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        },
    )
