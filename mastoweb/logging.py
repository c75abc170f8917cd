"""Structured logs: one JSON object per line, with nothing clinical in them.

A log line may name a request's method, path, status and duration, never its
query string or body, which is where case facts and notes travel. Exception
records keep their stack (file, line, function) but not the exception's
message, which can quote the values that caused it.
"""

import json
import logging
import re
import traceback
from datetime import UTC, datetime

from gunicorn import glogging

from .dberrors import database_error_code

# Extra attributes a log call may attach (logger.info(..., extra={...})); any
# other attribute, such as Django's `request`, is left out of the line.
ALLOWED_EXTRAS = ("method", "path", "status", "duration_ms", "status_code")

# "/cases/12/?subtype=ASM" -> "/cases/12/": any path-like token loses its query.
_QUERY_STRING = re.compile(r"(/[^\s?\"']*)\?[^\s\"']*")


def strip_query_string(text):
    return _QUERY_STRING.sub(r"\1", str(text))


def _exception_fields(exc_info):
    exc_type, exc, tb = exc_info
    stack = traceback.StackSummary.extract(traceback.walk_tb(tb), capture_locals=False)
    fields = {
        "exception": exc_type.__qualname__ if exc_type else None,
        "stack": [f"{frame.filename}:{frame.lineno} in {frame.name}" for frame in stack],
    }
    # Not the message, but the database's code for it: disk full, read-only and locked told apart.
    code = database_error_code(exc)
    if code:
        fields["database_error"] = code
    return fields


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON line: time, level, logger, message, allowed extras."""

    def format(self, record):
        line = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": strip_query_string(record.getMessage()),
        }
        for name in ALLOWED_EXTRAS:
            value = getattr(record, name, None)
            if value is not None:
                line[name] = strip_query_string(value) if name == "path" else value
        if record.exc_info and record.exc_info[0] is not None:
            line.update(_exception_fields(record.exc_info))
        return json.dumps(line, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """Plain lines for a developer's console (LOG_FORMAT=text), query strings stripped."""

    def format(self, record):
        return strip_query_string(super().format(record))


def request_fields(*, method, path, status, duration_ms):
    """The only facts about a request that a log line may carry."""
    return {
        "method": method,
        "path": strip_query_string(path),
        "status": int(status),
        "duration_ms": round(duration_ms, 1),
    }


class GunicornLogger(glogging.Logger):
    """gunicorn's logger with JSON lines and an access log of method, path, status, duration."""

    def setup(self, cfg):
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                if getattr(handler, "_gunicorn", False):
                    handler.setFormatter(JsonFormatter())

    def access(self, resp, req, environ, request_time):
        if not self.access_log_enabled:
            return
        status = resp.status.split(None, 1)[0] if isinstance(resp.status, str) else resp.status
        fields = request_fields(
            method=environ.get("REQUEST_METHOD", "-"),
            # PATH_INFO never holds the query string; RAW_URI would.
            path=environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", ""),
            status=status,
            duration_ms=request_time.total_seconds() * 1000,
        )
        self.access_log.info("request", extra=fields)
