"""Script injection through every free-text field, judged on the markup the server sends.

Case label and notes, guidance Markdown (paragraph and section text), titles,
rule summaries and change notes are filled with tests/security/xss_corpus.py's
payloads; every page that shows them must show them as text and carry nothing
that could run. tests/browser/test_xss.py renders the same pages in Chromium.
"""

from html import escape

import pytest
from django.test import Client
from django.urls import reverse

from guidance.facts import FACTS

from .xss_corpus import (
    PAYLOADS,
    RUN,
    TEMPLATE_PAYLOAD,
    build_draft,
    markup_offences,
    markup_shows,
    publish_draft,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(make_user, published_version, login_two_factor):
    """The draft stage: people with signed-in clients, the draft, and the pages that show it."""
    people, draft, pages = build_draft(make_user=make_user, published_version=published_version)
    clients = {}
    for person, user in people.items():
        clients[person] = Client()
        if user.is_staff:
            login_two_factor(clients[person], user)
        else:
            clients[person].force_login(user)
    return people, clients, draft, pages


def problems(clients, pages):
    """Every way a page fails: not shown, payload not on the page as text, or markup that could run."""
    found = []
    for page in pages:
        response = clients[page.person].get(page.url)
        if response.status_code != 200:
            found.append(f"{page.url} ({page.what}): status {response.status_code}")
            continue
        html = response.content.decode()
        if not markup_shows(html, RUN):
            found.append(f"{page.url} ({page.what}): the payloads are not on the page as text")
        found += [f"{page.url} ({page.what}): {offence}" for offence in markup_offences(html)]
    return found


def test_the_checker_catches_each_payload_left_raw():
    # The corpus is only a test if each payload, sent unescaped, would be caught.
    # Not markup at all, a comment, entities, or aimed at filters that strip "<script>" once.
    inert = {p for p in PAYLOADS if "<" not in p or p.startswith(("<!--", "&lt;", "<scr<"))}
    for payload in set(PAYLOADS) - inert:
        assert markup_offences(f"<p>{payload}</p>"), payload
        assert not markup_offences(f"<p>{escape(payload)}</p>"), payload
        assert markup_shows(f"<p>{escape(payload)}</p>", payload), payload


def test_no_payload_runs_on_the_pages_of_a_draft(site):
    _, clients, _, pages = site
    assert not problems(clients, pages), "\n".join(problems(clients, pages))


def test_no_payload_runs_on_case_guidance_and_admin_pages_once_published(site, published_version):
    people, clients, draft, _ = site
    pages = publish_draft(people=people, draft=draft, published_version=published_version)
    assert not problems(clients, pages), "\n".join(problems(clients, pages))


def test_template_syntax_in_notes_is_shown_as_typed(site, published_version):
    people, clients, draft, _ = site
    pages = publish_draft(people=people, draft=draft, published_version=published_version)
    detail = next(page for page in pages if page.what.startswith("label, notes"))
    html = clients["owner"].get(detail.url).content.decode()
    assert markup_shows(html, TEMPLATE_PAYLOAD)
    assert "correct-horse" not in html and "pbkdf2" not in html and "md5$" not in html


@pytest.mark.parametrize("name", [name for name, fact in FACTS.items() if fact.is_enum or fact.is_enum_list])
def test_a_payload_sent_as_a_choice_comes_back_in_the_error_as_text(site, name):
    _, clients, _, _ = site
    client = clients["owner"]
    for payload in PAYLOADS:
        data = {"label": "XSS choice", "subtype": "ISM", name: payload}
        for url, headers in ((reverse("cases:create"), {}), (reverse("cases:preview"), {"HX-Request": "true"})):
            response = client.post(url, data, headers=headers)
            assert response.status_code == 200
            html = response.content.decode()
            assert not markup_offences(html), (url, name, payload, markup_offences(html))
            assert markup_shows(html, payload), (url, name, payload)  # reflected, as text


def test_an_edit_conflict_shows_both_versions_as_text(site):
    people, clients, _, _ = site
    case = people["owner"].cases.filter(notes__contains="\n").first()
    data = {"label": PAYLOADS[4], "subtype": "ASM", "notes": PAYLOADS[1], "lock_version": case.lock_version + 7}
    for name, fact in FACTS.items():
        if fact.is_enum and name != "subtype":
            data[name] = fact.default
    response = clients["owner"].post(reverse("cases:update", args=[case.pk]), data)
    assert response.status_code == 409
    html = response.content.decode()
    assert not markup_offences(html), markup_offences(html)
    assert markup_shows(html, PAYLOADS[4]) and markup_shows(html, PAYLOADS[1]) and markup_shows(html, RUN)
