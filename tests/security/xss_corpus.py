"""Script-injection payloads, a site full of them, and a check of what a page's markup lets through.

Used by tests/security/test_xss.py (the markup the server sends) and
tests/browser/test_xss.py (the DOM Chromium builds from it, and whether anything ran).
Every payload that could run sets `window.__xss` and opens a dialog.
"""

import re
from dataclasses import dataclass
from html.parser import HTMLParser

from django.urls import reverse

from accounts import roles
from cases.models import Case
from guidance.publishing import draft_create, draft_publish
from tests.cases.factories import make_case
from tests.review import approved

from .site_urls import role_user

RUN = "window.__xss=1;alert(1)"

PAYLOADS = [
    f"<script>{RUN}</script>",
    f'<img src=x onerror="{RUN}">',
    f"<svg onload={RUN}>",
    f'"><svg onload={RUN}>',
    f"'><img src=x onerror={RUN}>",
    f"</textarea><script>{RUN}</script>",
    f"</title><script>{RUN}</script>",
    f"javascript:{RUN}",
    f"[a link](javascript:{RUN})",
    f'<a href="javascript:{RUN}">a link</a>',
    f'<a href=" jav&#x09;ascript:{RUN}">a spaced link</a>',
    f'<iframe srcdoc="<script>{RUN}</script>"></iframe>',
    f"<details open ontoggle={RUN}>",
    f'<input autofocus onfocus="{RUN}">',
    f'<div hx-get="/" hx-trigger="load" hx-on::load="{RUN}">htmx</div>',
    f"<math><mtext><table><mglyph><style><img src=x onerror={RUN}>",
    f"<scr<script>ipt>{RUN}</scr</script>ipt>",
    f"<!--<img src=x onerror={RUN}>-->",
    f"&lt;script&gt;{RUN}&lt;/script&gt;",
    f'![an image](x" onerror="{RUN})',
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    f"<form action=javascript:{RUN}><button>go</button></form>",
    f"\u2028</script><script>{RUN}</script>",
    "{{ request.user.password }}{% debug %}${7*7}#{7*7}",
    f"<style>@import 'javascript:{RUN}';</style><b style=\"x:expression({RUN})\">b</b>",
]
# The case label holds 100 characters; these fit.
LABEL_PAYLOADS = [payload for payload in PAYLOADS if len(payload) <= 100]
# Template syntax must come back as typed: shown, never evaluated.
TEMPLATE_PAYLOAD = PAYLOADS[-2]
ALL = "\n\n".join(PAYLOADS)

# Facts that make a rule citing the `flushing` paragraph fire.
FLUSHING = {"subtype": "ISM", "symptoms": ["flushing"], "antihistamine_response": "unresponsive"}


@dataclass(frozen=True)
class Page:
    person: str  # "owner", "editor" or "reviewer"
    url: str
    what: str  # the free text the page shows


def _first_fitting(limit, prefix=""):
    """As many payloads as fit in a field of `limit` characters."""
    text = prefix
    for payload in PAYLOADS:
        if len(text) + len(payload) + 1 > limit:
            break
        text = f"{text} {payload}".strip()
    return text


def build_draft(*, make_user, published_version):
    """Cases and a guidance draft full of payloads: ({person: user}, draft, [Page] that show the draft).

    The draft's pages are to be visited before `publish_draft`: its publish screen exists only for a draft.
    """
    people = {
        "owner": role_user(make_user, "xss-owner", roles.CLINICIAN),
        "editor": role_user(make_user, "xss-editor", roles.GUIDANCE_EDITOR, staff=True),
        "reviewer": role_user(make_user, "xss-reviewer", roles.REVIEWER),
    }
    owner, editor = people["owner"], people["editor"]
    for payload in LABEL_PAYLOADS:
        make_case(owner, label=payload, notes=payload, **FLUSHING)
    make_case(owner, label=LABEL_PAYLOADS[3], notes=ALL, **FLUSHING)  # assessed under v2, reassessed later

    draft = draft_create(guideline=published_version.guideline, user=editor)
    draft.title = _first_fitting(200, "Guidance ")
    draft.save()
    paragraph = draft.paragraphs.select_related("section").get(slug="flushing")
    paragraph.title = _first_fitting(200)
    paragraph.text = f"{paragraph.text}\n\n{ALL}"
    paragraph.save()
    section = paragraph.section
    section.title = _first_fitting(200)
    section.text = ALL
    section.save()
    for rule in paragraph.rules.all():
        rule.summary = _first_fitting(200)
        rule.save()
    pages = [
        Page("editor", reverse("guidance:version", args=[draft.number]), "draft paragraph, section, rule, title"),
        Page("editor", reverse("guidance:diff", args=[published_version.number, draft.number]), "draft diff"),
        Page("editor", reverse("admin:guidance_guidanceversion_change", args=[draft.pk]), "draft in admin"),
        Page("editor", reverse("workbench:publish", args=[draft.pk]), "publish screen"),
        Page("editor", reverse("admin:guidance_guidanceversion_history", args=[draft.pk]), "field history"),
    ]
    return people, draft, pages


