"""The reviewer list's and the case list's rows as HTML, built in Python: drawn by the template engine, fifty rows
were the costliest part of either page.

Fifty rows of up to nine cells went through some 1,500 template variable
lookups and filters per page. Here every value is escaped as Django's escape
does it (the standard library's html.escape, which Django's calls, without the
lazy-string wrapper around it) and written into the row at a small fraction
of the cost. The markup is exactly what the templates drew (cases/case_review.html
and cases/case_list.html hold the table around it); tests/cases/test_review_list.py
and test_case_list.py compare the two.
"""

from html import escape as _escape

from django.utils.safestring import mark_safe
from django.utils.timezone import localtime

from .templatetags.case_display import day, day_time


def e(value):
    """Text escaped for HTML, as django.utils.html.escape writes it."""
    return _escape(str(value))


def _age(case):
    return "" if case.age_years is None else f' <span class="text-body-secondary small">({e(case.age_years)} y)</span>'


def review_rows_html(cases, *, detail_url, current_number):
    """The <tr> of each case on a reviewer list page; `detail_url` is the (before, after) halves around the id."""
    return mark_safe("\n".join(review_row_html(case, detail_url, current_number) for case in cases))  # noqa: S308 - escaped


def review_row_html(case, detail_url, current_number):
    outlook = case.outlook
    if case.feedback_not_following:
        feedback = f'<span class="badge feedback-overridden">{e(case.get_feedback_status_display())}</span>'
    elif case.feedback_status:
        feedback = e(case.get_feedback_status_display())
    else:
        feedback = '<span class="text-body-secondary">None</span>'
    assessed = f"guidance version {e(case.assessed_version)}" if case.assessed_version else ""
    badge = ""
    if outlook and outlook.badge:
        badge = f' <span class="badge {e(outlook.badge)}">{e(outlook.label)} (version {e(current_number)})</span>'
    return (
        f'<tr data-case="{e(case.pk)}" data-outlook="{e(outlook or "")}">'
        f'<td data-label="Case"><a href="{e(detail_url[0])}{e(case.pk)}{e(detail_url[1])}">{e(case.label)}</a>'
        f"{_age(case)}</td>"
        f'<td data-label="Clinician">{e(case.created_by.get_username())}</td>'
        f'<td data-label="Subtype">{e(case.get_subtype_display())}</td>'
        # As date:"j M Y" and date:"j M Y H:i" write them, without their per-letter lookups.
        f'<td data-label="Created">{e(day(localtime(case.created_at)))}</td>'
        f'<td data-label="Changed">{e(day_time(localtime(case.updated_at)))}</td>'
        f'<td data-label="Latest assessment">{assessed}{badge}</td>'
        f'<td data-label="Cautions" class="text-end" data-cautions>{e(_blank_if_none(case.caution_count))}</td>'
        f'<td data-label="Recommendations" class="text-end" data-lines>{e(_blank_if_none(case.line_count))}</td>'
        f'<td data-label="Feedback" data-feedback="{e(case.feedback_status or "")}">{feedback}</td>'
        "</tr>"
    )


def _blank_if_none(value):
    return "" if value is None else value


def case_list_rows_html(cases, *, detail_url, reassess_url, current_number):
    """The <tr> of each case on a clinician's list page (cases/case_list.html); the urls as (before, after) halves."""
    rows = (case_list_row_html(case, detail_url, reassess_url, current_number) for case in cases)
    return mark_safe("\n".join(rows))  # noqa: S308 - every value escaped


def case_list_row_html(case, detail_url, reassess_url, current_number):
    summary = getattr(case, "change_summary", None)
    change = ""
    if summary:
        if summary.changes:
            href = f"{e(reassess_url[0])}{e(case.pk)}{e(reassess_url[1])}"
            badge = f'<a class="badge text-bg-warning" href="{href}">{e(summary)}</a>'
        else:
            badge = f'<span class="badge text-bg-secondary">{e(summary)}</span>'
        change = (
            f' <span class="d-block small change-summary" data-change-summary>'
            f"Under version {e(current_number)}: {badge}</span>"
        )
    assessed = ""
    if case.assessed_version:
        assessed = f"guidance version {e(case.assessed_version)}, {e(day(localtime(case.assessed_at)))}"
    return (
        f'<tr data-case="{e(case.pk)}">'
        f'<td data-label="Case"><a href="{e(detail_url[0])}{e(case.pk)}{e(detail_url[1])}">{e(case.label)}</a>'
        f"{_age(case)}</td>"
        f'<td data-label="Subtype">{e(case.get_subtype_display())}</td>'
        f'<td data-label="Changed">{e(day_time(localtime(case.updated_at)))}</td>'
        f'<td data-label="Last assessed">{assessed}{change}</td>'
        "</tr>"
    )
