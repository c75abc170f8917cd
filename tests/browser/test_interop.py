"""From an EHR card to Mastoweb: the prefilled case form, and the FHIR download links."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.cases.factories import make_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

axe = Axe()


def test_a_cards_link_opens_the_case_form_prefilled_and_the_preview_follows(page, live_server, clinician, log_in):
    log_in(clinician)
    page.goto(
        f"{live_server.url}/cases/new/?subtype=ASM&symptoms=flushing&symptoms=recurrent_anaphylaxis"
        "&antihistamine_response=unresponsive&serum_tryptase_ng_ml=85.0"
    )
    expect(page.get_by_label("Subtype")).to_have_value("ASM")
    expect(page.get_by_label("Flushing")).to_be_checked()
    expect(page.get_by_label("Recurrent anaphylaxis")).to_be_checked()
    expect(page.get_by_label("Baseline serum tryptase")).to_have_value("85.0")
    results = axe.run(page)
    assert results.violations_count == 0, results.generate_report()
    # The clinician completes what the EHR could not code; the preview answers as for typed facts.
    page.get_by_label("Diarrhea").check()
    expect(page.locator('#preview [data-rule="carry-epinephrine"]')).to_be_visible()


def test_the_case_page_offers_its_assessment_as_fhir(page, live_server, clinician, log_in):
    case = make_case(clinician, subtype="MCL")
    log_in(clinician)
    page.goto(f"{live_server.url}{case.get_absolute_url()}")
    link = page.get_by_role("region", name="For integrators").get_by_role("link", name="RequestGroup (JSON)")
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename.endswith(".RequestGroup.json")
