"""django-axes: failed logins lock out a username from an address for a while."""

import pytest
from django.urls import reverse

from audit.models import Action, AuditEvent

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
    failed = AuditEvent.objects.filter(action=Action.LOGIN_FAILED)
    assert failed.count() == settings.AXES_FAILURE_LIMIT
    event = failed.first()
    assert event.actor is None
    assert event.details == {"username": "clinician"}
    assert event.ip_address == "192.0.2.10"
    assert AuditEvent.objects.filter(action=Action.LOCKED_OUT, details__username="clinician").exists()
    assert not AuditEvent.objects.filter(details__icontains="hunter2").exists()
