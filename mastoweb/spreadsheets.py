"""CSV for spreadsheets: cells defused of formulas, a writer that streams line by line, and the download."""

import csv

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone

CONTENT_TYPE = "text/csv; charset=utf-8"
# Rows an export reads from the database at a time, and describes together (one query per chunk).
EXPORT_CHUNK_SIZE = 2000

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


class Echo:
    """A file-like object whose write() hands back the line: csv.writer without a buffer."""

    def write(self, value):
        return value


def csv_writer():
    """A csv.writer whose writerow() returns the line instead of writing it."""
    return csv.writer(Echo())


def csv_download(lines, *, name, streaming=True):
    """The CSV `lines` as a download named mastoweb-<name>-<date and time>.csv (streamed unless told)."""
    response = (StreamingHttpResponse if streaming else HttpResponse)(lines, content_type=CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="mastoweb-{name}-{timezone.now():%Y%m%d-%H%M}.csv"'
    return response
