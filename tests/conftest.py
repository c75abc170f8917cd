"""Shared fixtures: a user for each role plus an outsider, two-factor devices, and the guidance."""

import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import roles
from bench.postgres import postgres_admin_connect

# The contract's worked cases, source text and case schemas, as ../shared holds them
# (`make sync-spec` refreshes the copy, `make check-spec` fails on drift).
SPEC = Path(__file__).resolve().parent / "spec"
MANAGE = [sys.executable, str(Path(__file__).resolve().parent.parent / "manage.py")]


# The tables whose rows the database refuses to change or delete (audit/0009, cases/0013), and the one
# whose published rows it refuses to change or delete (guidance/0016).
APPEND_ONLY_TABLES = (
    "audit_auditevent",
    "cases_assessment",
    "cases_recommendationfeedback",
    "guidance_classificationversion",
)


def _append_only_lifted(connection):
    """The statements to run before and after others so that those run with the append-only triggers lifted.

    PostgreSQL: the triggers are disabled (the test role owns the tables). SQLite: they are
    dropped and made again from their own stored SQL.
    """
    if connection.vendor == "postgresql":
        before = [f"ALTER TABLE {table} DISABLE TRIGGER USER" for table in APPEND_ONLY_TABLES]
        after = [f"ALTER TABLE {table} ENABLE TRIGGER USER" for table in APPEND_ONLY_TABLES]
    else:
        with connection.cursor() as cursor:
            cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
            triggers = [(name, sql) for name, sql in cursor.fetchall() if name.startswith(APPEND_ONLY_TABLES)]
        before = [f"DROP TRIGGER {name}" for name, _ in triggers]
        after = [sql for _, sql in triggers]
    return before, after


@pytest.fixture(scope="session", autouse=True)
def _tests_reset_append_only_tables():
    """Tests with real transactions (browser, races) empty every table when they end and may load
    the migrated data back (serialized_rollback), which the append-only triggers refuse: only
    these two test-database resets lift them, for their own statements."""
    from django.db import transaction
    from django.db.backends.base.creation import BaseDatabaseCreation
    from django.db.backends.base.operations import BaseDatabaseOperations

    flush, deserialize = BaseDatabaseOperations.execute_sql_flush, BaseDatabaseCreation.deserialize_db_from_string

    def execute_sql_flush(ops, sql_list):
        before, after = _append_only_lifted(ops.connection)
        return flush(ops, [*before, *sql_list, *after])

    def deserialize_db_from_string(creation, data):
        connection = creation.connection
        with transaction.atomic(using=connection.alias):
            before, after = _append_only_lifted(connection)
            with connection.cursor() as cursor:
                for sql in before:
                    cursor.execute(sql)
            deserialize(creation, data)
            with connection.cursor() as cursor:
                for sql in after:
                    cursor.execute(sql)

    BaseDatabaseOperations.execute_sql_flush = execute_sql_flush
    BaseDatabaseCreation.deserialize_db_from_string = deserialize_db_from_string
    yield
    BaseDatabaseOperations.execute_sql_flush = flush
    BaseDatabaseCreation.deserialize_db_from_string = deserialize


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database as a deployment has it: migrated (pytest-django), then the shipped guidance
    loaded (manage.py load_guidance), as `make db` does.

    The tests that restore the database after real transactions (serialized_rollback) restore the
    copy Django made right after migrate: it is made again here, so they get the guidance back too.
    """
    from django.core.management import call_command
    from django.db import connections

    with django_db_blocker.unblock():
        call_command("load_guidance", verbosity=0)
        for connection in connections.all(initialized_only=True):
            if hasattr(connection, "_test_serialized_contents"):
                connection._test_serialized_contents = connection.creation.serialize_db_to_string()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Users are made in almost every test; the real hasher is slow on purpose.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _proofs_bounded_by_cases_not_by_a_busy_clock(settings):
    # The proofs' wall-clock bound (15 s) is for a server under gunicorn's timeout. A test machine
    # under load can take longer for the same proofs, so a publish would fail for the clock, not
    # for the guidance. The bound itself is tested where a test sets it (test_publish_screen).
    settings.PROOF_BUDGET_SECONDS = 600


@pytest.fixture(autouse=True)
def _tasks_run_immediately(settings):
    # Background tasks run inside the test, when enqueued (the database backend needs a worker).
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def _caches_start_cold():
    # Every per-process cache is declared in core.caches; each test starts with none of them
    # holding anything, as a process that has just started.
    from core import caches

    caches.forget_all()


@pytest.fixture
def make_user(django_user_model):
    def make(username, *, staff=False, superuser=False, perms=(), groups=()):
        user = django_user_model.objects.create_user(
            username=username, password="correct-horse-battery-staple", is_staff=staff, is_superuser=superuser
        )
        if groups:
            from django.contrib.auth.models import Group

            user.groups.add(*Group.objects.filter(name__in=groups))
            assert user.groups.count() == len(set(groups)), f"unknown role group in {groups}"
        if perms:
            from django.contrib.auth.models import Permission

            for perm in perms:
                app_label, codename = perm.split(".")
                user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
        return user

    return make


def role_user(make_user, role, username):
    """A user holding one role of accounts.roles, through its group, staff if the role is, as an administrator
    would make one."""
    return make_user(username, groups=[role], staff=roles.ROLES_BY_NAME[role].staff)


@pytest.fixture
def editor(make_user):
    """A guidance editor: staff (the editor works in the admin), in the Guidance editor group."""
    return role_user(make_user, roles.GUIDANCE_EDITOR, "editor")


@pytest.fixture
def clinician(make_user):
    return role_user(make_user, roles.CLINICIAN, "clinician")


@pytest.fixture
def outsider(make_user):
    """Another clinician: the owner of nothing the tests' clinician made."""
    return role_user(make_user, roles.CLINICIAN, "outsider")


