"""Script injection rendered in Chromium: no payload runs, no dialog opens, no handler survives.

The payloads (tests/security/xss_corpus.py) fill case labels and notes, guidance
Markdown, titles, rule summaries and change notes; each page that shows them is
opened as the person who would see it. Beside the DOM check, each page listens
for Content-Security-Policy violations: a payload that reached the DOM as code
would be stopped by the policy, and the violation tells on it.
"""

import pytest
from django.conf import settings
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from cases.models import Case
from tests.security.xss_corpus import LABEL_PAYLOADS, PAYLOADS, RUN, build_draft, publish_draft

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

WATCH = """
window.__xss = undefined;
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sample}`);
});
"""

# The same rules as xss_corpus.markup_offences, on the DOM the browser built (styles set by
# our scripts are allowed here; the markup check refuses style attributes in what the server sends).
DOM_OFFENCES = r"""
(run) => {
  const urlAttributes = ["href", "src", "action", "formaction", "xlink:href", "poster", "data", "background",
                         "ping", "srcdoc"];
  const foreign = ["iframe", "frame", "frameset", "object", "embed", "applet", "base", "style"];
  const found = [];
  for (const el of document.querySelectorAll("*")) {
    for (const attribute of el.attributes) {
      const name = attribute.name.toLowerCase();
      const value = attribute.value;
      const scheme = value.replace(/[\x00-\x20]/g, "").toLowerCase();
      if (name.startsWith("on") || name.startsWith("hx-on") || name.startsWith("data-hx-on")
          || (urlAttributes.includes(name) && /^(javascript|vbscript|data):/.test(scheme))
          || (name.startsWith("hx-") && value.includes(run))) {
        found.push(`<${el.localName} ${name}="${value}">`);
      }
    }
    if (foreign.includes(el.localName)) found.push(`<${el.localName}>`);
    if (el.localName === "script" && !/^\/[^\/\\]/.test(el.getAttribute("src") || "")
        && el.type !== "application/json") {
      found.push(`<script>${el.textContent.slice(0, 60)}`);
    }
  }
  return found;
}
"""

SHOWN = """
(run) => [document.body.innerText, ...Array.from(document.querySelectorAll("input, textarea"), (e) => e.value)]
  .join("\\n").includes(run)
"""


class Visitor:
    """One person's browser tab, watching for dialogs, the payload flag and CSP violations."""

    def __init__(self, browser, base_url, user):
        self.context = browser.new_context(base_url=base_url)
        self.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": _session(user), "url": base_url}])
        self.context.add_init_script(WATCH)
        self.page = self.context.new_page()
        self.dialogs = []
        self.page.on("dialog", self._dialog)

    def _dialog(self, dialog):
        self.dialogs.append(f"{self.page.url}: {dialog.type} {dialog.message!r}")
        dialog.dismiss()

    def problems(self, what, *, shown=True):
        """What went wrong on the page now open."""
        page = self.page
        page.wait_for_load_state("networkidle")
        found = [f"{page.url} ({what}): {offence}" for offence in page.evaluate(DOM_OFFENCES, RUN)]
        if page.evaluate("window.__xss") is not None:
            found.append(f"{page.url} ({what}): a payload ran (window.__xss is set)")
        found += [f"{page.url} ({what}): CSP stopped {v}" for v in page.evaluate("window.__csp")]
        if shown and not page.evaluate(SHOWN, RUN):
            found.append(f"{page.url} ({what}): the payloads are not on the page as text")
        return found

    def visit(self, url, what):
        response = self.page.goto(url)
        assert response.status == 200, f"{url} ({what}): status {response.status}"
        return self.problems(what)


def _session(user):
    """A signed-in session for the user; staff past the two-factor step, as after a real login."""
    client = Client()
    client.force_login(user)
    if user.is_staff:
        device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client.cookies[settings.SESSION_COOKIE_NAME].value


@pytest.fixture
def site(make_user, published_version):
    return build_draft(make_user=make_user, published_version=published_version)


@pytest.fixture
def visitor_for(browser, live_server):
    """Opens a Visitor for a user; closes every one after the test."""
    opened = []

    def open_for(user):
        opened.append(Visitor(browser, live_server.url, user))
        return opened[-1]

    yield open_for
    for visitor in opened:
        visitor.context.close()


def test_the_harness_sees_a_payload_that_runs(visitor_for, make_user):
    # A page without our escaping and policy: every check must fire, or the tests below prove nothing.
    visitor = visitor_for(make_user("harness"))
    visitor.page.set_content("<p>" + "".join(PAYLOADS[:3]) + "</p>")
    problems = visitor.problems("raw payloads", shown=False)
    assert any("window.__xss is set" in p for p in problems)
    assert any("onerror" in p for p in problems)
    assert visitor.dialogs


def test_no_payload_runs_on_any_page_that_shows_free_text(visitor_for, site, published_version):
    people, draft, draft_pages = site
    visitors = {person: visitor_for(user) for person, user in people.items()}
    problems = []
    for page in draft_pages:
        problems += visitors[page.person].visit(page.url, page.what)
    for page in publish_draft(people=people, draft=draft, published_version=published_version):
        problems += visitors[page.person].visit(page.url, page.what)

    dialogs = [dialog for visitor in visitors.values() for dialog in visitor.dialogs]
    assert not dialogs, "\n".join(dialogs)
    assert not problems, "\n".join(problems)


def test_payloads_typed_into_the_case_form_stay_text_through_preview_save_and_refusal(
    visitor_for, site, published_version
):
    people, draft, _ = site
    publish_draft(people=people, draft=draft, published_version=published_version)
    visitor = visitor_for(people["owner"])
    page = visitor.page
    page.goto("/cases/new/")

    # A refused choice is echoed in the error: send a payload as the subtype.
    page.locator("select[name=subtype] option[value=ISM]").evaluate("(option, value) => option.value = value", RUN)
    page.get_by_label("Label").fill("Tampered choice")
    page.get_by_label("Subtype").select_option(label="Indolent systemic mastocytosis (ISM)")
    page.get_by_role("button", name="Save and assess").click()
    expect(page.locator("#form-errors")).to_contain_text(RUN)
    problems = visitor.problems("refused choice")

    # Typed as a person types: the preview updates in place, then the case is saved and shown.
    typed = f"Typed {LABEL_PAYLOADS[1]}"
    page.get_by_label("Label").fill(typed)
    page.get_by_label("Subtype").select_option("ISM")
    page.get_by_label("Flushing").check()
    page.locator("input[name=antihistamine_response][value=unresponsive]").check()
    page.get_by_label("Notes").fill("\n".join(PAYLOADS))
    expect(page.locator('#preview [data-paragraph="flushing"]').first).to_be_visible()
    problems += visitor.problems("preview of the payload guidance")
    page.get_by_role("button", name="Save and assess").click()
    page.wait_for_url("**/cases/*-*/")
    case = Case.objects.get(label=typed)
    assert page.url.endswith(case.get_absolute_url())
    expect(page.locator(".notes")).to_contain_text(PAYLOADS[0])
    problems += visitor.problems("saved case")

    assert not visitor.dialogs, "\n".join(visitor.dialogs)
    assert not problems, "\n".join(problems)
