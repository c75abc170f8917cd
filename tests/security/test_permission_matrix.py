"""Who may open which URL: every URL of the app x each kind of user -> the expected answer.

The URLs come from the URL conf, so a URL added without a row here fails
`test_every_url_has_a_row`. The kinds of user come from accounts.roles.ROLES
(tests/security/site_urls.PEOPLE), so a role added there is checked URL by URL:
a row that follows from one permission (`Needs`) derives the new role's answer
from the role's permissions; any other row fails, naming the role and the URL,
until it says what the role gets. Outside the admin every URL is checked, the
guidance workbench's (/workbench/) too; the admin at its index and the guidance
versions an editor uses, plus the case and audit lists an editor must not see.
"""

import uuid
from dataclasses import dataclass

import pytest

from accounts.roles import CLINICIAN, ROLES

from .site_urls import (
    ADMIN_LOGIN,
    ADMIN_URLS,
    ANONYMOUS,
    EDITOR,
    LOGIN,
    OTHER_CLINICIAN,
    OWNER,
    PEOPLE,
    REDIRECT,
    REVIEWER,
    ROLE_OF_PERSON,
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
    """The answers of the people of today's roles; a role added since has none here until the row names it."""
    people = (ANONYMOUS, OWNER, OTHER_CLINICIAN, REVIEWER, EDITOR)
    return dict(zip(people, (anonymous, owner, other_clinician, reviewer, editor), strict=True))


@dataclass(frozen=True)
class Needs:
    """A URL whose answer follows from one permission ("app_label.codename"): each role's answer is derived."""

    permission: str
    granted: object = 200
    refused: object = 403
    anonymous: object = LOGIN


def expected_answer(expectation, person, url_name):
    """What `person` should get at `url_name`; a role the row does not name fails the test, saying which."""
    if isinstance(expectation, Needs):
        if person == ANONYMOUS:
            return expectation.anonymous
        app_label, codename = expectation.permission.split(".")
        granted = (app_label, codename) in ROLE_OF_PERSON[person].permissions
        return expectation.granted if granted else expectation.refused
    if person not in expectation:
        role = ROLE_OF_PERSON[person].name
        pytest.fail(f"The permission matrix says nothing of role {role!r} at {url_name}: add its answer to the row.")
    return expectation[person]


EVERYONE_200 = row(200, 200, 200, 200, 200)
NOT_STAFF = ADMIN_LOGIN  # the admin (and the workbench, at its door) sends anyone but signed-in staff to its login
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
    "guidance:classification": SIGNED_IN_200,  # the WHO 2022 criteria the subtype check reads: no case data
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
    "cases:subtype_apply": row(LOGIN, 405, 405, 405, 405),  # POST only
    "cases:review": Needs("cases.review_all_cases"),
    "cases:review_export": Needs("cases.review_all_cases"),
    "cases:review_detail": Needs("cases.review_all_cases"),
    "cases:dashboard": Needs("cases.review_all_cases"),
    "cases:dashboard_csv": Needs("cases.review_all_cases"),
    "audit:list": Needs("audit.view_auditevent"),
    # CDS Hooks: discovery is public (the spec's); the service and feedback are POST only, and
    # authenticate by the EHR's signed token, never a session (tests/interop/test_tokens.py).
    "interop:cds_discovery": EVERYONE_200,
    "interop:cds_service": row(405, 405, 405, 405, 405),
    "interop:cds_feedback": row(405, 405, 405, 405, 405),
    # FHIR exports: as their pages. `number` names a draft, which is never exported.
    "interop:plan_definition": row(LOGIN, 404, 404, 404, 404),
    "interop:request_group": row(LOGIN, 200, 404, 200, 403),
    "audit:export": Needs("audit.view_auditevent"),
    # The guidance workbench: behind the admin's door (staff past the two-factor step), outside its URLs.
    "workbench:start": row(NOT_STAFF, NOT_STAFF, NOT_STAFF, NOT_STAFF, REDIRECT),  # to the draft's workbench
    "workbench:create_draft": row(NOT_STAFF, NOT_STAFF, NOT_STAFF, NOT_STAFF, 405),
    "workbench:version": row(NOT_STAFF, NOT_STAFF, NOT_STAFF, NOT_STAFF, 200),
    "workbench:paragraph": row(NOT_STAFF, NOT_STAFF, NOT_STAFF, NOT_STAFF, 200),
    "workbench:condition_builder": row(NOT_STAFF, NOT_STAFF, NOT_STAFF, NOT_STAFF, 200),
    "workbench:publish": row(NOT_STAFF, NOT_STAFF, NOT_STAFF, NOT_STAFF, 200),
    "workbench:add_regression_case": row(NOT_STAFF, NOT_STAFF, NOT_STAFF, NOT_STAFF, 405),
    "workbench:review_submit": row(NOT_STAFF, NOT_STAFF, NOT_STAFF, NOT_STAFF, 405),
    "workbench:review_approve": row(NOT_STAFF, NOT_STAFF, NOT_STAFF, NOT_STAFF, 405),
    "workbench:review_return": row(NOT_STAFF, NOT_STAFF, NOT_STAFF, NOT_STAFF, 405),
    # Trying a draft on typed facts reads no stored case.
    "workbench:try_case": row(NOT_STAFF, NOT_STAFF, NOT_STAFF, NOT_STAFF, 200),
    # Counts and fact combinations only: an editor reads it without case access.
    "workbench:impact": row(NOT_STAFF, NOT_STAFF, NOT_STAFF, NOT_STAFF, 200),
    # The classification record's workbench: gated as the admin is (staff past the two-factor step), and to
    # guidance editors. `number` names a guidance draft, which is no version of the classification record.
    "classification_workbench:overview": row(ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 200),
    "classification_workbench:create_draft": row(ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 405),
    "classification_workbench:edit": row(ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 404),
    "classification_workbench:submit": row(ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 405),
    "classification_workbench:return": row(ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 405),
    "classification_workbench:publish": row(ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 405),
}

