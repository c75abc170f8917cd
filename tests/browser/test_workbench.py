"""The workbench in a browser: build a condition, read it back, try a case, two people publish; axe on each page."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from accounts import roles
from guidance import publishing
from guidance.models import GuidanceVersion, Rule

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

axe = Axe()
PASSWORD = "correct-horse-battery-staple"


def assert_no_violations(page):
    results = axe.run(page)
    assert results.violations_count == 0, results.generate_report()


@pytest.fixture(autouse=True)
def _no_two_factor_step(settings):
    settings.OTP_REQUIRED = False  # the two-factor step has its own tests


@pytest.fixture
def colleague(make_user):
    return make_user("colleague", staff=True, groups=[roles.GUIDANCE_EDITOR])


@pytest.fixture
def sign_in(page, live_server):
    def sign_in_as(user):
        page.context.clear_cookies()
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Username").fill(user.get_username())
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(lambda url: "/accounts/login/" not in url)

    return sign_in_as


def test_an_editor_builds_tries_and_publishes_with_a_colleague(
    page, live_server, editor, colleague, published_version, sign_in
):
    draft = publishing.draft_create(guideline=published_version.guideline, user=editor)
    rule = Rule.objects.get(version=draft, rule_id="venom-immunotherapy")
    workbench = f"{live_server.url}/workbench/{draft.pk}"
    sign_in(editor)

    page.goto(f"{workbench}/")
    expect(page.locator("#workbench-counts")).to_contain_text("safety properties")
    assert_no_violations(page)

    page.get_by_role("link", name="Edit the condition of venom-immunotherapy").click()
    expect(page.locator("#condition-reading")).to_contain_text("Venom allergy: yes")
    assert_no_violations(page)
    # A new row: the fact first, then its own values appear (htmx), then the readback follows.
    page.get_by_label("Row 2 fact").select_option("subtype")
    values = page.get_by_role("group", name="Row 2 values of Subtype")
    values.get_by_label("Aggressive systemic mastocytosis (ASM)").check()
    expect(page.locator("#condition-reading")).to_contain_text("Venom allergy: yes; and Subtype: ASM")
    assert_no_violations(page)
    page.get_by_role("button", name="Save the condition").click()
    expect(page.locator("#rule-venom-immunotherapy")).to_contain_text("Venom allergy: yes; and Subtype: ASM")
    rule.refresh_from_db()
    assert rule.condition == 'venom_allergy == "yes" && subtype == "ASM"'

    page.get_by_role("link", name="Try a case").click()
    page.get_by_label("Subtype").select_option("ISM")
    page.locator("input[name=venom_allergy][value=yes]").check()
    page.get_by_role("button", name="Try this case").click()
    expect(page.locator("#case-changes")).to_contain_text("venom-immunotherapy")
    assert_no_violations(page)

    page.goto(f"{workbench}/publish/")
    page.get_by_role("button", name=f"Submit v{draft.number} for review").click()
    expect(page.locator("#review")).to_contain_text("Submitted for review by editor")
    assert_no_violations(page)

    sign_in(colleague)
    page.goto(f"{workbench}/publish/")
    page.get_by_role("button", name=f"Approve v{draft.number} as it stands").click()
    expect(page.locator("#review")).to_contain_text("Approved by colleague")
    page.get_by_label("Change note").fill("Venom immunotherapy for ASM only (test).")
    page.get_by_label("I have reviewed these changes").check()
    page.get_by_role("button", name=f"Publish v{draft.number}").click()
    expect(page.locator(".messagelist")).to_contain_text(f"Guidance v{draft.number} is published")

    published = GuidanceVersion.objects.get(pk=draft.pk)
    assert (published.status, published.approved_by, published.published_by) == ("published", colleague, colleague)


def test_the_paragraph_and_impact_pages_have_no_violations(page, live_server, editor, published_version, sign_in):
    draft = publishing.draft_create(guideline=published_version.guideline, user=editor)
    paragraph = Rule.objects.get(version=draft, rule_id="venom-immunotherapy").paragraph
    workbench = f"{live_server.url}/workbench/{draft.pk}"
    sign_in(editor)

    page.goto(f"{workbench}/paragraph/{paragraph.pk}/")
    page.get_by_label("Text").fill(paragraph.text + "\n\nA **new** sentence.")
    expect(page.locator("#preview strong")).to_have_text("new")
    assert_no_violations(page)

    page.goto(f"{workbench}/impact/")
    page.get_by_role("button", name="Compute the impact on every stored case").click()
    expect(page.locator("#impact")).to_contain_text("stored case")
    assert_no_violations(page)
