import pytest
from django.urls import reverse

from cases import services
from cases.models import Assessment
from guidance.models import Rule
from guidance.selectors import guidance_current

from .factories import make_case, publish_revision, shown_recommendations

pytestmark = pytest.mark.django_db


def _revise(draft):
    """v4: one rule reworded, one removed, one added, one paragraph's text revised.

    The rule removed is one no safety property names, and the rule added quotes its
    paragraph: publishing refuses anything else.
    """
    Rule.objects.filter(version=draft, rule_id="h1-for-cutaneous-symptoms").update(
        summary="Second-generation H1 antihistamines to prevent flushing and itching"
    )
    Rule.objects.filter(version=draft, rule_id="h2-for-gastrointestinal-symptoms").delete()
    Rule.objects.create(
        version=draft,
        rule_id="flushing-triggers",
        paragraph=draft.paragraphs.get(slug="flushing"),
        kind="info",
        summary="Identify and avoid flushing triggers",
        condition='"flushing" in symptoms',
        quote="In patients with prominent flushing",
        order=99,
    )
    gi = draft.paragraphs.get(slug="gastrointestinal")
    gi.text = gi.text + " Revised in v4."
    gi.save()


@pytest.fixture
def case(clinician, published_version):
    """Under v3: the H1 line (flushing), the H2 line and the GI line (diarrhea).

    Antihistamines have not failed: v3 never offers to start them again once they have.
    """
    return make_case(clinician, subtype="ISM", symptoms=["flushing", "diarrhea"])


def test_a_case_on_current_guidance_has_nothing_to_reassess(client, clinician, case):
    client.force_login(clinician)
    html = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "has been published since" not in html
    response = client.get(reverse("cases:reassess", args=[case.pk]))
    assert response.status_code == 302
    assert case.assessments.count() == 1


def test_newer_guidance_is_announced_on_the_case_page_and_list(client, clinician, editor, case):
    publish_revision(user=editor, revise=_revise)
    client.force_login(clinician)
    html = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "Guidance version 4 has been published since this assessment (version 3)" in html
    assert reverse("cases:reassess", args=[case.pk]) in html
    # Until reassessed, the page shows what was shown under version 3, the line v4 removed too.
    assert "H1 antihistamines to prevent flushing and itching" in html
    assert "Second-generation" not in html
    assert ("antihistamines", "consider") in shown_recommendations(html)
    listing = client.get(reverse("cases:list")).content.decode()
    # The list says what re-evaluation would change, as the re-evaluation page counts it.
    assert "Under version 4: " in listing
    assert "Would change: +1 line, \u22121 line, 1 reworded, source text of 1 line revised</a>" in listing


def test_it_shows_what_would_change_for_this_patient(client, clinician, editor, case, django_assert_max_num_queries):
    publish_revision(user=editor, revise=_revise)
    guidance_current()  # each process reads a newly published version once; then it costs a token's read
    client.force_login(clinician)
    with django_assert_max_num_queries(9):
        response = client.get(reverse("cases:reassess", args=[case.pk]))
    changes = response.context["changes"]
    assert [line.rule for line in changes.added] == ["flushing-triggers"]
    assert [line.rule for line in changes.removed] == ["h2-for-gastrointestinal-symptoms"]
    assert sorted(after.rule for _, after in changes.changed) == ["gi-cromolyn-ppi", "h1-for-cutaneous-symptoms"]
    reworded = next(pair for pair in changes.changed if pair[1].rule == "h1-for-cutaneous-symptoms")
    assert reworded[0].summary == "H1 antihistamines to prevent flushing and itching"
    assert reworded[1].summary.startswith("Second-generation")
    html = response.content.decode()
    assert 'data-change="added" data-rule="flushing-triggers" data-paragraph="flushing" data-kind="info"' in html
    assert 'data-change="removed" data-rule="h2-for-gastrointestinal-symptoms" data-paragraph="antihistamines"' in html
    assert "data-only-source-changed" not in html and "data-confirm-changed" not in html
    assert case.assessments.count() == 1  # looking changes nothing


CHECK = "Check the serum tryptase before acting"


def _confirm_more(draft):
    """v4: the line this case gets from h1-for-cutaneous-symptoms gains an item to confirm, nothing else."""
    rule = Rule.objects.get(version=draft, rule_id="h1-for-cutaneous-symptoms")
    rule.confirm = [*rule.confirm, CHECK]
    rule.save()


def test_a_new_item_to_confirm_is_shown_old_and_new_not_as_source_text(client, clinician, editor, case):
    before = next(line for line in case.assessments.get().lines if line.rule == "h1-for-cutaneous-symptoms")
    publish_revision(user=editor, revise=_confirm_more)
    client.force_login(clinician)
    response = client.get(reverse("cases:reassess", args=[case.pk]))
    changes = response.context["changes"]
    (change,) = changes.changed
    assert change.confirm_changed and not change.reworded and not change.source_revised
    assert not changes.only_source_changed
    html = response.content.decode()
    assert "data-only-source-changed" not in html
    assert "What to check before acting changed for 1 line" in html
    item = html[html.index('data-change="changed" data-rule="h1-for-cutaneous-symptoms"') :]
    item = item[: item.index("</li>")]
    assert f"<ins data-confirm-after>{'; '.join([*before.confirm, CHECK])}</ins>" in item
    assert f"<del data-confirm-before>{'; '.join(before.confirm) or 'nothing to check'}</del>" in item
    assert "data-source-revised" not in item

    listing = client.get(reverse("cases:list")).content.decode()
    assert "Would change: items to confirm of 1 line changed</a>" in listing
    assert "source text" not in listing


def test_confirming_saves_a_new_assessment_under_the_new_version(client, clinician, editor, case):
    first = case.assessments.get()
    v4 = publish_revision(user=editor, revise=_revise)
    client.force_login(clinician)
    response = client.post(reverse("cases:reassess", args=[case.pk]))

    assert response.status_code == 302
    latest = case.assessments.first()
    assert latest.guidance_version == v4
    assert latest.created_by == clinician
    rules = [line.rule for line in latest.lines]
    assert "flushing-triggers" in rules
    assert "h2-for-gastrointestinal-symptoms" not in rules
    assert Assessment.objects.get(pk=first.pk).recommendations == first.recommendations
    html = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert 'href="/guidance/v/4/#flushing--s1"' in html  # the sentence flushing-triggers quotes
    assert "Revised in v4." in html
    assert "has been published since" not in html


def test_another_clinician_cannot_reassess(client, outsider, editor, case):
    publish_revision(user=editor, revise=_revise)
    client.force_login(outsider)
    assert client.get(reverse("cases:reassess", args=[case.pk])).status_code == 404
    assert client.post(reverse("cases:reassess", args=[case.pk])).status_code == 404
    assert case.assessments.count() == 1


def test_the_service_refuses_a_case_already_assessed_under_the_current_guidance(case, clinician):
    with pytest.raises(services.AlreadyAssessedError, match="version 3"):
        services.case_reassessment(case=case)
    with pytest.raises(services.AlreadyAssessedError):
        services.case_reassess(case=case, user=clinician)
    assert Assessment.objects.filter(case=case).count() == 1


def test_the_service_says_what_reassessing_would_change(case, editor):
    version = publish_revision(user=editor, revise=_revise)
    reassessment = services.case_reassessment(case=case)
    assert reassessment.version == version
    assert reassessment.latest.guidance_version.number == 3
    assert [line.rule for line in reassessment.changes.added] == ["flushing-triggers"]
