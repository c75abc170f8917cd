"""Case reads: lists, histories and the reviewer's pages, each in a fixed number of queries."""

from dataclasses import dataclass

from django.db import connection, models
from django.db.models import BooleanField, Exists, ExpressionWrapper, F, JSONField, OuterRef, Q, Subquery, When

from guidance.facts import FACTS
from mastoweb import paging
from mastoweb.days import day_end, day_start

from .models import Assessment, Case, CaseLine, CaseWouldChange, Marking


def _latest_assessment(field, **kwargs):
    return Subquery(
        Assessment.objects.filter(case=OuterRef("pk")).order_by("-created_at", "-pk").values(field)[:1], **kwargs
    )


def marks_annotate(cases):
    """The cases with where the marking (cases.marking) left them, as columns of each row.

    `marked_version`: the newest guidance version a finished marking compared the cases with (Marking);
    `checked_version`: the newest version the latest assessment has been compared with (that one for a
    case on an older version, else the version it was assessed under); `would_change`: whether that
    version would show the case other lines (a CaseWouldChange row). In the same query as the rows.
    """
    marked = Subquery(Marking.objects.order_by("-version").values("version")[:1])
    older = Q(assessed_version__lt=F("marked_version"))
    changing = CaseWouldChange.objects.filter(case=OuterRef("pk"), version=OuterRef("marked_version"))
    return cases.annotate(marked_version=marked).annotate(
        checked_version=models.Case(When(older, then=F("marked_version")), default=F("assessed_version")),
        would_change=ExpressionWrapper(older & Q(Exists(changing)), output_field=BooleanField()),
    )


def case_list_for_user(*, user):
    """The user's own cases, most recently changed first, with their last assessment's version."""
    return marks_annotate(
        Case.objects.filter(created_by=user)
        .annotate(assessed_at=_latest_assessment("created_at"))
        .only("id", "label", "subtype", "age_years", "updated_at", "assessed_version")
        .order_by("-updated_at", "-pk")
    )


def case_list_changes(*, cases, version):
    """What re-evaluation under `version` would change for each of these cases, as its page would say it.

    Only cases assessed under an older version get an entry. A case the marking (cases.marking) already found
    unchanged is "No change" without more work; the others are evaluated here, so call it with the rows
    shown, not the whole list. Two queries however many rows: their facts and lines, and the paragraphs.
    """
    from guidance.evaluation import guidance_evaluate
    from guidance.lines import lines_compare
    from guidance.selectors import paragraphs_by_slug

    from .display import NO_CHANGE, changes_summary, lines_from_recommendations
    from .snapshot import from_dict

    older = [case for case in cases if case.assessed_version is not None and case.assessed_version < version.number]
    summaries = {
        case.pk: NO_CHANGE for case in older if case.checked_version == version.number and not case.would_change
    }
    pending = [case.pk for case in older if case.pk not in summaries]
    if not pending:
        return summaries
    paragraphs = paragraphs_by_slug(version=version)
    for case in Case.objects.filter(pk__in=pending).annotate(assessed_lines=latest_assessment_lines()).only(*FACTS):
        new = lines_from_recommendations(guidance_evaluate(facts=case.facts, version=version), paragraphs=paragraphs)
        summaries[case.pk] = changes_summary(lines_compare(from_dict(case.assessed_lines or []), new))
    return summaries


def case_assessments(*, case):
    """Every assessment of the case, newest first."""
    return Assessment.objects.filter(case=case).select_related("guidance_version__guideline", "created_by")


def assessment_latest(*, case):
    return case_assessments(case=case).first()


def guidance_newer_than(*, assessment, current):
    """The published version `current` if it came after the one the assessment was made under, else None."""
    if current is not None and current.number > assessment.guidance_version.number:
        return current
    return None


def assessment_next(*, assessment):
    """The assessment of the same case that came right after this one (None for the latest)."""
    return (
        Assessment.objects.filter(case_id=assessment.case_id)
        .filter(Q(created_at__gt=assessment.created_at) | Q(created_at=assessment.created_at, pk__gt=assessment.pk))
        .order_by("created_at", "pk")
        .only("pk", "created_at", "case_id")
        .first()
    )


# ---------------------------------------------------------------- reviewers

REVIEW_PAGE_SIZE = 50
# Counting every match of a filter over a million cases reads them all; beyond this the count says "more than".
REVIEW_COUNT_LIMIT = 10_000


@dataclass(frozen=True)
class ReviewSort:
    label: str
    field: str
    descending: bool
    kind: str = paging.INSTANT

    @property
    def keyset(self):
        return paging.Keyset(self.field, self.kind, descending=self.descending)

    @property
    def order(self):
        return self.keyset.order


