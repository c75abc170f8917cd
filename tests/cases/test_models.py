import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from audit.append_only import AppendOnlyError
from cases.models import Assessment, Case, ImmutableAssessmentError
from guidance.facts import FACTS

from .factories import make_case

pytestmark = pytest.mark.django_db


def test_an_assessment_cannot_be_changed_or_deleted(clinician, published_version):
    assessment = make_case(clinician, subtype="MCL").assessments.get()
    shown = assessment.recommendations
    assessment.recommendations = []
    with pytest.raises(ImmutableAssessmentError):
        assessment.save()
    with pytest.raises(ImmutableAssessmentError):
        assessment.delete()
    with pytest.raises(ImmutableAssessmentError):
        Assessment.objects.filter(pk=assessment.pk).update(recommendations=[])
    with pytest.raises(ImmutableAssessmentError):
        Assessment.objects.filter(pk=assessment.pk).delete()
    stored = Assessment.objects.get(pk=assessment.pk)
    assert stored.recommendations == shown
    assert [line.rule for line in stored.lines] == ["advanced-sm-goals", "mcl-no-standard-treatment"]


def test_an_assessment_is_not_overwritten_by_a_new_object_carrying_its_key(clinician, published_version):
    assessment = make_case(clinician, subtype="MCL").assessments.get()
    shown = assessment.recommendations
    forged = Assessment(
        pk=assessment.pk,
        case=assessment.case,
        guidance_version=assessment.guidance_version,
        facts=assessment.facts,
        recommendations=[],
        created_by=clinician,
        created_at=assessment.created_at,
    )
    with transaction.atomic(), pytest.raises(IntegrityError):
        forged.save()
    assert Assessment.objects.get(pk=assessment.pk).recommendations == shown


def test_a_refusal_to_change_an_assessment_is_an_append_only_refusal_and_a_validation_error():
    assert issubclass(ImmutableAssessmentError, AppendOnlyError)
    assert issubclass(ImmutableAssessmentError, ValidationError)
    assert str(ImmutableAssessmentError("Assessments cannot be deleted.").message) == "Assessments cannot be deleted."


def test_a_case_with_assessments_cannot_be_deleted(clinician, published_version):
    case = make_case(clinician, subtype="ISM")
    with pytest.raises(ProtectedError):
        case.delete()


def test_the_database_refuses_out_of_range_facts(clinician):
    with pytest.raises(IntegrityError):
        Case.objects.create(created_by=clinician, label="x", subtype="ISM", age_years=121)


def test_the_database_refuses_an_unknown_subtype(clinician):
    with pytest.raises(IntegrityError):
        Case.objects.create(created_by=clinician, label="x", subtype="XYZ")


@pytest.mark.parametrize(
    ("name", "value"),
    [(name, "bogus") for name, fact in FACTS.items() if fact.is_enum]
    + [(name, fact.maximum + 1) for name, fact in FACTS.items() if fact.is_numeric]
    + [(name, fact.minimum - 1) for name, fact in FACTS.items() if fact.is_numeric],
)
def test_the_database_refuses_any_fact_the_vocabulary_refuses(clinician, name, value):
    with transaction.atomic(), pytest.raises(IntegrityError):
        Case.objects.create(created_by=clinician, label="x", **{"subtype": "ISM", name: value})


def test_a_case_reads_back_as_validated_facts(clinician, published_version):
    case = make_case(clinician, subtype="ASM", symptoms=["ascites", "flushing"], serum_tryptase_ng_ml=180)
    case.refresh_from_db()
    facts = case.facts
    assert facts["symptoms"] == ("flushing", "ascites")  # vocabulary order
    assert facts["serum_tryptase_ng_ml"] == 180.0
    assert facts["kit_d816v"] == "unknown"
