"""The cases app's audit actions; how the trail names cases, assessments and feedback, and says the details in words.

Registered with audit.registry when the app starts (CasesConfig.ready). A case
is named by its label and linked to the page this user may open: the review
page for reviewers, the management page for its own clinician, nothing else.
"""

import uuid

from django.db import models
from django.urls import reverse

from audit.registry import Named, register_actions, register_details, register_objects
from guidance.facts import FACTS

from .access import REVIEW_PERMISSION
from .models import Assessment, Case, RecommendationFeedback


class CaseAction(models.TextChoices):
    CASE_CREATED = "case_created", "Case created"
    CASE_CHANGED = "case_changed", "Case changed"
    CASE_VIEWED = "case_viewed", "Case viewed"
    CASE_EXPORTED = "case_exported", "Cases exported"
    ASSESSMENT_CREATED = "assessment_created", "Assessment created"
    CASE_REEVALUATED = "case_reevaluated", "Case re-evaluated"
    SUBTYPE_APPLIED = "subtype_applied", "Subtype changed from the subtype check"
    FEEDBACK_GIVEN = "feedback_given", "Feedback on a recommendation"


def _case_url(user, case_id, owner_id, anchor=""):
    if user.has_perm(REVIEW_PERMISSION):
        return reverse("cases:review_detail", args=[case_id]) + anchor
    if owner_id == user.pk:
        return reverse("cases:detail", args=[case_id])
    return None


def _uuids(ids):
    valid = []
    for value in ids:
        try:
            valid.append(uuid.UUID(value))
        except ValueError:
            continue
    return valid


def _ints(ids):
    return [int(value) for value in ids if str(value).isascii() and str(value).isdigit()]


def cases_named(ids, user):
    rows = Case.objects.filter(pk__in=_uuids(ids)).values_list("pk", "label", "created_by_id")
    return {str(pk): Named(label, _case_url(user, pk, owner)) for pk, label, owner in rows}


def assessments_named(ids, user):
    rows = Assessment.objects.filter(pk__in=_ints(ids)).values_list(
        "pk", "case_id", "case__label", "case__created_by_id", "guidance_version__number"
    )
    return {
        str(pk): Named(
            f"Assessment of {label} under guidance version {number}",
            _case_url(user, case_id, owner, f"#assessment-{pk}"),
        )
        for pk, case_id, label, owner, number in rows
    }


def feedback_named(ids, user):
    rows = RecommendationFeedback.objects.filter(pk__in=_ints(ids)).values_list(
        "pk", "rule", "assessment__case_id", "assessment__case__label", "assessment__case__created_by_id"
    )
    return {
        str(pk): Named(
            f"Feedback on {rule}" + (f" ({label})" if label else ""),
            _case_url(user, case_id, owner) if case_id else None,
        )
        for pk, rule, case_id, label, owner in rows
    }


def _field_labels(names):
    labels = {
        field.name: str(field.verbose_name) for field in Case._meta.get_fields() if hasattr(field, "verbose_name")
    }
    labels.update({name: fact.label for name, fact in FACTS.items()})
    return ", ".join(labels.get(name, name).capitalize() for name in names) or "none"


def _filter_labels(names):
    from .forms import CaseReviewForm  # forms read the guidance at import; not at app start

    fields = CaseReviewForm.base_fields
    return ", ".join(str(fields[name].label) if name in fields else name for name in names) or "none"


def _sort_label(key):
    from .selectors import REVIEW_SORTS

    return REVIEW_SORTS[key].label if key in REVIEW_SORTS else str(key)


def _choice(choices):
    return lambda value: str(choices.get(value, value or "none"))


def register():
    register_actions(CaseAction)
    register_objects("cases.case", cases_named)
    register_objects("cases.assessment", assessments_named)
    register_objects("cases.recommendationfeedback", feedback_named)
    register_details(
        {
            "case_id": "Case",
            "assessment_id": "Assessment",
            "fields": "Fields changed",
            "guidance_version": "Guidance version",
            "from_version": "From guidance version",
            "to_version": "To guidance version",
            "filters": "Filters used",
            "sort": "Sorted by",
            "rule": "Rule",
            "outcome": "Feedback",
            "reason": "Reason",
            "page": "Page",
            "from_subtype": "Subtype before",
            "to_subtype": "Subtype applied",
            "system": "Classification checked",
        },
        refers_to={"case_id": "cases.case", "assessment_id": "cases.assessment"},
        values={
            "fields": _field_labels,
            "filters": _filter_labels,
            "sort": _sort_label,
            "outcome": _choice(dict(RecommendationFeedback.Outcome.choices)),
            "reason": _choice(dict(RecommendationFeedback.Reason.choices)),
        },
    )
