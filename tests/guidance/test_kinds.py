"""A line's kind is a Kind (guidance.kinds), asked through its properties; no module compares it as a bare string."""

import re
from pathlib import Path

from cases.display import Line, recommendation_groups
from guidance.kinds import KIND_CHOICES, Kind, LineGroup, is_caution

ROOT = Path(__file__).resolve().parent.parent.parent
PACKAGES = ["mastoweb", "accounts", "audit", "guidance", "cases", "interop", "tests"]
WORDS = "recommend|consider|caution|info"
BARE = re.compile(
    rf"""kind["'\]]*\s*(==|!=|in|not in)\s*[({{\[]?\s*["']({WORDS})["']"""  # line.kind == "caution"
    rf"""|["']({WORDS})["']\s*(==|!=)\s*[\w.\[\]"']*kind"""  # "caution" == line.kind
)
# The contract's own checks read evaluate_case's output independently of the product, in the contract's words.
INDEPENDENT = {ROOT / "tests" / "guidance" / "contract_v3.py"}


def test_the_kinds_keep_the_strings_rules_stored_lines_and_the_contract_use():
    assert [kind.value for kind in Kind] == ["recommend", "consider", "caution", "info"]
    assert KIND_CHOICES == [
        ("recommend", "Recommended"),
        ("consider", "Consider"),
        ("caution", "Caution"),
        ("info", "Information"),
    ]


def test_each_kind_says_its_group_its_card_indicator_and_whether_it_is_a_caution():
    assert [kind.group for kind in Kind] == [None, None, LineGroup.SAFETY, LineGroup.INFO]
    assert [kind.cds_indicator for kind in Kind] == ["info", "info", "warning", "info"]
    assert [kind for kind in Kind if kind.is_caution] == [Kind.CAUTION]
    assert is_caution("caution") and not is_caution("info")


def _line(kind, section):
    return Line(
        rule=f"{kind}-{section}",
        paragraph="p",
        kind=kind,
        summary="s",
        reason="",
        facts={},
        paragraph_title="",
        paragraph_text="",
        section=section,
    )


def test_a_page_groups_lines_by_kind_and_a_recommendation_by_its_section():
    lines = [_line(kind, section) for kind in reversed(Kind) for section in ("symptom-specific", "subtype-specific")]

    groups = recommendation_groups(lines)

    assert [(group.key, group.title) for group in groups] == [
        ("safety", "Safety first"),
        ("symptom", "Symptom-directed management"),
        ("subtype", "Subtype-directed management"),
        ("info", "Information"),
    ]
    assert [[line.rule for line in group.lines] for group in groups] == [
        ["caution-symptom-specific", "caution-subtype-specific"],
        ["consider-symptom-specific", "recommend-symptom-specific"],
        ["consider-subtype-specific", "recommend-subtype-specific"],
        ["info-symptom-specific", "info-subtype-specific"],
    ]


def test_the_stylesheet_colours_every_kind():
    css = (ROOT / "static" / "css" / "mastoweb.css").read_text(encoding="utf-8")

    for kind in Kind:
        assert f".badge.kind-{kind} " in css, kind
        assert f".recommendation.kind-{kind} " in css, kind


def test_the_preview_counts_as_cautions_the_kinds_that_are_cautions():
    script = (ROOT / "static" / "js" / "mastoweb.js").read_text(encoding="utf-8")

    assert re.findall(r'data-kind="(\w+)"', script) == [kind.value for kind in Kind if kind.is_caution]


def test_the_pattern_finds_a_bare_kind_comparison_in_its_usual_forms():
    for line in [
        'if line.kind == "caution":',
        "if kind != 'info':",
        'if kind in ("recommend", "consider"):',
        'cautions = [x for x in lines if x["kind"] == "caution"]',
        'if "caution" == line.kind:',
    ]:
        assert BARE.search(line), line
    for line in ["if line.kind == Kind.CAUTION:", 'loglevel = "info"', 'if token.kind == "end":']:
        assert not BARE.search(line), line


def test_no_module_compares_a_kind_as_a_bare_string():
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        if path != ROOT / "guidance" / "kinds.py"
        and "migrations" not in path.parts
        and "spec" not in path.relative_to(ROOT).parts
        and path != Path(__file__)
        and path not in INDEPENDENT
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if BARE.search(line)
    ]
    assert not found, "\n".join(found)