# The admin, at the URLs site_urls.ADMIN_URLS chooses.
ADMIN_EXPECTED = {
    "admin:index": row(NOT_STAFF, NOT_STAFF, NOT_STAFF, NOT_STAFF, 200),
    "admin:guidance_guidanceversion_changelist": row(NOT_STAFF, NOT_STAFF, NOT_STAFF, NOT_STAFF, 200),
    "admin:guidance_guidanceversion_change": row(NOT_STAFF, NOT_STAFF, NOT_STAFF, NOT_STAFF, 200),
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


def mismatches(expectation, got, url_name):
    """The people whose answer differs, as readable lines; empty when all match."""
    lines = []
    for person in PEOPLE:
        expected = expected_answer(expectation, person, url_name)
        if expected != got[person]:
            lines.append(f"{person}: expected {expected!r}, got {got[person]!r}")
    return lines


def test_the_people_are_every_role_and_a_second_clinician():
    roles_checked = [ROLE_OF_PERSON[person].name for person in PEOPLE if person != ANONYMOUS]
    assert sorted(set(roles_checked)) == sorted(role.name for role in ROLES)
    assert roles_checked.count(CLINICIAN) == 2  # the owner of the case and another clinician


def test_a_row_that_does_not_name_a_role_fails_naming_the_role_and_url():
    without_editor = dict.fromkeys((ANONYMOUS, OWNER, OTHER_CLINICIAN, REVIEWER), 200)
    with pytest.raises(pytest.fail.Exception, match="role 'Guidance editor' at cases:list"):
        expected_answer(without_editor, EDITOR, "cases:list")


def test_a_permission_row_derives_each_roles_answer():
    needs_review = Needs("cases.review_all_cases")
    answers_by_person = {person: expected_answer(needs_review, person, "cases:review") for person in PEOPLE}
    assert answers_by_person == {ANONYMOUS: LOGIN, OWNER: 403, OTHER_CLINICIAN: 403, REVIEWER: 200, EDITOR: 403}


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
    wrong = mismatches(EXPECTED[site_url.name], got, site_url.name)
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("name", list(ADMIN_EXPECTED))
def test_each_chosen_admin_url_answers_each_kind_of_user_as_expected(name, people, values):
    got = answers(people, path_for(name, values))
    wrong = mismatches(ADMIN_EXPECTED[name], got, name)
    assert not wrong, "\n".join(wrong)


CASE_URLS = [u for u in URLS if "case_id" in u.params]


@pytest.mark.parametrize("site_url", CASE_URLS, ids=lambda u: u.name)
def test_a_case_url_does_not_reveal_whether_the_case_exists(site_url, people, values):
    """A case that does not exist gets the refusal an existing case gets (the matrix checks those)."""
    missing = answers(people, url_for(site_url, {**values, "case_id": uuid.uuid4()}))
    for person in PEOPLE:
        real = expected_answer(EXPECTED[site_url.name], person, site_url.name)
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
    wrong = mismatches(SIGNED_IN_200, got, "interop:plan_definition")
    assert not wrong, "\n".join(wrong)


# POST to the URLs that change something (without CSRF: tests/security/test_csrf.py checks that).
# Only the person allowed to may change anything, so one person's POST cannot
# change what the next one meets.
POST_EXPECTED = {
    "cases:create": row(LOGIN, REDIRECT, REDIRECT, 403, 403),
    "cases:preview": row(LOGIN, 200, 200, 403, 403),
    "cases:update": row(LOGIN, REDIRECT, 404, 403, 403),
    "cases:reassess": row(LOGIN, REDIRECT, 404, 403, 403),
    # Only the case's clinician applies what the subtype check proposes (refused here: nothing is proposed).
    "cases:subtype_apply": row(LOGIN, REDIRECT, 404, 403, 403),
    # Only the case's clinician gives feedback; reviewers read it, editors hold no case data.
    "cases:feedback": row(LOGIN, REDIRECT, 404, 403, 403),
    "logout": row(LOGIN, LOGIN, LOGIN, LOGIN, LOGIN),
    # No session opens them: only a registered EHR's token.
    "interop:cds_service": row(401, 401, 401, 401, 401),
    "interop:cds_feedback": row(401, 401, 401, 401, 401),
    "workbench:create_draft": row(NOT_STAFF, NOT_STAFF, NOT_STAFF, NOT_STAFF, REDIRECT),
    "workbench:publish": row(NOT_STAFF, NOT_STAFF, NOT_STAFF, NOT_STAFF, REDIRECT),
    "workbench:condition_builder": row(NOT_STAFF, NOT_STAFF, NOT_STAFF, NOT_STAFF, REDIRECT),
    "workbench:paragraph": row(NOT_STAFF, NOT_STAFF, NOT_STAFF, NOT_STAFF, 200),  # a preview
    "workbench:impact": row(NOT_STAFF, NOT_STAFF, NOT_STAFF, NOT_STAFF, REDIRECT),
    # The editor created the draft: their approval is refused with a message, back to the page.
    "workbench:review_submit": row(NOT_STAFF, NOT_STAFF, NOT_STAFF, NOT_STAFF, REDIRECT),
    "workbench:review_approve": row(NOT_STAFF, NOT_STAFF, NOT_STAFF, NOT_STAFF, REDIRECT),
    "workbench:review_return": row(NOT_STAFF, NOT_STAFF, NOT_STAFF, NOT_STAFF, REDIRECT),
    # Only guidance editors draft the classification record (then sent to edit it).
    "classification_workbench:create_draft": row(NOT_STAFF, NOT_STAFF, NOT_STAFF, NOT_STAFF, REDIRECT),
}


@pytest.mark.parametrize("name", list(POST_EXPECTED))
def test_each_change_answers_each_kind_of_user_as_expected(name, people, values):
    got = answers(people, path_for(name, values), method="post", data=post_data(name))
    wrong = mismatches(POST_EXPECTED[name], got, f"{name} (POST)")
    assert not wrong, "\n".join(wrong)


def test_the_admin_rows_are_the_chosen_admin_urls():
    assert list(ADMIN_EXPECTED) == list(ADMIN_URLS)


def test_the_post_rows_name_real_urls():
    for name in POST_EXPECTED:
        assert name in EXPECTED or name in ADMIN_EXPECTED, name
