"""The reviewer dashboard's rollup (DashboardCount): what each case adds, kept as cases are written, and rebuilt.

A case as it stands adds one to each of, on the day of its last change and for its subtype:
  ("cases", "")                 every case
  ("rule", <rule id>)           each line of its latest assessment
  ("caution", "")               when that assessment shows a caution
  ("misfit", "")                when its recorded subtype does not fit the findings (the subtype check)
  ("symptom", <code>)           each of its symptoms
  ("version", "<a>")            the guidance version its latest assessment is under
  ("would_change", "<m>")       when the newest finished marking (version m, cases.marking) found that
                                version would show it other lines (the marking replaces these counts whole)
  ("question", "<key>:den"|":num")  for each of QUESTIONS it falls under (guidance/data/presentation.json)
A feedback entry adds one to ("accepted"|"overridden", <rule id>), and to ("reason", "<rule id>:<reason>")
when overridden, on the day it was given, for the subtype of the assessment it answers.

Every count is also a reviewer-list filter (QUESTIONS name theirs), so the rebuild counts with the
list's own filters and a chart's bar links to exactly the cases it counts.
"""

from collections import Counter
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Count, Exists, F, OuterRef
from django.db.models.functions import TruncDate
from django.utils import timezone

from guidance.facts import SYMPTOMS
from guidance.kinds import is_caution
from guidance.presentation import DASHBOARD_QUESTIONS

from .models import Case, CaseLine, CaseWouldChange, DashboardCount, RecommendationFeedback

# The dashboard's questions name rules of the guidance: they are data of guidance (guidance.presentation),
# and publishing refuses a draft that no longer has a rule one of them counts.
QUESTIONS = DASHBOARD_QUESTIONS


@dataclass(frozen=True)
class CaseState:
    """What of a case the rollup counts."""

    day: object
    subtype: str
    symptoms: tuple
    nsaid: str
    rules: frozenset
    caution: bool
    version: str
    misfit: bool = False
    would_change: str = ""  # the marked version under which it would change, or ""


WOULD_CHANGE = "would_change"

# Any constant: the advisory lock (PostgreSQL) that orders case saves and the end of a marking.
_MARKS_LOCK = (230_003, 0)


def marks_steady():
    """Until this transaction ends, no marking finishes (PostgreSQL; SQLite has one writer at a time).

    A save reads the case's state before and after its write and moves the rollup by the difference;
    a marking that finished in between would replace the would-change counts under it (marks_replace).
    Many saves share this lock; only the few seconds in which a marking finishes take it alone.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock_shared(%s, %s)", list(_MARKS_LOCK))


def marks_replace(changing):
    """Take the would-change counts off the rollup and add `changing` {(day, subtype, marked version): n}.

    The marking calls it as it finishes, holding the lock of marks_steady alone.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", list(_MARKS_LOCK))
    DashboardCount.objects.filter(metric=WOULD_CHANGE).delete()
    counts = {(day, subtype, WOULD_CHANGE, str(version)): n for (day, subtype, version), n in changing.items()}
    rollup_apply(Counter(counts))


def case_state(case_id):
    """The case as the rollup sees it now (two queries), or None if there is no such case."""
    from .selectors import marks_annotate  # where the marking left the case

    row = (
        marks_annotate(Case.objects.filter(pk=case_id))
        .values(
            "updated_at",
            "subtype",
            "symptoms",
            "nsaid_tolerance",
            "assessed_version",
            "marked_version",
            "would_change",
            "subtype_fits",
        )
        .first()
    )
    if row is None:
        return None
    lines = list(CaseLine.objects.filter(case_id=case_id).values_list("rule", "kind"))
    return CaseState(
        day=timezone.localdate(row["updated_at"]),
        subtype=row["subtype"],
        symptoms=tuple(row["symptoms"] or ()),
        nsaid=row["nsaid_tolerance"],
        rules=frozenset(rule for rule, _ in lines),
        caution=any(is_caution(kind) for _, kind in lines),
        version="" if row["assessed_version"] is None else str(row["assessed_version"]),
        misfit=row["subtype_fits"] is False,
        would_change=str(row["marked_version"]) if row["would_change"] else "",
    )


