"""Every per-process cache is declared in one registry (core.caches), and forget_all() empties them all."""

import importlib
import pkgutil
import re
from collections.abc import MutableMapping
from pathlib import Path

import cachetools
import pytest

from core import caches

ROOT = Path(__file__).resolve().parent.parent.parent
PACKAGES = ["core", "accounts", "audit", "guidance", "cases", "interop", "mastoweb"]
# Imported by nothing but a production server, and refused without its secrets.
NOT_IMPORTED = {"mastoweb.production"}
# A cache that lives and dies with one object, not with the process: dropped with the object that holds it.
PER_OBJECT = {
    "guidance/classification/engine.py": "each Classifier's own answers (the classifiers are kept in the registry)",
}


def every_module():
    """Import every module of the code (so each declares its caches), migrations left out."""
    modules = []
    for name in PACKAGES:
        package = importlib.import_module(name)
        modules.append(package)
        for found in pkgutil.walk_packages(package.__path__, f"{name}."):
            if ".migrations" in found.name or found.name in NOT_IMPORTED:
                continue
            modules.append(importlib.import_module(found.name))
    return modules


def ours(function):
    return (getattr(function, "__module__", None) or "").partition(".")[0] in PACKAGES


def declared_ids():
    return {id(cache) for cache in caches.declared().values()}


def test_every_cache_a_module_holds_is_declared():
    modules = every_module()
    undeclared = []
    for module in modules:
        for name, value in vars(module).items():
            if isinstance(value, cachetools.Cache):
                cache = value
            elif callable(getattr(value, "cache_clear", None)) and ours(value):  # functools' or cachetools'
                cache = getattr(value, "cache", None)
            else:
                continue
            if id(cache) not in declared_ids():
                undeclared.append(f"{module.__name__}.{name}")

    assert len(modules) > 100  # the walk reached the code
    assert undeclared == []


def test_no_module_keeps_a_function_cache_outside_the_registry():
    pattern = re.compile(r"functools\.(lru_)?cache\b|^from functools import .*\b(lru_)?cache\b|@(lru_)?cache\b", re.M)
    found = []
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            relative = path.relative_to(ROOT).as_posix()
            if "/migrations/" not in relative and relative not in PER_OBJECT and pattern.search(path.read_text()):
                found.append(relative)

    assert found == []


def test_forget_all_empties_every_declared_cache():
    every_module()
    declared = caches.declared()
    mappings = {name: cache for name, cache in declared.items() if isinstance(cache, MutableMapping)}
    django_caches = {name: cache for name, cache in declared.items() if name not in mappings}  # Django's API
    for name, cache in mappings.items():
        cache[("filled by the test", name)] = object()
    for name, cache in django_caches.items():
        cache.set(f"filled-by-the-test-{name}", "kept")
    assert all(len(cache) >= 1 for cache in mappings.values())
    assert all(cache.get(f"filled-by-the-test-{name}") == "kept" for name, cache in django_caches.items())

    caches.forget_all()

    assert {name: len(cache) for name, cache in mappings.items() if len(cache)} == {}
    assert [name for name, cache in django_caches.items() if cache.get(f"filled-by-the-test-{name}")] == []


def test_the_code_declares_the_caches_it_keeps():
    every_module()

    assert {
        "guidance.compiled",
        "guidance.current",
        "guidance.classification_published",
        "guidance.section_titles",
        "guidance.articles",
        "guidance.footer",
        "guidance.markdown",
        "guidance.mark_quote",
        "guidance.properties.projection",
        "guidance.classification.classifiers",
        "guidance.classification.proofs",
        "cases.marking.comparison",
        "django.charts",
        "django.fragments",
    } <= set(caches.declared())


def test_a_memo_keeps_a_function_s_answers_until_forgotten(monkeypatch):
    monkeypatch.setattr(caches, "_declared", {})
    calls = []

    @caches.memo("tests.squares", size=8)
    def square(n):
        calls.append(n)
        return n * n

    assert [square(3), square(3), square(4)] == [9, 9, 16]
    assert calls == [3, 4]
    caches.forget_all()
    assert square(3) == 9
    assert calls == [3, 4, 3]


def test_a_cache_keeps_at_most_its_size_dropping_the_least_recently_used(monkeypatch):
    monkeypatch.setattr(caches, "_declared", {})
    kept = caches.lru("tests.kept", size=2)
    kept["a"], kept["b"] = 1, 2
    assert kept.get("a") == 1  # "b" is now the least recently used
    kept["c"] = 3

    assert sorted(kept) == ["a", "c"]


def test_a_name_is_declared_once(monkeypatch):
    monkeypatch.setattr(caches, "_declared", {})
    caches.lru("tests.twice", size=1)

    with pytest.raises(ValueError, match="declared already"):
        caches.lru("tests.twice", size=1)
