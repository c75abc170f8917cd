"""The reviewer's "would change" flag, the re-evaluation page, the draft impact and publishing's regression
check all say the same thing, because they compare lines in one place (guidance.lines)."""

from contextlib import contextmanager

import pytest
from django.urls import reverse

from cases import impact
from cases.marking import cases_mark
from cases.models import Case
from cases.selectors import marks_annotate
from guidance.evaluation import guidance_compiled
from guidance.facts import FACTS
from guidance.models import GuidanceVersion, RegressionCase
from guidance.publishing import regression_changes
from guidance.selectors import guidance_current_invalidate, paragraph_texts
from tests.cases.factories import make_case

pytestmark = pytest.mark.django_db


@contextmanager
def published(version, instead_of):
    """`version` is the published one for a while (as v1 was, before v2 was published)."""
    GuidanceVersion.objects.filter(pk=instead_of.pk).update(status=GuidanceVersion.Status.RETIRED)
    GuidanceVersion.objects.filter(pk=version.pk).update(status=GuidanceVersion.Status.PUBLISHED)
    guidance_current_invalidate()
    try:
        yield
    finally:
        GuidanceVersion.objects.filter(pk=version.pk).update(status=GuidanceVersion.Status.RETIRED)
        GuidanceVersion.objects.filter(pk=instead_of.pk).update(status=GuidanceVersion.Status.PUBLISHED)
        guidance_current_invalidate()


@pytest.fixture
def regression_cases_under_v1(clinician, version_one, published_version):
    """One case per regression case the database holds, each assessed under v1, then v2 published."""
    stored = list(RegressionCase.objects.filter(guideline=published_version.guideline))
    assert len(stored) >= 10  # the suite shipped with guidance (guidance/data/regression-cases.json)
    cases = {}
    with published(version_one, instead_of=published_version):
        for regression in stored:
            case = make_case(clinician, label=regression.name[:60], **regression.facts)
            assert case.assessed_version == 1
            cases[regression.name] = case.pk
    return cases


def test_would_change_equals_the_re_evaluation_page_for_every_regression_case(
    client, clinician, version_one, published_version, regression_cases_under_v1
):
    cases_mark(version=published_version)
    client.force_login(clinician)
    flagged, shown = {}, {}
    for name, pk in regression_cases_under_v1.items():
        case = marks_annotate(Case.objects.filter(pk=pk)).get()
        assert case.checked_version == published_version.number, name
        response = client.get(reverse("cases:reassess", args=[pk]))
        assert response.status_code == 200, name
        flagged[name], shown[name] = case.would_change, response.context["changes"].changes
    assert flagged == shown
    # Both answers occur, so the equality says something.
    assert set(flagged.values()) == {True, False}


def test_publishing_and_the_draft_impact_flag_the_same_regression_cases(
    version_one, published_version, regression_cases_under_v1
):
    cases_mark(version=published_version)
    flagged = {
        name
        for name, pk in regression_cases_under_v1.items()
        if marks_annotate(Case.objects.filter(pk=pk)).get().would_change
    }

    assert {change.name for change in regression_changes(old=version_one, new=published_version)} == flagged

    old, new = guidance_compiled(version_one), guidance_compiled(published_version)
    texts = {"old_texts": paragraph_texts(version=version_one), "new_texts": paragraph_texts(version=published_version)}
    by_impact = set()
    for regression in RegressionCase.objects.filter(guideline=published_version.guideline):
        facts = regression.facts
        names = list(FACTS)
        if any(impact.impact_of_combination(names, [facts[n] for n in names], old=old, new=new, **texts)):
            by_impact.add(regression.name)
    assert by_impact == flagged
