"""The reviewer dashboard's reads: counts from the rollup (cases.rollup) in a fixed number of queries.

Every figure is a count of cases the reviewer list can show, so each bar and
row links to the list with the filters that select exactly those cases; the
dashboard's own filters (subtype, clinician, dates of last change) are the
list's. With a clinician chosen, the counts come straight from that
clinician's cases (the rollup has no clinician), counted in SQL all the same.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Q, Sum
from django.urls import reverse
from django.utils.http import urlencode

from guidance.facts import SUBTYPES
from guidance.selectors import rules_newest_wording
from mastoweb.spreadsheets import csv_cell, csv_writer

from .models import Case, DashboardCount, Marking, RecommendationFeedback
from .rollup import QUESTIONS, WOULD_CHANGE, rollup_rows
from .selectors import Outlook

FILTERS = ("subtype", "clinician", "date_from", "date_to")


@dataclass
class Totals:
    """The counts the charts are drawn from: per (metric, key), cases per subtype, cases per month."""

    by_key: Counter = field(default_factory=Counter)
    by_subtype: Counter = field(default_factory=Counter)
    by_month: Counter = field(default_factory=Counter)

    def __getitem__(self, metric_key):
        return self.by_key[metric_key]

    def keys(self, metric):
        return {key: n for (m, key), n in self.by_key.items() if m == metric and n}


def dashboard_totals(*, subtype="", clinician="", date_from=None, date_to=None):
    if clinician:
        return _totals_for_clinician(clinician, subtype=subtype, date_from=date_from, date_to=date_to)
    counts = DashboardCount.objects.filter(_period_rows(date_from, date_to))
    if subtype:
        counts = counts.filter(subtype=subtype)
    totals = Totals()
    for row in counts.values("metric", "key").annotate(n=Sum("count")).order_by():
        totals.by_key[(row["metric"], row["key"])] = row["n"]
    cases = counts.filter(metric="cases")
    for row in cases.values("subtype").annotate(n=Sum("count")).order_by():
        totals.by_subtype[row["subtype"]] = row["n"]
    # By day, folded into months here: few distinct days (month rows start on the 1st), and SQLite's
    # date truncation is a Python function called on every rollup row.
    for row in cases.values("day").annotate(n=Sum("count")).order_by():
        totals.by_month[row["day"].replace(day=1)] += row["n"]
    return totals


def _next_month(day):
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def _period_rows(date_from, date_to):
    """The rollup rows for a period: month rows for its whole months, day rows for the days around them."""
    day, month = DashboardCount.Period.DAY, DashboardCount.Period.MONTH
    # The first and the last whole month in the period (None: unbounded on that side).
    first = None if date_from is None else (date_from if date_from.day == 1 else _next_month(date_from))
    last = None if date_to is None else (date_to.replace(day=1) if _month_end(date_to) == date_to else None)
    if date_to is not None and last is None:
        last = date_to.replace(day=1) - timedelta(days=1)  # the month before date_to's month
        last = last.replace(day=1)
    if first is not None and last is not None and first > last:
        return Q(period=day, day__gte=date_from, day__lte=date_to)  # no whole month inside
    months = Q(period=month)
    if first is not None:
        months &= Q(day__gte=first)
    if last is not None:
        months &= Q(day__lte=last)
    rows = months
    if date_from is not None and first != date_from:
        rows |= Q(period=day, day__gte=date_from, day__lt=first)
    if date_to is not None and _next_month(last) <= date_to:
        rows |= Q(period=day, day__gte=_next_month(last), day__lte=date_to)
    return rows


def _totals_for_clinician(clinician, *, subtype, date_from, date_to):
    cases = Case.objects.filter(created_by__username=clinician)
    if subtype:
        cases = cases.filter(subtype=subtype)
    totals = Totals()
    for (day, case_subtype, metric, key), n in rollup_rows(cases).items():
        if (date_from and day < date_from) or (date_to and day > date_to):
            continue
        totals.by_key[(metric, key)] += n
        if metric == "cases":
            totals.by_subtype[case_subtype] += n
            totals.by_month[day.replace(day=1)] += n
    return totals


# ---------------------------------------------------------------- the charts' rows


@dataclass(frozen=True)
class Cell:
    text: str
    href: str | None = None


@dataclass(frozen=True)
class Row:
    label: str
    value: float
    value_text: str
    href: str
    cells: tuple = ()


@dataclass(frozen=True)
class Chart:
    slug: str
    title: str
    description: str
    label_title: str
    value_title: str
    rows: tuple
    columns: tuple = ()  # headings of the rows' extra cells
    percent: bool = False  # the values are shares in percent (the axis says so), not counts

    @property
    def total(self):
        return sum(row.value for row in self.rows)


def _list_url(filters, **extra):
    params = {name: filters[name] for name in FILTERS if filters.get(name)}
    params.update({name: value for name, value in extra.items() if value not in ("", None)})
    return f"{filters[LIST_PATH]}?{urlencode(params)}"


LIST_PATH = "_list_path"  # the reviewer list's path, reversed once per dashboard (some eighty links use it)


def _month_end(month):
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def _percent(part, whole):
    return round(100 * part / whole, 1) if whole else 0.0


def dashboard_charts(*, filters, current_version):
    """The dashboard's charts for these filters (cleaned DashboardForm data), newest guidance `current_version`."""
    totals = dashboard_totals(**{name: filters.get(name) for name in FILTERS})
    filters = {**filters, LIST_PATH: reverse("cases:review")}
    return [
        _over_time(totals, filters),
        _by_subtype(totals, filters),
        _rules(totals, filters),
        _cautions(totals, filters),
        _uptake(totals, filters, current_version),
    ]


