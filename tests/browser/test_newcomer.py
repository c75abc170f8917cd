"""What a newcomer tripped on (issue 22), walked in Chromium at a laptop's and a phone's size."""

import re

import pytest
from playwright.sync_api import expect

from cases.models import Case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SIZES = {"laptop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(params=list(SIZES))
def sized_page(request, page):
    page.set_viewport_size(SIZES[request.param])
    return page


def test_a_decimal_comma_is_saved_as_typed_and_never_as_ten_times_the_value(sized_page, live_server, clinician, log_in):
    page = sized_page
    log_in(clinician)
    page.goto(f"{live_server.url}/cases/new/")
    page.get_by_label("Label").fill("Comma clinic")
    page.get_by_label("Subtype").select_option("ISM")
    page.get_by_label("Baseline serum tryptase").fill("45,5")

    page.get_by_role("button", name="Save and assess").click()
    page.wait_for_url(re.compile(r"/cases/[0-9a-f-]{36}/$"))
    assert Case.objects.get(label="Comma clinic").serum_tryptase_ng_ml == 45.5
    expect(page.locator('[data-fact="serum_tryptase_ng_ml"]')).to_contain_text("45.5 ng/mL")


@pytest.mark.parametrize(
    ("typed", "sentence"),
    [
        ("4e", "\u201c4e\u201d is not a number; enter a number in ng/mL (0 to 100000), such as 45.5."),
        ("--5", "\u201c--5\u201d is not a number; enter a number in ng/mL (0 to 100000), such as 45.5."),
    ],
)
def test_a_number_the_browser_cannot_read_is_refused_with_a_sentence_not_saved_as_not_recorded(
    page, live_server, clinician, log_in, typed, sentence
):
    log_in(clinician)
    page.goto(f"{live_server.url}/cases/new/")
    page.get_by_label("Label").fill("Typo clinic")
    page.get_by_label("Subtype").select_option("ISM")
    page.get_by_label("Baseline serum tryptase").fill(typed)

    expect(page.locator("#preview .preview-errors")).to_contain_text(f"Baseline serum tryptase: {sentence}")
    page.get_by_role("button", name="Save and assess").click()
    expect(page.locator("#form-errors")).to_contain_text(f"Baseline serum tryptase: {sentence}")
    assert not Case.objects.exists()
    expect(page.get_by_label("Baseline serum tryptase")).to_have_value(typed)


@pytest.fixture
def editor_page(page, live_server, editor, settings):
    settings.OTP_REQUIRED = False  # the two-factor step has its own tests

    def signed_in(size):
        page.set_viewport_size(SIZES[size])
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Username").fill(editor.get_username())
        page.get_by_label("Password").fill("correct-horse-battery-staple")
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
        return page

    return signed_in


@pytest.mark.parametrize("size", list(SIZES))
def test_the_condition_builder_fits_the_screen_and_reads_all_of_its_rows_with_and(
    editor_page, live_server, editor, published_version, size
):
    from guidance import publishing
    from guidance.models import Rule

    draft = publishing.draft_create(guideline=published_version.guideline, user=editor)
    rule = Rule.objects.get(version=draft, rule_id="asm-transplant")
    page = editor_page(size)
    page.goto(f"{live_server.url}/workbench/{draft.pk}/rule/{rule.pk}/condition/")

    expect(page.locator("#condition-reading")).to_contain_text("Subtype: ASM; and Transplant: eligible")
    if size == "phone":  # the rows stack: nothing is wider than the phone (it was 984 px)
        assert page.evaluate("document.documentElement.scrollWidth") <= SIZES[size]["width"]
    table = page.locator("table.builder-rows").bounding_box()
    assert table["width"] <= SIZES[size]["width"]


CLICK_TO_UPDATE = """() => {
  window.previewTimes = [];
  let clicked = null;
  document.querySelector("form.case-form").addEventListener("click", () => { clicked = performance.now(); }, true);
  document.body.addEventListener("htmx:afterSwap", (event) => {
    if (event.detail.target.id === "preview" && clicked !== null) {
      window.previewTimes.push(performance.now() - clicked);
      clicked = null;
    }
  });
}"""


@pytest.mark.parametrize("size", list(SIZES))
def test_a_radio_checkbox_or_select_updates_the_preview_at_once_and_typing_waits(
    page, live_server, clinician, log_in, size
):
    page.set_viewport_size(SIZES[size])
    log_in(clinician)
    page.goto(f"{live_server.url}/cases/new/")
    page.get_by_label("Subtype").select_option("ISM")
    expect(page.locator("#preview-status")).to_contain_text("Updated")
    page.evaluate(CLICK_TO_UPDATE)
    requests = []
    page.on("request", lambda request: requests.append(request.url) if "/cases/preview/" in request.url else None)

    radios = ["unresponsive", "responsive", "not_tried"] * 3
    for count, value in enumerate(radios, start=1):
        page.locator(f"input[name=antihistamine_response][value={value}]").click()
        page.wait_for_function("(count) => window.previewTimes.length >= count", arg=count)
    times = sorted(page.evaluate("window.previewTimes"))
    median = times[len(times) // 2]
    print(f"\nclick-to-update on a radio at {size}: median {median:.0f} ms, all {[round(t) for t in times]}")
    assert median < 250  # no 400 ms wait: the request leaves at the click (issue 22 measured 468 ms)
    assert len(requests) == len(radios)  # one request per click, not a second one 400 ms later

    page.get_by_label("Flushing").click()  # a checkbox, too, at once
    page.wait_for_function("(count) => window.previewTimes.length >= count", arg=len(radios) + 1)
    assert page.evaluate("window.previewTimes.at(-1)") < 250
    # Typing still waits for a pause: five keystrokes, one request.
    before = len(requests)
    page.get_by_label("Label").press_sequentially("Clinic", delay=30)
    page.wait_for_timeout(700)
    assert len(requests) - before == 1


@pytest.mark.parametrize("size", list(SIZES))
def test_the_form_says_its_keyboard_path_and_a_radio_shows_its_focus(page, live_server, clinician, log_in, size):
    page.set_viewport_size(SIZES[size])
    log_in(clinician)
    page.goto(f"{live_server.url}/cases/new/")
    expect(page.locator("#keyboard-help")).to_contain_text("the arrow keys choose")

    first = page.locator("input[name=antihistamine_response]").first
    first.focus()
    page.keyboard.press("ArrowRight")  # arrow keys move within the group, as radios do
    focused = page.locator("input[name=antihistamine_response]:focus")
    expect(focused).to_be_checked()
    ring = focused.evaluate("(radio) => getComputedStyle(radio)")
    assert ring["outlineStyle"] == "solid" and float(ring["outlineWidth"].rstrip("px")) >= 2
