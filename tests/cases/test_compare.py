"""Any two assessments of a case compared: facts old -> new, lines added, removed and changed word by word."""

import pytest
from django.urls import reverse

from cases.services import case_reassess, case_update
from guidance.models import Rule

from .factories import AUDIT_LOCK_QUERIES, make_case, publish_revision

pytestmark = pytest.mark.django_db


def _reword(draft):
    Rule.objects.filter(version=draft, rule_id="h1-for-cutaneous-symptoms").update(
        summary="Second-generation H1 antihistamines to prevent flushing and itching"
    )


def _revise_text_only(draft):
    paragraph = draft.paragraphs.get(slug="antihistamines")
    paragraph.text = paragraph.text + " Revised wording, same advice."
    paragraph.save()


def test_it_shows_the_facts_that_changed_and_the_lines_added_and_removed(
    client, clinician, published_version, django_assert_max_num_queries
):
    case = make_case(clinician, subtype="ISM", symptoms=["pruritus"])
    case_update(case=case, user=clinician, label=case.label, facts={"subtype": "MCL"})
    client.force_login(clinician)
    with django_assert_max_num_queries(9 + AUDIT_LOCK_QUERIES):
        response = client.get(reverse("cases:compare", args=[case.pk]))
    html = response.content.decode()

    assert response.status_code == 200
    assert (
        '<tr data-fact="subtype"><th scope="row">Subtype</th><td><del>Indolent systemic mastocytosis (ISM)</del></td>'
        "<td><ins>Mast cell leukemia (MCL)</ins></td></tr>"
    ) in html
    assert "<td><del>Pruritus (itching)</del></td><td><ins>None (asymptomatic)</ins></td>" in html
    assert 'data-fact="venom_allergy"' not in html  # unchanged facts are left out
    first, latest = case.assessments.last(), case.assessments.first()
    removed = {line.rule for line in first.lines} - {line.rule for line in latest.lines}
    added = {line.rule for line in latest.lines} - {line.rule for line in first.lines}
    assert removed == {"h1-for-cutaneous-symptoms"}
    assert added
    for rule in added:
        assert f'data-change="added" data-rule="{rule}"' in html
    assert 'data-change="removed" data-rule="h1-for-cutaneous-symptoms"' in html


def test_a_reworded_line_shows_its_word_level_differences(client, clinician, editor, published_version):
    case = make_case(clinician, subtype="ISM", symptoms=["flushing"])
    publish_revision(user=editor, revise=_reword)
    case_reassess(case=case, user=clinician)
    client.force_login(clinician)
    first, latest = case.assessments.last(), case.assessments.first()

    html = client.get(
        reverse("cases:compare", args=[case.pk]), {"before": first.pk, "after": latest.pk}
    ).content.decode()

    assert "<p data-facts-same>The facts are the same in both.</p>" in html
    changed = html[html.index('data-rule="h1-for-cutaneous-symptoms"') :]
    changed = changed[: changed.index("</li>")]
    assert "<ins>Second-generation</ins> H1 antihistamines to prevent flushing and itching" in changed


def test_when_only_the_source_text_changed_it_says_so_here_and_on_reevaluation(
    client, clinician, editor, published_version
):
    case = make_case(clinician, subtype="ISM", symptoms=["flushing"])
    publish_revision(user=editor, revise=_revise_text_only)
    client.force_login(clinician)

    reassess = client.get(reverse("cases:reassess", args=[case.pk])).content.decode()
    assert "Only the source text changed" in reassess
    assert "Before:" not in reassess  # no identical before-and-after lines

    case_reassess(case=case, user=clinician)
    compare = client.get(reverse("cases:compare", args=[case.pk])).content.decode()
    assert "Only the source text changed" in compare
    assert "The source text behind this line was revised." in compare


def _confirm_more(draft):
    rule = Rule.objects.get(version=draft, rule_id="h1-for-cutaneous-symptoms")
    rule.confirm = [*rule.confirm, "Check the serum tryptase before acting"]
    rule.save()


def test_a_new_item_to_confirm_is_shown_as_such_not_as_source_text(client, clinician, editor, published_version):
    case = make_case(clinician, subtype="ISM", symptoms=["flushing"])
    publish_revision(user=editor, revise=_confirm_more)
    case_reassess(case=case, user=clinician)
    client.force_login(clinician)

    html = client.get(reverse("cases:compare", args=[case.pk])).content.decode()
    assert "Only the source text changed" not in html
    assert "What to check before acting changed for 1 line" in html
    changed = html[html.index('data-change="changed" data-rule="h1-for-cutaneous-symptoms"') :]
    changed = changed[: changed.index("</li>")]
    assert "Check the serum tryptase before acting</ins>" in changed
    assert "Check the serum tryptase" not in changed[: changed.index("<ins data-confirm-after>")]
    assert "data-source-revised" not in changed


def test_with_one_assessment_there_is_nothing_to_compare(client, clinician, published_version):
    case = make_case(clinician, subtype="ISM")
    client.force_login(clinician)
    response = client.get(reverse("cases:compare", args=[case.pk]), follow=True)
    assert response.redirect_chain[-1][0] == case.get_absolute_url()
    assert "nothing to compare it with" in response.content.decode()


def test_another_clinicians_case_cannot_be_compared(client, clinician, outsider, published_version):
    case = make_case(clinician, subtype="ISM")
    case_update(case=case, user=clinician, label=case.label, facts={"subtype": "MCL"})
    client.force_login(outsider)
    assert client.get(reverse("cases:compare", args=[case.pk])).status_code == 404


def test_an_assessment_of_another_case_is_not_used(client, clinician, published_version):
    case = make_case(clinician, subtype="ISM")
    case_update(case=case, user=clinician, label=case.label, facts={"subtype": "MCL"})
    other = make_case(clinician, subtype="ASM")
    client.force_login(clinician)
    html = client.get(reverse("cases:compare", args=[case.pk]), {"before": other.assessments.get().pk}).content.decode()
    assert "Aggressive" not in html  # the foreign id falls back to this case's own earlier assessment
    assert "<del>Indolent systemic mastocytosis (ISM)</del>" in html


def test_the_case_page_offers_the_comparison(client, clinician, published_version):
    case = make_case(clinician, subtype="ISM")
    case_update(case=case, user=clinician, label=case.label, facts={"subtype": "MCL"})
    client.force_login(clinician)
    html = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert f'action="{reverse("cases:compare", args=[case.pk])}"' in html
