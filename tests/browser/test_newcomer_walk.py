"""Issue 22's newcomer walk, done again: a clinician, a reviewer and an editor click through points 1-12.

Each role's walk runs at a laptop's size (1366x900) and a phone's (390x844). Pages are reached by
the links and buttons a person would use; the one typed address is the login page (and the idle
timeout of point 1 is set up on the server, as 31 minutes without a request). axe runs on every
page the walks show (point 12). The preview's click-to-update times (point 11) are measured in
the browser, printed, and kept in the test's report (record_property, e.g. in --junitxml).
"""

import importlib
import re
import statistics
import time

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from playwright.sync_api import expect

from accounts.middleware import SEEN_AT
from cases.services import case_update
from tests.browser.test_print import PRINTED_LINE_FAULTS
from tests.cases.factories import make_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

axe = Axe()
PASSWORD = "correct-horse-battery-staple"
SIZES = {"laptop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
CASE_PAGE = re.compile(r"/cases/[0-9a-f-]{36}/$")
# A fact's code as stored (not_tried, recurrent_anaphylaxis) or a Python value, where words should be.
RAW_CODE = re.compile(r"\b[a-z0-9]+_[a-z0-9_]+\b|\bTrue\b|\bFalse\b|\bNone\b|[{}]")


@pytest.fixture(params=list(SIZES))
def size(request, page):
    page.set_viewport_size(SIZES[request.param])
    return request.param


@pytest.fixture(autouse=True)
def _no_two_factor_step(settings):
    settings.OTP_REQUIRED = False  # the two-factor step has its own tests


def sign_in(page, live_server, user):
    """The login page is the one address typed; the rest is clicked."""
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(user.get_username())
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def no_violations(page, visited):
    """Point 12: axe finds nothing on this page (once it has loaded)."""
    page.wait_for_load_state()
    results = axe.run(page)
    visited.append(page.url)
    assert results.violations_count == 0, f"{page.url}\n{results.generate_report()}"


def main_nav(page, name):
    """A link of the main navigation; on a phone it is folded behind the Menu button."""
    link = page.get_by_role("navigation", name="Main navigation").get_by_role("link", name=name, exact=True)
    if not link.is_visible():
        page.get_by_role("button", name="Menu").click()
    return link


def said(page):
    """The messages a page gives after an action (the admin's list, or the site's alerts)."""
    return page.locator(".messagelist, .messages")


def to_workbench(page, draft):
    """The Workbench link; from a page without one (the publish screen), by way of the draft's own page."""
    workbench = page.get_by_role("link", name="Workbench", exact=True)
    if not workbench.count():
        page.locator(".breadcrumbs").get_by_role("link", name=re.compile(rf"\bv{draft}\b")).click()
    workbench.click()


def session_idle_for(page, seconds):
    """The browser's session, as the server keeps it, last used `seconds` ago."""
    cookie = next(c for c in page.context.cookies() if c["name"] == settings.SESSION_COOKIE_NAME)
    store = importlib.import_module(settings.SESSION_ENGINE).SessionStore(session_key=cookie["value"])
    store[SEEN_AT] = time.time() - seconds
    store.save()


# Click (radio, checkbox) or change (select) to the request leaving and to the preview swapped in.
PREVIEW_TIMES = """() => {
  window.previewTimes = [];
  let pending = null;
  const form = document.querySelector("form.case-form");
  form.addEventListener("click", (event) => {
    if (event.target.matches("input[type=radio], input[type=checkbox]")) {
      pending = { what: event.target.type, at: performance.now() };
    }
  }, true);
  form.addEventListener("change", (event) => {
    if (event.target instanceof HTMLSelectElement) pending = { what: "select", at: performance.now() };
  }, true);
  form.addEventListener("htmx:beforeRequest", () => {
    if (pending && pending.sent === undefined) pending.sent = performance.now() - pending.at;
  });
  document.body.addEventListener("htmx:afterSwap", (event) => {
    if (event.detail.target.id === "preview" && pending) {
      window.previewTimes.push({ ...pending, updated: performance.now() - pending.at });
      pending = null;
    }
  });
}"""


def chosen_and_timed(page, action):
    """Do one choice on the case form and wait for the preview it brings."""
    count = page.evaluate("window.previewTimes.length")
    action()
    page.wait_for_function("(count) => window.previewTimes.length > count", arg=count)


def test_a_clinician_walks_points_1_8_10_11_12(page, live_server, clinician, size, record_property):
    visited = []
    sign_in(page, live_server, clinician)
    expect(page.get_by_role("heading", name="Cases", level=1)).to_be_visible()
    no_violations(page, visited)

    page.get_by_role("link", name="New case").click()
    expect(page.get_by_role("heading", name="New case")).to_be_visible()
    no_violations(page, visited)

    # 11. A radio, a checkbox or a select updates the preview at once; typing waits for a pause.
    page.evaluate(PREVIEW_TIMES)
    radio = "input[name=antihistamine_response][value={}]"
    subtype = page.get_by_role("combobox", name="Subtype")
    choices = [
        lambda: subtype.select_option("SSM"),
        lambda: page.get_by_label("Flushing").click(),
        lambda: page.get_by_label("Recurrent anaphylaxis").click(),
        *(lambda value=value: page.locator(radio.format(value)).click() for value in ["unresponsive", "responsive"]),
        lambda: page.locator("input[name=venom_allergy][value=yes]").click(),
        *(lambda value=value: page.locator(radio.format(value)).click() for value in ["not_tried", "unresponsive"]),
        lambda: page.get_by_label("Pruritus").click(),
        lambda: page.get_by_label("Pruritus").click(),
        lambda: subtype.select_option("ISM"),
        lambda: subtype.select_option("SSM"),
    ]
    for choice in choices:
        chosen_and_timed(page, choice)
    times = page.evaluate("window.previewTimes")
    updated = [t["updated"] for t in times]
    radio_updated = [t["updated"] for t in times if t["what"] == "radio"]
    report = (
        f"click-to-update at {size}: median {statistics.median(updated):.0f} ms, max {max(updated):.0f} ms "
        f"over {len(updated)} choices (radios: median {statistics.median(radio_updated):.0f} ms); "
        f"click-to-request at most {max(t['sent'] for t in times):.0f} ms; "
        + ", ".join(f"{t['what']} {t['updated']:.0f}" for t in times)
    )
    print(f"\n{report}")
    record_property("preview_click_to_update_ms", report)
    # The request leaves with the click (it waited 400 ms before); the full update is reported above.
    assert all(t["sent"] < 200 for t in times), report
    assert statistics.median(updated) < 400, report  # issue 22 measured 468 ms: the 400 ms wait is gone
    expect(page.locator('#preview [data-rule="carry-epinephrine"]')).to_be_visible()
    no_violations(page, visited)

    page.get_by_label("Label").fill("Walk clinic")
    page.get_by_role("button", name="Save and assess").click()
    page.wait_for_url(CASE_PAGE)
    expect(page.get_by_role("heading", name="Walk clinic", level=1)).to_be_visible()
    no_violations(page, visited)

    # 8. The FHIR export is not beside Edit and Print: it is in a "For integrators" note, after the lines.
    edit = page.get_by_role("link", name="Edit case")
    expect(edit).to_be_visible()
    expect(page.get_by_role("button", name="Print")).to_be_visible()
    toolbar = page.locator("header").filter(has=edit)
    expect(toolbar.get_by_text(re.compile("FHIR|RequestGroup"))).to_have_count(0)
    integrators = page.get_by_role("region", name="For integrators")
    expect(integrators.get_by_role("link", name="RequestGroup (JSON)")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("FHIR|RequestGroup"))).to_have_count(1)
    last_line = page.locator(".recommendation").last.bounding_box()
    assert integrators.bounding_box()["y"] > last_line["y"] + last_line["height"]

    # 10. Printed: no stray rule, no separator alone at a line's end or start, "Check before acting" in black.
    page.emulate_media(media="print")
    assert page.locator(".confirm").count() >= 1
    assert page.evaluate(PRINTED_LINE_FAULTS) == []
    expect(integrators).to_be_hidden()  # nor the integrators' note on paper
    page.emulate_media(media="screen")

    # 1. After an idle timeout the login page says why, even when the preview asked again meanwhile.
    edit.click()
    expect(page.get_by_role("heading", name="Edit case Walk clinic")).to_be_visible()
    no_violations(page, visited)
    session_idle_for(page, settings.SESSION_IDLE_TIMEOUT + 60)
    page.locator("input[name=antihistamine_response][value=responsive]").click()
    ended = page.locator("#preview .session-ended")
    expect(ended).to_contain_text("Your session has ended")
    page.evaluate("window.endedNotice = document.querySelector('#preview .session-ended')")
    page.get_by_label("Flushing").click()  # one more preview: its 302 fetches the login page in the background
    page.wait_for_load_state("networkidle")
    # The notice is shown once: the later preview leaves it (and its link) in place rather than drawing it again.
    assert page.evaluate("document.querySelector('#preview .session-ended') === window.endedNotice")
    log_in_again = ended.get_by_role("link", name="Log in again in a new tab")
    expect(log_in_again).to_have_attribute("target", "_blank")
    log_in_again.focus()  # followed from the keyboard: the notice sits where the preview was, whatever moves around it
    with page.context.expect_page() as opened:
        page.keyboard.press("Enter")
    login = opened.value
    login.wait_for_load_state()
    expect(login.get_by_text("You were logged out after 30 minutes without activity.")).to_be_visible()
    no_violations(login, visited)
    login.close()

    assert len(visited) == 6, visited