# Each sort walks an index on (field, id): see Case.Meta.indexes. Labels sort by
# their natural key, so "clinic 238" comes before "clinic 2405".
REVIEW_SORTS = {
    "changed_desc": ReviewSort("Last changed, newest first", "updated_at", descending=True),
    "changed_asc": ReviewSort("Last changed, oldest first", "updated_at", descending=False),
    "created_desc": ReviewSort("Created, newest first", "created_at", descending=True),
    "created_asc": ReviewSort("Created, oldest first", "created_at", descending=False),
    "label_asc": ReviewSort("Label, A to Z", "label_sort", descending=False, kind=paging.TEXT),
    "label_desc": ReviewSort("Label, Z to A", "label_sort", descending=True, kind=paging.TEXT),
}
REVIEW_DEFAULT_SORT = "changed_desc"


class Outlook(models.TextChoices):
    """Where a case stands against the current guidance version: the reviewer's filter, list, dashboard and export.

    A case is on the current version or an older one; one on an older version would change under the current
    one, would not, or has not been compared with it yet.
    """

    CURRENT = "current", "Assessed under the current version"
    OLDER = "older", "Assessed under an older version"
    WOULD_CHANGE = "would_change", "Would change under the current version"
    UNCHANGED = "unchanged", "Older version, same lines under the current one"
    UNCHECKED = "unchecked", "Older version, not yet compared"

    @property
    def badge(self):
        """The reviewer list's badge classes for an older case's outlook ("" for none)."""
        return {
            Outlook.WOULD_CHANGE: "text-bg-warning",
            Outlook.UNCHANGED: "text-bg-light border",
            Outlook.UNCHECKED: "text-bg-light border",
        }.get(self, "")


def _with_symptom(cases, symptom):
    if connection.features.supports_json_field_contains:
        return cases.filter(symptoms__contains=[symptom])
    # SQLite has no JSON containment: match the quoted code in the stored
    # list. Codes come from the vocabulary, so none is part of another.
    return cases.filter(symptoms__icontains=f'"{symptom}"')


def _with_nsaid(cases, nsaid):
    if nsaid == NSAID_NOT_TOLERANT:
        return cases.exclude(nsaid_tolerance="tolerant")
    return cases.filter(nsaid_tolerance=nsaid)


# The reviewer's filters, each one condition: (cases, value, current guidance version) -> cases.
# case_review_list applies them to cleaned values; cases.filters.CaseReviewFilter (django-filter)
# applies the same ones to the list's query string.
REVIEW_CONDITIONS = {
    "q": lambda cases, q, current_version: cases.filter(Q(label__icontains=q) | Q(notes__icontains=q)),
    "subtype": lambda cases, subtype, current_version: cases.filter(subtype=subtype),
    "symptom": lambda cases, symptom, current_version: _with_symptom(cases, symptom),
    "clinician": lambda cases, username, current_version: cases.filter(created_by__username=username),
    "version": lambda cases, number, current_version: cases.filter(assessed_version=number),
    "outlook": lambda cases, outlook, current_version: (
        cases if current_version is None else cases.filter(_outlook_condition(outlook, current_version))
    ),
    "rule": lambda cases, rule, current_version: cases.filter(
        Exists(CaseLine.objects.filter(case=OuterRef("pk"), rule=rule))
    ),
    "caution": lambda cases, caution, current_version: cases.filter(caution_count__gt=0),
    "feedback": lambda cases, status, current_version: cases.filter(
        feedback_status="" if status == FEEDBACK_NONE else status
    ),
    "nsaid": lambda cases, nsaid, current_version: _with_nsaid(cases, nsaid),
    "misfit": lambda cases, misfit, current_version: cases.filter(subtype_fits=False),
    "date_from": lambda cases, day, current_version: cases.filter(updated_at__gte=day_start(day)),
    "date_to": lambda cases, day, current_version: cases.filter(updated_at__lt=day_end(day)),
}


def review_filter_apply(cases, name, value, *, current_version):
    """One reviewer filter on cases; an empty value (blank, None, an unticked box) filters nothing."""
    if value in ("", None, False):
        return cases
    return REVIEW_CONDITIONS[name](cases, value, current_version)


def case_review_list(*, current_version, cases=None, **filters):
    """Every case matching the reviewer's filters (unordered; see case_review_page).

    `filters` are cleaned values by REVIEW_CONDITIONS' names. `current_version`
    is the number of the published guidance version, or None; `outlook`
    compares the latest assessment with it. Dates bound the last change, in
    whole days of the site's time zone (days a DayField accepted). `rule` keeps
    cases whose latest assessment showed that rule's line, `caution` those with
    any caution, `feedback` those whose latest feedback is so (FeedbackStatus),
    `nsaid` those with that NSAID tolerance ("not_tolerant": any but tolerant).
    `cases` narrows a queryset instead of every case (the dashboard's rollup
    counts with these same filters).
    """
    cases = Case.objects.all() if cases is None else cases
    for name, value in filters.items():
        cases = review_filter_apply(cases, name, value, current_version=current_version)
    return cases