# The reviewer-list filters a question may use, as a case's state passes them; the rebuild applies the
# list's own (cases.selectors.REVIEW_CONDITIONS), so both count alike.
QUESTION_FILTERS = {
    "symptom": lambda state, value: value in state.symptoms,
    "rule": lambda state, value: value in state.rules,
    "nsaid": lambda state, value: state.nsaid != "tolerant" if value == "not_tolerant" else state.nsaid == value,
}


def _matches(filters, state):
    """Whether a case in this state passes these reviewer-list filters (the ones QUESTIONS use)."""
    return all(QUESTION_FILTERS[name](state, value) for name, value in filters.items())


def contributions(state):
    """The counts one case adds: {(day, subtype, metric, key): 1}."""
    if state is None:
        return Counter()
    keys = [("cases", ""), *(("rule", rule) for rule in state.rules), *(("symptom", s) for s in state.symptoms)]
    if state.caution:
        keys.append(("caution", ""))
    if state.misfit:
        keys.append(("misfit", ""))
    if state.version:
        keys.append(("version", state.version))
    if state.would_change:
        keys.append((WOULD_CHANGE, state.would_change))
    for question in QUESTIONS:
        if _matches(question.base, state):
            keys.append(("question", f"{question.key}:den"))
            if _matches(question.extra, state):
                keys.append(("question", f"{question.key}:num"))
    return Counter((state.day, state.subtype, metric, key) for metric, key in keys)


def _by_period(delta):
    """Day counts as both day and month rows: {(period, day, subtype, metric, key): n}."""
    rows = Counter()
    for (day, subtype, metric, key), n in delta.items():
        rows[(DashboardCount.Period.DAY, day, subtype, metric, key)] += n
        rows[(DashboardCount.Period.MONTH, day.replace(day=1), subtype, metric, key)] += n
    return rows


def rollup_apply(delta):
    """Add a Counter of {(day, subtype, metric, key): n} to the rollup (n may be negative).

    One upsert per 500 rows (SQLite and PostgreSQL both have INSERT ... ON CONFLICT), in
    a fixed order, so two writers never wait on each other's rows crosswise.
    """
    rows = [
        (period, connection.ops.adapt_datefield_value(day), subtype, metric, key, n)
        for (period, day, subtype, metric, key), n in sorted(
            _by_period(delta).items(), key=lambda item: tuple(map(str, item[0]))
        )
        if n
    ]
    quote = connection.ops.quote_name
    table = quote(DashboardCount._meta.db_table)
    names = ", ".join(quote(name) for name in ("period", "day", "subtype", "metric", "key", "count"))
    unique = ", ".join(quote(name) for name in ("period", "metric", "key", "day", "subtype"))
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 500):
            batch = rows[start : start + 500]
            marks = ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(batch))
            cursor.execute(
                f"INSERT INTO {table} ({names}) VALUES {marks} ON CONFLICT ({unique})"  # noqa: S608 - model names
                f" DO UPDATE SET {quote('count')} = {table}.{quote('count')} + excluded.{quote('count')}",
                [value for row in batch for value in row],
            )


def rollup_case_changed(*, before, after):
    """Move a case's counts from its state before a write to its state after."""
    delta = contributions(after)
    delta.subtract(contributions(before))
    rollup_apply(delta)


def rollup_feedback_given(feedback, *, subtype):
    day = timezone.localdate(feedback.created_at)
    delta = Counter({(day, subtype, feedback.outcome, feedback.rule): 1})
    if feedback.reason:
        delta[(day, subtype, "reason", f"{feedback.rule}:{feedback.reason}")] += 1
    rollup_apply(delta)


# ---------------------------------------------------------------- counting from the cases (SQL)


def day_of(field):
    """The local day of a date-time column, in SQL (the day the rollup counts a case or entry on)."""
    return TruncDate(field, tzinfo=timezone.get_current_timezone())


def marks_rows(cases, *, version=None):
    """{(day, subtype, marked version): n} of these cases the newest finished marking (or the marking of
    `version`, as it finishes) found would change, counted in SQL."""
    from .selectors import marks_annotate

    if version is None:
        changing = marks_annotate(cases).filter(would_change=True).values("marked_version")
        key = "marked_version"
    else:
        changing = cases.filter(
            Exists(CaseWouldChange.objects.filter(case=OuterRef("pk"), version=version)), assessed_version__lt=version
        ).values()
        key = None
    grouped = (
        changing.annotate(rollup_day=day_of("updated_at"))
        .values("rollup_day", "subtype", *([key] if key else []))
        .annotate(n=Count("pk"))
        .order_by()
    )
    return Counter({(row["rollup_day"], row["subtype"], row[key] if key else version): row["n"] for row in grouped})