@pytest.fixture
def reviewer(make_user):
    return role_user(make_user, roles.REVIEWER, "reviewer")


@pytest.fixture(params=[role.name for role in roles.ROLES])
def each_role(request, make_user):
    """One user per declared role, named after it: a new role is tested with the others."""
    return role_user(make_user, request.param, request.param.lower().replace(" ", "-"))


@pytest.fixture
def totp_device():
    """A TOTP device; a confirmed one counts for login (as set up by staff) unless for_login=False."""

    def make(user, *, confirmed=True, for_login=None):
        from accounts.models import DeviceConfirmation

        device = TOTPDevice.objects.create(user=user, name="phone", confirmed=confirmed)
        if confirmed if for_login is None else for_login:
            DeviceConfirmation.objects.create(device=device, confirmed_by=user)
        return device

    return make


@pytest.fixture
def login_two_factor(totp_device):
    """Log a staff user in as after a completed two-factor step."""

    def login(client, user):
        device = totp_device(user)
        client.force_login(user)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
        return device

    return login


@pytest.fixture
def published_version(db):
    """The published guidance version after migrate (version 2)."""
    from guidance.selectors import guidance_current

    return guidance_current()


@pytest.fixture
def version_one(db):
    """Guidance version 1, retired by version 2 and still answering as it did."""
    from guidance.selectors import guidance_version_by_number

    return guidance_version_by_number(number=1)


@pytest.fixture
def scratch_database_url(tmp_path):
    """A new empty database like the suite's own, dropped afterwards."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        yield f"sqlite:///{tmp_path / 'scratch.sqlite3'}"
        return
    name = f"mastoweb_scratch_{uuid.uuid4().hex[:12]}"
    with postgres_admin_connect(url) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url.rsplit("/", 1)[0] + "/" + name
    finally:
        with postgres_admin_connect(url) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    """A Redis for the RQ tests: REDIS_URL when set, else a throwaway redis-server of this machine's on a free
    port (no disk), stopped at the end; the tests skip, saying so, only where no redis-server is installed."""
    if os.environ.get("REDIS_URL"):
        yield os.environ["REDIS_URL"]
        return
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("no Redis: set REDIS_URL or install redis-server (Debian: apt-get install redis-server)")
    port = free_port()
    command = [server, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"]
    process = subprocess.Popen(  # noqa: S603 - the machine's redis-server with fixed arguments
        [*command, "--dir", str(tmp_path_factory.mktemp("redis"))], stdout=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"redis-server did not start on port {port}") from None
                time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(10)


def manage(database_url, *args):
    """manage.py in a process of its own, on the given database."""
    env = dict(os.environ, DATABASE_URL=database_url, DJANGO_SETTINGS_MODULE="mastoweb.settings")
    result = subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
        [*MANAGE, *args], env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def pytest_collection_modifyitems(config, items):
    """Browser tests run last.

    Playwright keeps an event loop running in the main thread for the rest of
    the session; Django then takes any later ORM call there for async code and
    refuses it. Running them last keeps every other test out of that loop.
    """
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)
    _postgres_only(config, items)


# `make test` sets this when it runs the PostgreSQL-only tests next, on a PostgreSQL of the machine's.
POSTGRES_PHASE_FOLLOWS = "MASTOWEB_POSTGRES_TESTS_FOLLOW"


def _postgres_only(config, items):
    """Tests marked `postgres_only` need PostgreSQL. On another database they are skipped with their
    reason, or, when `make test` runs them next on PostgreSQL, deselected here (so neither run skips)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        return
    marked = [item for item in items if item.get_closest_marker("postgres_only")]
    if os.environ.get(POSTGRES_PHASE_FOLLOWS) == "1":
        config.hook.pytest_deselected(items=marked)
        items[:] = [item for item in items if not item.get_closest_marker("postgres_only")]
        return
    for item in marked:
        reason = item.get_closest_marker("postgres_only").kwargs.get("reason", "needs PostgreSQL")
        item.add_marker(pytest.mark.skip(reason=f"PostgreSQL only: {reason}"))