NSAID_NOT_TOLERANT = "not_tolerant"


FEEDBACK_NONE = "none"  # the filter's word for FeedbackStatus.NONE, which is blank


def case_review_count(cases, *, limit=None):
    """How many cases match, counting no further than `limit`: (count, whether there are more)."""
    limit = limit or REVIEW_COUNT_LIMIT
    counted = cases.order_by()[: limit + 1].count()
    return min(counted, limit), counted > limit


def _outlook_condition(outlook, current):
    older = Q(assessed_version__lt=current)
    # Marked: the marking of the current version has finished (cases on an older version were all compared).
    marked = Q(Exists(Marking.objects.filter(version=current)))
    changing = Q(Exists(CaseWouldChange.objects.filter(case=OuterRef("pk"), version=current)))
    return {
        Outlook.CURRENT: Q(assessed_version=current),
        Outlook.OLDER: older,
        Outlook.WOULD_CHANGE: older & changing,
        Outlook.UNCHANGED: older & marked & ~changing,
        Outlook.UNCHECKED: older & ~marked,
    }[outlook]


def case_outlook(case, *, current_version):
    """Where the case stands against the current guidance: an Outlook, or None when there is none to compare."""
    if current_version is None or case.assessed_version is None:
        return None
    if case.assessed_version >= current_version:
        return Outlook.CURRENT
    if case.checked_version != current_version:
        return Outlook.UNCHECKED
    return Outlook.WOULD_CHANGE if case.would_change else Outlook.UNCHANGED


def case_review_unchecked_exists(*, current_version):
    """Whether some case on older guidance has not yet been compared with the current version."""
    if current_version is None:
        return False
    return Case.objects.filter(_outlook_condition(Outlook.UNCHECKED, current_version)).exists()


REVIEW_LIST_FIELDS = (
    "id",
    "label",
    "label_sort",
    "subtype",
    "age_years",
    "created_at",
    "updated_at",
    "assessed_version",
    "line_count",
    "caution_count",
    "feedback_status",
    "created_by__username",
)


def case_review_page(cases, *, sort=REVIEW_DEFAULT_SORT, after=None, before=None, size=None):
    """One page of cases after (or before) a cursor, in the sort's order (a mastoweb.paging.Page)."""
    cases = marks_annotate(cases.select_related("created_by").only(*REVIEW_LIST_FIELDS))
    return paging.keyset_page(
        cases, REVIEW_SORTS[sort].keyset, size=size or REVIEW_PAGE_SIZE, after=after, before=before
    )


def case_review_export(cases, *, sort=REVIEW_DEFAULT_SORT):
    """The filtered cases in the sort's order, with their latest assessment's time and lines.

    For streaming: every column the export needs comes in this one query.
    """
    return (
        marks_annotate(cases.select_related("created_by"))
        .annotate(
            assessed_at=_latest_assessment("created_at"),
            assessed_id=_latest_assessment("pk"),
            assessed_lines=latest_assessment_lines(),
        )
        .order_by(*REVIEW_SORTS[sort].order)
    )


def latest_assessment_lines():
    """An annotation: the lines the case's latest assessment showed, as stored."""
    return _latest_assessment("recommendations", output_field=JSONField())


def feedback_latest_by_assessment(*, assessments):
    """{assessment id: {rule id: latest feedback}} for several assessments (or their ids), in one query.

    The latest feedback on a line is what stands: earlier entries are kept, never changed, but superseded.
    """
    from .models import RecommendationFeedback

    ids = [getattr(assessment, "pk", assessment) for assessment in assessments]
    latest = {pk: {} for pk in ids if pk is not None}
    feedback = RecommendationFeedback.objects.filter(assessment__in=list(latest)).select_related("created_by")
    for entry in feedback.order_by("-created_at", "-pk"):
        latest[entry.assessment_id].setdefault(entry.rule, entry)
    return latest


def feedback_latest_by_rule(*, assessment):
    """The current feedback on each line of the assessment (the latest per rule id), in one query."""
    return feedback_latest_by_assessment(assessments=[assessment])[assessment.pk]


def feedback_status_of(latest):
    """The FeedbackStatus of an assessment's lines from their latest feedback ({rule: feedback})."""
    from .models import FeedbackStatus, RecommendationFeedback

    if not latest:
        return FeedbackStatus.NONE
    overridden = any(entry.outcome == RecommendationFeedback.Outcome.OVERRIDDEN for entry in latest.values())
    return FeedbackStatus.NOT_FOLLOWING if overridden else FeedbackStatus.FOLLOWED
