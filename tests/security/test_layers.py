"""The layers are contracts (import-linter, [tool.importlinter] in pyproject.toml): an upward import breaks one."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
PACKAGES = ["mastoweb", "core", "accounts", "audit", "guidance", "cases", "interop"]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(folder):
    return subprocess.run(  # noqa: S603 - the venv's lint-imports, fixed arguments
        [str(LINT_IMPORTS), "--no-cache"], cwd=folder, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.fixture(scope="module")
def copy(tmp_path_factory):
    """The project's packages and its contracts, in a folder of their own."""
    folder = tmp_path_factory.mktemp("layers")
    shutil.copy(ROOT / "pyproject.toml", folder)
    for package in PACKAGES:
        shutil.copytree(ROOT / package, folder / package, ignore=shutil.ignore_patterns("__pycache__"))
    return folder


def test_the_code_as_it_is_keeps_every_contract(copy):
    result = lint_imports(copy)

    assert result.returncode == 0, result.stdout
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "planted", "contract"),
    [
        # Directly, audit reaching up to an app that records events through it.
        ("audit/registry.py", "import cases.models", "The apps in layers"),
        # Through a module that is allowed to import audit: still upward.
        ("audit/selectors.py", "from mastoweb import checks", "The apps reach none of the project's own modules"),
        ("accounts/roles.py", "from guidance import selectors", "The apps in layers"),
        ("mastoweb/paging.py", "from cases import access", "The project's helpers sit below every app"),
        ("core/caches.py", "from mastoweb import paging", "The shared helpers (core) import no app"),
        ("core/caches.py", "import audit.registry", "The apps in layers"),
        ("guidance/engine.py", "from django.db import models", "pure Python: no Django"),
        ("cases/display.py", "from cases import selectors", "touch no database"),
    ],
)
def test_an_upward_import_planted_in_a_copy_breaks_its_contract(copy, tmp_path, module, planted, contract):
    planted_copy = tmp_path / "planted"
    shutil.copytree(copy, planted_copy)
    path = planted_copy / module
    path.write_text(path.read_text() + f"\n{planted}  # planted by the test\n")

    result = lint_imports(planted_copy)

    assert result.returncode == 1, result.stdout
    broken = result.stdout.partition("Broken contracts")[2]
    assert contract in " ".join(broken.split()), result.stdout
    assert module.removesuffix(".py").replace("/", ".") in broken
