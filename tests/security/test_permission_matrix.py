"""Who may open which URL: every URL of the app x each kind of user -> the expected answer.

The URLs come from the URL conf, so a URL added without a row here fails
`test_every_url_has_a_row`. Outside the admin every URL is checked; the admin
at its index and the guidance screens an editor uses, plus the case and audit
lists an editor must not see.
"""

import uuid

import pytest

from .site_urls import (
    ADMIN_LOGIN,
    ADMIN_URLS,
    LOGIN,
    PEOPLE,
    REDIRECT,
    everyone,
    outcome,
    path_for,
    post_data,
    site_urls,
    url_for,
    url_values,
)

pytestmark = pytest.mark.django_db


def row(anonymous, owner, other_clinician, reviewer, editor):
    return dict(zip(PEOPLE, (anonymous, owner, other_clinician, reviewer, editor), strict=True))


EVERYONE_200 = row(200, 200, 200, 200, 200)
SIGNED_IN_200 = row(LOGIN, 200, 200, 200, 200)

# GET of every URL outside the admin. `number` and `new` name a draft, which only
# guidance editors may preview; the case URLs name the owner's case.
EXPECTED = {
    "home": row(LOGIN, REDIRECT, REDIRECT, REDIRECT, REDIRECT),  # each role to its own start page
    "login": EVERYONE_200,
    "logout": row(405, 405, 405, 405, 405),  # POST only
    "two_factor_verify": row(LOGIN, REDIRECT, REDIRECT, REDIRECT, REDIRECT),
    # Only accounts that need two-factor login set it up; the editor already has a device.
    "two_factor_setup": row(LOGIN, 403, 403, 403, REDIRECT),
    "healthz": EVERYONE_200,
    "guidance:current": SIGNED_IN_200,
    "guidance:versions": SIGNED_IN_200,
    "guidance:version": row(LOGIN, 404, 404, 404, 200),
    "guidance:diff": row(LOGIN, 404, 404, 404, 200),
    "cases:list": row(LOGIN, 200, 200, 200, 403),
    "cases:create": row(LOGIN, 200, 200, 403, 403),
    "cases:preview": row(LOGIN, 405, 405, 403, 403),
    "cases:keep_alive": SIGNED_IN_200,  # only the session's own timing and CSRF token: nothing of a case
    # A role without case rights is refused (403) before any case is looked up; another
    # clinician's case is missing (404): neither answer tells whether the case exists.
    "cases:detail": row(LOGIN, 200, 404, 200, 403),
    "cases:update": row(LOGIN, 200, 404, 403, 403),
    "cases:reassess": row(LOGIN, REDIRECT, 404, 403, 403),  # already under the current guidance
    "cases:assessment": row(LOGIN, 200, 404, 200, 403),
    "cases:compare": row(LOGIN, REDIRECT, 404, REDIRECT, 403),  # one assessment: nothing to compare yet
    "cases:feedback": row(LOGIN, 405, 405, 405, 405),  # POST only
    "cases:review": row(LOGIN, 403, 403, 200, 403),
    "cases:review_export": row(LOGIN, 403, 403, 200, 403),
    "cases:review_detail": row(LOGIN, 403, 403, 200, 403),
    "cases:dashboard": row(LOGIN, 403, 403, 200, 403),
    "cases:dashboard_csv": row(LOGIN, 403, 403, 200, 403),
    "audit:list": row(LOGIN, 403, 403, 200, 403),
    # CDS Hooks: discovery is public (the spec's); the service and feedback are POST only, and
    # authenticate by the EHR's signed token, never a session (tests/interop/test_tokens.py).
    "interop:cds_discovery": EVERYONE_200,
    "interop:cds_service": row(405, 405, 405, 405, 405),
    "interop:cds_feedback": row(405, 405, 405, 405, 405),
    # FHIR exports: as their pages. `number` names a draft, which is never exported.
    "interop:plan_definition": row(LOGIN, 404, 404, 404, 404),
    "interop:request_group": row(LOGIN, 200, 404, 200, 403),
    "audit:export": row(LOGIN, 403, 403, 200, 403),
}

NOT_STAFF = ADMIN_LOGIN  # the admin sends anyone but signed-in staff to its login

