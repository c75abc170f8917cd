"""SQLite under write load (issue 24): a transaction that reads, then writes, waits for the lock, never fails."""

import threading
import time

import dj_database_url
import pytest
from django.db import OperationalError
from django.db.utils import ConnectionHandler

from mastoweb.settings import sqlite_in_wal_mode


def two_connections(path, configure=sqlite_in_wal_mode):
    """Two connections to the database file, configured as the settings configure the app's."""
    aliases = ("default", "first", "second")
    handler = ConnectionHandler({alias: configure(dj_database_url.parse(f"sqlite:///{path}")) for alias in aliases})
    first, second = handler.create_connection("first"), handler.create_connection("second")
    for connection in (first, second):
        connection.inc_thread_sharing()  # each is used by one thread of the race, made here
    return first, second


def read_then_write(connection, *, hold=0.0, started=None):
    """As a view does: read in a transaction, then write (an audit event, a case), then commit."""
    with connection.cursor() as cursor:
        cursor.execute(
            "BEGIN" if not connection.settings_dict["OPTIONS"].get("transaction_mode") else "BEGIN IMMEDIATE"
        )
        cursor.execute("SELECT count(*) FROM counter")
        if started:
            started.set()
        time.sleep(hold)
        cursor.execute("UPDATE counter SET n = n + 1")
        cursor.execute("COMMIT")


def race(first, second):
    errors = []
    started = threading.Event()

    def run(connection, **kwargs):
        try:
            read_then_write(connection, **kwargs)
        except OperationalError as exc:
            errors.append(str(exc))
        except Exception as exc:  # noqa: BLE001 - any other failure fails the test too
            errors.append(repr(exc))
        finally:
            connection.close()

    holder = threading.Thread(target=run, args=(first,), kwargs={"hold": 0.5, "started": started})
    holder.start()
    started.wait(5)
    late = threading.Thread(target=run, args=(second,))
    late.start()
    holder.join(10)
    late.join(10)
    return errors


@pytest.fixture(autouse=True)
def _scratch_files_only(django_db_blocker):
    # These connections go to a scratch file of each test's own, never the suite's database.
    with django_db_blocker.unblock():
        yield


@pytest.fixture
def database(tmp_path):
    path = tmp_path / "load.sqlite3"
    first, _ = two_connections(path)
    with first.cursor() as cursor:
        cursor.execute("CREATE TABLE counter (n integer)")
        cursor.execute("INSERT INTO counter VALUES (0)")
    first.close()
    return path


def test_settings_take_the_write_lock_up_front_and_wait_for_it():
    options = sqlite_in_wal_mode(dj_database_url.parse("sqlite:///x.sqlite3"))["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE"
    assert options["timeout"] >= 5


def test_two_writers_at_once_both_succeed(database):
    first, second = two_connections(database)
    assert race(first, second) == []
    first, _ = two_connections(database)
    with first.cursor() as cursor:
        cursor.execute("SELECT n FROM counter")
        assert cursor.fetchone() == (2,)


def test_without_it_the_second_writer_sees_database_is_locked(database):
    """What the probe saw: a deferred transaction cannot wait for the lock once it has read."""

    def deferred(database):
        database["OPTIONS"] = {"init_command": "PRAGMA journal_mode=WAL", "timeout": 5}
        return database

    first, second = two_connections(database, configure=deferred)
    assert race(first, second) == ["database is locked"]
