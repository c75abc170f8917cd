import re

import pytest
from playwright.sync_api import expect

from cases.models import Case
from tests.cases.factories import make_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _count_page_loads(page):
    loads = []
    page.on("load", lambda _: loads.append(page.url))
    return loads


def test_a_clinician_enters_a_case_sees_the_preview_saves_and_follows_a_source(page, live_server, clinician, log_in):
    log_in(clinician)
    page.get_by_role("link", name="New case").click()
    page.wait_for_url("**/cases/new/")
    loads = _count_page_loads(page)

    page.get_by_label("Label").fill("Browser clinic 1")
    page.get_by_label("Subtype").select_option("ISM")
    page.get_by_label("Flushing").check()
    page.locator("input[name=antihistamine_response][value=unresponsive]").check()

    preview = page.locator("#preview")
    expect(preview.locator('[data-paragraph="flushing"][data-kind="caution"]')).to_be_visible()
    expect(preview.locator('[data-paragraph="antileukotrienes"][data-kind="consider"]')).to_be_visible()
    assert loads == []  # the preview came in place, not by loading a page

    page.get_by_role("button", name="Save and assess").click()
    page.wait_for_url(re.compile(r"/cases/[0-9a-f-]{36}/$"))
    case = Case.objects.get(label="Browser clinic 1")
    assert page.url.endswith(case.get_absolute_url())
    expect(page.locator('[data-paragraph="flushing"][data-kind="caution"]')).to_be_visible()

    # The source link lands on the sentence the aspirin caution quotes (sentence 1 of the flushing paragraph).
    page.locator('[data-paragraph="flushing"][data-kind="caution"] a.source-link').click()
    page.wait_for_url("**/guidance/v/3/#flushing--s1")
    anchor = page.locator("#flushing--s1")
    expect(anchor).to_be_visible()
    expect(anchor).to_be_in_viewport()
    expect(anchor).to_contain_text("provided the patient is known to tolerate NSAIDs")
    expect(page.locator("#flushing")).to_contain_text("aspirin may be helpful")


def _tab_to(page, selector, *, limit=80):
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(selector) => document.activeElement.matches(selector)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_the_form_can_be_completed_with_the_keyboard_alone(page, live_server, clinician, log_in):
    log_in(clinician)
    _tab_to(page, "a[href='/cases/new/']")
    page.keyboard.press("Enter")
    page.wait_for_url("**/cases/new/")

    _tab_to(page, "input[name=label]")
    page.keyboard.type("Keyboard clinic")
    _tab_to(page, "input[name=age_years]")
    page.keyboard.type("61")
    _tab_to(page, "select[name=subtype]")
    page.keyboard.type("Aggressive")  # a closed select picks the option whose text is typed
    _tab_to(page, "input[name=symptoms][value=ascites]")
    page.keyboard.press("Space")
    _tab_to(page, "input[name=venom_allergy]")  # a radio group: Tab lands on one answer, arrows move between them
    yes = page.locator("input[name=venom_allergy][value=yes]")
    for _ in range(3):
        if yes.is_checked():
            break
        page.keyboard.press("ArrowRight")
    expect(yes).to_be_checked()

    expect(page.locator('#preview [data-rule="venom-immunotherapy"]')).to_be_visible()
    expect(page.locator('#preview [data-rule="epinephrine-for-venom-allergy"]')).to_be_visible()
    # ASM with ascites: oral glucocorticoids; guidance v3 offers no cromolyn/H2/PPI for ascites alone.
    expect(page.locator('#preview [data-rule="asm-oral-glucocorticoids"]')).to_be_visible()
    expect(page.locator('#preview [data-paragraph="gastrointestinal"]')).to_have_count(1)

    _tab_to(page, "button[type=submit].btn-primary")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/cases/[0-9a-f-]{36}/$"))

    case = Case.objects.get(label="Keyboard clinic")
    assert (case.subtype, case.symptoms, case.venom_allergy, case.age_years) == ("ASM", ["ascites"], "yes", 61)
    expect(page.locator('[data-paragraph="aggressive-sm"][data-kind="caution"]')).to_be_visible()


def test_the_management_page_prints_a_typical_case_on_one_page_and_the_heaviest_on_three(
    page, live_server, clinician, log_in
):
    """Each printed line carries its quote (issue 22), so the heaviest case takes more than one sheet."""
    typical = make_case(clinician, subtype="ISM", symptoms=["flushing", "pruritus"], nsaid_tolerance="tolerant")
    log_in(clinician)
    page.goto(f"{live_server.url}{typical.get_absolute_url()}")
    page.emulate_media(media="print")
    assert len(re.findall(rb"/Type\s*/Page\b", page.pdf(format="A4"))) == 1
    case = make_case(
        clinician,
        subtype="SSM",
        symptoms=[
            "flushing",
            "pruritus",
            "diarrhea",
            "recurrent_anaphylaxis",
            "osteoporosis",
            "fracture",
            "malabsorption",
        ],
        antihistamine_response="unresponsive",
        antileukotriene_response="unresponsive",
        omalizumab_response="unresponsive",
        venom_allergy=True,
        age_years=50,
        serum_tryptase_ng_ml=80,
    )
    assert len(case.assessments.get().lines) >= 12  # about the most a case can draw
    page.goto(f"{live_server.url}{case.get_absolute_url()}")
    page.emulate_media(media="print")
    expect(page.get_by_role("navigation", name="Main navigation")).to_be_hidden()
    expect(page.locator(".assessment-history")).to_be_hidden()
    expect(page.locator('[data-kind="caution"]').first).to_be_visible()
    pdf = page.pdf(format="A4")
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) <= 3
