"""One line identity and one comparison (guidance.lines): pure, no database."""

from types import SimpleNamespace

import pytest

from guidance.lines import line_identity, lines_compare, lines_sourced


def line(rule, *, summary="Do it", kind="recommend", paragraph="p", text="Source.", quote="Source.", confirm=()):
    return SimpleNamespace(
        rule=rule, paragraph=paragraph, kind=kind, summary=summary, paragraph_text=text, quote=quote, confirm=confirm
    )


def rules(comparison):
    return comparison.rules


def test_equal_lines_are_unchanged():
    old, new = [line("a"), line("b")], [line("a"), line("b")]
    compared = lines_compare(old, new)
    assert not compared.changes
    assert [item.rule for item in compared.unchanged] == ["a", "b"]


def test_a_new_rule_is_added_and_a_gone_rule_removed():
    compared = lines_compare([line("a"), line("b")], [line("b"), line("c")])
    assert rules(compared) == (["c"], ["a"], [])
    assert compared.changes


@pytest.mark.parametrize(
    "edit",
    [{"summary": "Do it now"}, {"kind": "caution"}, {"paragraph": "q"}],
    ids=["reworded", "kind", "paragraph"],
)
def test_the_same_rule_with_other_wording_is_changed_not_added(edit):
    compared = lines_compare([line("a")], [line("a", **edit)])
    assert rules(compared) == ([], [], ["a"])
    assert compared.reworded and not compared.only_source_changed


@pytest.mark.parametrize(
    "edit",
    [{"text": "Revised source."}, {"quote": "Revised"}, {"confirm": ("check the dose",)}],
    ids=["paragraph text", "quote", "confirm"],
)
def test_the_same_line_with_other_source_words_is_changed_by_its_source_only(edit):
    compared = lines_compare([line("a"), line("b")], [line("a", **edit), line("b")])
    assert rules(compared) == ([], [], ["a"])
    assert compared.only_source_changed and not compared.reworded


def test_reason_and_facts_are_not_part_of_a_line():
    old = SimpleNamespace(**vars(line("a")), reason="flushing present", facts={"symptoms": ["flushing"]})
    new = SimpleNamespace(**vars(line("a")), reason="pruritus present", facts={"symptoms": ["pruritus"]})
    assert line_identity(old) == line_identity(new)
    assert not lines_compare([old], [new]).changes


def test_a_line_stored_before_v2_reads_with_no_quote_and_nothing_to_confirm():
    stored = line("a", quote=None, confirm=None)
    assert not lines_compare([stored], [line("a", quote="", confirm=())]).changes
    assert lines_compare([stored], [line("a", quote="Source.")]).only_source_changed


def test_engine_recommendations_compare_with_their_paragraph_texts():
    recommendation = SimpleNamespace(
        rule="a", paragraph="p", kind="recommend", summary="Do it", quote="Source.", confirm=["x"]
    )
    (sourced,) = lines_sourced([recommendation], {"p": "Source."})
    assert line_identity(sourced) == line_identity(line("a", confirm=("x",)))
    (unknown,) = lines_sourced([recommendation], {})
    assert unknown.paragraph_text == ""
