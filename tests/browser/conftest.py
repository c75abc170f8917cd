"""Playwright drives Debian's Chromium (never `playwright install`) against live_server."""

import os
import threading
from pathlib import Path

import pytest
from django.db import DEFAULT_DB_ALIAS, connections
from playwright.sync_api import expect

CHROMIUM = Path("/usr/bin/chromium")

ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"


# Playwright's sync API runs an event loop in the test thread; the ORM calls the
# tests (and their fixtures) make beside it are still plain synchronous calls.
# Allowed only around browser tests: a process started by another test (such as
# `check --deploy`) must not inherit the switch.
@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    os.environ[ASYNC_UNSAFE] = "true"


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item, nextitem):
    os.environ.pop(ASYNC_UNSAFE, None)


PASSWORD = "correct-horse-battery-staple"


# An assertion that waits (the preview after typing, a page after a click) waits up to 15 s, not
# Playwright's 5: on a loaded machine (the suite in two processes beside another) the preview's
# request alone took longer. A passing assertion returns as soon as it holds, so only a failure waits.
expect.set_options(timeout=15_000)


@pytest.fixture(scope="session", autouse=True)
def _chromium_installed():
    if not CHROMIUM.exists():
        pytest.skip(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium); .ci/run installs it.")


@pytest.fixture(scope="session")
def _database_snapshot(django_db_setup):
    """The snapshot Django took for serialized_rollback, read before Playwright starts."""
    return getattr(connections[DEFAULT_DB_ALIAS], "_test_serialized_contents", None)


@pytest.fixture(scope="session", autouse=True)
def _database_snapshot_under_playwright(_database_snapshot, playwright):
    # Once Playwright runs, this thread looks async to asgiref, so the ORM hands
    # the tests a new connection object (same database) that lacks the snapshot:
    # serialized_rollback would then restore nothing after the first flush.
    if _database_snapshot is not None:
        connections[DEFAULT_DB_ALIAS]._test_serialized_contents = _database_snapshot


@pytest.fixture(scope="session", autouse=True)
def _requests_finish_before_the_server_stops(live_server):
    """At the end of the session, wait for requests the browser sent last before the live server stops.

    The server answers each request in a daemon thread, which stopping it does not wait for. A request
    still running (a preview, a keep-alive) then closed the in-memory SQLite connection after the server
    had made it private to the main thread again: "DatabaseWrapper objects created in a thread can only be
    used in that same thread", an error at the teardown of whichever test ran last.
    """
    yield
    for thread in threading.enumerate():
        if thread is not threading.current_thread() and "process_request_thread" in thread.name:
            thread.join(timeout=30)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    }


@pytest.fixture
def log_in(page, live_server):
    """Log in through the login form, as a person would."""

    def log_in_as(user):
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Username").fill(user.get_username())
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(f"{live_server.url}/cases/")

    return log_in_as
