"""The same case edited in two tabs: the later save is refused, shows what differs, keeps the input."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from cases.models import Case
from tests.cases.factories import make_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_the_later_of_two_tabs_is_refused_keeps_its_input_and_can_overwrite(page, live_server, clinician, log_in):
    case = make_case(clinician, label="Two tabs", subtype="ISM", notes="Seen in May.")
    edit_url = f"{live_server.url}/cases/{case.pk}/edit/"
    log_in(clinician)
    page.goto(edit_url)
    other_tab = page.context.new_page()  # same session, as a second tab is
    other_tab.goto(edit_url)

    other_tab.get_by_label("Subtype").select_option("ASM")
    other_tab.get_by_role("button", name="Save and assess").click()
    other_tab.wait_for_url(re.compile(r"/cases/[0-9a-f-]{36}/$"))

    page.get_by_label("Label").fill("Two tabs, mine")
    page.locator("input[name=venom_allergy][value=yes]").check()
    page.get_by_label("Notes").fill("Seen in May. Stung in June.")
    page.get_by_role("button", name="Save and assess").click()

    conflict = page.locator("#edit-conflict")
    expect(conflict).to_be_visible()
    expect(conflict.locator('tr[data-field="subtype"] .saved')).to_have_text("Aggressive systemic mastocytosis (ASM)")
    expect(conflict.locator('tr[data-field="subtype"] .yours')).to_have_text("Indolent systemic mastocytosis (ISM)")
    expect(conflict.locator('tr[data-field="label"] .yours')).to_have_text("Two tabs, mine")
    expect(page.get_by_label("Label")).to_have_value("Two tabs, mine")
    expect(page.locator("input[name=venom_allergy][value=yes]")).to_be_checked()
    expect(page.get_by_label("Notes")).to_have_value("Seen in May. Stung in June.")
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
    assert Case.objects.get(pk=case.pk).subtype == "ASM"

    page.get_by_role("button", name="Save and assess").click()  # deliberately, having seen the differences
    page.wait_for_url(re.compile(r"/cases/[0-9a-f-]{36}/$"))
    saved = Case.objects.get(pk=case.pk)
    assert (saved.label, saved.subtype, saved.venom_allergy, saved.lock_version) == ("Two tabs, mine", "ISM", "yes", 2)