def _over_time(totals, filters):
    rows = []
    for month in sorted(totals.by_month):
        n = totals.by_month[month]
        if not n:
            continue
        start = max(month, filters.get("date_from") or date.min)
        end = min(_month_end(month), filters.get("date_to") or date.max)
        rows.append(
            Row(f"{month:%b %Y}", n, f"{n}", _list_url(filters, date_from=start.isoformat(), date_to=end.isoformat()))
        )
    return Chart(
        "over-time",
        "Cases by month of their last change",
        "How many cases were last changed (and so assessed) in each month.",
        "Month",
        "Cases",
        tuple(rows),
    )


def _by_subtype(totals, filters):
    rows = tuple(
        Row(label, totals.by_subtype[code], f"{totals.by_subtype[code]}", _list_url(filters, subtype=code))
        for code, label in SUBTYPES.items()
        if totals.by_subtype[code]
    )
    return Chart("subtype", "Cases by subtype", "How many cases have each subtype.", "Subtype", "Cases", rows)


def _rule_summaries():
    """{rule id: summary}, the newest published wording of each rule (one query)."""
    summaries = {rule_id: summary for rule_id, (_, summary) in rules_newest_wording().items()}
    return summaries


def _rules(totals, filters):
    fired = totals.keys("rule")
    accepted, overridden = totals.keys("accepted"), totals.keys("overridden")
    reasons = {}
    labels = dict(RecommendationFeedback.Reason.choices)
    for key, n in totals.keys("reason").items():
        rule, _, reason = key.partition(":")
        reasons.setdefault(rule, []).append((n, labels.get(reason, reason)))
    summaries = _rule_summaries()
    rows = []
    for rule in sorted(set(fired) | set(accepted) | set(overridden), key=lambda r: (-fired.get(r, 0), r)):
        given = accepted.get(rule, 0) + overridden.get(rule, 0)
        top = sorted(reasons.get(rule, []), key=lambda item: (-item[0], item[1]))[:3]
        not_following = overridden.get(rule, 0)
        rows.append(
            Row(
                # What the line says, as the clinician saw it; the rule id stays in the table for the editors.
                summaries.get(rule) or f"A line no longer in the guidance ({rule})",
                fired.get(rule, 0),
                f"{fired.get(rule, 0)}",
                _list_url(filters, rule=rule),
                (
                    Cell(rule),
                    Cell(f"{given}"),
                    Cell(
                        f"{_percent(not_following, given)}% ({not_following})" if given else "no feedback",
                        _list_url(filters, rule=rule, feedback="not_following") if not_following else None,
                    ),
                    Cell("; ".join(f"{label} ({n})" for n, label in top) or "none"),
                ),
            )
        )
    return Chart(
        "rules",
        "How often each line was shown, and the feedback on it",
        "For each line of the guidance: the cases whose latest assessment shows it; the feedback given on it in the "
        "period, the share that was \u201cNot following\u201d, and the most common reasons.",
        "Line",
        "Cases shown the line",
        tuple(rows),
        columns=("Rule", "Feedback entries", "Not following", "Top reasons"),
    )


