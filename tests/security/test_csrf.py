"""CSRF: every URL refuses a POST without a valid token, whoever sends it.

The URLs come from the URL conf (tests/security/site_urls.py), so a new URL is
covered without being listed. The clients check CSRF as a browser's requests
are checked (Django's test client skips the check unless told not to).
"""

import pytest
from django.conf import settings
from django.urls import reverse

from accounts.audit_names import AccountAction
from audit.models import AuditEvent
from cases.models import Case
from guidance.models import GuidanceVersion

from .site_urls import (
    ADMIN_URLS,
    ANONYMOUS,
    EDITOR,
    LOGIN,
    OWNER,
    REDIRECT,
    everyone,
    outcome,
    path_for,
    post_data,
    site_urls,
    url_values,
)

pytestmark = pytest.mark.django_db

# The CDS Hooks endpoints are exempt: no cookie authenticates them, only the EHR's signed token
# (CDS Hooks 2.0.1), so a forged cross-site POST has nothing to ride on. They are checked below.
TOKEN_AUTHENTICATED = ["interop:cds_service", "interop:cds_feedback"]
NAMES = [u.name for u in site_urls() if u.name not in TOKEN_AUTHENTICATED] + list(ADMIN_URLS)

# Django's own refusal page (the project has no 403_csrf.html).
CSRF_REFUSAL = b"CSRF verification failed"


@pytest.fixture
def people(make_user, login_two_factor):
    return everyone(make_user, login_two_factor, enforce_csrf_checks=True)


@pytest.fixture
def values(people, published_version):
    return url_values(people, published_version)


def token(client):
    """The CSRF token a page would put in its forms for this client."""
    client.get(reverse("login"))
    return client.cookies[settings.CSRF_COOKIE_NAME].value


def refused_for_csrf(response):
    return response.status_code == 403 and CSRF_REFUSAL in response.content


@pytest.mark.parametrize("name", NAMES)
def test_every_url_refuses_a_post_without_a_token(name, people, values):
    path = path_for(name, values)
    let_through = [
        f"{person}: {outcome(response)!r}"
        for person, (_, client) in people.items()
        if not refused_for_csrf(response := client.post(path, post_data(name)))
    ]
    assert not let_through, f"POST {path} without a CSRF token was not refused for " + ", ".join(let_through)


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_other_unsafe_methods_need_a_token_too(method, people, values):
    _, client = people[OWNER]
    response = getattr(client, method)(path_for("cases:update", values))
    assert refused_for_csrf(response)


def test_a_token_from_another_session_is_refused(people, values):
    _, owner = people[OWNER]
    _, other = people[ANONYMOUS]
    data = {**post_data("cases:create"), "csrfmiddlewaretoken": token(other)}
    token(owner)  # the owner's own cookie, which the other token does not match
    response = owner.post(reverse("cases:create"), data)
    assert refused_for_csrf(response)
    assert not Case.objects.exclude(pk=values["case_id"]).exists()


def test_a_request_from_another_origin_is_refused_even_with_a_token(people, values):
    _, owner = people[OWNER]
    data = {**post_data("cases:create"), "csrfmiddlewaretoken": token(owner)}
    response = owner.post(reverse("cases:create"), data, headers={"Origin": "https://attacker.example"})
    assert refused_for_csrf(response)
    assert not Case.objects.exclude(pk=values["case_id"]).exists()


# The same POSTs with the page's token go through: the refusals above are CSRF's, not the views'.
WITH_TOKEN = {
    "cases:create": (OWNER, REDIRECT),
    "cases:preview": (OWNER, 200),
    "cases:update": (OWNER, REDIRECT),
    "cases:reassess": (OWNER, REDIRECT),
    "cases:feedback": (OWNER, REDIRECT),
    "logout": (OWNER, LOGIN),
    "workbench:create_draft": (EDITOR, REDIRECT),
    "workbench:publish": (EDITOR, REDIRECT),
    "workbench:condition_builder": (EDITOR, REDIRECT),
    "workbench:paragraph": (EDITOR, 200),
    "workbench:impact": (EDITOR, REDIRECT),
    "workbench:review_submit": (EDITOR, REDIRECT),
    "workbench:review_approve": (EDITOR, REDIRECT),
    "workbench:review_return": (EDITOR, REDIRECT),
}


@pytest.mark.parametrize("name", list(WITH_TOKEN))
def test_with_its_token_each_change_goes_through(name, people, values):
    person, expected = WITH_TOKEN[name]
    _, client = people[person]
    data = {**post_data(name), "csrfmiddlewaretoken": token(client)}
    response = client.post(path_for(name, values), data)
    assert not refused_for_csrf(response)
    assert outcome(response) == expected


def test_with_a_token_the_changes_really_happen(people, values):
    _, client = people[OWNER]
    data = {**post_data("cases:update"), "csrfmiddlewaretoken": token(client)}
    assert outcome(client.post(path_for("cases:update", values), data)) == REDIRECT
    assert Case.objects.get(pk=values["case_id"]).subtype == "SSM"

    _, admin = people[EDITOR]
    data = {**post_data("workbench:publish"), "csrfmiddlewaretoken": token(admin)}
    assert outcome(admin.post(path_for("workbench:publish", values), data)) == REDIRECT
    assert GuidanceVersion.objects.get(pk=values["object_id"]).status == GuidanceVersion.Status.PUBLISHED


def test_the_login_form_needs_a_token(people, make_user):
    _, client = people[ANONYMOUS]
    user = make_user("csrf-login")
    credentials = {"username": "csrf-login", "password": "correct-horse-battery-staple"}
    assert refused_for_csrf(client.post(reverse("login"), credentials))
    assert not AuditEvent.objects.filter(action=AccountAction.LOGIN, actor=user).exists()
    response = client.post(reverse("login"), {**credentials, "csrfmiddlewaretoken": token(client)})
    assert outcome(response) == REDIRECT


@pytest.mark.parametrize("name", TOKEN_AUTHENTICATED)
def test_the_token_authenticated_endpoints_refuse_a_signed_in_browser_without_a_token(name, people, values):
    """A session (even with its CSRF token) opens nothing there: without the EHR's token it is 401."""
    path = path_for(name, values)
    for person, (_, client) in people.items():
        response = client.post(path, "{}", content_type="application/json")
        assert response.status_code == 401, f"{person}: {response.status_code}"
        assert "bearer token" in response.json()["error"]
