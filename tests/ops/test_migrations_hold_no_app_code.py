"""Migrations import no code of ours: what they need is frozen inside them, and content is data.

A migration that imported app code would run today's code against the schema of its day: renaming a
fact value or changing a query could then break a fresh `migrate`, as cases/0010 once broke on a
database with cases. The guidance ships as data files that `manage.py load_guidance` loads after
migrate (guidance/loading.py).
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
# Our own packages: every folder of the checkout that is one (guidance, cases, audit, accounts, ...).
OURS = frozenset(path.parent.name for path in ROOT.glob("*/__init__.py"))


def app_imports(source):
    """The imports in `source` that reach our code: a module of ours, or any relative import."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names if alias.name.split(".")[0] in OURS]
        elif isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").split(".")[0] in OURS):
            found.append("." * node.level + (node.module or ""))
    return found


def migration_files():
    return sorted(path for path in ROOT.glob("*/migrations/*.py") if path.name != "__init__.py")


def test_our_packages_are_known():
    assert {"accounts", "audit", "cases", "guidance", "interop", "mastoweb"} <= OURS


def test_every_app_with_migrations_is_scanned():
    assert {path.parent.parent.name for path in migration_files()} >= {"guidance", "cases", "audit", "accounts"}


@pytest.mark.parametrize(
    "source",
    [
        "from guidance.loading import publish_version_two",
        "import cases.rollup",
        "def backfill(apps, schema_editor):\n    from cases.models import label_sort_key\n",
        "from audit.chain import chained_insert",
        "from .helpers import frozen",
        "from mastoweb import days",
    ],
)
def test_it_catches_an_import_of_our_code(source):
    assert app_imports(source) != []


def test_it_lets_django_and_the_standard_library_through():
    assert app_imports("import json\nfrom django.db import migrations, models\nfrom django.conf import settings") == []


def test_no_migration_imports_app_code():
    importers = {
        str(path.relative_to(ROOT)): found for path in migration_files() if (found := app_imports(path.read_text()))
    }
    assert importers == {}
