"""The reviewer's CSV export: one row per case, its facts, latest lines and versions.

Rows are written as they are read (the export streams), and every cell a
spreadsheet could take for a formula is defused first.
"""

import csv

from guidance.facts import FACTS

from . import snapshot
from .selectors import OUTLOOK_CURRENT, OUTLOOK_UNCHANGED, OUTLOOK_UNCHECKED, OUTLOOK_WOULD_CHANGE, case_outlook

OUTLOOK_WORDS = {
    OUTLOOK_CURRENT: "no (assessed under it)",
    OUTLOOK_UNCHANGED: "no",
    OUTLOOK_WOULD_CHANGE: "yes",
    OUTLOOK_UNCHECKED: "not yet checked",
    "": "",
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
]

# A cell starting with one of these is a formula to Excel, LibreOffice and
# Google Sheets (OWASP "CSV injection"); a leading apostrophe makes it text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        value = " ".join(str(item) for item in value)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return f"'{value}"
    return value


def _recommendations(lines):
    return "; ".join(f"{line.kind}: {line.summary} [{line.paragraph}]" for line in lines)


def case_row(case, *, current_version):
    """One case as export cells (case_review_export's rows)."""
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
    ]
    return [csv_cell(value) for value in row]


class _Echo:
    """A file-like object whose write() hands back the line: csv.writer without a buffer."""

    def write(self, value):
        return value


def csv_lines(cases, *, current_version):
    """The header, then one CSV line per case, produced as they are read."""
    writer = csv.writer(_Echo())
    yield writer.writerow(COLUMNS)
    for case in cases:
        yield writer.writerow(case_row(case, current_version=current_version))
