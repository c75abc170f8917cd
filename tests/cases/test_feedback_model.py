"""Feedback on a recommendation line: appended, never changed, tied to its assessment, rule and version."""

import pytest
from django.db import IntegrityError, transaction

from audit.models import AuditEvent
from cases.models import ImmutableAssessmentError, RecommendationFeedback
from cases.selectors import feedback_latest_by_rule
from cases.services import FeedbackError, feedback_record

from .factories import make_case

pytestmark = pytest.mark.django_db
Outcome, Reason = RecommendationFeedback.Outcome, RecommendationFeedback.Reason


@pytest.fixture
def assessment(clinician, published_version):
    case = make_case(clinician, subtype="ISM", symptoms=["flushing"], antihistamine_response="unresponsive")
    return case.assessments.get()


def test_the_clinician_records_feedback_on_a_line_and_it_is_audited(assessment, clinician):
    feedback = feedback_record(
        assessment=assessment,
        rule="aspirin-nsaid-tolerance-unknown",
        user=clinician,
        outcome=Outcome.OVERRIDDEN,
        reason=Reason.ALREADY_TRIED,
        comment="Tried in 2024",
    )
    assert feedback.guidance_version == assessment.guidance_version
    event = AuditEvent.objects.get(action="feedback_given")
    assert event.details["rule"] == "aspirin-nsaid-tolerance-unknown"
    assert "Tried in 2024" not in str(event.details)


def test_the_latest_entry_per_line_is_the_current_one_and_earlier_ones_stay(
    assessment, clinician, django_assert_num_queries
):
    rule = "antileukotriene-after-antihistamines"
    feedback_record(assessment=assessment, rule=rule, user=clinician, outcome=Outcome.ACCEPTED)
    later = feedback_record(
        assessment=assessment, rule=rule, user=clinician, outcome=Outcome.OVERRIDDEN, reason=Reason.PATIENT_DECLINED
    )
    with django_assert_num_queries(1):
        latest = feedback_latest_by_rule(assessment=assessment)
    assert latest == {rule: later}
    assert RecommendationFeedback.objects.filter(rule=rule).count() == 2


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"rule": "venom-immunotherapy", "outcome": "accepted"}, "rule"),
        ({"rule": "antileukotriene-after-antihistamines", "outcome": "maybe"}, "outcome"),
        ({"rule": "antileukotriene-after-antihistamines", "outcome": "overridden"}, "reason"),
        ({"rule": "antileukotriene-after-antihistamines", "outcome": "accepted", "reason": "other"}, "reason"),
        ({"rule": "antileukotriene-after-antihistamines", "outcome": "accepted", "comment": "x" * 501}, "comment"),
    ],
)
def test_bad_feedback_is_refused_naming_the_field(assessment, clinician, kwargs, field):
    with pytest.raises(FeedbackError) as error:
        feedback_record(assessment=assessment, user=clinician, **kwargs)
    assert field in error.value.errors
    assert not RecommendationFeedback.objects.exists()


def test_only_the_cases_clinician_gives_feedback(assessment, outsider):
    with pytest.raises(FeedbackError) as error:
        feedback_record(
            assessment=assessment, rule="antileukotriene-after-antihistamines", user=outsider, outcome="accepted"
        )
    assert "assessment" in error.value.errors


def test_feedback_cannot_be_changed_or_deleted(assessment, clinician):
    feedback = feedback_record(
        assessment=assessment, rule="antileukotriene-after-antihistamines", user=clinician, outcome="accepted"
    )
    with pytest.raises(ImmutableAssessmentError):
        feedback.save()
    with pytest.raises(ImmutableAssessmentError):
        feedback.delete()
    with pytest.raises(ImmutableAssessmentError):
        RecommendationFeedback.objects.update(comment="changed")
    with pytest.raises(ImmutableAssessmentError):
        RecommendationFeedback.objects.all().delete()


def test_the_database_refuses_a_reason_without_an_override_and_feedback_for_nothing(assessment, clinician):
    with transaction.atomic(), pytest.raises(IntegrityError):
        RecommendationFeedback.objects.create(
            assessment=assessment,
            rule="x",
            guidance_version=assessment.guidance_version,
            outcome="accepted",
            reason="other",
        )
    with transaction.atomic(), pytest.raises(IntegrityError):
        RecommendationFeedback.objects.create(
            rule="x", guidance_version=assessment.guidance_version, outcome="accepted"
        )
