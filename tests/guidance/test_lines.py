"""One line identity and one comparison (guidance.lines): pure, no database."""

from types import SimpleNamespace

import pytest

from guidance.lines import line_identity, lines_compare, lines_sourced


def line(
    rule, *, summary="Do it", kind="recommend", paragraph="p", text="Source.", quote="Source.", confirm=(), **plan
):
    return SimpleNamespace(
        rule=rule,
        paragraph=paragraph,
        kind=kind,
        summary=summary,
        paragraph_text=text,
        quote=quote,
        confirm=confirm,
        **plan,
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
    [{"text": "Revised source."}, {"quote": "Revised"}],
    ids=["paragraph text", "quote"],
)
def test_the_same_line_with_other_source_words_is_changed_by_its_source_only(edit):
    compared = lines_compare([line("a"), line("b")], [line("a", **edit), line("b")])
    assert rules(compared) == ([], [], ["a"])
    assert compared.only_source_changed and not compared.reworded and not compared.confirm_changed
    (change,) = compared.changed
    assert change.source_revised and change.only_source_revised
    assert not change.reworded and not change.confirm_changed


def test_a_new_item_to_confirm_is_a_change_of_its_own_not_of_the_source():
    compared = lines_compare([line("a"), line("b")], [line("a", confirm=("Check tryptase before acting",)), line("b")])
    assert rules(compared) == ([], [], ["a"])
    assert compared.changes and not compared.only_source_changed and not compared.reworded
    assert compared.confirm_changed == compared.changed and not compared.source_revised_only
    (change,) = compared.changed
    assert change.confirm_changed and not change.source_revised and not change.only_source_revised
    assert (change.confirm_before, change.confirm_after) == ((), ("Check tryptase before acting",))


def test_items_to_confirm_replaced_are_a_change_even_when_as_many():
    (change,) = lines_compare([line("a", confirm=("x", "y"))], [line("a", confirm=("y", "z"))]).changed
    assert change.confirm_changed and (change.confirm_before, change.confirm_after) == (("x", "y"), ("y", "z"))


def test_a_line_changed_in_every_part_says_so_for_each():
    edit = {"summary": "Do it now", "confirm": ("x",), "text": "Revised source."}
    (change,) = lines_compare([line("a")], [line("a", **edit)]).changed
    assert change.reworded and change.confirm_changed and change.source_revised
    assert not change.only_source_revised
    before, after = change
    assert (before.summary, after.summary) == ("Do it", "Do it now")
    assert ("insert", "now") in [(op, words.strip()) for op, words in change.words]


@pytest.mark.parametrize(
    ("before", "after", "words"),
    [
        (
            {"offers": (("h1-antihistamine", "start"),)},
            {"offers": (("h1-antihistamine", "maximise"),)},
            ("start H1 antihistamines", "maximise the dose H1 antihistamines"),
        ),
        (
            {"offers": (("h1-antihistamine", "start"),)},
            {"offers": (("h1-antihistamine", "start"), ("h2-antihistamine", "start"))},
            ("start H1 antihistamines", "start H1 antihistamines; start H2 antihistamines"),
        ),
        (
            {"about": ("aspirin",), "effect": "withhold"},
            {"about": ("aspirin",), "effect": "qualify"},
            ("hold: aspirin", "only if: aspirin"),
        ),
    ],
    ids=["intent", "another drug", "effect"],
)
def test_a_line_that_offers_something_else_is_changed_in_what_it_offers(before, after, words):
    compared = lines_compare([line("a", **before), line("b")], [line("a", **after), line("b")])

    assert rules(compared) == ([], [], ["a"])
    (change,) = compared.changed
    assert change.plan_changed and compared.plan_changed == [change]
    assert not change.reworded and not change.confirm_changed and not change.source_revised
    assert not change.only_source_revised and not compared.only_source_changed
    assert (change.plan_before, change.plan_after) == words


def test_offers_stored_as_json_lists_are_the_offers_given_as_tuples():
    stored = line("a", offers=[["h1-antihistamine", "start"]], about=[], effect="")
    assert not lines_compare([stored], [line("a", offers=(("h1-antihistamine", "start"),))]).changes
    assert not lines_compare([line("a")], [line("a", offers=(), about=(), effect="")]).changes


def test_reason_and_facts_are_not_part_of_a_line():
    old = SimpleNamespace(**vars(line("a")), reason="flushing present", facts={"symptoms": ["flushing"]})
    new = SimpleNamespace(**vars(line("a")), reason="pruritus present", facts={"symptoms": ["pruritus"]})
    assert line_identity(old) == line_identity(new)
    assert not lines_compare([old], [new]).changes


def test_a_line_stored_before_v2_reads_with_no_quote_and_nothing_to_confirm():
    stored = line("a", quote=None, confirm=None)
    assert not lines_compare([stored], [line("a", quote="", confirm=())]).changes
    assert lines_compare([stored], [line("a", quote="Source.")]).only_source_changed
    assert lines_compare([stored], [line("a", quote="", confirm=("x",))]).confirm_changed


def test_engine_recommendations_compare_with_their_paragraph_texts():
    recommendation = SimpleNamespace(
        rule="a",
        paragraph="p",
        kind="recommend",
        summary="Do it",
        quote="Source.",
        confirm=["x"],
        offers=[("h1-antihistamine", "start")],
        about=[],
        effect="",
    )
    (sourced,) = lines_sourced([recommendation], {"p": "Source."})
    assert line_identity(sourced) == line_identity(line("a", confirm=("x",), offers=(("h1-antihistamine", "start"),)))
    assert line_identity(sourced) != line_identity(line("a", confirm=("x",)))
    (unknown,) = lines_sourced([recommendation], {})
    assert unknown.paragraph_text == ""


def test_the_list_of_changed_lines_shows_what_a_line_offered_and_offers_now():
    from django.template.loader import render_to_string

    before = line("a", offers=(("h1-antihistamine", "start"),), kind_label="Recommended")
    after = line("a", offers=(("h1-antihistamine", "maximise"),), kind_label="Recommended")
    html = render_to_string("guidance/includes/line_changes.html", {"changes": lines_compare([before], [after])})

    assert "data-plan-changed" in html
    assert "<del data-plan-before>start H1 antihistamines</del>" in html
    assert "<ins data-plan-after>maximise the dose H1 antihistamines</ins>" in html
