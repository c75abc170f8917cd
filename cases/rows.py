"""The reviewer list's rows as HTML, built in Python: the page's costliest part when drawn by the template engine.

Fifty rows of nine cells each went through some 1,500 template variable
lookups and filters per page; format_html does the same escaping at a tenth of
the cost. The markup is exactly what the template drew (cases/case_review.html
holds the table around it); tests/cases/test_review_list.py reads it.
"""

from django.utils.html import format_html, format_html_join
from django.utils.timezone import localtime

from .templatetags.case_display import day, day_time

ROW = (
    '<tr data-case="{pk}" data-outlook="{outlook}">'
    '<td data-label="Case"><a href="{href}">{label}</a>{age}</td>'
    '<td data-label="Clinician">{clinician}</td>'
    '<td data-label="Subtype">{subtype}</td>'
    '<td data-label="Created">{created}</td>'
    '<td data-label="Changed">{changed}</td>'
    '<td data-label="Latest assessment">{assessed}{badge}</td>'
    '<td data-label="Cautions" class="text-end" data-cautions>{cautions}</td>'
    '<td data-label="Recommendations" class="text-end" data-lines>{lines}</td>'
    '<td data-label="Feedback" data-feedback="{feedback_status}">{feedback}</td>'
    "</tr>"
)


def review_rows_html(cases, *, detail_url, current_number):
    """The <tr> of each case on a reviewer list page; `detail_url` is the (before, after) halves around the id."""
    return format_html_join("\n", "{}", ((review_row_html(case, detail_url, current_number),) for case in cases))


def review_row_html(case, detail_url, current_number):
    outlook = case.outlook
    if case.feedback_not_following:
        feedback = format_html('<span class="badge feedback-overridden">{}</span>', case.get_feedback_status_display())
    elif case.feedback_status:
        feedback = case.get_feedback_status_display()
    else:
        feedback = format_html('<span class="text-body-secondary">None</span>')
    return format_html(
        ROW,
        pk=case.pk,
        outlook=outlook or "",
        href=f"{detail_url[0]}{case.pk}{detail_url[1]}",
        label=case.label,
        age=format_html(' <span class="text-body-secondary small">({} y)</span>', case.age_years)
        if case.age_years is not None
        else "",
        clinician=case.created_by.get_username(),
        subtype=case.get_subtype_display(),
        created=day(localtime(case.created_at)),  # as date:"j M Y", without its per-letter lookups
        changed=day_time(localtime(case.updated_at)),
        assessed=f"guidance version {case.assessed_version}" if case.assessed_version else "",
        badge=format_html(
            ' <span class="badge {}">{} (version {})</span>', outlook.badge, outlook.label, current_number
        )
        if outlook and outlook.badge
        else "",
        cautions="" if case.caution_count is None else case.caution_count,
        lines="" if case.line_count is None else case.line_count,
        feedback_status=case.feedback_status or "",
        feedback=feedback,
    )


LIST_ROW = (
    '<tr data-case="{pk}">'
    '<td data-label="Case"><a href="{href}">{label}</a>{age}</td>'
    '<td data-label="Subtype">{subtype}</td>'
    '<td data-label="Changed">{changed}</td>'
    '<td data-label="Last assessed">{assessed}{change}</td>'
    "</tr>"
)


def case_list_rows_html(cases, *, detail_url, reassess_url, current_number):
    """The <tr> of each case on a clinician's list page (cases/case_list.html); the urls as (before, after) halves."""
    return format_html_join(
        "\n", "{}", ((case_list_row_html(case, detail_url, reassess_url, current_number),) for case in cases)
    )


def case_list_row_html(case, detail_url, reassess_url, current_number):
    summary = getattr(case, "change_summary", None)
    change = ""
    if summary:
        if summary.changes:
            badge = format_html(
                '<a class="badge text-bg-warning" href="{}{}{}">{}</a>',
                reassess_url[0],
                case.pk,
                reassess_url[1],
                summary,
            )
        else:
            badge = format_html('<span class="badge text-bg-secondary">{}</span>', summary)
        change = format_html(
            ' <span class="d-block small change-summary" data-change-summary>Under version {}: {}</span>',
            current_number,
            badge,
        )
    return format_html(
        LIST_ROW,
        pk=case.pk,
        href=f"{detail_url[0]}{case.pk}{detail_url[1]}",
        label=case.label,
        age=format_html(' <span class="text-body-secondary small">({} y)</span>', case.age_years)
        if case.age_years is not None
        else "",
        subtype=case.get_subtype_display(),
        changed=day_time(localtime(case.updated_at)),
        assessed=format_html("guidance version {}, {}", case.assessed_version, day(localtime(case.assessed_at)))
        if case.assessed_version
        else "",
        change=change,
    )
