"""The editor's workbench: the outline with conditions in words, and the condition builder."""

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from guidance import publishing
from guidance.audit_names import GuidanceAction
from guidance.models import GuidanceVersion, Rule
from tests.review import second_editor

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_two_factor_step(settings):
    settings.OTP_REQUIRED = False  # the admin's two-factor step has its own tests


@pytest.fixture
def draft(published_version, editor):
    return publishing.draft_create(guideline=published_version.guideline, user=editor)


def workbench_url(version):
    return reverse("workbench:version", args=[version.pk])


def builder_url(rule):
    return reverse("workbench:condition_builder", args=[rule.version_id, rule.pk])


def rule_of(draft, rule_id):
    return Rule.objects.get(version=draft, rule_id=rule_id)


def test_the_outline_lists_paragraphs_with_their_rules_in_words_and_the_counts(
    client, editor, draft, django_assert_max_num_queries
):
    client.force_login(editor)
    with django_assert_max_num_queries(20):
        html = client.get(workbench_url(draft)).content.decode()

    rules = Rule.objects.filter(version=draft).count()
    assert f"{rules} rules, 12 safety properties" in html
    assert '<span class="rule-reading">Subtype: ASM; and Transplant: eligible</span>' in html
    assert f'href="{builder_url(rule_of(draft, "asm-transplant"))}"' in html


def test_a_published_version_has_an_outline_but_nothing_to_edit(client, editor, published_version):
    client.force_login(editor)
    html = client.get(workbench_url(published_version)).content.decode()

    assert "Edit the condition of" not in html
    rule = Rule.objects.filter(version=published_version).first()
    assert client.get(builder_url(rule)).status_code == 403


def test_the_workbench_needs_guidance_rights(client, make_user, draft):
    client.force_login(make_user("staff-only", staff=True))
    assert client.get(workbench_url(draft)).status_code == 403


def test_the_builder_opens_with_the_rules_rows_and_reading(client, editor, draft):
    client.force_login(editor)
    html = client.get(builder_url(rule_of(draft, "asm-oral-glucocorticoids"))).content.decode()

    assert '<option value="subtype" selected>' in html
    assert 'name="row-0-values" value="ASM" checked' in html
    assert 'name="row-1-values" value="malabsorption" checked' in html
    assert 'name="row-2-values" value="ascites" checked' in html
    assert "Subtype: ASM; and Malabsorption or ascites is present" in html


BUILT = {
    "mode": "builder",
    "match": "all",
    "row-0-group": "0",
    "row-0-fact": "subtype",
    "row-0-op": "is",
    "row-0-values": ["ISM", "SSM"],
    "row-1-group": "0",
    "row-1-fact": "symptoms",
    "row-1-op": "has",
    "row-1-values": ["recurrent_anaphylaxis"],
    "row-2-group": "1",
    "row-2-fact": "antihistamine_response",
    "row-2-op": "is",
    "row-2-values": ["unresponsive"],
    "row-3-group": "1",
    "row-3-fact": "omalizumab_response",
    "row-3-op": "is",
    "row-3-values": ["unresponsive"],
    "group-1-match": "all",
    "group-1-negate": "on",
}


def test_reading_back_built_rows_shows_the_words_and_the_cel_without_saving(client, editor, draft):
    rule = rule_of(draft, "venom-immunotherapy")
    client.force_login(editor)

    html = client.post(builder_url(rule), {**BUILT, "preview": "1"}).content.decode()

    assert (
        "Subtype: ISM or SSM; and Recurrent anaphylaxis is present; and "
        "Antihistamines and omalizumab: not both unresponsive" in html
    )
    assert (
        "subtype in [&quot;ISM&quot;, &quot;SSM&quot;] &amp;&amp; &quot;recurrent_anaphylaxis&quot; in symptoms "
        "&amp;&amp; !(antihistamine_response == &quot;unresponsive&quot; &amp;&amp; omalizumab_response == "
        "&quot;unresponsive&quot;)" in html
    )
    assert rule_of(draft, "venom-immunotherapy").condition == 'venom_allergy == "yes"'


