"""A line's feedback region on the management page, as HTML built in Python.

Drawn by the template engine, the region (the latest entry, and for the case's
clinician the "Will follow" / "Not following" form with its reasons) was the
largest part of the management page's template time: some 90 variable lookups
a line, most of them on a form that is not there. Here every value is escaped
as Django's escape does it (cases.rows.e) and the CSRF field is Django's own
tag. The markup is what templates/cases/includes/line_feedback.html drew, with
whitespace in the same places; tests/cases/test_feedback.py renders that
template beside this function in every state (no feedback, each outcome, an
EHR's entry, read-only, a refused post, just saved) and the two must match.
"""

from django.template.defaulttags import CsrfTokenNode
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.timezone import localtime

from .rows import e
from .templatetags.case_display import day_time


def _field_error(dom_id, name, messages):
    """A field's messages under it, named by the id its input's aria-describedby points to."""
    if not messages:
        return ""
    return f'<div class="invalid-feedback" id="{dom_id}-{name}-error">{_joined(messages)}</div>'


def _joined(errors):
    """As `errors|join:" "` writes a list of messages."""
    return " ".join(conditional_escape(error) for error in errors)


def line_feedback_html(line, entry, *, id_prefix, csrf_field):
    """The region of one line: `entry` is FeedbackPanel.for_line(line.rule), `csrf_field` the rendered CSRF input."""
    dom_id = e(f"{id_prefix or ''}feedback-{line.rule}")
    rule = e(line.rule)
    parts = [f'<div class="line-feedback border-top mt-2 pt-2 small" id="{dom_id}" data-feedback-rule="{rule}">\n  ']
    latest = entry["latest"]
    if latest:
        reason = f" &ndash; {e(latest.get_reason_display())}" if latest.reason else ""
        comment = f": &ldquo;{e(latest.comment)}&rdquo;" if latest.comment else ""
        who = latest.created_by.get_username() if latest.created_by else ""
        source = "" if latest.from_web else f", {e(latest.get_source_display())}"
        parts.append(
            f'\n  <p class="feedback-latest mb-1" data-feedback-outcome="{e(latest.outcome)}">\n'
            '    <span class="fw-semibold">Feedback:</span>\n'
            f'    <span class="badge feedback-{e(latest.outcome)}">{e(latest.get_outcome_display())}</span>'
            f"{reason}{comment}\n"
            f'    <span class="text-body-secondary">({e(who or "EHR user")}, {day_time(localtime(latest.created_at))}'
            f"{source})</span>\n  </p>\n  "
        )
    elif not entry["editable"]:
        parts.append('\n  <p class="feedback-none text-body-secondary mb-1">No feedback on this line.</p>\n  ')
    parts.append("\n  ")
    if entry["editable"]:
        parts.append(_form_html(line, entry, dom_id, csrf_field))
    parts.append("\n</div>\n\n")
    return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped


def _form_html(line, entry, dom_id, csrf_field):
    form = entry["form"]
    errors = form.errors if form is not None else {}
    non_field = form.non_field_errors() if form is not None else ()
    data = form.data if form is not None else {}
    chosen = data.get("reason") if form is not None and "reason" in data else None
    summary = e(line.summary)
    saved = '<p class="visually-hidden" role="status">Feedback recorded.</p>' if entry["saved"] else ""
    alert = f'<div class="alert alert-danger py-1 mb-1" role="alert">{_joined(non_field)}</div>' if non_field else ""
    options = "".join(
        f'<option value="{e(value)}"{" selected" if value == chosen else ""}>{e(label)}</option>'
        for value, label in entry["reasons"]
    )
    reason_errors = errors.get("reason")
    comment_errors = errors.get("comment")
    reason_invalid = " is-invalid" if reason_errors else ""
    reason_aria = f' aria-invalid="true" aria-describedby="{dom_id}-reason-error"' if reason_errors else ""
    reason_message = _field_error(dom_id, "reason", reason_errors)
    comment_invalid = " is-invalid" if comment_errors else ""
    comment_described = f" {dom_id}-comment-error" if comment_errors else ""
    comment_message = _field_error(dom_id, "comment", comment_errors)
    action = e(entry["action"])
    return (
        f"{saved}\n  {alert}\n  \n"
        f'  <form method="post" action="{action}" class="d-flex flex-wrap align-items-start gap-2 no-print"'
        f' hx-post="{action}" hx-target="#{dom_id}" hx-swap="outerHTML">\n'
        f"    {csrf_field}\n"
        f'    <input type="hidden" name="rule" value="{e(line.rule)}">\n'
        '    <button type="submit" name="outcome" value="accepted" class="btn btn-sm btn-outline-success">'
        f'Will follow<span class="visually-hidden">: {summary}</span></button>\n'
        f'    <details class="feedback-override"{" open" if form is not None and form.overriding else ""}>\n'
        '      <summary class="btn btn-sm btn-outline-secondary">Not following&hellip;'
        f'<span class="visually-hidden"> {summary}</span></summary>\n'
        '      <div class="mt-2">\n'
        '        <div class="mb-2">\n'
        f'          <label class="form-label mb-0" for="{dom_id}-reason">Reason</label>\n'
        f'          <select class="form-select form-select-sm{reason_invalid}" name="reason" id="{dom_id}-reason"'
        f"{reason_aria}>\n"
        f"            {options}\n"
        "          </select>\n"
        f"          {reason_message}\n"
        "        </div>\n"
        '        <div class="mb-2">\n'
        f'          <label class="form-label mb-0" for="{dom_id}-comment">Comment (optional)</label>\n'
        f'          <textarea class="form-control form-control-sm{comment_invalid}" name="comment"'
        f' id="{dom_id}-comment" rows="2" maxlength="500"'
        f' aria-describedby="{dom_id}-comment-help{comment_described}">{e(data.get("comment") or "")}</textarea>\n'
        f'          <div class="form-text" id="{dom_id}-comment-help">'
        "Never read by the guidance; up to 500 characters.</div>\n"
        f"          {comment_message}\n"
        "        </div>\n"
        '        <button type="submit" name="outcome" value="overridden" class="btn btn-sm btn-outline-danger">'
        "Record &ldquo;Not following&rdquo;</button>\n"
        "      </div>\n"
        "    </details>\n"
        "  </form>\n  "
    )


def csrf_field(context):
    """The CSRF input as `{% csrf_token %}` writes it in this context."""
    return CsrfTokenNode().render(context)
