"""Case writes: create, update and reassess. Each one saves a new, immutable assessment.

Each write is one audit event (ids and field names, never facts or notes).
"""

from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from audit.services import audit_record
from guidance.classification import classify_case
from guidance.evaluation import guidance_evaluate, guidance_notices
from guidance.facts import CaseValidationError, facts_to_json, validate_case
from guidance.kinds import is_caution
from guidance.lines import LinesComparison, lines_compare
from guidance.models import GuidanceVersion
from guidance.selectors import guidance_current, guidance_current_uncached, paragraphs_by_slug

from . import rollup, snapshot
from .audit_names import CaseAction
from .display import case_differences, lines_from_recommendations
from .models import Assessment, Case, CaseLine, FeedbackStatus, RecommendationFeedback, label_sort_key
from .selectors import assessment_latest, assessment_next, feedback_latest_by_rule, feedback_status_of


class NoGuidanceError(LookupError):
    """No guidance version is published, so nothing can be assessed."""


def guidance_for_assessment():
    version = guidance_current()
    if version is None:
        raise NoGuidanceError("No guidance version is published; run `python manage.py load_guidance`.")
    return version


def case_notices(*, facts, lines, version):
    """The product's notices beside the lines (guidance.notices), for stored or new facts; none before v3."""
    try:
        facts = validate_case(facts)
    except CaseValidationError:
        return []
    return guidance_notices(facts=facts, lines=lines, version=version)


def case_evaluate(*, facts, version, paragraphs=None):
    """The lines the guidance shows for these validated facts: the preview and the snapshot.

    One query for the paragraphs they cite, none when `paragraphs` (guidance.selectors.paragraphs_by_slug) are given.
    """
    recommendations = guidance_evaluate(facts=facts, version=version)
    if paragraphs is None:
        paragraphs = paragraphs_by_slug(version=version, slugs={r.paragraph for r in recommendations})
    return lines_from_recommendations(recommendations, paragraphs=paragraphs)


def _audit(user, action, obj, **details):
    # "From where": audit's request context (None outside a request).
    audit_record(actor=user, action=action, obj=obj, **details)


def case_view_record(*, user, case, **details):
    """A case page was shown: who read it, and which page (details)."""
    _audit(user, CaseAction.CASE_VIEWED, case, **details)


def case_export_record(*, user, filters, sort):
    """The reviewer list was exported: which filters, never their values (a search term could quote a note)."""
    _audit(user, CaseAction.CASE_EXPORTED, None, filters=filters, sort=sort)


def _version_held(version):
    """Whether `version` is still the published one; if so it stays so until this transaction ends.

    On PostgreSQL a FOR SHARE lock on its row: a publish locks the version it replaces
    before it dates itself (guidance.publishing.draft_publish), so it waits for this
    save, and an assessment under the old version is never dated after the publish.
    SQLite has one writer at a time: a publish committed after this read makes this
    transaction's first write fail ("database is locked") rather than date an old version late.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT 1 FROM {GuidanceVersion._meta.db_table} WHERE id = %s AND status = %s FOR SHARE",  # noqa: S608
                [version.pk, GuidanceVersion.Status.PUBLISHED],
            )
            return cursor.fetchone() is not None
    return GuidanceVersion.objects.filter(pk=version.pk, status=GuidanceVersion.Status.PUBLISHED).exists()


def _version_for_this_transaction():
    """The published version, held as such to the end of this transaction: the version the assessment records."""
    version = guidance_for_assessment()  # usually this process's copy (guidance.selectors)
    for _ in range(3):
        if _version_held(version):
            return version
        # Published meanwhile, and this process has not heard yet: read the new one from the database.
        version = guidance_current_uncached()
        if version is None:
            break
    raise NoGuidanceError("The published guidance changed while this case was saved; save it again.")


def _assess(*, case, user, facts, version=None):
    # The version first held by this transaction, before its first audit event (the trail's
    # lock): a publish takes them in that order too, so the two never wait for each other.
    version = version or _version_for_this_transaction()
    lines = case_evaluate(facts=facts, version=version)
    assessment = Assessment.objects.create(
        case=case,
        guidance_version=version,
        facts=facts_to_json(facts),
        recommendations=snapshot.to_dict(lines),
        created_by=user,
    )
    # The reviewer's columns: assessed under the current version, so nothing to compare yet;
    # the new lines have no feedback yet.
    columns = {
        "assessed_version": version.number,
        "line_count": len(lines),
        "caution_count": caution_count(line.kind for line in lines),
        "feedback_status": FeedbackStatus.NONE,
    }
    Case.objects.filter(pk=case.pk).update(**columns)
    for name, value in columns.items():
        setattr(case, name, value)
    CaseLine.objects.filter(case=case).delete()
    CaseLine.objects.bulk_create(case_lines(case.pk, lines))
    _audit(user, CaseAction.ASSESSMENT_CREATED, assessment, case_id=str(case.pk), guidance_version=version.number)
    return assessment


def caution_count(kinds):
    """How many of a case's lines, given by their kinds, are cautions (the reviewer's caution column)."""
    return sum(is_caution(kind) for kind in kinds)


def case_line_kinds(lines):
    """rule -> kind of a case's latest lines: what its CaseLine rows hold (one per rule)."""
    return {line.rule: line.kind for line in lines}