def test_htmx_gets_only_the_builder_fragment(client, editor, draft):
    client.force_login(editor)
    response = client.post(builder_url(rule_of(draft, "venom-immunotherapy")), BUILT, headers={"HX-Request": "true"})

    html = response.content.decode()
    assert html.lstrip().startswith('<div id="builder">')
    assert "breadcrumbs" not in html


def test_saving_built_rows_writes_the_cel_and_voids_an_approval(client, editor, draft):
    colleague = second_editor("colleague")
    publishing.draft_submit(draft=draft, user=editor)
    publishing.draft_approve(draft=draft, user=colleague)
    rule = rule_of(draft, "venom-immunotherapy")
    client.force_login(editor)

    response = client.post(builder_url(rule), {**BUILT, "save": "1"})

    assert response.status_code == 302
    assert rule_of(draft, "venom-immunotherapy").condition == (
        'subtype in ["ISM", "SSM"] && "recurrent_anaphylaxis" in symptoms && '
        '!(antihistamine_response == "unresponsive" && omalizumab_response == "unresponsive")'
    )
    assert GuidanceVersion.objects.get(pk=draft.pk).review_state == "editing"
    assert AuditEvent.objects.filter(action=GuidanceAction.GUIDANCE_DRAFT_EDITED, actor=editor).exists()


def test_an_incomplete_row_is_named_and_nothing_is_saved(client, editor, draft):
    rule = rule_of(draft, "venom-immunotherapy")
    client.force_login(editor)
    data = {**BUILT, "row-0-values": [], "save": "1"}

    response = client.post(builder_url(rule), data)

    assert response.status_code == 200
    assert "Tick at least one value for \u201cSubtype\u201d." in response.content.decode()
    assert rule_of(draft, "venom-immunotherapy").condition == 'venom_allergy == "yes"'


def test_typed_cel_is_read_back_or_its_error_explained(client, editor, draft):
    rule = rule_of(draft, "venom-immunotherapy")
    client.force_login(editor)

    typed = '"flushing" in symptoms && venom_allergy == "yes"'
    good = client.post(builder_url(rule), {"mode": "cel", "condition": typed})
    bad = client.post(builder_url(rule), {"mode": "cel", "condition": 'subtype = "ISM"', "save": "1"})
    unread = client.post(builder_url(rule), {"mode": "cel", "condition": "age_years >= 65"})

    assert "Flushing is present; and Venom allergy: yes" in good.content.decode()
    assert "write == (two equals signs)" in bad.content.decode()
    assert "subtype = &quot;ISM&quot;\n        ^" in bad.content.decode()
    assert rule_of(draft, "venom-immunotherapy").condition == 'venom_allergy == "yes"'
    assert "No plain-words reading for this condition" in unread.content.decode()


# ---------------------------------------------------------------- one paragraph at a time


def paragraph_url(paragraph):
    return reverse("workbench:paragraph", args=[paragraph.version_id, paragraph.pk])


def cited_paragraph(draft):
    return rule_of(draft, "venom-immunotherapy").paragraph


def test_the_paragraph_page_shows_the_text_its_rules_and_their_quotes_marked(
    client, editor, draft, django_assert_max_num_queries
):
    paragraph = cited_paragraph(draft)
    rule = rule_of(draft, "venom-immunotherapy")
    client.force_login(editor)

    with django_assert_max_num_queries(20):
        html = client.get(paragraph_url(paragraph)).content.decode()

    assert "<mark" in html.split('id="preview"')[1]  # the quoted sentence, marked in the preview
    assert "Venom allergy: yes" in html
    assert f"<code>{rule.rule_id}</code>" in html
    assert 'name="slug"' in html and "disabled" in html.split('name="slug"')[1].split(">")[0]


def test_the_live_preview_is_sanitised_and_not_saved(client, editor, draft):
    paragraph = cited_paragraph(draft)
    client.force_login(editor)
    text = paragraph.text + "\n\n<script>alert(1)</script> **bold**"

    response = client.post(paragraph_url(paragraph), {"text": text}, headers={"HX-Request": "true"})

    html = response.content.decode()
    assert html.lstrip().startswith('<section class="module" id="preview"')
    assert "<script>" not in html and "<strong>bold</strong>" in html
    assert "<script>" not in type(paragraph).objects.get(pk=paragraph.pk).text


