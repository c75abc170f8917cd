"""As a reviewer: the dashboard, a bar into the filtered list, a case and its access log, the audit CSV; axe on each.

And as the clinician: feedback on a line in place with htmx.
"""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from cases.models import RecommendationFeedback
from cases.services import feedback_record
from tests.cases.factories import make_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

axe = Axe()
PASSWORD = "correct-horse-battery-staple"
PHONE = {"width": 390, "height": 844}


def assert_no_violations(page):
    results = axe.run(page)
    assert results.violations_count == 0, results.generate_report()


def log_in(page, live_server, user):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(user.get_username())
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


@pytest.fixture
def clinic(clinician, published_version):
    cases = [
        make_case(clinician, label="clinic 238", subtype="ISM", symptoms=["recurrent_anaphylaxis"]),
        make_case(clinician, label="clinic 2405", subtype="ISM", symptoms=["flushing"]),
        make_case(
            clinician, label="clinic 9", subtype="SSM", symptoms=["flushing"], antihistamine_response="unresponsive"
        ),
    ]
    feedback_record(
        assessment=cases[2].assessments.get(),
        rule="aspirin-nsaid-tolerance-unknown",
        user=clinician,
        outcome="overridden",
        reason="already_tried",
    )
    return cases


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_a_reviewer_goes_from_the_dashboard_to_a_case_and_its_log(page, live_server, reviewer, clinic, viewport):
    if viewport:
        page.set_viewport_size(viewport)
    log_in(page, live_server, reviewer)
    page.goto(f"{live_server.url}/cases/review/dashboard/")
    expect(page.get_by_role("heading", name="Cases by subtype")).to_be_visible()
    assert_no_violations(page)

    # A bar of the subtype chart leads to the list of those cases.
    page.locator("#subtype svg a[href*='subtype=ISM']").click()
    page.wait_for_url("**/cases/review/?subtype=ISM")
    expect(page.locator("[data-count]")).to_have_text("2 cases match these filters.")
    rows = page.locator("table.review-list tbody tr")
    expect(rows).to_have_count(2)
    assert_no_violations(page)
    if viewport:
        expect(page.get_by_role("button", name="Show cases")).to_be_visible()  # open: a filter is in use

    page.get_by_role("link", name="clinic 238").click()
    expect(page.get_by_role("heading", name="clinic 238", level=1)).to_be_visible()
    page.get_by_role("link", name="Access log").click()
    log = page.locator("#access-log")
    expect(log.get_by_text("Case viewed").first).to_be_visible()
    assert_no_violations(page)

    page.get_by_role("link", name="The whole log in the audit trail").click()
    expect(page.get_by_role("heading", name="Audit trail")).to_be_visible()
    expect(page.get_by_role("cell", name="clinic 238").first).to_be_visible()
    assert_no_violations(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Export these events (CSV)").click()
    with open(download.value.path(), encoding="utf-8") as exported:
        text = exported.read()
    assert text.startswith("time,user,action,object_type,object_id,object,details,from")
    assert "clinic 238" in text


def test_the_dashboard_folds_its_filters_on_a_phone(page, live_server, reviewer, clinic):
    page.set_viewport_size(PHONE)
    log_in(page, live_server, reviewer)
    page.goto(f"{live_server.url}/cases/review/")
    expect(page.get_by_role("button", name="Show cases")).to_be_hidden()
    page.get_by_text("Filters", exact=True).click()
    expect(page.get_by_role("button", name="Show cases")).to_be_visible()
    page.set_viewport_size({"width": 1280, "height": 800})
    page.reload()
    expect(page.get_by_role("button", name="Show cases")).to_be_visible()  # always open on wide screens


def test_the_clinician_gives_feedback_in_place(page, live_server, clinician, clinic):
    case = clinic[1]
    log_in(page, live_server, clinician)
    page.goto(f"{live_server.url}{case.get_absolute_url()}")
    line = page.locator('[data-feedback-rule="h1-for-cutaneous-symptoms"]')
    line.locator("summary").click()  # "Not following…" unfolds the reason
    line.get_by_label("Reason").select_option("patient_declined")
    line.get_by_label("Comment (optional)").fill("Prefers to wait")
    url = page.url
    line.get_by_role("button", name="Record").click()
    expect(page.locator('[data-feedback-rule="h1-for-cutaneous-symptoms"] .feedback-latest')).to_contain_text(
        "Not following \u2013 Patient declined"
    )
    assert page.url == url  # swapped in place, no page load
    assert RecommendationFeedback.objects.filter(rule="h1-for-cutaneous-symptoms", outcome="overridden").exists()
    assert_no_violations(page)


def test_on_a_phone_the_reviewer_list_is_a_stack_of_labelled_cards(page, live_server, reviewer, clinic):
    page.set_viewport_size(PHONE)
    log_in(page, live_server, reviewer)
    page.goto(f"{live_server.url}/cases/review/")
    rows = page.locator("table.review-list tbody tr")
    assert rows.count() >= 2
    first, second = (rows.nth(i).bounding_box() for i in range(2))
    assert first["width"] > 300  # the whole width: a card, not a squeezed table row
    assert second["y"] >= first["y"] + first["height"]
    expect(page.locator("table.review-list thead")).not_to_be_in_viewport()
    label = rows.first.locator('td[data-label="Clinician"]')
    assert label.evaluate("el => getComputedStyle(el, '::before').content") == '"Clinician: "'
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert_no_violations(page)
