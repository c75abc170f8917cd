"""Case writes: create, update and reassess. Each one saves a new, immutable assessment."""

from django.db import transaction

from guidance.facts import facts_to_json, validate_case
from guidance.publishing import guidance_current, guidance_evaluate

from .display import lines_from_recommendations
from .models import Assessment, Case


class NoGuidanceError(LookupError):
    """No guidance version is published, so nothing can be assessed."""


def guidance_for_assessment():
    version = guidance_current()
    if version is None:
        raise NoGuidanceError("No guidance version is published; run `python manage.py migrate`.")
    return version


def case_evaluate(*, facts, version):
    """The lines the guidance shows for these validated facts: the preview and the snapshot."""
    return lines_from_recommendations(guidance_evaluate(facts=facts, version=version), version=version)


def _assess(*, case, user, facts):
    version = guidance_for_assessment()
    lines = case_evaluate(facts=facts, version=version)
    return Assessment.objects.create(
        case=case,
        guidance_version=version,
        facts=facts_to_json(facts),
        recommendations=[line.as_snapshot() for line in lines],
        created_by=user,
    )


def _apply(case, *, label, facts, notes):
    case.label = label
    case.notes = notes
    for name, value in facts_to_json(facts).items():
        setattr(case, name, value)


@transaction.atomic
def case_create(*, user, label, facts, notes=""):
    """A new case and its first assessment under the current guidance."""
    facts = validate_case(dict(facts))
    case = Case(created_by=user)
    _apply(case, label=label, facts=facts, notes=notes)
    case.save()
    _assess(case=case, user=user, facts=facts)
    return case


@transaction.atomic
def case_update(*, case, user, label, facts, notes=""):
    """Save changed facts and assess them afresh; earlier assessments stay as they were."""
    facts = validate_case(dict(facts))
    _apply(case, label=label, facts=facts, notes=notes)
    case.lock_version += 1
    case.save()
    _assess(case=case, user=user, facts=facts)
    return case


@transaction.atomic
def case_reassess(*, case, user):
    """A new assessment of the unchanged facts under the current guidance."""
    return _assess(case=case, user=user, facts=case.facts)
