import pytest
from django.urls import reverse
from django.utils import timezone

from cases.services import case_update
from guidance.kinds import Kind

from .factories import make_case, shown_recommendations

pytestmark = pytest.mark.django_db


def test_it_shows_the_management_grouped_safety_first(
    client, clinician, published_version, django_assert_max_num_queries
):
    case = make_case(clinician, subtype="ASM", symptoms=["flushing", "diarrhea"], venom_allergy="yes")
    client.force_login(clinician)
    # Session, user, role permissions (2), case, assessments, the audit row (after the chain's newest hash, and
    # on PostgreSQL the chain's lock: audit.chain), current guidance, line feedback.
    with django_assert_max_num_queries(11):
        response = client.get(reverse("cases:detail", args=[case.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    headings = [html.index(title) for title in ("Safety first", "Symptom-directed", "Subtype-directed")]
    assert headings == sorted(headings)
    shown = shown_recommendations(html)
    # Venom allergy (epinephrine at hand) and KIT status unknown (not imatinib yet): safety flags, first.
    assert shown[:2] == [("venom-allergy", "caution"), ("aggressive-sm", "caution")]
    assert ("antihistamines", "recommend") in shown
    assert ("venom-allergy", "recommend") in shown
    assert shown.index(("antihistamines", "recommend")) < shown.index(("aggressive-sm", "recommend"))


def test_each_line_says_why_and_quotes_and_links_its_source(client, clinician, published_version):
    case = make_case(clinician, subtype="ISM", symptoms=["flushing"], antihistamine_response="unresponsive")
    client.force_login(clinician)
    html = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "Aspirin only once the patient is known to tolerate NSAIDs" in html
    assert "Symptoms: flushing · Antihistamines: unresponsive · NSAIDs: unknown" in html
    # The rule's quote, and the paragraph with those words marked.
    assert "&ldquo;provided the patient is known to tolerate NSAIDs&rdquo;" in html
    assert 'aspirin may be helpful, <mark class="quote">provided the patient is known to tolerate NSAIDs</mark>' in html
    # Antihistamines failed: an antileukotriene is the next step, H1 antihistamines are not offered again.
    assert 'data-rule="antileukotriene-after-antihistamines"' in html
    assert 'data-rule="h1-for-cutaneous-symptoms"' not in html
    # Each source link lands on the sentence its rule quotes.
    for anchor in ("antileukotrienes--s1", "flushing--s1"):
        assert f'href="/guidance/v/3/#{anchor}"' in html


def test_it_says_plainly_when_nothing_applies(client, clinician, published_version):
    case = make_case(clinician, subtype="ISM", symptoms=[])
    client.force_login(clinician)
    html = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert shown_recommendations(html) == []
    assert "Nothing in guidance version 3 applies to this case" in html


def test_it_shows_kit_status_and_transplant_eligibility_where_they_matter(client, clinician, published_version):
    case = make_case(clinician, subtype="ASM", kit_d816v="positive", hct_eligible="yes")
    client.force_login(clinician)
    html = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    items = html.split('<li class="recommendation ')
    line = next(item for item in items if 'data-rule="asm-agents-kit-d816v-positive"' in item)
    assert "KIT D816V mutation:</span> Positive" in line
    line = next(item for item in items if 'data-rule="asm-transplant"' in item)
    assert "Eligible for hematopoietic cell transplantation:</span> Eligible" in line
    unrelated = make_case(clinician, subtype="ISM", symptoms=["pruritus"], kit_d816v="positive")
    html = client.get(reverse("cases:detail", args=[unrelated.pk])).content.decode()
    assert "KIT D816V mutation:</span>" not in html


def test_it_lists_the_assessment_history_and_shows_each_as_it_was(client, clinician, published_version):
    case = make_case(clinician, subtype="ISM", symptoms=["pruritus"])
    first = case.assessments.get()
    case_update(case=case, user=clinician, label=case.label, facts={"subtype": "MCL"})
    client.force_login(clinician)

    html = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "Assessment history" in html
    assert first.get_absolute_url() in html
    assert shown_recommendations(html) == [("aggressive-sm", "info"), ("mast-cell-leukemia", "info")]

    old = client.get(first.get_absolute_url()).content.decode()
    assert "This is an earlier assessment" in old
    assert shown_recommendations(old) == [("antihistamines", "recommend")]


def test_it_prints_without_navigation_or_history(client, clinician, published_version):
    case = make_case(clinician, subtype="SM-AHN")
    client.force_login(clinician)
    html = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert 'href="/static/css/print.css" media="print"' in html
    assert 'class="assessment-history' in html


def test_its_top_says_at_a_glance_how_many_cautions_and_actions_and_which_cautions(
    client, clinician, published_version
):
    case = make_case(clinician, subtype="SSM", symptoms=["recurrent_anaphylaxis", "flushing"], venom_allergy="yes")
    lines = case.assessments.get().lines
    cautions = [line for line in lines if line.kind == Kind.CAUTION]
    actions = [line for line in lines if line.kind in (Kind.RECOMMEND, Kind.CONSIDER)]
    assert cautions and actions
    client.force_login(clinician)
    html = client.get(reverse("cases:detail", args=[case.pk])).content.decode()

    glance = html[html.index('class="at-a-glance') : html.index('class="case-facts')]
    plural = "s" if len(cautions) != 1 else ""
    assert f"<strong>{len(cautions)} caution{plural}</strong> · {len(actions)} actions" in glance
    for line in cautions:
        assert f'<a href="#line-{line.rule}">{line.summary}</a>' in glance
        assert f'id="line-{line.rule}"' in html  # where the link lands
    # The facts come before the lines, in a line of their own, with the way to correct them.
    assert html.index('class="case-facts') < html.index('id="management-heading"')
    facts = html[html.index('class="facts-line') : html.index("</p>", html.index('class="facts-line'))]
    assert '<span class="fw-semibold">Subtype:</span> SSM' in facts
    assert '<span class="fw-semibold">Venom allergy:</span> yes' in facts
    assert f'href="{reverse("cases:update", args=[case.pk])}">Edit the facts</a>' in facts


def test_each_source_paragraph_is_folded_until_asked_for(client, clinician, published_version):
    case = make_case(clinician, subtype="ISM", symptoms=["flushing"], antihistamine_response="unresponsive")
    client.force_login(clinician)
    html = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    lines = len(shown_recommendations(html))
    assert html.count('<details class="source-paragraph') == lines
    assert html.count('<blockquote class="source-text') == lines  # each inside its <details>
    assert "&ldquo;provided the patient is known to tolerate NSAIDs&rdquo;" in html  # the quote stays in view


def test_a_printout_carries_its_header_and_footer(client, clinician, published_version):
    case = make_case(clinician, label="Clinic 9", subtype="ISM", symptoms=["flushing"])
    client.force_login(clinician)
    html = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    header = html[html.index('class="print-header') : html.index("</thead>")]
    footer = html[html.index('class="print-footer') : html.index("</tfoot>")]
    assert "Mastoweb" in header
    assert "Case Clinic 9" in header
    assert f"Printed by {clinician.get_username()}" in header
    assert "Guidance version 3" in footer
    assert 'class="provenance">Source:' in footer
    assert "does not replace, clinical judgement" in footer


def test_an_earlier_assessment_says_which_one_superseded_it(client, clinician, published_version):
    case = make_case(clinician, subtype="ISM", symptoms=["pruritus"])
    first = case.assessments.get()
    case_update(case=case, user=clinician, label=case.label, facts={"subtype": "MCL"})
    second = case.assessments.latest("created_at")
    client.force_login(clinician)

    old = client.get(first.get_absolute_url()).content.decode()
    latest = client.get(second.get_absolute_url()).content.decode()
    current = client.get(reverse("cases:detail", args=[case.pk])).content.decode()

    when = timezone.localtime(second.created_at).strftime("%-d %b %Y %H:%M")
    assert f"Superseded by the assessment of {when}." in old
    notice = old[old.index('id="superseded"') : old.index("</div>", old.index('id="superseded"'))]
    assert "no-print" not in notice.split(">")[0]  # the notice itself prints
    assert "Superseded" not in latest
    assert "Superseded" not in current


def test_the_fhir_export_sits_with_the_integrators_not_beside_edit_and_print(client, clinician, published_version):
    case = make_case(clinician, subtype="MCL")
    client.force_login(clinician)
    html = client.get(case.get_absolute_url()).content.decode()

    header = html[html.index('<header class="mb-3">') : html.index("</header>")]
    assert "RequestGroup" not in header
    section = html[html.index('class="for-integrators') :]
    section = section[: section.index("</section>")]
    export = reverse("interop:request_group", args=[case.pk, case.assessments.get().pk])
    assert f'<a href="{export}" download>RequestGroup (JSON)</a>' in section
    assert html.index('class="for-integrators') > html.index('id="management-heading"')
