"""Failed logins: django-axes locks out a username from an address; across addresses the username waits a little."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from freezegun import freeze_time

from accounts import login_throttling
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


# ---------------------------------------------------------------- a spray must not keep the real user out (issue 24)


def attacker_addresses():
    n = 0
    while True:
        n += 1
        yield f"127.0.{n // 250}.{n % 250 + 1}"


def replay_spray(attacker, real_user, *, seconds, first_try_at, real_address):
    """The probe's attack: three threads, about 10 wrong passwords a second for `clinician`, each from a
    new address. The real user tries at `first_try_at` and, when told to wait, waits as told and tries
    again. Returns the seconds after the attack began at which the real user got in, or None."""
    addresses = attacker_addresses()
    with freeze_time("2026-01-05 09:00:00") as clock:
        next_try = first_try_at
        for tick in range(seconds * 10):
            now = tick / 10
            # Three threads, each a little over 3 guesses a second: the first after the cool-off always wins.
            post_login(attacker, "clinician", f"guess-{tick}", address=next(addresses))
            if now >= next_try:
                response = post_login(real_user, "clinician", PASSWORD, address=real_address)
                if response.status_code == 302:
                    return now
                next_try = now + wait_in(response)
            clock.tick(0.1)
    return None


@pytest.fixture
def returning_user(client, clinician):
    """The clinician's browser, which logged in yesterday from the ward's address and logged out."""
    with freeze_time("2026-01-04 09:00:00"):
        assert post_login(client, "clinician", PASSWORD, address="192.0.2.50").status_code == 302
        client.post(reverse("logout"))
    return client


def test_a_spray_from_many_addresses_does_not_keep_the_real_user_out(returning_user, settings):
    # The browser that logged in before, now on another network (its cookie says who it knew).
    got_in = replay_spray(Client(), returning_user, seconds=45, first_try_at=5, real_address="198.51.100.23")
    assert got_in == 5  # within the documented wait, which for a known client is none
    assert AuditEvent.objects.filter(action=AccountAction.LOGIN_FAILED).count() >= settings.LOGIN_USERNAME_FAILURE_LIMIT


def test_a_spray_does_not_keep_the_real_user_out_at_a_known_address(returning_user, settings):
    # Another browser on the ward's computer, where the clinician logged in yesterday.
    got_in = replay_spray(Client(), Client(), seconds=45, first_try_at=5, real_address="192.0.2.50")
    assert got_in == 5


def test_without_the_known_client_rule_the_spray_wins_every_race(returning_user, settings, monkeypatch):
    """What the probe saw: the attacker's first guess after each cool-off always comes first."""
    monkeypatch.setattr(login_throttling, "login_known_client", lambda request, username: False)
    assert replay_spray(Client(), returning_user, seconds=45, first_try_at=5, real_address="198.51.100.23") is None


def test_an_unknown_client_still_waits_during_a_spray(client, clinician, settings):
    failed_logins("clinician", settings.LOGIN_USERNAME_FAILURE_LIMIT, at=timezone.now())
    response = post_login(client, "clinician", PASSWORD, address="198.51.100.99")
    assert response.status_code == 429
    client.cookies[login_throttling.KNOWN_CLIENT_COOKIE] = "forged"
    assert post_login(client, "clinician", PASSWORD, address="198.51.100.99").status_code == 429


def test_a_known_client_cookie_is_for_its_own_username_only(returning_user, outsider, settings):
    failed_logins("outsider", settings.LOGIN_USERNAME_FAILURE_LIMIT, at=timezone.now())
    assert post_login(returning_user, "outsider", PASSWORD, address="198.51.100.5").status_code == 429


def test_a_known_address_with_recent_failures_waits_like_any_other(returning_user, clinician, settings):
    failed_logins("clinician", settings.LOGIN_USERNAME_FAILURE_LIMIT, at=timezone.now())
    post_login(Client(), "clinician", "wrong", address="192.0.2.50")
    assert post_login(Client(), "clinician", PASSWORD, address="192.0.2.50").status_code == 429