def test_a_reviewer_walks_points_5_and_12(page, live_server, clinician, reviewer, published_version, size):
    visited = []
    case = make_case(clinician, label="Review twice", subtype="SSM", symptoms=["flushing", "recurrent_anaphylaxis"])
    case_update(case=case, user=clinician, label=case.label, facts={"subtype": "ISM", "symptoms": ["flushing"]})
    make_case(clinician, label="Review venom", subtype="ISM", venom_allergy="yes")

    sign_in(page, live_server, reviewer)
    expect(page.get_by_role("heading", name="Review cases")).to_be_visible()
    no_violations(page, visited)

    # 5. "Rule fired" lists each rule once: the current version's rules, then those only older versions had.
    if not page.get_by_label("Rule fired").is_visible():
        page.locator("details.filter-bar > summary").click()  # folded on a phone
    rule = page.get_by_label("Rule fired")
    values = rule.locator("option").evaluate_all("options => options.map((o) => o.value).filter(Boolean)")
    labels = rule.locator("option").evaluate_all("options => options.map((o) => o.textContent.trim())")
    assert len(values) == len(set(values)) and len(labels) == len(set(labels))
    groups = rule.locator("optgroup").evaluate_all("groups => groups.map((g) => g.label)")
    assert groups[0] == f"Guidance version {published_version.number}"
    assert groups[1:] and all(g.startswith("Only up to guidance version ") for g in groups[1:]), groups
    current = rule.locator("optgroup").first.locator("option")
    expect(current).to_have_count(published_version.rules.count())
    rule.select_option("venom-immunotherapy")
    page.get_by_role("button", name="Show cases").click()
    expect(page.locator("[data-count]")).to_have_text("1 case matches these filters.")
    no_violations(page, visited)

    # 12. The reviewer's page of a case assessed twice: each set of lines is its own named region.
    page.get_by_role("link", name="Clear").click()
    page.get_by_role("link", name="Review twice").click()
    expect(page.get_by_role("heading", name="Review twice", level=1)).to_be_visible()
    expect(page.locator("section.assessment")).to_have_count(2)
    no_violations(page, visited)

    assert len(visited) == 3, visited


