"""The reviewer's CSV export: one row per case, its facts, latest lines and versions.

Rows are written as they are read (the export streams), and every cell a
spreadsheet could take for a formula is defused first.
"""

from itertools import islice

from guidance.facts import FACTS
from mastoweb.spreadsheets import EXPORT_CHUNK_SIZE, csv_cell, csv_writer

from . import snapshot
from .models import RecommendationFeedback
from .selectors import Outlook, case_outlook

OUTLOOK_WORDS = {
    Outlook.CURRENT: "no (assessed under it)",
    Outlook.UNCHANGED: "no",
    Outlook.WOULD_CHANGE: "yes",
    Outlook.UNCHECKED: "not yet checked",
    None: "",
}

COLUMNS = [
    "case_id",
    "label",
    "clinician",
    "created_at",
    "updated_at",
    "assessed_at",
    "assessed_guidance_version",
    "current_guidance_version",
    "would_change_under_current",
    *FACTS,
    "recommendation_count",
    "recommendation_rules",
    "recommendations",
    "feedback_status",
    "feedback",
]

FEEDBACK_NONE = "no feedback"
FEEDBACK_NOT_FOLLOWING = "some not followed"
FEEDBACK_FOLLOWED = "followed"


def _recommendations(lines):
    return "; ".join(f"{line.kind}: {line.summary} [{line.paragraph}]" for line in lines)


def feedback_status(latest):
    """One word for the latest feedback on an assessment's lines ({rule: feedback})."""
    if not latest:
        return FEEDBACK_NONE
    overridden = RecommendationFeedback.Outcome.OVERRIDDEN
    return FEEDBACK_NOT_FOLLOWING if any(f.outcome == overridden for f in latest.values()) else FEEDBACK_FOLLOWED


def _feedback(latest):
    # Codes become words; the free-text comment stays out, as it stays out of the audit trail.
    parts = []
    for rule, entry in sorted(latest.items()):
        words = entry.get_outcome_display()
        if entry.reason:
            words += f", {entry.get_reason_display()}"
        who = entry.created_by.get_username() if entry.created_by else entry.get_source_display()
        parts.append(f"{rule}: {words} ({who})")
    return "; ".join(parts)


def _latest_feedback(assessment_ids):
    """{assessment id: {rule: latest feedback}} for one chunk of rows, in one query."""
    latest = {}
    entries = RecommendationFeedback.objects.filter(assessment__in=[pk for pk in assessment_ids if pk is not None])
    for entry in entries.select_related("created_by").order_by("-created_at", "-pk"):
        latest.setdefault(entry.assessment_id, {}).setdefault(entry.rule, entry)
    return latest


def case_row(case, *, current_version, feedback=None):
    """One case as export cells (case_review_export's rows); `feedback` is {rule: latest} of its latest assessment."""
    feedback = feedback or {}
    lines = snapshot.from_dict(case.assessed_lines) if case.assessed_lines is not None else []
    row = [
        case.pk,
        case.label,
        case.created_by.get_username(),
        case.created_at.isoformat(),
        case.updated_at.isoformat(),
        case.assessed_at.isoformat() if case.assessed_at else "",
        case.assessed_version,
        current_version,
        OUTLOOK_WORDS[case_outlook(case, current_version=current_version)],
        *(getattr(case, name) for name in FACTS),
        len(lines),
        [line.rule for line in lines],
        _recommendations(lines),
        feedback_status(feedback),
        _feedback(feedback),
    ]
    return [csv_cell(value) for value in row]


def csv_lines(cases, *, current_version, chunk_size=EXPORT_CHUNK_SIZE):
    """The header, then one CSV line per case, produced as they are read.

    Feedback is read per chunk of rows (one query each), not per case.
    """
    writer = csv_writer()
    yield writer.writerow(COLUMNS)
    cases = iter(cases)
    while chunk := list(islice(cases, chunk_size)):
        feedback = _latest_feedback(case.assessed_id for case in chunk)
        for case in chunk:
            yield writer.writerow(
                case_row(case, current_version=current_version, feedback=feedback.get(case.assessed_id))
            )
