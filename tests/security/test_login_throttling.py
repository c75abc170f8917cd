"""Failed logins: django-axes locks out a username from an address; across addresses the username waits a little."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from accounts.audit_names import AccountAction
from audit.models import AuditEvent

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db


def post_login(client, username, password, address="192.0.2.10"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def test_it_accepts_the_right_password(client, clinician):
    response = post_login(client, "clinician", PASSWORD)
    assert response.status_code == 302
    assert response.wsgi_request.user.is_authenticated


def test_it_locks_out_after_the_failure_limit(client, clinician, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = post_login(client, "clinician", "wrong")
        assert response.status_code == 200
        assert "Please enter a correct username and password" in response.content.decode()
    response = post_login(client, "clinician", "wrong")
    assert response.status_code == 429

    # Locked out: even the right password is refused, with the lockout page.
    response = post_login(client, "clinician", PASSWORD)
    assert response.status_code == 429
    assert "Too many login attempts" in response.content.decode()
    assert not response.wsgi_request.user.is_authenticated


def test_the_lockout_does_not_reach_the_same_user_from_another_address(client, clinician, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        post_login(client, "clinician", "wrong", address="192.0.2.10")
    assert post_login(client, "clinician", PASSWORD, address="192.0.2.10").status_code == 429
    assert post_login(client, "clinician", PASSWORD, address="198.51.100.7").status_code == 302


def test_a_successful_login_clears_the_count(client, clinician, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        post_login(client, "clinician", "wrong")
    assert post_login(client, "clinician", PASSWORD).status_code == 302
    client.post(reverse("logout"))
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert post_login(client, "clinician", "wrong").status_code == 200
    assert post_login(client, "clinician", PASSWORD).status_code == 302


def test_it_records_failed_logins_and_the_lockout_without_the_password(client, clinician, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        post_login(client, "clinician", "hunter2-secret")
    failed = AuditEvent.objects.filter(action=AccountAction.LOGIN_FAILED)
    assert failed.count() == settings.AXES_FAILURE_LIMIT
    event = failed.first()
    assert event.actor is None
    assert event.details == {"username": "clinician"}
    assert event.ip_address == "192.0.2.10"
    assert AuditEvent.objects.filter(action=AccountAction.LOCKED_OUT, details__username="clinician").exists()
    assert not AuditEvent.objects.filter(details__icontains="hunter2").exists()


# ---------------------------------------------------------------- per username, across addresses


def failed_logins(username, count, *, at):
    for n in range(count):
        AuditEvent.objects.create(
            action=AccountAction.LOGIN_FAILED,
            details={"username": username},
            ip_address=f"203.0.113.{n % 250}",
            created_at=at,
        )


def wait_in(response):
    [error] = response.context["form"].errors["username"]
    match = re.fullmatch(
        r"There have been many failed logins for this username\. Wait (\d+) seconds?, then try again\.", error
    )
    assert match, error
    assert escape(error) in response.content.decode()
    return int(match.group(1))


def test_a_spray_from_many_addresses_makes_the_username_wait(client, clinician, settings):
    assert settings.LOGIN_USERNAME_FAILURE_LIMIT > settings.AXES_FAILURE_LIMIT
    for n in range(settings.LOGIN_USERNAME_FAILURE_LIMIT):
        # One guess per address: django-axes, counting per username and address, never trips.
        assert post_login(client, "clinician", "wrong", address=f"198.51.100.{n}").status_code == 200

    response = post_login(client, "clinician", PASSWORD, address="192.0.2.99")
    assert response.status_code == 429
    assert not response.wsgi_request.user.is_authenticated
    cooloff = settings.LOGIN_USERNAME_COOLOFF.total_seconds()
    assert cooloff - 5 <= wait_in(response) <= cooloff
    event = AuditEvent.objects.filter(action=AccountAction.LOCKED_OUT).get()
    assert event.details["username"] == "clinician"
    assert event.details["across_addresses"] is True


def test_while_it_waits_no_password_is_tried(client, clinician, settings):
    failed_logins("clinician", settings.LOGIN_USERNAME_FAILURE_LIMIT, at=timezone.now())
    before = AuditEvent.objects.filter(action=AccountAction.LOGIN_FAILED).count()
    assert post_login(client, "clinician", "another-guess").status_code == 429
    assert post_login(client, "clinician", PASSWORD).status_code == 429
    # Not counted as failures: waiting does not make the wait longer.
    assert AuditEvent.objects.filter(action=AccountAction.LOGIN_FAILED).count() == before


def test_after_the_short_wait_the_real_user_gets_in(client, clinician, settings):
    failed_logins(
        "clinician", settings.LOGIN_USERNAME_FAILURE_LIMIT, at=timezone.now() - settings.LOGIN_USERNAME_COOLOFF
    )
    response = post_login(client, "clinician", PASSWORD)
    assert response.status_code == 302
    assert response.wsgi_request.user.is_authenticated


def test_fewer_failures_or_older_ones_do_not_slow_anyone(client, clinician, settings):
    limit = settings.LOGIN_USERNAME_FAILURE_LIMIT
    failed_logins("clinician", limit - 1, at=timezone.now())
    failed_logins("clinician", limit, at=timezone.now() - settings.LOGIN_USERNAME_WINDOW - timedelta(minutes=1))
    assert post_login(client, "clinician", PASSWORD).status_code == 302


def test_other_usernames_are_not_slowed(client, clinician, outsider, settings):
    failed_logins("clinician", settings.LOGIN_USERNAME_FAILURE_LIMIT, at=timezone.now())
    assert post_login(client, "outsider", PASSWORD).status_code == 302