# The admin, at the URLs site_urls.ADMIN_URLS chooses.
ADMIN_EXPECTED = {
    "admin:index": row(NOT_STAFF, NOT_STAFF, NOT_STAFF, NOT_STAFF, 200),
    "admin:guidance_guidanceversion_changelist": row(NOT_STAFF, NOT_STAFF, NOT_STAFF, NOT_STAFF, 200),
    "admin:guidance_guidanceversion_change": row(NOT_STAFF, NOT_STAFF, NOT_STAFF, NOT_STAFF, 200),
    "admin:guidance_guidanceversion_publish": row(NOT_STAFF, NOT_STAFF, NOT_STAFF, NOT_STAFF, 200),
    "admin:guidance_guidanceversion_workbench": row(NOT_STAFF, NOT_STAFF, NOT_STAFF, NOT_STAFF, 200),
    "admin:guidance_guidanceversion_condition_builder": row(NOT_STAFF, NOT_STAFF, NOT_STAFF, NOT_STAFF, 200),
    "admin:guidance_guidanceversion_paragraph": row(NOT_STAFF, NOT_STAFF, NOT_STAFF, NOT_STAFF, 200),
    # Trying a draft on typed facts reads no stored case.
    "admin:cases_try_guidance": row(NOT_STAFF, NOT_STAFF, NOT_STAFF, NOT_STAFF, 200),
    # Counts and fact combinations only: an editor reads it without case access.
    "admin:cases_guidance_impact": row(NOT_STAFF, NOT_STAFF, NOT_STAFF, NOT_STAFF, 200),
    "admin:guidance_guidanceversion_review_submit": row(NOT_STAFF, NOT_STAFF, NOT_STAFF, NOT_STAFF, 405),
    "admin:guidance_guidanceversion_review_approve": row(NOT_STAFF, NOT_STAFF, NOT_STAFF, NOT_STAFF, 405),
    "admin:guidance_guidanceversion_review_return": row(NOT_STAFF, NOT_STAFF, NOT_STAFF, NOT_STAFF, 405),
    "admin:guidance_guidanceversion_create_draft": row(NOT_STAFF, NOT_STAFF, NOT_STAFF, NOT_STAFF, 405),
    # Guidance editors hold no case data and no audit trail.
    "admin:cases_case_changelist": row(NOT_STAFF, NOT_STAFF, NOT_STAFF, NOT_STAFF, 403),
    "admin:cases_assessment_changelist": row(NOT_STAFF, NOT_STAFF, NOT_STAFF, NOT_STAFF, 403),
    "admin:audit_auditevent_changelist": row(NOT_STAFF, NOT_STAFF, NOT_STAFF, NOT_STAFF, 403),
}

URLS = site_urls()


@pytest.fixture
def people(make_user, login_two_factor):
    return everyone(make_user, login_two_factor)


@pytest.fixture
def values(people, published_version):
    return url_values(people, published_version)


def answers(people, path, *, method="get", data=None):
    return {person: outcome(getattr(client, method)(path, data or {})) for person, (_, client) in people.items()}


def mismatches(expected, got):
    """The people whose answer differs, as readable lines; empty when all match."""
    return [
        f"{person}: expected {expected[person]!r}, got {got[person]!r}"
        for person in PEOPLE
        if expected[person] != got[person]
    ]


def test_every_url_has_a_row():
    names = [url.name for url in URLS]
    assert None not in names, f"unnamed URL patterns: {[u.route for u in URLS if u.name is None]}"
    missing = sorted(set(names) - set(EXPECTED))
    stale = sorted(set(EXPECTED) - set(names))
    assert not missing, f"URLs with no row in the permission matrix (add one to EXPECTED): {missing}"
    assert not stale, f"rows for URLs that no longer exist: {stale}"


@pytest.mark.parametrize("site_url", [u for u in URLS if u.name in EXPECTED], ids=lambda u: u.name)
def test_each_url_answers_each_kind_of_user_as_expected(site_url, people, values):
    got = answers(people, url_for(site_url, values))
    assert not mismatches(EXPECTED[site_url.name], got), "\n".join(mismatches(EXPECTED[site_url.name], got))


@pytest.mark.parametrize("name", list(ADMIN_EXPECTED))
def test_each_chosen_admin_url_answers_each_kind_of_user_as_expected(name, people, values):
    expected = ADMIN_EXPECTED[name]
    got = answers(people, path_for(name, values))
    assert not mismatches(expected, got), "\n".join(mismatches(expected, got))


