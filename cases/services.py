"""Case writes: create, update and reassess. Each one saves a new, immutable assessment."""

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from guidance.facts import facts_to_json, validate_case
from guidance.publishing import guidance_current, guidance_evaluate

from .display import case_differences, lines_from_recommendations
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


class CaseChangedError(Exception):
    """The case was saved by someone else after this edit began; nothing was written.

    `saved` is the case as it is now; `differences` the fields where the refused
    input differs from it.
    """

    def __init__(self, *, saved, differences):
        self.saved = saved
        self.differences = differences
        super().__init__(f"Case {saved.pk} was saved meanwhile (now at lock version {saved.lock_version}).")


@transaction.atomic
def case_update(*, case, user, label, facts, notes="", lock_version=None):
    """Save changed facts and assess them afresh; earlier assessments stay as they were.

    `lock_version` is the version of the case the edit started from (default: the
    one `case` was loaded at). The write is one conditional UPDATE on it, so of two
    saves from the same version exactly one lands; the other raises CaseChangedError.
    """
    facts = validate_case(dict(facts))
    seen = case.lock_version if lock_version is None else lock_version
    values = {"label": label, "notes": notes, **facts_to_json(facts)}
    now = timezone.now()
    written = Case.objects.filter(pk=case.pk, lock_version=seen).update(
        **values, lock_version=F("lock_version") + 1, updated_at=now
    )
    if not written:
        saved = Case.objects.select_related("created_by").get(pk=case.pk)
        differences = case_differences(saved, label=label, facts=facts, notes=notes)
        raise CaseChangedError(saved=saved, differences=differences)
    _apply(case, label=label, facts=facts, notes=notes)
    case.lock_version, case.updated_at = seen + 1, now
    _assess(case=case, user=user, facts=facts)
    return case


@transaction.atomic
def case_reassess(*, case, user):
    """A new assessment of the unchanged facts under the current guidance."""
    return _assess(case=case, user=user, facts=case.facts)
