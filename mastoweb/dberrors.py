"""The code of a database error, so a log tells disk full, read-only and locked apart (issue 24).

Django raises OperationalError for all three; the driver's exception under it
carries the code: PostgreSQL's SQLSTATE (psycopg), or SQLite's extended
result code name (Python 3.11's sqlite3, e.g. SQLITE_FULL, SQLITE_READONLY,
SQLITE_BUSY). Codes name a condition, never data, so they are safe to log.
"""


def database_error_code(exc):
    """ "SQLSTATE 57P01", "SQLITE_READONLY_DBMOVED", ... or "" when the error carries none."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        sqlstate = getattr(exc, "sqlstate", None) or getattr(exc, "pgcode", None)
        if sqlstate:
            return f"SQLSTATE {sqlstate}"
        name = getattr(exc, "sqlite_errorname", None)
        if name:
            return name
        exc = exc.__cause__ or exc.__context__
    return ""
