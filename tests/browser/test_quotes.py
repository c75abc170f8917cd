"""In Chromium: each line's quote is marked inside its source paragraph, what to confirm is visible, and the
source link lands on the quoted sentence of the guidance page. axe finds nothing on either page."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.cases.factories import make_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

axe = Axe()


def assert_no_violations(page):
    results = axe.run(page)
    assert results.violations_count == 0, results.generate_report()


def test_a_line_shows_its_quote_marked_and_what_to_check_then_lands_on_its_sentence(
    page, live_server, clinician, log_in
):
    case = make_case(
        clinician,
        subtype="ISM",
        symptoms=["flushing", "recurrent_anaphylaxis"],
        antihistamine_response="unresponsive",
        nsaid_tolerance="tolerant",
    )
    log_in(clinician)
    page.goto(f"{live_server.url}{case.get_absolute_url()}")

    line = page.locator('[data-rule="aspirin-for-refractory-flushing"]')
    expect(line.locator("mark.quote")).to_have_text(
        re.compile(r"aspirin may be helpful, provided the patient\s+is known to tolerate NSAIDs")
    )
    expect(line.locator("[data-confirm]")).to_be_visible()
    expect(line.locator("[data-confirm]")).to_contain_text("Check before acting: prominent flushing")
    expect(page.locator('[data-rule="maximise-anti-mediators"] [data-confirm]')).to_contain_text(
        "despite trigger avoidance"
    )
    assert_no_violations(page)

    line.locator("a.source-link").click()
    page.wait_for_url("**/guidance/v/3/#flushing--s1")
    sentence = page.locator("#flushing--s1")
    expect(sentence).to_be_in_viewport()
    expect(sentence).to_contain_text("aspirin may be helpful")
    assert sentence.evaluate("el => el.matches(':target') && el.tagName") == "MARK"
    assert_no_violations(page)
