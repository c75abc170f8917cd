"""Migrations: none missing, and every app of ours migrates to zero and back.

Runs manage.py in a fresh scratch database of the same kind as the suite's
(SQLite file or PostgreSQL database), so it checks the real DDL of both.
"""

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import dj_database_url
import psycopg
import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command

MANAGE = [sys.executable, str(settings.BASE_DIR / "manage.py")]


def test_no_model_change_lacks_a_migration(db):
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def our_apps_with_migrations():
    return [
        config.label
        for config in apps.get_app_configs()
        if Path(config.path).is_relative_to(settings.BASE_DIR)
        # The virtualenv may sit inside the checkout: installed packages are not ours
        # (django-tasks-db's own migrations cannot be reversed).
        and "site-packages" not in Path(config.path).parts
        and (Path(config.path) / "migrations").is_dir()
    ]


@pytest.fixture
def scratch_database_url(tmp_path):
    """A new empty database like the suite's own, dropped afterwards."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        yield f"sqlite:///{tmp_path / 'scratch.sqlite3'}"
        return
    config = dj_database_url.parse(url)
    name = f"mastoweb_scratch_{uuid.uuid4().hex[:12]}"
    admin = {
        "host": config["HOST"],
        "port": config["PORT"] or 5432,
        "user": config["USER"],
        "password": config["PASSWORD"],
        "dbname": "postgres",
        "autocommit": True,
    }
    with psycopg.connect(**admin) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(**admin) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def manage(database_url, *args):
    env = dict(os.environ, DATABASE_URL=database_url, DJANGO_SETTINGS_MODULE="mastoweb.settings")
    result = subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
        [*MANAGE, *args], env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


ROUND_TRIP = """
import json
from django.core.management import call_command
from django.db import connection
from guidance.publishing import guidance_current

def state():
    tables = connection.introspection.table_names()
    published = guidance_current() if "guidance_guidanceversion" in tables else None
    return {"tables": tables, "published": published.number if published else None}

states = []
call_command("migrate", interactive=False, verbosity=0)
states.append(state())
for label in LABELS:
    call_command("migrate", label, "zero", interactive=False, verbosity=0)
states.append(state())
call_command("migrate", interactive=False, verbosity=0)
states.append(state())
print(json.dumps(states))
"""


def test_every_app_migrates_to_zero_and_back(scratch_database_url):
    labels = our_apps_with_migrations()
    assert "guidance" in labels

    script = ROUND_TRIP.replace("LABELS", repr(labels))
    output = manage(scratch_database_url, "shell", "--no-imports", "-c", script)
    migrated, emptied, remigrated = json.loads(output.strip().splitlines()[-1])

    assert migrated["published"] == 2
    assert [table for table in emptied["tables"] if table.split("_", 1)[0] in labels] == []
    assert emptied["published"] is None
    assert remigrated == migrated
