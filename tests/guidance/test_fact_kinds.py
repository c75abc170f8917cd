"""A fact's kind is a FactKind, asked through its properties; no module compares it as a bare string."""

import re
from pathlib import Path

from guidance.facts import _EDITION_2_FACTS, FACTS, NUMBER_KINDS, FactKind

ROOT = Path(__file__).resolve().parent.parent.parent
PACKAGES = ["mastoweb", "accounts", "audit", "guidance", "cases", "interop", "tests"]
BARE = re.compile(r"""kind\s*(==|!=|in|not in)\s*[({\[]?\s*["'](enum|enum_list|bool|number|integer)["']""")


def test_the_kinds_keep_the_strings_stored_data_and_the_schema_use():
    assert [kind.value for kind in FactKind] == ["enum", "enum_list", "bool", "number", "integer"]
    assert set(NUMBER_KINDS) == {FactKind.NUMBER, FactKind.INTEGER}


def test_every_fact_holds_its_kind_as_the_enum_and_answers_one_property():
    for fact in [*FACTS.values(), *_EDITION_2_FACTS.values()]:
        assert type(fact.kind) is FactKind, fact.name
        asked = [fact.is_enum, fact.is_enum_list, fact.is_bool, fact.is_number, fact.is_integer]
        assert sum(asked) == 1, fact.name
        assert fact.is_numeric == (fact.is_number or fact.is_integer), fact.name


def test_no_module_compares_a_fact_kind_as_a_bare_string():
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        if path != ROOT / "guidance" / "facts.py" and "migrations" not in path.parts and path != Path(__file__)
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if BARE.search(line)
    ]
    assert not found, "\n".join(found)