def test_an_edit_that_drops_a_quote_is_refused_with_a_summary_linking_the_field(client, editor, draft):
    paragraph = cited_paragraph(draft)
    client.force_login(editor)
    data = {"section": paragraph.section_id, "title": paragraph.title, "text": "Entirely new words.", "order": 0}

    response = client.post(paragraph_url(paragraph), data)

    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="error-summary"' in html
    cited = [rule.rule_id for rule in paragraph.rules.all()]
    assert sorted(cited) == ["epinephrine-for-venom-allergy", "venom-immunotherapy"]
    assert f'<a href="#id_text">Paragraph: Text</a>: The quote of {", ".join(cited)} is no longer in the text' in html
    assert type(paragraph).objects.get(pk=paragraph.pk).text == paragraph.text


def test_a_paragraph_edit_is_saved_from_its_page(client, editor, draft):
    paragraph = cited_paragraph(draft)
    client.force_login(editor)
    data = {"section": paragraph.section_id, "title": "A clearer title", "text": paragraph.text, "order": 3}

    response = client.post(paragraph_url(paragraph), data)

    assert response.status_code == 302
    saved = type(paragraph).objects.get(pk=paragraph.pk)
    assert (saved.title, saved.slug, saved.order) == ("A clearer title", paragraph.slug, 3)
    assert saved.history.first().history_user == editor  # recorded as the editor's, like any edit


def test_a_published_paragraph_is_not_changed_by_the_service(editor, published_version):
    paragraph = published_version.paragraphs.first()
    with pytest.raises(ValueError, match="frozen"):
        publishing.paragraph_update(paragraph=paragraph, user=editor, title="Changed")
    assert type(paragraph).objects.get(pk=paragraph.pk).title == paragraph.title


def test_the_change_form_lists_every_error_at_the_top_with_links(client, editor, draft):
    from tests.guidance.test_admin import inline_form, post_data

    client.force_login(editor)
    url = reverse("admin:guidance_guidanceversion_change", args=[draft.pk])
    page = client.get(url)
    data = post_data(page)
    index, _ = inline_form(page, "rules", rule_id="venom-immunotherapy")
    data[f"rules-{index}-condition"] = 'subtyp == "ISM"'

    html = client.post(url, data).content.decode()

    assert 'id="error-summary"' in html
    assert f'<a href="#id_rules-{index}-condition">Rule venom-immunotherapy: Condition</a>: Unknown fact name' in html


def test_html_typed_into_a_paragraph_is_taken_out_on_save_and_the_editor_told(client, editor, draft):
    paragraph = cited_paragraph(draft)
    client.force_login(editor)
    typed = paragraph.text + ' <script>alert("x")</script>Tryptase < 20 ng/mL is <b>low</b>.'
    data = {"section": paragraph.section_id, "title": paragraph.title, "text": typed, "order": paragraph.order}

    response = client.post(paragraph_url(paragraph), data, follow=True)

    saved = type(paragraph).objects.get(pk=paragraph.pk).text
    assert saved == paragraph.text + " Tryptase < 20 ng/mL is low."
    said = [str(message) for message in response.context["messages"]]
    assert said[0] == f"Saved paragraph {paragraph.slug}."
    assert said[1].startswith(f'Took HTML out of paragraph {paragraph.slug}: <script>alert("x")</script>, <b>, </b>.')


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("Tryptase < 20 ng/mL and a<b", "Tryptase < 20 ng/mL and a<b"),
        ("Keep <!-- note --> this", "Keep  this"),
        ("Cut <SCRIPT src=x>evil()</SCRIPT> here", "Cut  here"),
        ("Unclosed <script>evil()", "Unclosed "),
        ('<a href="javascript:x">link</a> text', "link text"),
    ],
)
def test_html_is_stripped_but_comparisons_stay(text, kept):
    from guidance.markdown import html_stripped

    assert html_stripped(text)[0] == kept
