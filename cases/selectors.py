"""Case reads: lists and histories, each in a fixed number of queries."""

from django.db.models import OuterRef, Subquery

from .models import Assessment, Case


def _latest_assessment(field):
    return Subquery(Assessment.objects.filter(case=OuterRef("pk")).order_by("-created_at", "-pk").values(field)[:1])


def case_list_for_user(*, user):
    """The user's own cases, most recently changed first, with their last assessment's version."""
    return (
        Case.objects.filter(created_by=user)
        .annotate(
            assessed_version=_latest_assessment("guidance_version__number"),
            assessed_at=_latest_assessment("created_at"),
        )
        .only("id", "label", "subtype", "age_years", "updated_at")
        .order_by("-updated_at", "-pk")
    )


def case_assessments(*, case):
    """Every assessment of the case, newest first."""
    return Assessment.objects.filter(case=case).select_related("guidance_version__guideline", "created_by")


def assessment_latest(*, case):
    return case_assessments(case=case).first()
