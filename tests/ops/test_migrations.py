"""Migrations: none missing, and every app of ours migrates to zero and back.

Runs manage.py in a fresh scratch database of the same kind as the suite's
(SQLite file or PostgreSQL database), so it checks the real DDL of both.
"""

import json
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management import call_command

from guidance.facts import FACTS
from tests.conftest import manage


def test_no_model_change_lacks_a_migration(db):
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_only_the_case_model_names_every_fact_in_its_migrations():
    """A new fact makes one migration, the case's column: no other field freezes the whole vocabulary
    (a list of choices, a help text naming the facts) into the state migrations compare."""
    freezing = [
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        if model._meta.label != "cases.Case"
        for field in model._meta.local_fields + model._meta.local_many_to_many
        if all(name in repr(field.deconstruct()) for name in FACTS)
    ]
    assert freezing == []


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


ROUND_TRIP = """
import json
from django.core.management import call_command
from django.db import connection
from guidance.selectors import guidance_current

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
call_command("load_guidance", verbosity=0)
states.append(state())
print(json.dumps(states))
"""


def test_every_app_migrates_to_zero_and_back(scratch_database_url):
    """The schema, there and back. The guidance is content, loaded after migrate (load_guidance); the
    migrations that once published it do nothing either way, so a database holding version 3 cannot go
    back below guidance/0012 on PostgreSQL, whose reverse narrows the rule summary again
    (docs/deploy.md, "Upgrades": restore the dump instead)."""
    labels = our_apps_with_migrations()
    assert "guidance" in labels

    script = ROUND_TRIP.replace("LABELS", repr(labels))
    output = manage(scratch_database_url, "shell", "--no-imports", "-c", script)
    migrated, emptied, remigrated, loaded = json.loads(output.strip().splitlines()[-1])

    assert migrated["published"] is None  # migrations hold no guidance
    # The cache table is made by createcachetable after every migrate (guidance.selectors), not by a migration.
    cache_table = settings.CACHES["default"]["LOCATION"]
    left = [table for table in emptied["tables"] if table.split("_", 1)[0] in labels and table != cache_table]
    assert left == []
    assert emptied["published"] is None
    assert remigrated == migrated
    assert loaded["published"] == 3