def case_lines(case_id, lines):
    """The CaseLine rows for a case's latest lines."""
    return [CaseLine(case_id=case_id, rule=rule, kind=kind) for rule, kind in case_line_kinds(lines).items()]


def _apply(case, *, label, facts, notes):
    case.label = label
    case.label_sort = label_sort_key(label)
    case.notes = notes
    for name, value in facts_to_json(facts).items():
        setattr(case, name, value)
    case.subtype_fits = _subtype_fits(facts)


def _subtype_fits(facts):
    """The subtype check's verdict kept on the case, for the reviewer's filter and the dashboard."""
    return classify_case(facts).agrees_with_recorded


@transaction.atomic
def case_create(*, user, label, facts, notes=""):
    """A new case and its first assessment under the current guidance."""
    facts = validate_case(dict(facts))
    version = _version_for_this_transaction()
    case = Case(created_by=user)
    _apply(case, label=label, facts=facts, notes=notes)
    case.save()
    _audit(user, CaseAction.CASE_CREATED, case)
    _assess(case=case, user=user, facts=facts, version=version)
    rollup.rollup_case_changed(before=None, after=rollup.case_state(case.pk))
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
    rollup.marks_steady()
    before = rollup.case_state(case.pk)
    values = {"label": label, "label_sort": label_sort_key(label), "notes": notes, **facts_to_json(facts)}
    now = timezone.now()
    written = Case.objects.filter(pk=case.pk, lock_version=seen).update(
        **values, subtype_fits=_subtype_fits(facts), lock_version=F("lock_version") + 1, updated_at=now
    )
    if not written:
        saved = Case.objects.select_related("created_by").get(pk=case.pk)
        differences = case_differences(saved, label=label, facts=facts, notes=notes)
        raise CaseChangedError(saved=saved, differences=differences)
    version = _version_for_this_transaction()
    changed = sorted(name for name, value in values.items() if getattr(case, name) != value)
    _apply(case, label=label, facts=facts, notes=notes)
    case.lock_version, case.updated_at = seen + 1, now
    _audit(user, CaseAction.CASE_CHANGED, case, fields=changed)
    _assess(case=case, user=user, facts=facts, version=version)
    rollup.rollup_case_changed(before=before, after=rollup.case_state(case.pk))
    return case


class SubtypeNotProposedError(Exception):
    """The subtype check does not (or no longer) propose this subtype for the case as it is saved."""


@transaction.atomic
def case_subtype_apply(*, case, user, subtype, lock_version):
    """The clinician applies the subtype the subtype check proposes; the case is assessed afresh.

    The proposal is worked out again here from the saved facts, never taken from the page: a case
    changed meanwhile raises CaseChangedError (through case_update), a subtype the check does not
    propose raises SubtypeNotProposedError. The check itself never changes a subtype.
    """
    check = classify_case(case.facts)
    if check.proposal is None or check.proposal != subtype:
        raise SubtypeNotProposedError(f"The findings do not support {subtype} for this case as it is saved.")
    before = case.subtype
    case_update(
        case=case,
        user=user,
        label=case.label,
        facts={**case.facts, "subtype": subtype},
        notes=case.notes,
        lock_version=lock_version,
    )
    _audit(user, CaseAction.SUBTYPE_APPLIED, case, from_subtype=before, to_subtype=subtype, system=check.system)
    return case


class AlreadyAssessedError(Exception):
    """The case's latest assessment is under the current guidance already: there is nothing to re-evaluate."""

    def __init__(self, version):
        self.version = version
        super().__init__(f"This case is already assessed under the current guidance (version {version.number}).")


@dataclass(frozen=True)
class Reassessment:
    """What re-evaluating a case would show: its latest assessment, the current version and the lines' changes."""

    latest: Assessment
    version: object
    changes: LinesComparison


