"""The clinician's pages on a 390x844 phone, and axe on each page this work touched, desktop and phone."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from cases.services import case_update
from guidance.models import Rule
from tests.cases.factories import make_case, publish_revision

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
SIZES = pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])

axe = Axe()


def assert_no_violations(page):
    results = axe.run(page)
    assert results.violations_count == 0, results.generate_report()


def test_on_a_phone_the_navbar_folds_into_a_menu(page, live_server, clinician, log_in):
    page.set_viewport_size(PHONE)
    log_in(clinician)
    menu = page.get_by_role("button", name="Menu")
    expect(menu).to_be_visible()
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(page.get_by_role("link", name="Guidance")).to_be_hidden()
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(page.get_by_role("link", name="Guidance")).to_be_visible()


def test_on_a_desktop_the_navbar_stays_open(page, live_server, clinician, log_in):
    page.set_viewport_size(DESKTOP)
    log_in(clinician)
    expect(page.get_by_role("button", name="Menu")).to_be_hidden()
    expect(page.get_by_role("link", name="Guidance")).to_be_visible()


def test_on_a_phone_the_case_list_is_a_stack_of_cards(page, live_server, clinician, log_in):
    make_case(clinician, label="Card A", subtype="ISM")
    make_case(clinician, label="Card B", subtype="MCL", age_years=70)
    page.set_viewport_size(PHONE)
    log_in(clinician)
    rows = page.locator("table.case-list tbody tr")
    expect(rows).to_have_count(2)
    first, second = (rows.nth(i).bounding_box() for i in range(2))
    assert first["width"] > 300  # the whole width: a card, not a squeezed table row
    assert second["y"] >= first["y"] + first["height"]
    expect(page.locator("table.case-list thead")).not_to_be_in_viewport()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


@SIZES
def test_the_case_form_with_errors_and_partial_preview_has_no_violations(page, live_server, clinician, log_in, size):
    page.set_viewport_size(size)
    log_in(clinician)
    page.goto(f"{live_server.url}/cases/new/")
    assert_no_violations(page)
    page.get_by_label("Subtype").select_option("SSM")
    page.get_by_label("Recurrent anaphylaxis").check()
    page.locator("#id_age_years").fill("500")
    expect(page.locator("#preview .preview-errors")).to_be_visible()
    expect(page.locator('#preview [data-rule="carry-epinephrine"]')).to_be_visible()
    assert_no_violations(page)
    page.get_by_role("button", name="Save and assess").click()
    expect(page.locator("#form-errors")).to_be_visible()
    assert_no_violations(page)


@SIZES
def test_the_draft_offer_has_no_violations(page, live_server, clinician, log_in, size):
    page.set_viewport_size(size)
    log_in(clinician)
    page.goto(f"{live_server.url}/cases/new/")
    page.get_by_label("Label").fill("Draft clinic")
    page.evaluate("() => { window.onbeforeunload = null; }")
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(f"{live_server.url}/cases/new/")
    expect(page.locator("#draft-offer")).to_be_visible()
    assert_no_violations(page)


@SIZES
def test_the_management_page_and_a_superseded_assessment_have_no_violations(page, live_server, clinician, log_in, size):
    case = make_case(clinician, subtype="SSM", symptoms=["recurrent_anaphylaxis", "flushing"], venom_allergy=True)
    first = case.assessments.get()
    case_update(case=case, user=clinician, label=case.label, facts={"subtype": "MCL", "symptoms": ["flushing"]})
    page.set_viewport_size(size)
    log_in(clinician)
    page.goto(f"{live_server.url}{case.get_absolute_url()}")
    expect(page.locator(".at-a-glance")).to_be_visible()
    page.locator("details.source-paragraph summary").first.click()
    assert_no_violations(page)
    page.goto(f"{live_server.url}{first.get_absolute_url()}")
    expect(page.locator("#superseded")).to_be_visible()
    assert_no_violations(page)
    page.goto(f"{live_server.url}{case.get_absolute_url()}")
    page.get_by_role("button", name="Compare").click()
    expect(page.locator("table.facts-changed")).to_be_visible()
    assert_no_violations(page)


@SIZES
def test_the_case_list_with_its_change_summaries_has_no_violations(page, live_server, clinician, editor, log_in, size):
    make_case(clinician, label="Changes", subtype="SSM", symptoms=["recurrent_anaphylaxis"])
    make_case(clinician, label="Same", subtype="ISM")

    def revise(draft):
        Rule.objects.filter(version=draft, rule_id="carry-epinephrine").update(summary="Carry two autoinjectors")

    publish_revision(user=editor, revise=revise)
    page.set_viewport_size(size)
    log_in(clinician)
    expect(page.get_by_text("Would change: 1 reworded")).to_be_visible()
    expect(page.get_by_text("No change")).to_be_visible()
    assert_no_violations(page)
