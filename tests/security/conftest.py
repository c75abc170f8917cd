"""Helpers for the security tests: a reviewer, a superuser, and TOTP codes (devices are in tests/conftest.py)."""

import pytest
from django_otp.oath import totp

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