def _latest_under_older_guidance(case):
    latest = assessment_latest(case=case)
    version = guidance_for_assessment()
    if latest.guidance_version_id == version.pk:
        raise AlreadyAssessedError(version)
    return latest, version


def case_reassessment(*, case):
    """What the current guidance would change for the case; AlreadyAssessedError when it is assessed under it."""
    latest, version = _latest_under_older_guidance(case)
    new = case_evaluate(facts=case.facts, version=version)
    return Reassessment(latest=latest, version=version, changes=lines_compare(latest.lines, new))


@transaction.atomic
def case_reassess(*, case, user):
    """A new assessment of the unchanged facts under the current guidance (AlreadyAssessedError if it is so)."""
    _latest_under_older_guidance(case)
    before = case.assessed_version
    rollup.marks_steady()
    counted = rollup.case_state(case.pk)
    assessment = _assess(case=case, user=user, facts=case.facts)
    rollup.rollup_case_changed(before=counted, after=rollup.case_state(case.pk))
    _audit(user, CaseAction.CASE_REEVALUATED, case, from_version=before, to_version=case.assessed_version)
    return assessment


class FeedbackError(ValueError):
    """Feedback that cannot be recorded; `errors` maps each field to a sentence."""

    def __init__(self, errors):
        self.errors = dict(errors)
        super().__init__(" ".join(f"{field}: {message}" for field, message in self.errors.items()))


FEEDBACK_NOT_LATEST = (
    "This assessment has been replaced by a newer one; feedback goes on the lines of the latest assessment."
)


@transaction.atomic
def feedback_record(*, assessment, rule, user, outcome, reason="", comment=""):
    """Append the clinician's feedback on one line of the case's latest assessment (never changes earlier feedback).

    Only the case's own clinician gives it (views check access first; this is
    the model's rule too). An older assessment keeps the feedback it had. A
    line is named by its rule id and must be one the assessment showed; "Not
    following" needs a reason, "Will follow" takes none.
    """
    Outcome, Reason = RecommendationFeedback.Outcome, RecommendationFeedback.Reason  # noqa: N806
    errors = {}
    if assessment.case.created_by_id != user.pk:
        errors["assessment"] = "Only the clinician who owns the case gives feedback on its lines."
    elif assessment_next(assessment=assessment) is not None:
        errors["assessment"] = FEEDBACK_NOT_LATEST
    if rule not in {line.rule for line in assessment.lines}:
        errors["rule"] = "This assessment shows no such line."
    if outcome not in Outcome.values:
        errors["outcome"] = "Choose \u201cWill follow\u201d or \u201cNot following\u201d."
    elif outcome == Outcome.OVERRIDDEN and reason not in Reason.values:
        errors["reason"] = "Say why the line is not followed."
    elif outcome == Outcome.ACCEPTED and reason:
        errors["reason"] = "A reason goes only with \u201cNot following\u201d."
    comment = (comment or "").strip()
    if len(comment) > 500:
        errors["comment"] = f"Keep the comment to 500 characters (it has {len(comment)})."
    if errors:
        raise FeedbackError(errors)
    feedback = RecommendationFeedback.objects.create(
        assessment=assessment,
        rule=rule,
        guidance_version_id=assessment.guidance_version_id,
        outcome=outcome,
        reason=reason if outcome == Outcome.OVERRIDDEN else "",
        comment=comment,
        source=RecommendationFeedback.Source.WEB,
        created_by=user,
    )
    _case_feedback_status(assessment)
    rollup.rollup_feedback_given(feedback, subtype=assessment.facts.get("subtype", ""))
    # Ids and codes only: the comment is free text and stays out of the trail.
    _audit(
        user,
        CaseAction.FEEDBACK_GIVEN,
        feedback,
        case_id=str(assessment.case_id),
        assessment_id=assessment.pk,
        rule=rule,
        outcome=outcome,
        reason=feedback.reason,
    )
    return feedback


def _case_feedback_status(assessment):
    """The case's feedback column, from the latest feedback per line of its latest assessment."""
    latest_pk = (
        Assessment.objects.filter(case_id=assessment.case_id)
        .order_by("-created_at", "-pk")
        .values_list("pk", flat=True)
        .first()
    )
    if latest_pk != assessment.pk:
        return  # feedback on an older assessment stays with it; the column speaks of the latest one
    status = feedback_status_of(feedback_latest_by_rule(assessment=assessment))
    Case.objects.filter(pk=assessment.case_id).update(feedback_status=status)
