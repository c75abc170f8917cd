"""What a printed management page says, read back from Chromium's own PDF."""

import io

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from cases.services import case_update
from tests.cases.factories import make_case, publish_revision

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _printed(page, url):
    page.goto(url)
    page.emulate_media(media="print")
    reader = PdfReader(io.BytesIO(page.pdf(format="A4")))
    # Chromium sets "fl" and "fi" as ligatures; the text is compared as typed.
    ligatures = str.maketrans({"\ufb01": "fi", "\ufb02": "fl"})
    return [" ".join(sheet.extract_text().translate(ligatures).split()) for sheet in reader.pages]


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
    assert "Guidance version 3" in text
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


def _reworded(draft):
    from guidance.models import Rule

    Rule.objects.filter(version=draft, rule_id="h1-for-cutaneous-symptoms").update(
        summary="Second-generation H1 antihistamines to prevent flushing and itching"
    )


def test_a_printout_under_older_guidance_says_newer_guidance_replaced_it_and_carries_the_quotes(
    page, live_server, clinician, editor, log_in
):
    case = make_case(clinician, label="Older clinic", subtype="ISM", symptoms=["flushing", "pruritus"])
    quotes = [line.quote for line in case.assessments.get().lines if line.quote]
    publish_revision(user=editor, revise=_reworded)
    log_in(clinician)
    sheets = _printed(page, f"{live_server.url}{case.get_absolute_url()}")

    text = " ".join(sheets)
    notice = "Guidance version 4 has been published since this assessment (version 3)."
    assert notice in sheets[0]
    # At the top: above the facts and every line (a PDF's text runs in paint order, not reading order).
    notice_box = page.locator("#newer-guidance").bounding_box()
    assert notice_box["y"] < page.locator("#facts-heading").bounding_box()["y"]
    assert "which version 4 replaced; reassess the case before acting on them." in text
    assert "See what would change" not in text  # a link is no use on paper
    assert quotes
    for quote in quotes:
        assert " ".join(quote.split()) in text


PRINTED_LINE_FAULTS = """() => {
  const faults = [];
  for (const line of document.querySelectorAll(".recommendation")) {
    for (const piece of line.querySelectorAll(".card-body > *")) {
      const shown = piece.checkVisibility();
      if (shown && !piece.textContent.trim()) faults.push(`an empty piece (${piece.className}) carries a separator`);
      const before = getComputedStyle(piece, "::before").content;
      const loose = before.includes("\\u00b7") && !before.startsWith('"\\u00a0');
      if (shown && loose) faults.push("a separator can start a line");
    }
    for (const element of line.querySelectorAll("*")) {
      const style = getComputedStyle(element);
      const ruled = ["Top", "Right", "Bottom", "Left"].some((side) => parseFloat(style[`border${side}Width`]) > 0);
      if (element.checkVisibility() && ruled) faults.push(`a rule inside a line (${element.className})`);
    }
  }
  for (const check of document.querySelectorAll(".confirm")) {
    const colour = getComputedStyle(check).color;
    if (colour !== "rgb(0, 0, 0)") faults.push(`"Check before acting" in ${colour}`);
  }
  return faults;
}"""


def test_a_printed_line_has_no_stray_rule_dangling_separator_or_tinted_check(page, live_server, clinician, log_in):
    case = make_case(
        clinician,
        label="Print clinic",
        subtype="SSM",
        symptoms=["flushing", "recurrent_anaphylaxis", "osteoporosis"],
        antihistamine_response="unresponsive",
        venom_allergy=True,
    )
    log_in(clinician)
    page.goto(f"{live_server.url}{case.get_absolute_url()}")
    page.emulate_media(media="print")

    assert page.locator(".confirm").count() >= 1
    assert page.locator(".line-feedback").count() >= 1  # the clinician's feedback forms are on the page
    assert page.evaluate(PRINTED_LINE_FAULTS) == []
