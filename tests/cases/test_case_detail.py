import pytest
from django.urls import reverse

from cases.services import case_update

from .factories import make_case, shown_recommendations

pytestmark = pytest.mark.django_db


def test_it_shows_the_management_grouped_safety_first(
    client, clinician, published_version, django_assert_max_num_queries
):
    case = make_case(clinician, subtype="ASM", symptoms=["flushing", "diarrhea"], venom_allergy=True)
    client.force_login(clinician)
    # Session, user, role permissions (2), case, assessments, the audit row, current guidance, line feedback.
    with django_assert_max_num_queries(9):
        response = client.get(reverse("cases:detail", args=[case.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    headings = [html.index(title) for title in ("Safety first", "Symptom-directed", "Subtype-directed")]
    assert headings == sorted(headings)
    shown = shown_recommendations(html)
    assert shown[0] == ("aggressive-sm", "caution")  # KIT status unknown: a safety flag
    assert ("antihistamines", "recommend") in shown
    assert ("venom-allergy", "recommend") in shown
    assert shown.index(("antihistamines", "recommend")) < shown.index(("aggressive-sm", "recommend"))


def test_each_line_says_why_and_quotes_and_links_its_source(client, clinician, published_version):
    case = make_case(clinician, subtype="ISM", symptoms=["flushing"], antihistamine_response="unresponsive")
    client.force_login(clinician)
    html = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "Aspirin only once the patient is known to tolerate NSAIDs" in html
    assert "flushing present; antihistamine_response = unresponsive; nsaid_tolerance = unknown" in html
    # The rule's quote, and the paragraph with those words marked.
    assert "&ldquo;provided the patient is known to tolerate NSAIDs&rdquo;" in html
    assert 'aspirin may be helpful, <mark class="quote">provided the patient is known to tolerate NSAIDs</mark>' in html
    # Each source link lands on the sentence its rule quotes.
    for anchor in ("antihistamines--s2", "antileukotrienes--s1", "flushing--s1"):
        assert f'href="/guidance/v/2/#{anchor}"' in html


def test_it_says_plainly_when_nothing_applies(client, clinician, published_version):
    case = make_case(clinician, subtype="ISM", symptoms=[])
    client.force_login(clinician)
    html = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert shown_recommendations(html) == []
    assert "Nothing in guidance version 2 applies to this case" in html


def test_it_shows_kit_status_and_transplant_eligibility_where_they_matter(client, clinician, published_version):
    case = make_case(clinician, subtype="ASM", kit_d816v="positive", hct_eligible="yes")
    client.force_login(clinician)
    html = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    items = html.split('<li class="recommendation ')
    line = next(item for item in items if 'data-rule="asm-cytoreduction-by-mutation-status"' in item)
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
