"""axe-core (bundled by axe-playwright-python, injected through the DevTools protocol) on each main page."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from cases.services import case_update
from guidance import publishing
from guidance.models import Rule
from tests.cases.factories import make_case, publish_revision

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

axe = Axe()


def assert_no_violations(page):
    results = axe.run(page)
    assert results.violations_count == 0, results.generate_report()


def test_the_login_page_has_no_violations(page, live_server):
    page.goto(f"{live_server.url}/accounts/login/")
    assert_no_violations(page)


def test_the_case_form_with_its_preview_has_no_violations(page, live_server, clinician, log_in):
    log_in(clinician)
    page.goto(f"{live_server.url}/cases/new/")
    assert_no_violations(page)
    page.get_by_label("Subtype").select_option("SSM")
    page.get_by_label("Recurrent anaphylaxis").check()
    page.get_by_label("Flushing").check()
    expect(page.locator('#preview [data-paragraph="recurrent-anaphylaxis"]').first).to_be_visible()
    assert_no_violations(page)


def test_the_form_with_errors_has_no_violations(page, live_server, clinician, log_in):
    log_in(clinician)
    page.goto(f"{live_server.url}/cases/new/")
    page.get_by_label("Baseline serum tryptase").fill("-5")
    page.get_by_role("button", name="Save and assess").click()
    expect(page.locator("#form-errors")).to_be_visible()
    expect(page.locator("#preview .preview-errors")).to_be_visible()
    assert_no_violations(page)


def test_the_management_page_has_no_violations(page, live_server, clinician, log_in):
    case = make_case(
        clinician,
        subtype="ASM",
        symptoms=["flushing", "recurrent_anaphylaxis", "malabsorption"],
        antihistamine_response="unresponsive",
        hct_eligible="yes",
        venom_allergy=True,
    )
    log_in(clinician)
    page.goto(f"{live_server.url}{case.get_absolute_url()}")
    expect(page.locator("[data-kind=caution]").first).to_be_visible()
    assert_no_violations(page)


def test_the_case_list_has_no_violations(page, live_server, clinician, log_in):
    make_case(clinician, label="Clinic A", subtype="ISM")
    make_case(clinician, label="Clinic B", subtype="MCL", age_years=70)
    log_in(clinician)
    expect(page.get_by_role("link", name="Clinic A")).to_be_visible()
    assert_no_violations(page)


def test_the_guidance_page_has_no_violations(page, live_server, clinician, log_in):
    log_in(clinician)
    page.goto(f"{live_server.url}/guidance/")
    expect(page.locator("#flushing")).to_be_visible()
    assert_no_violations(page)


def test_the_reevaluation_page_has_no_violations(page, live_server, clinician, editor, log_in):
    case = make_case(clinician, subtype="ISM", symptoms=["flushing", "diarrhea"], antihistamine_response="unresponsive")

    def revise(draft):
        Rule.objects.filter(version=draft, rule_id="antileukotriene-after-antihistamines").update(
            summary="Reworded in v4"
        )
        # A rule no safety property names: removing one that a property names would stop the publish.
        Rule.objects.filter(version=draft, rule_id="gi-cromolyn-ppi").delete()

    publish_revision(user=editor, revise=revise)
    log_in(clinician)
    page.goto(f"{live_server.url}{case.get_absolute_url()}")
    page.get_by_role("link", name="See what would change for this patient").click()
    expect(page.locator('[data-change="removed"]')).to_be_visible()
    assert_no_violations(page)
    page.get_by_role("button", name="Save a new assessment under version 4").click()
    expect(page.get_by_text("Case reassessed under guidance version 4")).to_be_visible()
    assert_no_violations(page)


# The three findings left by the newcomer's walk (issue 22), each at a laptop's and a phone's size.
SIZES = pytest.mark.parametrize(
    "size", [{"width": 1366, "height": 900}, {"width": 390, "height": 844}], ids=["laptop", "phone"]
)


@SIZES
def test_a_retired_version_page_has_no_violations(page, live_server, clinician, editor, log_in, size):
    def revise(draft):
        Rule.objects.filter(version=draft, rule_id="h1-for-cutaneous-symptoms").update(summary="Reworded in v3")

    publish_revision(user=editor, revise=revise)
    page.set_viewport_size(size)
    log_in(clinician)
    page.goto(f"{live_server.url}/guidance/v/2/")
    expect(page.get_by_text("This version was retired.")).to_be_visible()
    assert_no_violations(page)


@SIZES
def test_the_reviewers_case_page_with_two_assessments_has_no_violations(
    page, live_server, clinician, reviewer, log_in, size
):
    case = make_case(clinician, label="Twice", subtype="SSM", symptoms=["flushing", "recurrent_anaphylaxis"])
    case_update(case=case, user=clinician, label=case.label, facts={"subtype": "ISM", "symptoms": ["flushing"]})
    page.set_viewport_size(size)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(reviewer.get_username())
    page.get_by_label("Password").fill("correct-horse-battery-staple")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    page.goto(f"{live_server.url}/cases/review/{case.pk}/")
    expect(page.locator("section.assessment")).to_have_count(2)
    assert_no_violations(page)


@SIZES
def test_the_try_a_case_result_has_no_violations(page, live_server, editor, published_version, settings, size):
    settings.OTP_REQUIRED = False
    draft = publishing.draft_create(guideline=published_version.guideline, user=editor)
    page.set_viewport_size(size)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(editor.get_username())
    page.get_by_label("Password").fill("correct-horse-battery-staple")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    page.goto(f"{live_server.url}/workbench/{draft.pk}/try/")
    page.get_by_label("Subtype").select_option("SSM")
    page.get_by_label("Flushing").check()
    page.get_by_role("button", name="Try this case").click()
    expect(page.locator("#case-properties")).to_be_visible()
    assert_no_violations(page)
