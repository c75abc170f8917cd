"""A stale ISM case entered in the browser: the subtype check's notice, ASM applied, the management changed."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from cases.models import Case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

axe = Axe()


def assert_no_violations(page):
    results = axe.run(page)
    assert results.violations_count == 0, results.generate_report()


def enter_stale_ism(page, live_server):
    page.goto(f"{live_server.url}/cases/new/")
    page.get_by_label("Label").fill("Browser stale ISM")
    page.get_by_label("Subtype").select_option("ISM")
    page.get_by_label("Ascites").check()
    page.locator("input[name=kit_d816v][value=positive]").check()
    findings = page.locator("details.form-group-closed")
    expect(findings).not_to_have_attribute("open", "")
    findings.locator("summary").click()  # one click opens the findings
    page.locator("input[name=bm_mc_aggregates][value=yes]").check()
    page.locator("input[name=mc_cd2_cd25_cd30][value=yes]").check()
    page.locator("input[name=associated_hematologic_neoplasm][value=no]").check()
    page.get_by_label("Mast cells on the bone marrow aspirate smear").fill("2")
    page.get_by_label("Platelets").fill("62")


def test_a_stale_ism_case_gets_the_notice_and_asm_applied_changes_the_management(page, live_server, clinician, log_in):
    log_in(clinician)
    enter_stale_ism(page, live_server)

    preview_notice = page.locator('#preview [data-notice="subtype-check"]')
    expect(preview_notice).to_contain_text("Platelets 62 \u00d7 10\u2079/L is a C-finding")
    assert_no_violations(page)  # the form with the findings open and the preview's notice

    page.get_by_role("button", name="Save and assess").click()
    page.wait_for_url(re.compile(r"/cases/[0-9a-f-]{36}/$"))
    notice = page.locator('article [data-notice="subtype-check"]')
    expect(notice).to_contain_text("The recorded subtype ISM does not fit the findings (WHO 2022).")
    expect(notice).to_contain_text("ISM, SSM and BMM need none.")
    expect(page.locator('[data-paragraph="aggressive-sm"]')).to_have_count(0)
    expect(page.locator(".findings-panel [data-criterion=C1][data-status=met]")).to_be_visible()
    assert_no_violations(page)  # the management page with the notice and the findings panel

    page.get_by_role("button", name="Change the subtype to ASM").click()
    page.wait_for_url(re.compile(r"/cases/[0-9a-f-]{36}/$"))

    expect(page.locator('[data-notice="subtype-check"]')).to_have_count(0)
    expect(page.locator('[data-paragraph="aggressive-sm"]').first).to_be_visible()
    expect(page.locator(".alert-success")).to_contain_text("Subtype changed to ASM")
    case = Case.objects.get(label="Browser stale ISM")
    assert case.subtype == "ASM"
    assert case.assessments.count() == 2


def test_the_form_with_the_findings_open_fits_a_phone(page, live_server, clinician, log_in):
    log_in(clinician)
    page.set_viewport_size({"width": 390, "height": 844})
    enter_stale_ism(page, live_server)

    expect(page.locator('#preview [data-notice="subtype-check"]')).to_be_attached()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert_no_violations(page)


def test_the_criteria_page_has_no_violations(page, live_server, clinician, log_in):
    log_in(clinician)
    page.goto(f"{live_server.url}/guidance/classification/#criterion-C1")

    expect(page.locator("#criterion-C1")).to_contain_text("C1: cytopenia")
    expect(page.locator("#record")).to_contain_text("doi:10.1038/s41375-022-01613-1")
    assert_no_violations(page)
