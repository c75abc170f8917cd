"""What a printed management page says, read back from Chromium's own PDF."""

import io

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from cases.services import case_update
from tests.cases.factories import make_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _printed(page, url):
    page.goto(url)
    page.emulate_media(media="print")
    reader = PdfReader(io.BytesIO(page.pdf(format="A4")))
    return [" ".join(sheet.extract_text().split()) for sheet in reader.pages]


def test_a_typical_case_prints_on_one_a4_sheet_with_its_header_and_footer(page, live_server, clinician, log_in):
    case = make_case(
        clinician,
        label="Print clinic",
        subtype="SSM",
        symptoms=["flushing", "recurrent_anaphylaxis", "osteoporosis"],
        antihistamine_response="unresponsive",
        venom_allergy=True,
        age_years=52,
    )
    log_in(clinician)
    sheets = _printed(page, f"{live_server.url}{case.get_absolute_url()}")

    assert len(sheets) == 1
    text = sheets[0]
    assert "Mastoweb · Case Print clinic · Printed by clinician" in text
    assert "Guidance version 2" in text
    assert "Source:" in text
    assert "does not replace, clinical judgement" in text
    assert "Antihistamines: unresponsive" in text  # reasons print in the form's words
    assert "Superseded" not in text


def test_a_long_printout_repeats_its_header_and_footer_on_every_sheet(page, live_server, clinician, log_in):
    case = make_case(clinician, label="Long clinic", subtype="SSM", symptoms=["flushing"], notes="A note. " * 3000)
    log_in(clinician)
    sheets = _printed(page, f"{live_server.url}{case.get_absolute_url()}")
    assert len(sheets) >= 2
    for text in sheets:
        assert "Mastoweb · Case Long clinic · Printed by clinician" in text
        assert "does not replace, clinical judgement" in text


def test_a_superseded_assessment_prints_its_notice(page, live_server, clinician, log_in):
    case = make_case(clinician, label="Old clinic", subtype="ISM", symptoms=["pruritus"])
    first = case.assessments.get()
    case_update(case=case, user=clinician, label=case.label, facts={"subtype": "MCL"})
    log_in(clinician)
    page.goto(f"{live_server.url}{first.get_absolute_url()}")
    expect(page.locator("#superseded")).to_be_visible()
    sheets = _printed(page, f"{live_server.url}{first.get_absolute_url()}")
    assert len(sheets) == 1
    assert "Superseded by the assessment of" in sheets[0]
