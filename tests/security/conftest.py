"""Helpers for the security tests: a reviewer, a superuser, and TOTP codes."""

import pytest
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

PASSWORD = "correct-horse-battery-staple"  # the make_user fixture's password


def current_code(device):
    """The code an authenticator app shows now for this device."""
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift):06d}"


def wrong_code(device):
    return f"{(int(current_code(device)) + 1) % 1_000_000:06d}"


@pytest.fixture
def reviewer(make_user):
    return make_user("reviewer", perms=["audit.view_auditevent"])


@pytest.fixture
def superuser(make_user):
    return make_user("root", staff=True, superuser=True)


@pytest.fixture
def totp_device():
    def make(user, *, confirmed=True):
        return TOTPDevice.objects.create(user=user, name="phone", confirmed=confirmed)

    return make


@pytest.fixture
def login_two_factor(totp_device):
    """Log a staff user in as after a completed two-factor step."""

    def login(client, user):
        device = totp_device(user)
        client.force_login(user)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
        return device

    return login
