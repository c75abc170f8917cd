"""Sessions: new id at login, gone at logout, ended after inactivity and after 12 hours."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from accounts.audit_names import AccountAction
from audit.models import AuditEvent

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db


def page(client, **headers):
    return client.get(reverse("guidance:current"), headers=headers)


def session_key(client):
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def test_the_session_id_changes_at_login(client, clinician):
    anonymous = client.session
    anonymous["seen"] = True
    anonymous.save()
    before = session_key(client)

    response = client.post(reverse("login"), {"username": "clinician", "password": PASSWORD})

    assert response.status_code == 302
    assert session_key(client) != before
    assert not Session.objects.filter(session_key=before).exists()


def test_the_old_cookie_gives_no_access_after_logout(client, clinician, published_version):
    client.force_login(clinician)
    old = session_key(client)
    assert page(client).status_code == 200

    client.post(reverse("logout"))

    replay = Client()
    replay.cookies[settings.SESSION_COOKIE_NAME] = old
    response = page(replay)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert not Session.objects.filter(session_key=old).exists()


def test_it_records_login_and_logout(client, clinician):
    client.post(reverse("login"), {"username": "clinician", "password": PASSWORD}, REMOTE_ADDR="203.0.113.5")
    client.post(reverse("logout"), REMOTE_ADDR="203.0.113.5")
    login, logout = AuditEvent.objects.order_by("pk").filter(actor=clinician)
    assert (login.action, login.ip_address, login.actor_username) == (AccountAction.LOGIN, "203.0.113.5", "clinician")
    assert (logout.action, logout.ip_address, logout.details) == (AccountAction.LOGOUT, "203.0.113.5", {})


def test_it_ends_a_session_after_30_minutes_without_activity(client, clinician, published_version):
    assert settings.SESSION_IDLE_TIMEOUT == 30 * 60
    start = timezone.now()
    with freeze_time(start) as clock:
        client.force_login(clinician)
        old = session_key(client)
        assert page(client).status_code == 200
        clock.tick(timedelta(minutes=29))
        assert page(client).status_code == 200
        clock.tick(timedelta(minutes=31))

        response = page(client)

        assert response.status_code == 302
        assert response["Location"] == f"{reverse('login')}?next={reverse('guidance:current')}"
        login_page = client.get(response["Location"])
        assert "logged out after 30 minutes without activity" in login_page.content.decode()
        assert not Session.objects.filter(session_key=old).exists()
    event = AuditEvent.objects.get(action=AccountAction.LOGOUT)
    assert event.details == {"reason": "session_idle"}


def test_activity_keeps_the_session_alive(client, clinician, published_version):
    with freeze_time(timezone.now()) as clock:
        client.force_login(clinician)
        for _ in range(6):  # three hours, a request every 25 minutes
            clock.tick(timedelta(minutes=25))
            assert page(client).status_code == 200


def test_it_ends_a_session_12_hours_after_login_however_active(client, clinician, published_version):
    assert settings.SESSION_ABSOLUTE_TIMEOUT == 12 * 60 * 60
    with freeze_time(timezone.now()) as clock:
        client.force_login(clinician)
        for _ in range(28):  # 11 h 40 min of steady use
            clock.tick(timedelta(minutes=25))
            assert page(client).status_code == 200
        clock.tick(timedelta(minutes=25))

        response = page(client)

        assert response.status_code == 302
        assert "12 hours after login" in client.get(response["Location"]).content.decode()
    assert AuditEvent.objects.get(action=AccountAction.LOGOUT).details == {"reason": "session_absolute"}


def test_an_htmx_request_after_expiry_reloads_the_whole_login_page(client, clinician, published_version):
    with freeze_time(timezone.now()) as clock:
        client.force_login(clinician)
        clock.tick(timedelta(minutes=45))
        current = "http://testserver" + reverse("guidance:current") + "?tab=rules"

        response = page(client, HX_Request="true", HX_Current_URL=current)

    assert response.status_code == 200
    assert response["HX-Redirect"] == f"{reverse('login')}?next=/guidance/%3Ftab%3Drules"


def session_writes(client):
    with CaptureQueriesContext(connection) as captured:
        assert page(client).status_code == 200
    return [q["sql"] for q in captured.captured_queries if q["sql"].startswith('UPDATE "django_session"')]


def test_an_active_session_is_written_at_most_once_a_minute(client, clinician, published_version):
    with freeze_time(timezone.now()) as clock:
        client.force_login(clinician)
        assert session_writes(client) == []
        clock.tick(timedelta(seconds=50))
        assert session_writes(client) == []
        clock.tick(timedelta(seconds=20))
        assert len(session_writes(client)) == 1


def test_the_reason_a_session_ended_outlives_later_background_previews(client, clinician, published_version):
    # The form's preview keeps posting after the session ended; htmx follows the 302 to the login page
    # in the background. The message must still be there for the login page the person opens.
    htmx = {"HX-Request": "true", "HX-Current-URL": "http://testserver" + reverse("cases:create")}
    with freeze_time(timezone.now()) as clock:
        client.force_login(clinician)
        clock.tick(timedelta(minutes=45))
        first = client.post(reverse("cases:preview"), {"subtype": "ISM"}, headers=htmx)
        assert first["HX-Redirect"].startswith(reverse("login"))
        later = client.post(reverse("cases:preview"), {"subtype": "ISM"}, headers=htmx)
        assert later.status_code == 302
        in_background = client.get(later["Location"], headers=htmx)
        assert "without activity" not in in_background.content.decode()

        opened = client.get(first["HX-Redirect"]).content.decode()

    assert "You were logged out after 30 minutes without activity. Please log in again." in opened