def rollup_rows(cases):
    """The rollup's counts for these cases, counted in SQL (GROUP BY), never case by case."""
    from .selectors import case_review_list  # the list's own filters

    rows = Counter()

    def add(queryset, metric, key=None, *, key_field=None, subtype="subtype"):
        grouped = queryset.annotate(rollup_day=day_of(_prefix(subtype) + "updated_at")).values("rollup_day", subtype)
        fields = [key_field] if key_field else []
        for row in grouped.values("rollup_day", subtype, *fields).annotate(n=Count("pk")).order_by():
            rows[(row["rollup_day"], row[subtype], metric, row[key_field] if key_field else key)] += row["n"]

    add(cases, "cases", "")
    add(cases.filter(caution_count__gt=0), "caution", "")
    add(case_review_list(current_version=None, cases=cases, misfit=True), "misfit", "")
    add(CaseLine.objects.filter(case__in=cases.values("pk")), "rule", key_field="rule", subtype="case__subtype")
    for code in SYMPTOMS:
        add(case_review_list(current_version=None, cases=cases, symptom=code), "symptom", code)
    for question in QUESTIONS:
        base = case_review_list(current_version=None, cases=cases, **question.base)
        add(base, "question", f"{question.key}:den")
        add(case_review_list(current_version=None, cases=base, **question.extra), "question", f"{question.key}:num")
    versions = (
        cases.filter(assessed_version__isnull=False)
        .annotate(rollup_day=day_of("updated_at"))
        .values("rollup_day", "subtype", "assessed_version")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in versions:
        rows[(row["rollup_day"], row["subtype"], "version", str(row["assessed_version"]))] += row["n"]
    for (day, subtype, version), n in marks_rows(cases).items():
        rows[(day, subtype, WOULD_CHANGE, str(version))] += n
    feedback = (
        RecommendationFeedback.objects.filter(assessment__case__in=cases.values("pk"))
        .annotate(rollup_day=day_of("created_at"), facts_subtype=F("assessment__facts__subtype"))
        .values("rollup_day", "facts_subtype", "outcome", "rule", "reason")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in feedback:
        rows[(row["rollup_day"], row["facts_subtype"], row["outcome"], row["rule"])] += row["n"]
        if row["reason"]:
            rows[(row["rollup_day"], row["facts_subtype"], "reason", f"{row['rule']}:{row['reason']}")] += row["n"]
    return +rows


# Feedback from an EHR (CDS Hooks) answers a card, not a stored case: no subtype is known for it.
NO_CASE = ""


def _rows_of_feedback_without_a_case():
    """CDS Hooks feedback, counted per day, outcome, rule and reason under the subtype NO_CASE."""
    rows = Counter()
    grouped = (
        RecommendationFeedback.objects.filter(assessment__isnull=True)
        .annotate(rollup_day=day_of("created_at"))
        .values("rollup_day", "outcome", "rule", "reason")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in grouped:
        rows[(row["rollup_day"], NO_CASE, row["outcome"], row["rule"])] += row["n"]
        if row["reason"]:
            rows[(row["rollup_day"], NO_CASE, "reason", f"{row['rule']}:{row['reason']}")] += row["n"]
    return rows


def _prefix(subtype_field):
    return subtype_field[: -len("subtype")]


@transaction.atomic
def rollup_rebuild(*, batch_size=5000):
    """Count everything afresh from the cases and feedback; returns the number of rollup rows."""
    DashboardCount.objects.all().delete()
    rows = _by_period(rollup_rows(Case.objects.all()) + _rows_of_feedback_without_a_case())
    DashboardCount.objects.bulk_create(
        (
            DashboardCount(period=period, day=day, subtype=subtype, metric=metric, key=key, count=n)
            for (period, day, subtype, metric, key), n in rows.items()
        ),
        batch_size=batch_size,
    )
    return len(rows)
