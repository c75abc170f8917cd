"""The guidance page, reached from a case's page, offers the way back to it."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.cases.factories import make_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_from_a_case_the_guidance_page_offers_back_to_the_case(page, live_server, clinician, log_in):
    case = make_case(clinician, subtype="ISM", symptoms=["flushing"], antihistamine_response="unresponsive")
    log_in(clinician)
    page.goto(f"{live_server.url}{case.get_absolute_url()}")
    page.locator('[data-paragraph="flushing"][data-kind="caution"] a.source-link').click()
    page.wait_for_url("**/guidance/v/3/#flushing--s1")
    back = page.get_by_role("link", name="Back to the case")
    expect(back).to_be_visible()
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
    back.click()
    page.wait_for_url(re.compile(re.escape(case.get_absolute_url()) + "$"))


def test_reached_otherwise_it_offers_nothing(page, live_server, clinician, log_in):
    log_in(clinician)
    page.goto(f"{live_server.url}/guidance/")
    expect(page.locator("#flushing")).to_be_visible()
    expect(page.get_by_text("Back to the case")).to_be_hidden()