def test_an_editor_walks_points_2_3_4_6_7_9_and_12(page, live_server, editor, clinician, published_version, size):
    visited = []
    current = published_version.number
    draft = current + 1
    # Stored cases the draft will change (point 4): venom allergy, antihistamines not tried.
    make_case(clinician, subtype="ISM", venom_allergy="yes", symptoms=["recurrent_anaphylaxis"])
    make_case(clinician, subtype="SSM", venom_allergy="yes", symptoms=["flushing"])

    # 9. An editor starts at the guidance versions (no draft yet), not at the public guidance page.
    sign_in(page, live_server, editor)
    create = page.get_by_role("button", name="Create draft from current version")
    expect(create).to_be_visible()
    # The versions the setup loaded say who published them, not "-".
    shipped = page.locator("tr").filter(has=page.get_by_role("link", name=f"v{current}", exact=True))
    expect(shipped).to_contain_text("Mastoweb's setup")
    no_violations(page, visited)

    # 12. A retired version's public page: its banner's links are readable (contrast).
    retired = page.locator("tr").filter(has=page.get_by_role("link", name=f"v{current - 1}", exact=True))
    retired.get_by_role("link", name="View").click()
    expect(page.get_by_text("This version was retired.")).to_be_visible()
    no_violations(page, visited)
    page.go_back()

    create.click()
    expect(said(page)).to_contain_text(f"Draft v{draft} created")
    no_violations(page, visited)
    # 9. From the draft's page the workbench is one click, and from the public pages too.
    page.get_by_role("link", name="Preview", exact=True).click()
    expect(page.get_by_text("Draft preview: not shown to clinicians")).to_be_visible()
    no_violations(page, visited)
    main_nav(page, "Guidance workbench").click()
    expect(page.get_by_role("heading", name=f"Workbench: guidance v{draft}")).to_be_visible()
    no_violations(page, visited)

    # 6. A <script> typed into a paragraph is taken out on save, and the editor is told.
    page.get_by_role("link", name="Venom allergy", exact=True).click()
    text = page.get_by_label("Text")
    text.fill(text.input_value() + "\n\n<script>alert(1)</script> Ask about **stings**.")
    expect(page.locator("#preview strong")).to_have_text("stings")
    no_violations(page, visited)
    page.get_by_role("button", name="Save the paragraph").click()
    expect(said(page)).to_contain_text("Took HTML out of paragraph venom-allergy: <script>alert(1)</script>")
    expect(page.get_by_label("Text")).not_to_have_value(re.compile("<script"))
    expect(page.get_by_label("Text")).to_have_value(re.compile(r"Ask about \*\*stings\*\*"))
    no_violations(page, visited)

    # 7. The condition builder: labels as written, rows that must all hold joined by "and", fits a phone.
    to_workbench(page, draft)
    page.get_by_role("link", name="Edit the condition of omalizumab-for-recurrent-anaphylaxis").click()
    reading = page.locator("#condition-reading")
    expect(reading).to_contain_text("; and Omalizumab")
    rows = page.locator("table.builder-rows")
    assert rows.bounding_box()["width"] <= SIZES[size]["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= SIZES[size]["width"]
    no_violations(page, visited)
    omalizumab = page.get_by_role("group", name="Row 2 values of Response to omalizumab")
    omalizumab.get_by_label("Unresponsive").uncheck()
    expect(reading).to_contain_text("Tick at least one value for \u201cResponse to omalizumab\u201d.")

    # 3. Saving the rule that breaks a safety property says which property, for what case, in words.
    page.get_by_label("Remove row 2").check()
    expect(reading).not_to_contain_text("Omalizumab")
    page.get_by_role("button", name="Save the condition").click()
    expect(said(page)).to_contain_text("breaks a safety property: failed-is-not-started-again")
    expect(said(page)).to_contain_text("Omalizumab: unresponsive")
    no_violations(page, visited)

    # 3. The publish screen puts the failure above the fold, Submit is disabled, the counterexample is in words.
    page.get_by_role("link", name="Review and publish\u2026").click()
    failing = page.locator("#proofs-failing")
    expect(failing).to_contain_text("failed-is-not-started-again")
    assert failing.bounding_box()["y"] + failing.bounding_box()["height"] <= SIZES[size]["height"]
    submit = page.get_by_role("button", name=f"Submit v{draft} for review")
    expect(submit).to_be_disabled()
    counterexample = page.locator(".counterexample-facts").first
    expect(counterexample).to_contain_text("Omalizumab: unresponsive")
    assert not RAW_CODE.search(counterexample.inner_text()), counterexample.inner_text()
    # 7. The word diff of the changed condition marks words, not punctuation that only moved.
    for deleted, inserted in page.locator("#version-diff").evaluate(
        """(diff) => [...diff.querySelectorAll("del")].map((d) => [d.textContent,
             d.nextElementSibling?.tagName === "INS" ? d.nextElementSibling.textContent : ""])"""
    ):
        assert re.sub(r"\W", "", deleted) != re.sub(r"\W", "", inserted), (deleted, inserted)
    no_violations(page, visited)

    # Put the rule back (typed as CEL), and make the change this draft is for: venom immunotherapy for ASM only.
    to_workbench(page, draft)
    page.get_by_role("link", name="Edit the condition of omalizumab-for-recurrent-anaphylaxis").click()
    page.get_by_role("link", name="Advanced: type CEL").click()
    no_violations(page, visited)
    page.get_by_label("Condition (CEL)").fill(
        '"recurrent_anaphylaxis" in symptoms && omalizumab_response != "unresponsive"'
    )
    page.get_by_role("button", name="Save the condition").click()
    expect(said(page)).to_contain_text("Saved the condition of omalizumab-for-recurrent-anaphylaxis.")
    expect(said(page)).not_to_contain_text("breaks")
    page.get_by_role("link", name="Edit the condition of venom-immunotherapy").click()
    page.get_by_label("Row 2 fact").select_option("subtype")
    page.get_by_role("group", name="Row 2 values of Subtype").get_by_label(
        "Aggressive systemic mastocytosis (ASM)"
    ).check()
    expect(reading).to_contain_text("Venom allergy: yes; and Subtype: ASM")
    page.get_by_role("button", name="Save the condition").click()
    expect(said(page)).to_contain_text("Saved the condition of venom-immunotherapy.")

    # 12. "Try a case" on the draft: both sets of lines, each region named.
    page.get_by_role("link", name="Try a case").click()
    page.get_by_label("Subtype").select_option("SSM")
    page.locator("input[name=venom_allergy][value=yes]").check()
    page.get_by_role("button", name="Try this case").click()
    expect(page.locator("#case-changes")).to_contain_text("venom-immunotherapy")
    no_violations(page, visited)

    # 4. The impact page: facts in words, one heading, and a link back to Review and publish.
    to_workbench(page, draft)
    page.get_by_role("link", name="Review and publish\u2026").click()
    expect(page.locator("#proofs-failing")).to_have_count(0)
    page.get_by_role("button", name="Compute the impact on every stored case").click()
    expect(page.locator("#impact-summary")).to_contain_text("2 stored cases")
    heading = f"Impact of guidance v{draft} on the stored cases"
    expect(page.get_by_role("heading", name=heading)).to_have_count(1)
    facts = page.locator("#impact-combinations tbody td:nth-child(2)")
    expect(facts.first).to_contain_text("Venom allergy: yes")
    for shown in facts.all_inner_texts():
        assert not RAW_CODE.search(shown), shown
    no_violations(page, visited)
    page.get_by_role("link", name=f"Back to Review and publish v{draft}").click()

    # 2. The draft's author submits it, then sees a disabled "Waiting for a second editor", not "Approve".
    page.get_by_role("button", name=f"Submit v{draft} for review").click()
    expect(said(page)).to_contain_text(f"Draft v{draft} is submitted")
    expect(page.get_by_role("button", name="Waiting for a second editor")).to_be_disabled()
    expect(page.get_by_role("button", name=re.compile("^Approve"))).to_have_count(0)
    no_violations(page, visited)

    # 12. The admin's lists: breadcrumb links told apart from text.
    page.locator(".breadcrumbs").get_by_role("link", name="Guidance", exact=True).click()
    no_violations(page, visited)
    page.get_by_role("link", name="Regression cases").first.click()
    expect(page.get_by_role("heading", name=re.compile("^Select regression case to"))).to_be_visible()
    no_violations(page, visited)

    assert len(visited) == 16, visited
