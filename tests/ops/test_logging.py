"""Logs are JSON lines that never carry case facts or notes."""

import io
import json
import logging
import os
import sqlite3
import subprocess
import sys
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.db import OperationalError
from gunicorn.config import Config

from mastoweb.logging import GunicornLogger, JsonFormatter, TextFormatter

CASE_QUERY = "subtype=ASM&symptoms=recurrent_anaphylaxis&notes=Patient+reports+wasp+sting+2024"
CLINICAL_WORDS = ("ASM", "anaphylaxis", "notes", "wasp", "Patient", "subtype")


def assert_nothing_clinical(text):
    for word in CLINICAL_WORDS:
        assert word not in text, f"{word!r} leaked into the log: {text}"


@pytest.fixture
def json_log():
    """Everything logged while the test runs, formatted the way production formats it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    yield stream
    root.removeHandler(handler)


def lines_of(stream):
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_it_formats_records_as_json_in_production_settings():
    assert settings.DEBUG is False
    assert settings.LOGGING["handlers"]["console"]["formatter"] == "json"
    assert settings.LOGGING["formatters"]["json"]["()"] == "mastoweb.logging.JsonFormatter"


def test_it_writes_one_parseable_line_per_record(json_log):
    logging.getLogger("mastoweb.test").warning("line one\nstill line one")
    logging.getLogger("mastoweb.test").info("line two")

    lines = lines_of(json_log)
    assert [(line["level"], line["logger"], line["message"]) for line in lines] == [
        ("WARNING", "mastoweb.test", "line one\nstill line one"),
        ("INFO", "mastoweb.test", "line two"),
    ]
    assert all(line["time"].endswith("+00:00") for line in lines)


def test_it_keeps_the_query_string_out_of_django_request_logs(client, clinician, json_log):
    client.force_login(clinician)

    response = client.get(f"/guidance/v/999/?{CASE_QUERY}")

    assert response.status_code == 404
    [line] = [line for line in lines_of(json_log) if line["logger"] == "django.request"]
    assert line["message"] == "Not Found: /guidance/v/999/"
    assert line["status_code"] == 404
    assert_nothing_clinical(json_log.getvalue())


def test_it_keeps_the_request_body_out_of_django_request_logs(client, json_log):
    response = client.post(f"/healthz?{CASE_QUERY}", {"subtype": "ASM", "notes": "Patient reports wasp sting"})

    assert response.status_code == 405
    [line] = [line for line in lines_of(json_log) if line["logger"] == "django.request"]
    assert line["message"] == "Method Not Allowed (POST): /healthz"
    assert_nothing_clinical(json_log.getvalue())


def test_it_drops_extras_other_than_the_request_summary(json_log):
    logging.getLogger("mastoweb.test").info(
        "saved", extra={"method": "POST", "path": f"/cases/7/?{CASE_QUERY}", "facts": {"subtype": "ASM"}}
    )

    [line] = lines_of(json_log)
    assert line["path"] == "/cases/7/"
    assert "facts" not in line
    assert_nothing_clinical(json_log.getvalue())


def test_it_logs_the_stack_of_an_exception_but_not_its_message(json_log):
    try:
        raise ValueError("subtype 'ASM' with notes: Patient reports wasp sting")
    except ValueError:
        logging.getLogger("django.request").exception("Internal Server Error: /cases/7/")

    [line] = lines_of(json_log)
    assert line["exception"] == "ValueError"
    assert any("test_logging.py" in frame and "test_it_logs_the_stack" in frame for frame in line["stack"])
    assert_nothing_clinical(json_log.getvalue())


def test_it_strips_query_strings_in_plain_text_lines_too():
    # The way runserver's django.server logger logs a request.
    record = logging.makeLogRecord({"msg": '"%s" %s %s', "args": (f"GET /cases/7/?{CASE_QUERY} HTTP/1.1", 200, 512)})

    text = TextFormatter("%(message)s").format(record)

    assert text == '"GET /cases/7/ HTTP/1.1" 200 512'


def gunicorn_logger():
    cfg = Config()
    cfg.set("accesslog", "-")
    cfg.set("errorlog", "-")
    return GunicornLogger(cfg)


def test_it_writes_the_gunicorn_access_log_as_method_path_status_duration(capsys):
    logger = gunicorn_logger()
    environ = {
        "REQUEST_METHOD": "POST",
        "SCRIPT_NAME": "",
        "PATH_INFO": "/cases/42/preview/",
        "QUERY_STRING": CASE_QUERY,
        "RAW_URI": f"/cases/42/preview/?{CASE_QUERY}",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_REFERER": f"https://mastoweb.example/cases/42/?{CASE_QUERY}",
    }
    response = SimpleNamespace(status="200 OK", headers=[("Content-Type", "text/html")], sent=1234)
    request = SimpleNamespace(headers=[("REFERER", environ["HTTP_REFERER"])])

    logger.access(response, request, environ, timedelta(milliseconds=12, microseconds=345))

    out = capsys.readouterr().out
    [line] = [json.loads(text) for text in out.splitlines()]
    assert {key: line[key] for key in ("logger", "method", "path", "status", "duration_ms")} == {
        "logger": "gunicorn.access",
        "method": "POST",
        "path": "/cases/42/preview/",
        "status": 200,
        "duration_ms": 12.3,
    }
    assert set(line) == {"time", "level", "logger", "message", "method", "path", "status", "duration_ms"}
    assert_nothing_clinical(out)


def test_it_writes_gunicorn_error_lines_as_json(capsys):
    gunicorn_logger().error("Worker (pid:%s) was sent SIGKILL!", 1234)

    [line] = [json.loads(text) for text in capsys.readouterr().err.splitlines()]
    assert (line["logger"], line["level"], line["message"]) == (
        "gunicorn.error",
        "ERROR",
        "Worker (pid:1234) was sent SIGKILL!",
    )


@pytest.mark.parametrize("level", ["info", "Warning", " debug "])
def test_log_level_is_accepted_in_any_case(level):
    """LOG_LEVEL=info stopped every manage.py command and gunicorn (issue 24)."""
    env = dict(os.environ, LOG_LEVEL=level, DJANGO_SETTINGS_MODULE="mastoweb.settings")
    result = subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
        [sys.executable, str(settings.BASE_DIR / "manage.py"), "check"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_a_database_error_logs_its_code_not_its_message(json_log):
    driver = sqlite3.OperationalError("database or disk is full: INSERT INTO cases_case (notes) VALUES ('wasp')")
    driver.sqlite_errorname = "SQLITE_FULL"
    try:
        try:
            raise driver
        except sqlite3.OperationalError as exc:
            raise OperationalError(str(exc)) from exc
    except OperationalError:
        logging.getLogger("django.request").exception("Internal Server Error: /cases/new/")
    line = json.loads(json_log.getvalue().splitlines()[-1])
    assert line["database_error"] == "SQLITE_FULL"
    assert "wasp" not in json_log.getvalue()