CASE_URLS = [u for u in URLS if "case_id" in u.params]


@pytest.mark.parametrize("site_url", CASE_URLS, ids=lambda u: u.name)
def test_a_case_url_does_not_reveal_whether_the_case_exists(site_url, people, values):
    """A case that does not exist gets the refusal an existing case gets (the matrix checks those)."""
    missing = answers(people, url_for(site_url, {**values, "case_id": uuid.uuid4()}))
    for person, real in EXPECTED[site_url.name].items():
        expected = 404 if real in (200, REDIRECT) else real
        assert missing[person] == expected, f"{person}: {missing[person]!r} for a missing case, {real!r} for a real one"


def test_the_case_urls_are_all_in_the_matrix():
    # The guard above is only as good as its coverage: every URL naming a case is a case URL.
    assert {u.name for u in CASE_URLS} >= {
        "cases:detail",
        "cases:update",
        "cases:reassess",
        "cases:assessment",
        "interop:request_group",
    }


def test_a_published_version_is_exported_to_everyone_signed_in(people, published_version):
    """The matrix row names a draft (never exported); the published version answers as its page."""
    got = answers(people, f"/guidance/v/{published_version.number}/fhir/PlanDefinition")
    assert not mismatches(SIGNED_IN_200, got), "\n".join(mismatches(SIGNED_IN_200, got))


# POST to the URLs that change something (without CSRF: tests/security/test_csrf.py checks that).
# Only the person allowed to may change anything, so one person's POST cannot
# change what the next one meets.
POST_EXPECTED = {
    "cases:create": row(LOGIN, REDIRECT, REDIRECT, 403, 403),
    "cases:preview": row(LOGIN, 200, 200, 403, 403),
    "cases:update": row(LOGIN, REDIRECT, 404, 403, 403),
    "cases:reassess": row(LOGIN, REDIRECT, 404, 403, 403),
    # Only the case's clinician gives feedback; reviewers read it, editors hold no case data.
    "cases:feedback": row(LOGIN, REDIRECT, 404, 403, 403),
    "logout": row(LOGIN, LOGIN, LOGIN, LOGIN, LOGIN),
    # No session opens them: only a registered EHR's token.
    "interop:cds_service": row(401, 401, 401, 401, 401),
    "interop:cds_feedback": row(401, 401, 401, 401, 401),
    "admin:guidance_guidanceversion_create_draft": row(NOT_STAFF, NOT_STAFF, NOT_STAFF, NOT_STAFF, REDIRECT),
    "admin:guidance_guidanceversion_publish": row(NOT_STAFF, NOT_STAFF, NOT_STAFF, NOT_STAFF, REDIRECT),
    "admin:guidance_guidanceversion_condition_builder": row(NOT_STAFF, NOT_STAFF, NOT_STAFF, NOT_STAFF, REDIRECT),
    "admin:guidance_guidanceversion_paragraph": row(NOT_STAFF, NOT_STAFF, NOT_STAFF, NOT_STAFF, 200),  # a preview
    "admin:cases_guidance_impact": row(NOT_STAFF, NOT_STAFF, NOT_STAFF, NOT_STAFF, REDIRECT),
    # The editor created the draft: their approval is refused with a message, back to the page.
    "admin:guidance_guidanceversion_review_submit": row(NOT_STAFF, NOT_STAFF, NOT_STAFF, NOT_STAFF, REDIRECT),
    "admin:guidance_guidanceversion_review_approve": row(NOT_STAFF, NOT_STAFF, NOT_STAFF, NOT_STAFF, REDIRECT),
    "admin:guidance_guidanceversion_review_return": row(NOT_STAFF, NOT_STAFF, NOT_STAFF, NOT_STAFF, REDIRECT),
}


@pytest.mark.parametrize("name", list(POST_EXPECTED))
def test_each_change_answers_each_kind_of_user_as_expected(name, people, values):
    got = answers(people, path_for(name, values), method="post", data=post_data(name))
    assert not mismatches(POST_EXPECTED[name], got), "\n".join(mismatches(POST_EXPECTED[name], got))


def test_the_admin_rows_are_the_chosen_admin_urls():
    assert list(ADMIN_EXPECTED) == list(ADMIN_URLS)


def test_the_post_rows_name_real_urls():
    for name in POST_EXPECTED:
        assert name in EXPECTED or name in ADMIN_EXPECTED, name
