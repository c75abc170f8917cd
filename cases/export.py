"""The reviewer's CSV export: one row per case, its facts, latest lines and versions.

Rows are written as they are read (the export streams), and every cell a
spreadsheet could take for a formula is defused first.
"""

from itertools import islice

from guidance.classification import CURRENT, possible_of
from guidance.facts import FACTS
from mastoweb.spreadsheets import EXPORT_CHUNK_SIZE, csv_cell, csv_writer

from . import snapshot
from .selectors import Outlook, case_outlook, feedback_latest_by_assessment, feedback_status_of

# The column answers "would it change under the current version?": yes, no, or why neither (not the list's labels).
OUTLOOK_WORDS = {
    Outlook.CURRENT: "no (assessed under it)",
    Outlook.UNCHANGED: "no",
    Outlook.WOULD_CHANGE: "yes",
    Outlook.UNCHECKED: "not yet checked",
    None: "",
}

# The subtype check's verdict (WHO 2022) as the column says it; blank when no subtype is recorded.
FITS_WORDS = {True: "yes", False: "no", None: ""}

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
    "subtype_fits_findings",
    "findings_allow",
    "recommendation_count",
    "recommendation_rules",
    "recommendations",
    "feedback_status",
    "feedback",
]


def _recommendations(lines):
    return "; ".join(f"{line.kind}: {line.summary} [{line.paragraph}]" for line in lines)


def feedback_status(latest):
    """The feedback status of an assessment's lines ({rule: latest feedback}) in the list's words, lower case."""
    return feedback_status_of(latest).label.lower()


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
        FITS_WORDS[case.subtype_fits],
        f"{CURRENT}: " + ", ".join(possible_of(case.facts)),
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
        feedback = feedback_latest_by_assessment(assessments=[case.assessed_id for case in chunk])
        for case in chunk:
            yield writer.writerow(
                case_row(case, current_version=current_version, feedback=feedback.get(case.assessed_id))
            )
