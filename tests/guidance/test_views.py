"""The guidance pages: current version, past versions, drafts, history, diff and /healthz."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from guidance.loading import SOURCE_FILE, parse_source
from guidance.models import GuidanceVersion, Paragraph, Rule, SafetyProperty
from guidance.publishing import draft_create, draft_publish
from guidance.selectors import guidance_current_invalidate
from tests.review import approved

pytestmark = pytest.mark.django_db

SOURCE = parse_source(SOURCE_FILE.read_text())
SECTION_SLUGS = [section.slug for section in SOURCE.sections]
PARAGRAPH_SLUGS = [p.slug for section in SOURCE.sections for p in section.paragraphs]


def make_draft(version, user):
    return draft_create(guideline=version.guideline, user=user)


def publish(draft, user, note="Reworded the flushing paragraph"):
    approved(draft)
    return draft_publish(draft=draft, user=user, change_note=note, confirm_changes=True)


def reword_flushing(draft):
    paragraph = draft.paragraphs.get(slug="flushing")
    paragraph.text = paragraph.text.replace("aspirin may be helpful", "low-dose aspirin may help")
    paragraph.save()
    rule = draft.rules.get(rule_id="aspirin-for-refractory-flushing")
    rule.summary = "Low-dose aspirin for flushing not responsive to antihistamines"
    # Its quote follows the reworded text: a rule only quotes words its paragraph holds.
    rule.quote = "low-dose aspirin may help, provided the patient is known to tolerate NSAIDs"
    rule.save()


def add_paragraphs(draft, count):
    """Paragraphs, each cited by a rule, under the first section of a draft."""
    section = draft.sections.order_by("order").first()
    for n in range(count):
        paragraph = Paragraph.objects.create(
            version=draft,
            section=section,
            slug=f"extra-{n}",
            title=f"Extra {n}",
            text=f"Extra **text** {n}.",
            order=100 + n,
        )
        Rule.objects.create(
            version=draft,
            rule_id=f"extra-rule-{n}",
            paragraph=paragraph,
            kind="info",
            summary=f"Extra {n}",
            condition='venom_allergy == "yes"',
            quote="Extra",
            order=100 + n,
        )


def queries_for(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured), response


# ------------------------------------------------------------------ current


@pytest.mark.parametrize("name", ["guidance:current", "guidance:versions"])
def test_it_requires_login(client, published_version, name):
    response = client.get(reverse(name))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_it_requires_login_for_a_past_version_and_the_diff(client, published_version):
    for url in (reverse("guidance:version", args=[1]), reverse("guidance:diff", args=[1, 1])):
        assert client.get(url).status_code == 302


def test_it_shows_the_current_version_with_an_anchor_and_permalink_for_every_slug(client, clinician, published_version):
    client.force_login(clinician)

    html = client.get(reverse("guidance:current")).content.decode()

    for slug in SECTION_SLUGS + PARAGRAPH_SLUGS:
        assert html.count(f'id="{slug}"') == 1, slug
        assert f'href="#{slug}"' in html, slug
    # Every sentence a rule quotes has an anchor of its own, and its rules link to it.
    for rule in published_version.rules.select_related("paragraph"):
        assert html.count(f'id="{rule.anchor}"') == 1, rule.rule_id
        assert f'href="#{rule.anchor}"' in html, rule.rule_id
    assert '<mark class="quoted" id="flushing--s1">' in html
    assert "Version 3" in html


def test_it_shows_every_paragraph_of_the_source_rendered(client, clinician, published_version):
    client.force_login(clinician)

    html = client.get(reverse("guidance:current")).content.decode()

    for paragraph in published_version.paragraphs.all():
        # The rendered paragraph, with the sentences its rules quote marked.
        assert str(paragraph.quoted_html) in html, paragraph.slug


def test_the_anchors_come_in_source_order(client, clinician, published_version):
    client.force_login(clinician)

    html = client.get(reverse("guidance:current")).content.decode()

    ids = [m for m in re.findall(r'\bid="([a-z0-9-]+)"', html) if m in SECTION_SLUGS + PARAGRAPH_SLUGS]
    expected = [slug for section in SOURCE.sections for slug in [section.slug] + [p.slug for p in section.paragraphs]]
    assert ids == expected


def test_it_shows_the_rules_that_cite_each_paragraph(client, clinician, published_version):
    client.force_login(clinician)

    html = client.get(reverse("guidance:current")).content.decode()

    assert "aspirin-for-refractory-flushing" in html
    assert "3 rules cite this paragraph" in html  # flushing
    assert "2 rules cite this paragraph" in html  # antihistamines, among others
    assert "1 rule cites this paragraph" in html  # antileukotrienes, among others


def test_the_footer_names_the_version_shown_and_the_source(client, clinician, published_version, editor):
    publish(make_draft(published_version, editor), editor)
    client.force_login(clinician)

    html = client.get(reverse("guidance:version", args=[2])).content.decode()

    footer = html[html.index("<footer") :]
    assert "version 2" in footer
    assert "version 3" not in footer
    assert "(retired; published in Mastoweb on " in footer
    assert "which is not the source&rsquo;s date" in footer
    # The source's provenance as recorded: none came with the text, and none is invented.
    assert "bibliographic record not supplied" in footer


def test_it_says_404_when_nothing_is_published(client, clinician, published_version):
    # By hand, as no service retires the only version; so the cache is told as publishing tells it.
    GuidanceVersion.objects.filter(pk=published_version.pk).update(status=GuidanceVersion.Status.RETIRED)
    guidance_current_invalidate()
    client.force_login(clinician)

    assert client.get(reverse("guidance:current")).status_code == 404


# ------------------------------------------------------------ past versions


def test_a_past_version_keeps_its_url_and_text_after_a_new_one_is_published(
    client, clinician, editor, published_version
):
    client.force_login(clinician)
    url = reverse("guidance:version", args=[3])
    before = client.get(url).content.decode()
    draft = make_draft(published_version, editor)
    reword_flushing(draft)
    publish(draft, editor)

    after = client.get(url).content.decode()
    current = client.get(reverse("guidance:current")).content.decode()
    first = client.get(reverse("guidance:version", args=[1])).content.decode()

    assert url == "/guidance/v/3/"
    assert "provided the patient is known to tolerate NSAIDs" in after
    assert "aspirin may be helpful" in after
    assert "aspirin may be helpful" in before
    assert "low-dose aspirin may help" in current
    assert "This version was retired" in after
    assert reverse("guidance:diff", args=[3, 4]) in after
    assert "aspirin may be helpful" in first
    assert "This version was retired" in first


def test_an_unknown_version_is_404(client, clinician, published_version):
    client.force_login(clinician)

    assert client.get(reverse("guidance:version", args=[99])).status_code == 404


# ------------------------------------------------------------------- drafts


@pytest.mark.parametrize("url_name", ["version", "diff"])
def test_a_draft_is_404_for_a_clinician(client, clinician, editor, published_version, url_name):
    draft = make_draft(published_version, editor)
    client.force_login(clinician)
    args = [draft.number] if url_name == "version" else [published_version.number, draft.number]

    assert client.get(reverse(f"guidance:{url_name}", args=args)).status_code == 404


def test_an_editor_previews_a_draft(client, editor, published_version, login_two_factor):
    draft = make_draft(published_version, editor)
    reword_flushing(draft)
    login_two_factor(client, editor)

    html = client.get(reverse("guidance:version", args=[draft.number])).content.decode()

    assert "Draft preview" in html
    assert "low-dose aspirin may help" in html
    for slug in PARAGRAPH_SLUGS:
        assert f'id="{slug}"' in html


# ---------------------------------------------------------- list and diff


def test_the_version_list_shows_dates_authors_and_change_notes(client, clinician, editor, published_version):
    publish(make_draft(published_version, editor), editor, note="Second edition")
    client.force_login(clinician)

    html = client.get(reverse("guidance:versions")).content.decode()

    assert "Second edition" in html
    assert "Version 2 brings the rules closer to the source" in html
    assert "Version 1: the source guidance as supplied" in html
    for number in (1, 2, 3):
        assert reverse("guidance:version", args=[number]) in html
    assert ">editor<" in html
    assert reverse("guidance:diff", args=[1, 2]) in html
    assert reverse("guidance:diff", args=[2, 3]) in html
    assert (
        html.index("Second edition")
        < html.index("Version 2 brings the rules closer to the source")
        < html.index("Version 1: the source guidance")
    )


def test_the_version_list_hides_drafts_from_clinicians_only(
    client, clinician, editor, published_version, login_two_factor
):
    draft = make_draft(published_version, editor)
    link = reverse("guidance:version", args=[draft.number])

    client.force_login(clinician)
    assert link not in client.get(reverse("guidance:versions")).content.decode()
    login_two_factor(client, editor)
    assert link in client.get(reverse("guidance:versions")).content.decode()


def test_the_diff_shows_changed_words_and_changed_rules(client, clinician, editor, published_version):
    draft = make_draft(published_version, editor)
    reword_flushing(draft)
    publish(draft, editor)
    client.force_login(clinician)

    html = client.get(reverse("guidance:diff", args=[3, 4])).content.decode()

    assert "<ins>low-dose</ins> aspirin may <del>be helpful,</del> <ins>help,</ins>" in html
    assert "aspirin-for-refractory-flushing" in html
    # Rule fields word by word too: only the words that changed are marked.
    assert "<del>Aspirin may be helpful</del> <ins>Low-dose aspirin</ins> for flushing" in html
    assert html.count("<ins>low-dose</ins> aspirin may <del>be helpful,</del> <ins>help,</ins>") == 2  # text, quote
    assert "venom-immunotherapy" not in html
    assert "No safety property changed." in html


def test_the_diff_of_a_version_with_itself_says_nothing_changed(client, clinician, published_version):
    client.force_login(clinician)

    for number in (1, 2):
        html = client.get(reverse("guidance:diff", args=[number, number])).content.decode()

        assert "No text changed." in html
        assert "No rule changed." in html
        assert "No safety property changed." in html


# ------------------------------------------------------------------ queries


def test_the_guidance_page_issues_a_bounded_number_of_queries(
    client, clinician, published_version, django_assert_max_num_queries
):
    client.force_login(clinician)

    with django_assert_max_num_queries(10):
        client.get(reverse("guidance:current"))


def test_the_query_count_does_not_grow_with_the_number_of_paragraphs(
    client, editor, published_version, login_two_factor
):
    draft = make_draft(published_version, editor)
    login_two_factor(client, editor)
    url = reverse("guidance:version", args=[draft.number])
    client.get(url)  # warm the session and permission caches alike for both counts
    before, _ = queries_for(client, url)

    add_paragraphs(draft, 50)
    after, response = queries_for(client, url)

    assert 'id="extra-49"' in response.content.decode()
    assert after == before


def test_the_published_page_query_count_does_not_grow_with_the_number_of_paragraphs(
    client, clinician, editor, published_version
):
    client.force_login(clinician)
    url = reverse("guidance:current")
    client.get(url)
    before, _ = queries_for(client, url)
    draft = make_draft(published_version, editor)
    add_paragraphs(draft, 50)
    publish(draft, editor)
    client.get(url)  # the first page after a publish reads the new version into this process

    after, response = queries_for(client, url)

    assert 'id="extra-0"' in response.content.decode()
    assert after == before


def test_the_version_list_and_diff_issue_a_bounded_number_of_queries(
    client, clinician, editor, published_version, django_assert_max_num_queries
):
    draft = make_draft(published_version, editor)
    add_paragraphs(draft, 20)
    publish(draft, editor)
    client.force_login(clinician)

    with django_assert_max_num_queries(10):
        client.get(reverse("guidance:versions"))
    # 11 before guidance v2, plus the safety properties of both versions, which the diff compares too
    # (two queries, whatever the number of paragraphs, rules or properties).
    with django_assert_max_num_queries(13):
        client.get(reverse("guidance:diff", args=[3, 4]))


# ------------------------------------------------------------------ healthz


def test_healthz_is_up_with_the_published_version(client, clinician, published_version):
    response = client.get(reverse("healthz"))

    assert response.status_code == 200
    assert "guidance_version" not in response.json()  # only for signed-in callers (tests/ops/test_healthz.py)
    assert "no-cache" in response["Cache-Control"]
    client.force_login(clinician)
    assert client.get(reverse("healthz")).json()["guidance_version"] == 3


def test_healthz_reports_the_newly_published_version(client, editor, published_version):
    publish(make_draft(published_version, editor), editor)

    client.force_login(editor)
    assert client.get(reverse("healthz")).json()["guidance_version"] == 4


def test_healthz_is_503_when_no_version_is_published(client, published_version):
    # By hand, as no service retires the only version; so the cache is told as publishing tells it.
    GuidanceVersion.objects.filter(pk=published_version.pk).update(status=GuidanceVersion.Status.RETIRED)
    guidance_current_invalidate()

    response = client.get(reverse("healthz"))

    assert response.status_code == 503
    assert response.json()["guidance"] == "none published"


def test_the_diff_shows_a_safety_property_changed_field_by_field(client, clinician, editor, published_version):
    draft = make_draft(published_version, editor)
    prop = SafetyProperty.objects.filter(version=draft).first()
    before = prop.statement
    prop.statement = "Reworded: " + before
    prop.save()
    publish(draft, editor)
    client.force_login(clinician)

    html = client.get(reverse("guidance:diff", args=[3, 4])).content.decode()

    assert f"<code>{prop.property_id}</code>" in html
    assert (
        f'<tr><th scope="row">statement</th><td><del>{escape(before)}</del></td>'
        f"<td><ins>{escape(prop.statement)}</ins></td></tr>"
    ) in html
