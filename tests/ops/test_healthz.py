"""/healthz: ready only when the database answers and takes a write, has disk room, and guidance is published."""

import logging
import sqlite3
from unittest import mock

from django.db import OperationalError, connection, connections

from guidance.models import GuidanceVersion
from mastoweb import views
from mastoweb.dberrors import database_error_code
from mastoweb.models import Heartbeat


def test_it_is_up_without_naming_the_version_to_anonymous_callers(client, published_version):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["database"] == "ok"
    assert "guidance_version" not in response.json()
    assert "no-cache" in response["Cache-Control"]


def test_a_signed_in_caller_sees_the_version(client, clinician, published_version):
    client.force_login(clinician)
    assert client.get("/healthz").json()["guidance_version"] == published_version.number


def test_the_write_it_proves_is_rolled_back(client, published_version, django_assert_max_num_queries):
    with django_assert_max_num_queries(5):  # savepoint, insert, read, rollback (and the session's user)
        assert client.get("/healthz").status_code == 200
    assert not Heartbeat.objects.exists()


def test_it_is_down_when_no_guidance_is_published(client, published_version):
    GuidanceVersion.objects.filter(pk=published_version.pk).update(status=GuidanceVersion.Status.RETIRED)

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["guidance"] == "none published"


def test_it_is_down_when_the_database_is_unreachable(client, db):
    refused = OperationalError('connection to server at "127.0.0.1", port 5432 failed: Connection refused')
    with mock.patch.object(connections["default"], "ensure_connection", side_effect=refused):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "unreachable"}


def sqlite_error(name):
    """The driver's error as Python 3.11's sqlite3 raises it, wrapped as Django wraps it."""
    driver = sqlite3.OperationalError("attempt to write a readonly database")
    driver.sqlite_errorname = name
    wrapped = OperationalError(str(driver))
    wrapped.__cause__ = driver
    return wrapped


def test_it_is_down_when_the_database_takes_no_write_and_the_log_names_the_code(client, published_version, caplog):
    """A read-only database file said OK while logins and saves failed (issue 24)."""
    readonly = sqlite_error("SQLITE_READONLY")
    with (
        mock.patch.object(Heartbeat.objects, "create", side_effect=readonly),
        caplog.at_level(logging.ERROR, logger="mastoweb.views"),
    ):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "not writable", "error": "SQLITE_READONLY"}
    assert "SQLITE_READONLY" in caplog.text


def test_it_is_down_when_the_disk_beside_a_sqlite_database_is_nearly_full(client, published_version, settings):
    if connection.vendor != "sqlite":
        return
    with mock.patch.object(views, "_free_disk_bytes", return_value=10 * 2**20):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["disk"] == "nearly full"
    assert response.json()["disk_free_mb"] == 10


def test_error_codes_name_sqlite_and_postgresql_conditions():
    assert database_error_code(sqlite_error("SQLITE_FULL")) == "SQLITE_FULL"
    driver = Exception("terminating connection due to administrator command")
    driver.sqlstate = "57P01"
    wrapped = OperationalError("x")
    wrapped.__cause__ = driver
    assert database_error_code(wrapped) == "SQLSTATE 57P01"
    assert database_error_code(OperationalError("x")) == ""


def test_a_real_read_only_sqlite_file_is_reported(tmp_path):
    """Not a mock: SQLite's own code for a write to a read-only file."""
    path = tmp_path / "ro.sqlite3"
    sqlite3.connect(path).execute("CREATE TABLE t (n integer)").connection.commit()
    read_only = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        read_only.execute("INSERT INTO t VALUES (1)")
    except sqlite3.OperationalError as exc:
        assert database_error_code(exc) == "SQLITE_READONLY"
    else:
        raise AssertionError("the write to a read-only file succeeded")