def publish_draft(*, people, draft, published_version):
    """Publish the draft with a change note of payloads; [Page] that show cases, guidance and notes."""
    owner, editor = people["owner"], people["editor"]
    approved(draft, author=editor)
    published = draft_publish(draft=draft, user=editor, change_note=ALL, confirm_changes=True)
    before = Case.objects.filter(created_by=owner, notes=ALL).get()
    after = make_case(owner, label=LABEL_PAYLOADS[1], notes=ALL, **FLUSHING)  # assessed under the new version
    return [
        Page("owner", reverse("cases:list"), "labels"),
        Page("owner", before.get_absolute_url(), "label, notes, newer-guidance notice"),
        Page("owner", reverse("cases:update", args=[before.pk]), "label and notes in the form"),
        Page("owner", reverse("cases:reassess", args=[before.pk]), "changed lines from the new guidance"),
        Page("owner", after.get_absolute_url(), "recommendation summary and source text"),
        Page("owner", reverse("cases:update", args=[after.pk]), "form with the preview of the new guidance"),
        Page("owner", reverse("guidance:current"), "published guidance"),
        Page("owner", reverse("guidance:versions"), "change notes"),
        Page("owner", reverse("guidance:diff", args=[published_version.number, published.number]), "diff, change note"),
        Page("reviewer", reverse("cases:review"), "labels for the reviewer"),
        Page("reviewer", reverse("cases:review_detail", args=[before.pk]), "every assessment"),
        Page("editor", reverse("admin:guidance_guidanceversion_changelist"), "change notes in admin"),
        Page("editor", reverse("admin:guidance_guidanceversion_change", args=[published.pk]), "published, read-only"),
        Page("editor", reverse("admin:guidance_guidanceversion_history", args=[published.pk]), "history"),
    ]


# ------------------------------------------------------------------ what markup may carry

URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "poster", "data", "background", "ping", "srcdoc"}
BAD_SCHEMES = ("javascript:", "vbscript:", "data:")
# Elements none of our pages use, each a carrier of script or of a page of its own. (SVG and
# MathML run script only through handlers, script elements or URLs, all checked.)
FOREIGN_ELEMENTS = {"iframe", "frame", "frameset", "object", "embed", "applet", "base", "style"}


def _scheme(url):
    # Browsers ignore whitespace and control characters inside a scheme.
    return re.sub(r"[\x00-\x20]", "", url).lower()


def _attribute_runs(name, value):
    """An event handler, a script URL, inline style, or an htmx attribute carrying a payload."""
    return (
        name.startswith(("on", "hx-on", "data-hx-on"))
        or (name in URL_ATTRIBUTES and _scheme(value).startswith(BAD_SCHEMES))
        or name == "style"
        or (name.startswith("hx-") and "__xss" in value)
    )


class _Markup(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.offences, self.text, self.values = [], [], []

    def handle_starttag(self, tag, attrs):
        attrs = [(name.lower(), value or "") for name, value in attrs]
        for name, value in attrs:
            if _attribute_runs(name, value):
                self.offences.append(f"<{tag} {name}={value!r}>")
            elif name in ("value", "title", "content"):
                self.values.append(value)
        if tag in FOREIGN_ELEMENTS:
            self.offences.append(f"<{tag}>")
        if tag == "script":
            found = dict(attrs)
            same_origin = re.match(r"/[^/\\]", found.get("src", ""))  # our files; CSP allows no other
            if not (same_origin or found.get("type") == "application/json"):
                self.offences.append(f"<script {found}>")

    def handle_data(self, data):
        self.text.append(data)


def markup_offences(html):
    """What in this markup could run script: handler attributes, script URLs, inline scripts, foreign elements."""
    parser = _Markup()
    parser.feed(html)
    parser.close()
    return parser.offences


def markup_shows(html, needle):
    """Whether `needle` reaches the reader as text (or as a form field's value), not as markup."""
    parser = _Markup()
    parser.feed(html)
    parser.close()
    return needle in "".join(parser.text) or any(needle in value for value in parser.values)
