"""axe on the classification record's workbench: the overview, the draft's editing page with a refused
threshold shown, and the overview with a draft in review, at a laptop's and a phone's size."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from guidance.classification_publishing import classification_draft_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

axe = Axe()
SIZES = {"laptop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(autouse=True)
def _no_two_factor_step(settings):
    settings.OTP_REQUIRED = False  # the two-factor step has its own tests


@pytest.mark.parametrize("size", list(SIZES))
def test_the_classification_workbench_has_no_violations(page, live_server, editor, size):
    classification_draft_create(user=editor)
    page.set_viewport_size(SIZES[size])
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(editor.get_username())
    page.get_by_label("Password").fill("correct-horse-battery-staple")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)

    faults = {}
    page.goto(f"{live_server.url}/workbench/classification/")
    results = axe.run(page)
    if results.violations_count:
        faults["overview"] = results.generate_report()

    page.goto(f"{live_server.url}/workbench/classification/v/2/")
    page.get_by_label("Major criterion: dense mast-cell aggregates: in our words").fill("")
    page.get_by_role("button", name="Save thresholds and wording").click()
    assert page.get_by_role("alert").is_visible()
    results = axe.run(page)
    if results.violations_count:
        faults["edit with an error"] = results.generate_report()

    assert faults == {}, "\n\n".join(f"{where}\n{report}" for where, report in faults.items())
