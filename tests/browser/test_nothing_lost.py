"""The case form keeps what was typed: across an ended session, a Back, a stray Enter; and shows its state."""

import re

import pytest
from playwright.sync_api import expect

from cases.models import Case
from tests.browser.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = {"width": 390, "height": 844}


def _fill_a_case(page, label):
    page.get_by_label("Label").fill(label)
    page.get_by_label("Subtype").select_option("SSM")
    page.get_by_label("Recurrent anaphylaxis").check()
    page.locator("input[name=antihistamine_response][value=unresponsive]").check()
    expect(page.locator('#preview [data-rule="carry-epinephrine"]')).to_be_visible()


def test_the_preview_says_when_it_was_updated_and_is_not_busy_after(page, live_server, clinician, log_in):
    log_in(clinician)
    page.goto(f"{live_server.url}/cases/new/")
    _fill_a_case(page, "Status clinic")
    expect(page.locator("#preview-status")).to_have_text(re.compile(r"^Updated \d\d:\d\d:\d\d$"))
    expect(page.locator("#preview")).to_have_attribute("aria-busy", "false")


def test_enter_in_a_text_field_does_not_save(page, live_server, clinician, log_in):
    log_in(clinician)
    page.goto(f"{live_server.url}/cases/new/")
    _fill_a_case(page, "Enter clinic")
    page.get_by_label("Label").press("Enter")
    page.locator("#id_age_years").fill("44")
    page.locator("#id_age_years").press("Enter")
    expect(page.locator("#preview-status")).to_have_text(re.compile("Updated"))
    assert page.url.endswith("/cases/new/")
    assert not Case.objects.exists()


def test_after_the_session_ends_the_preview_says_so_and_the_draft_comes_back_after_login(
    page, live_server, clinician, log_in, settings
):
    log_in(clinician)
    settings.SESSION_IDLE_TIMEOUT = 6  # counted from the login: activity is stamped at most once a minute
    page.goto(f"{live_server.url}/cases/new/")
    _fill_a_case(page, "Expiry clinic")

    # A couple of seconds before the end: the warning; then the end, said in the preview, the page kept.
    expect(page.locator("#idle-warning")).to_contain_text("Your session has ended", timeout=15000)
    page.get_by_label("Flushing").check()  # the server refuses the preview: the page must stay
    notice = page.locator("#preview .session-ended")
    expect(notice).to_be_visible()
    expect(notice.get_by_role("link", name="Log in again in a new tab")).to_have_attribute("target", "_blank")
    assert page.url.endswith("/cases/new/")
    expect(page.get_by_label("Label")).to_have_value("Expiry clinic")
    expect(page.locator("#preview-bar")).to_be_hidden()  # desktop: the preview is beside the form

    # Saving now reaches the login page; after login the form offers the input back.
    page.get_by_role("button", name="Save and assess").click()
    page.wait_for_url(re.compile(r"/accounts/login/"))
    settings.SESSION_IDLE_TIMEOUT = 1800
    page.get_by_label("Username").fill(clinician.get_username())
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/cases/new/")
    offer = page.locator("#draft-offer")
    expect(offer).to_be_visible()
    expect(page.get_by_label("Label")).to_have_value("")
    offer.get_by_role("button", name="Restore my input").click()
    expect(page.get_by_label("Label")).to_have_value("Expiry clinic")
    expect(page.get_by_label("Flushing")).to_be_checked()
    expect(page.locator('#preview [data-rule="carry-epinephrine"]')).to_be_visible()

    page.get_by_role("button", name="Save and assess").click()
    page.wait_for_url(re.compile(r"/cases/[0-9a-f-]{36}/$"))
    case = Case.objects.get(label="Expiry clinic")
    assert case.symptoms == ["flushing", "recurrent_anaphylaxis"]
    assert case.antihistamine_response == "unresponsive"
    # Saved: the draft is gone, and the success message has the focus.
    expect(page.locator(".messages .alert-success")).to_be_focused()
    page.goto(f"{live_server.url}/cases/new/")
    expect(page.locator("#draft-offer")).to_be_hidden()


def test_back_after_following_a_source_finds_the_preview_refreshed(page, live_server, clinician, log_in):
    log_in(clinician)
    page.goto(f"{live_server.url}/cases/new/")
    _fill_a_case(page, "Back clinic")
    asked = []

    def answer(dialog):
        asked.append(dialog.type)
        dialog.accept()

    page.on("dialog", answer)
    # In the preview a source opens in a new tab; followed in this tab, leaving asks first.
    href = page.locator('#preview [data-rule="carry-epinephrine"] a.source-link').get_attribute("href")
    page.evaluate("(href) => { window.location.href = href; }", href)
    page.wait_for_url("**/guidance/v/3/**")
    assert asked == ["beforeunload"]

    page.go_back()
    page.wait_for_url("**/cases/new/")
    expect(page.get_by_label("Label")).to_have_value("Back clinic")
    expect(page.locator('#preview [data-rule="carry-epinephrine"]')).to_be_visible()
    expect(page.locator("#preview")).not_to_contain_text("Choose a subtype")


def test_on_a_phone_the_summary_bar_follows_the_preview_and_jumps_to_it(page, live_server, clinician, log_in):
    page.set_viewport_size(PHONE)
    log_in(clinician)
    page.goto(f"{live_server.url}/cases/new/")
    bar = page.locator("#preview-bar")
    expect(bar).to_be_visible()
    expect(bar).to_have_text("No recommendations yet — view")
    page.get_by_label("Subtype").select_option("SSM")
    page.get_by_label("Recurrent anaphylaxis").check()
    expect(bar).to_have_text(re.compile(r"^\d+ cautions? · \d+ recommendations? — view$"))
    cautions = page.locator('#preview .recommendation[data-kind="caution"]').count()
    assert bar.inner_text().startswith(f"{cautions} caution")
    expect(bar).to_be_in_viewport()
    bar.click()
    expect(page.locator("#preview-heading")).to_be_in_viewport()
