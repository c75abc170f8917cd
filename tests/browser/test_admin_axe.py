"""axe on every admin and workbench page an editor can reach by following links, at a laptop's and a phone's size."""

import re
from urllib.parse import urldefrag, urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe

from guidance import publishing

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

axe = Axe()
SIZES = {"laptop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
# Pages that act rather than show (logging out, downloads) are not walked to.
NOT_WALKED = re.compile(r"/logout/|/password_change/|\.(csv|json|xlsx)$|/export")


@pytest.fixture(autouse=True)
def _no_two_factor_step(settings):
    settings.OTP_REQUIRED = False  # the two-factor step has its own tests


def _shape(path):
    """One page per kind (paragraph 40 and 41 are the same page), but each guidance version's own:
    a draft, the published version and a retired one show different pages."""
    return re.sub(r"(?<!guidanceversion)(?<!/workbench)/\d+/", "/N/", path)


# The editor's pages: the admin, and the guidance workbench outside it.
WALKED = ("/admin/", "/workbench/")


@pytest.mark.parametrize("size", list(SIZES))
def test_every_admin_page_an_editor_reaches_has_no_violations(page, live_server, editor, published_version, size):
    draft = publishing.draft_create(guideline=published_version.guideline, user=editor)
    page.set_viewport_size(SIZES[size])
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(editor.get_username())
    page.get_by_label("Password").fill("correct-horse-battery-staple")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)

    # Pages a link reaches only through htmx or a form, and the published version beside the draft.
    seeds = [
        "/admin/",
        f"/admin/guidance/guidanceversion/{published_version.pk}/change/",
        f"/workbench/{draft.pk}/impact/",
        f"/workbench/{draft.pk}/try/?subtype=SSM&symptoms=flushing&symptoms=recurrent_anaphylaxis",
    ]
    to_walk, seen, walked, faults = list(seeds), set(), [], {}
    while to_walk and len(walked) < 60:
        path = to_walk.pop(0)
        if path in walked or (_shape(path) in seen and path not in seeds):
            continue
        if path not in seeds:
            seen.add(_shape(path))
        response = page.goto(f"{live_server.url}{path}")
        if response.status != 200 or not urlsplit(page.url).path.startswith(WALKED):
            continue
        walked.append(path)
        results = axe.run(page)
        if results.violations_count:
            faults[path] = results.generate_report()
        for href in page.eval_on_selector_all("a[href]", "links => links.map((a) => a.getAttribute('href'))"):
            target = urldefrag(href)[0]
            target_path = urlsplit(target).path if target.startswith(live_server.url) else target
            if target_path.startswith(WALKED) and not NOT_WALKED.search(target_path):
                to_walk.append(target_path + ("?" + urlsplit(target).query if urlsplit(target).query else ""))

    assert len(walked) >= 10, walked  # the index, lists, a version's pages, its workbench and publish screen
    assert any(re.fullmatch(r"/workbench/\d+/", path) for path in walked), walked
    assert any("/publish/" in path for path in walked), "\n".join(walked)
    assert any("/condition/" in path for path in walked), walked
    assert any("/paragraph/" in path for path in walked), walked
    assert set(seeds) <= set(walked), walked
    assert faults == {}, "\n\n".join(f"{path}\n{report}" for path, report in faults.items())
