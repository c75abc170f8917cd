"""A rule quotes the words of its paragraph it rests on: checked on save, and when the paragraph changes under it."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from guidance.markdown import render_markdown
from guidance.models import GuidanceVersion, Paragraph, QuoteError, Rule
from guidance.publishing import PublishError, draft_create, draft_publish
from guidance.quotes import mark_quote, mark_sentences, quote_anchor, quote_in_text, quote_sentences, sentences
from tests.guidance.test_admin import inline_form, post_data

FLUSHING = (
    "In patients with prominent flushing not responsive to antihistamines, aspirin may be helpful, "
    "provided the patient\nis known to tolerate NSAIDs."
)
GI = (
    "Gastrointestinal symptoms in patients with systemic mastocytosis may respond to oral cromolyn sodium, "
    "H2 antihistamines, and proton pump inhibitors (PPIs). Orally administered glucocorticoids are helpful for "
    "patients with aggressive systemic mastocytosis (ASM) and severe malabsorption or ascites."
)


def test_a_quote_matches_its_paragraph_whitespace_aside_and_nothing_else():
    assert quote_in_text("provided the patient is known   to tolerate NSAIDs", FLUSHING)
    assert not quote_in_text("provided the patient is known to tolerate aspirin", FLUSHING)
    assert not quote_in_text("", FLUSHING)
    assert not quote_in_text("Provided the patient", FLUSHING)  # case counts: the source's own words


def test_sentences_and_the_sentence_a_quote_lies_in():
    assert len(sentences(GI)) == 2
    assert quote_sentences(GI, "Orally administered glucocorticoids are helpful") == (2,)
    assert quote_sentences(GI, "(PPIs). Orally administered") == (1, 2)
    assert quote_anchor("gastrointestinal", GI, "may respond to oral cromolyn sodium") == "gastrointestinal--s1"
    assert quote_anchor("gastrointestinal", GI, "not in the text") == "gastrointestinal"


def test_the_quote_is_marked_inside_the_rendered_paragraph():
    html = str(mark_quote(render_markdown(FLUSHING), "provided the patient is known to tolerate NSAIDs"))
    assert '<mark class="quote">provided the patient\nis known to tolerate NSAIDs</mark>' in html
    # Words the markup splits are left unmarked rather than marked wrongly.
    assert "<mark" not in str(mark_quote(render_markdown("aspirin *may* help"), "aspirin may help"))


def test_each_quoted_sentence_is_marked_once_with_its_anchor():
    quotes = ("aspirin may be helpful", "provided the patient is known to tolerate NSAIDs")
    html = str(mark_sentences(render_markdown(FLUSHING), FLUSHING, "flushing", quotes))
    assert html.count('id="flushing--s1"') == 1
    assert html.count("<mark") == 1


def test_markup_in_a_quote_stays_text():
    text = "Use <b>care</b> & attention."
    html = str(mark_quote(render_markdown(text), "<b>care</b> & attention."))
    assert "<b>" not in html
    assert '<mark class="quote">&lt;b&gt;care&lt;/b&gt; &amp; attention.</mark>' in html


@pytest.fixture
def _no_two_factor_step(settings):
    settings.OTP_REQUIRED = False  # the admin's two-factor step has its own tests


@pytest.fixture
def draft(published_version, editor):
    return draft_create(guideline=published_version.guideline, user=editor)


@pytest.mark.django_db
def test_a_rule_cannot_quote_words_its_paragraph_does_not_hold(draft):
    rule = Rule.objects.get(version=draft, rule_id="aspirin-for-refractory-flushing")
    rule.quote = "aspirin is always safe"
    with pytest.raises(ValidationError) as error:
        rule.full_clean()
    assert "quote" in error.value.message_dict
    with pytest.raises(QuoteError):
        rule.save()
    rule.refresh_from_db()
    assert rule.quote == "aspirin may be helpful, provided the patient is known to tolerate NSAIDs"


@pytest.mark.django_db
@pytest.mark.usefixtures("_no_two_factor_step")
def test_editing_a_paragraph_under_a_quote_is_refused_in_admin(client, editor, draft):
    client.force_login(editor)
    url = reverse("admin:guidance_guidanceversion_change", args=[draft.pk])
    page = client.get(url)
    data = post_data(page)
    index, _ = inline_form(page, "paragraphs", slug="flushing")
    data[f"paragraphs-{index}-text"] = "Aspirin may be helpful in prominent flushing."
    flushing = Paragraph.objects.get(version=draft, slug="flushing")

    response = client.post(url, data)

    assert response.status_code == 200  # the form again, with the error
    assert "The quote is not in paragraph &#x27;flushing&#x27; as edited" in response.content.decode()
    flushing.refresh_from_db()
    assert "provided the patient is known to tolerate NSAIDs" in " ".join(flushing.text.split())


@pytest.mark.django_db
@pytest.mark.usefixtures("_no_two_factor_step")
def test_a_paragraph_and_its_rules_quote_can_change_together(client, editor, draft):
    client.force_login(editor)
    url = reverse("admin:guidance_guidanceversion_change", args=[draft.pk])
    page = client.get(url)
    data = post_data(page)
    flushing = Paragraph.objects.get(version=draft, slug="flushing")
    new_text = "Aspirin may be helpful in prominent flushing, if NSAIDs are tolerated."
    data[f"paragraphs-{inline_form(page, 'paragraphs', slug='flushing')[0]}-text"] = new_text
    for rule in Rule.objects.filter(version=draft, paragraph=flushing):
        data[f"rules-{inline_form(page, 'rules', rule_id=rule.rule_id)[0]}-quote"] = "if NSAIDs are tolerated"

    response = client.post(url, data)

    assert response.status_code == 302, response.content.decode()[:2000]
    assert set(Rule.objects.filter(version=draft, paragraph=flushing).values_list("quote", flat=True)) == {
        "if NSAIDs are tolerated"
    }


@pytest.mark.django_db
def test_publishing_refuses_a_rule_without_a_quote(draft, editor):
    Rule.objects.filter(version=draft, rule_id="venom-immunotherapy").update(quote="")
    with pytest.raises(PublishError, match="venom-immunotherapy"):
        draft_publish(draft=draft, user=editor, change_note="no quote", confirm_changes=True)
    assert GuidanceVersion.objects.get(pk=draft.pk).is_draft


def test_a_sentence_markup_splits_links_to_its_paragraph_not_to_a_missing_anchor():
    text = "Extra **text** here. Second one."
    assert quote_anchor("extra", text, "Extra **text** here.") == "extra"
    assert quote_anchor("extra", text, "Second one.") == "extra--s2"
    assert 'id="extra--s2"' in str(mark_sentences(render_markdown(text), text, "extra", ("Second one.",)))


def test_a_quote_also_in_a_link_title_is_marked_in_the_text_only():
    """mark_quote put <mark> inside a link's title attribute, which broke the tag (issue 24)."""
    text = '[see the table](https://example.org/t "aspirin may help") because aspirin may help.'
    html = str(mark_quote(render_markdown(text), "aspirin may help"))
    assert 'title="aspirin may help"' in html
    assert html.count("<mark") == 1
    assert '<mark class="quote">aspirin may help</mark>.' in html
    sentences_html = str(mark_sentences(render_markdown(text), text, "p", ("aspirin may help",)))
    assert 'title="aspirin may help"' in sentences_html