def _cautions(totals, filters):
    rows = []
    cases = totals[("cases", "")]
    with_caution = totals[("caution", "")]
    rows.append(
        Row(
            "Cases shown any caution",
            _percent(with_caution, cases),
            f"{_percent(with_caution, cases)}%",
            _list_url(filters, caution="on"),
            (Cell(f"{cases}", _list_url(filters)), Cell(f"{with_caution}", _list_url(filters, caution="on"))),
        )
    )
    misfit = totals[("misfit", "")]
    rows.append(
        Row(
            "Recorded subtype does not fit the findings (WHO 2022)",
            _percent(misfit, cases),
            f"{_percent(misfit, cases)}%",
            _list_url(filters, misfit="on"),
            (Cell(f"{cases}", _list_url(filters)), Cell(f"{misfit}", _list_url(filters, misfit="on"))),
        )
    )
    for question in QUESTIONS:
        den, num = totals[("question", f"{question.key}:den")], totals[("question", f"{question.key}:num")]
        rows.append(
            Row(
                question.title,
                _percent(num, den),
                f"{_percent(num, den)}%",
                _list_url(filters, **question.base, **question.extra),
                (
                    Cell(f"{den} {question.denominator.lower()}", _list_url(filters, **question.base)),
                    Cell(f"{num} {question.numerator}", _list_url(filters, **question.base, **question.extra)),
                ),
            )
        )
    return Chart(
        "cautions",
        "Caution rates",
        "Shares of cases, as their latest assessment stands: any caution; a recorded subtype the findings rule out; "
        + "; ".join(question.described for question in QUESTIONS)
        + ".",
        "Question",
        "Share of cases (%)",
        tuple(rows),
        columns=("Of", "Cases"),
        percent=True,
    )


def _uptake(totals, filters, current):
    counts = Counter()
    for key, n in totals.keys("version").items():
        counts[Outlook.CURRENT if current is None or int(key) >= current else Outlook.OLDER] += n
    older = counts.pop(Outlook.OLDER, 0)
    # Split only once the marking of the current version has finished (its would-change counts are kept).
    if older and Marking.objects.filter(version=current).exists():
        counts[Outlook.WOULD_CHANGE] = totals[(WOULD_CHANGE, str(current))]
        counts[Outlook.UNCHANGED] = older - counts[Outlook.WOULD_CHANGE]
    elif older:
        counts[Outlook.UNCHECKED] = older
    rows = tuple(
        Row(outlook.label, counts[outlook], f"{counts[outlook]}", _list_url(filters, outlook=outlook))
        for outlook in (Outlook.CURRENT, Outlook.WOULD_CHANGE, Outlook.UNCHANGED, Outlook.UNCHECKED)
        if counts[outlook]
    )
    return Chart(
        "uptake",
        "Guidance uptake",
        "Cases whose latest assessment is on the current guidance, and those on an older version, split by "
        "whether the current version would show them other lines.",
        "Latest assessment",
        "Cases",
        rows,
    )


def chart_csv_lines(chart, *, absolute_uri):
    """One chart's data as CSV lines: its rows, their extra columns and the link (made absolute) to their cases."""
    writer = csv_writer()
    yield writer.writerow([chart.label_title, chart.value_title, *chart.columns, "cases (link)"])
    for row in chart.rows:
        cells = [row.label, row.value, *(cell.text for cell in row.cells), absolute_uri(row.href)]
        yield writer.writerow([csv_cell(value) for value in cells])
