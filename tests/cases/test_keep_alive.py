"""The case form's sign of life: it keeps the session going and says how long it may stay idle."""

import time

import pytest
from django.urls import reverse

from accounts.middleware import SEEN_AT

pytestmark = pytest.mark.django_db


def test_it_requires_login(client):
    response = client.get(reverse("cases:keep_alive"))
    assert response.status_code == 302


def test_it_counts_as_activity_and_says_how_long_the_session_may_stay_idle(client, clinician, settings):
    settings.SESSION_IDLE_TIMEOUT = 600
    client.force_login(clinician)
    session = client.session
    session[SEEN_AT] = time.time() - 300  # five minutes without a request
    session.save()

    answer = client.get(reverse("cases:keep_alive")).json()

    assert 598 <= answer["idle_seconds_left"] <= 600  # the request itself was activity
    assert client.session[SEEN_AT] > time.time() - 5
    assert answer["csrf_token"]


def test_an_ended_session_is_not_extended(client, clinician, settings):
    settings.SESSION_IDLE_TIMEOUT = 60
    client.force_login(clinician)
    session = client.session
    session[SEEN_AT] = time.time() - 120
    session.save()
    response = client.get(reverse("cases:keep_alive"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_form_tells_its_script_how_long_the_session_may_stay_idle(client, clinician, settings, published_version):
    settings.SESSION_IDLE_TIMEOUT = 900
    client.force_login(clinician)
    html = client.get(reverse("cases:create")).content.decode()
    assert 'data-idle-seconds-left="900"' in html or 'data-idle-seconds-left="899"' in html
    assert f'data-draft-key="{clinician.pk}:new"' in html
    assert 'data-login-url="/accounts/login/?next=/cases/new/"' in html
