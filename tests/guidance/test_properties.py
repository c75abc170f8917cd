"""Safety properties: proven over every case that can behave differently, never sampled."""

import itertools
import json
import random
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from guidance import properties
from guidance.engine import ConditionError, RuleSpec, _context, compile_guidance, evaluate
from guidance.facts import FACTS, validate_case
from guidance.loading import VERSION_THREE_FILE, read_rules, read_version, read_version_two
from guidance.models import Rule, SafetyProperty
from guidance.properties import (
    _BASE_CASE,
    PropertySpec,
    case_space,
    case_space_size,
    compile_property,
    prove,
    relevant_rules,
)
from guidance.publishing import PublishError, draft_create, draft_publish, guidance_prove

SPECS, PROPERTIES, _ = read_version_two()
# Version 3, as load_guidance publishes it: what a draft copies and check_guidance proves by default.
_, PROPERTIES_V3, _ = read_version(VERSION_THREE_FILE)
RULE_IDS = [spec.rule_id for spec in SPECS]
V2 = compile_guidance(slug="sm-management", version=2, title="v2", rules=SPECS)
V1 = compile_guidance(slug="sm-management", version=1, title="v1", rules=read_rules())


def compiled(spec, rule_ids=RULE_IDS):
    return compile_property(spec, rule_ids=rule_ids)


@pytest.mark.parametrize("spec", PROPERTIES, ids=lambda spec: spec.property_id)
def test_every_version_two_property_holds_over_its_whole_case_space(spec):
    prop = compiled(spec)
    proof = prove(prop, V2)
    assert proof.holds, proof
    assert proof.cases == case_space_size(prop, V2) > 1


def test_the_contracts_six_properties_are_there():
    assert [spec.property_id for spec in PROPERTIES] == [
        "epinephrine-with-anaphylaxis",
        "aspirin-only-when-tolerated",
        "cytoreduction-never-without-its-caution",
        "never-offer-and-forbid-cytoreduction",
        "nothing-offered-again-after-it-failed",
        "transplant-only-when-eligible",
    ]


def test_version_one_breaks_them_with_a_counterexample_that_really_fails():
    proofs = {spec.property_id: prove(compiled(spec), V1) for spec in PROPERTIES}
    failing = {pid for pid, proof in proofs.items() if not proof.holds}
    assert failing >= {"cytoreduction-never-without-its-caution", "nothing-offered-again-after-it-failed"}
    proof = proofs["nothing-offered-again-after-it-failed"]
    # The counterexample is a valid case, and under v1 it does offer a failed option again: omalizumab.
    facts = validate_case(proof.counterexample)
    assert facts["omalizumab_response"] == "unresponsive"
    assert "omalizumab-for-recurrent-anaphylaxis" in proof.fired
    assert "omalizumab-for-recurrent-anaphylaxis" in [rec.rule for rec in evaluate(facts, V1)]
    # A property naming rules v1 lacks cannot "hold" by default.
    assert proofs["never-offer-and-forbid-cytoreduction"].missing_rules == (
        "cytoreduction-not-yet",
        "second-line-refractory",
    )
    assert not proofs["never-offer-and-forbid-cytoreduction"].holds


def test_the_case_space_varies_only_what_the_property_and_its_rules_read():
    prop = compiled(PROPERTIES[0])  # epinephrine-with-anaphylaxis
    names, choices = case_space(prop, relevant_rules(prop, V2))
    assert names == ["symptoms"]
    # Both named symptoms and one unnamed one: every subset of the three.
    assert len(choices[0]) == 8
    assert ("flushing",) in choices[0]


def test_numbers_are_tried_on_each_side_of_every_comparison():
    rules = [
        RuleSpec(
            "high-tryptase", "overview", "info", "High", "serum_tryptase_ng_ml != null && serum_tryptase_ng_ml > 20.0"
        )
    ]
    guidance = compile_guidance(slug="s", version=9, title="t", rules=rules)
    prop = compile_property(
        PropertySpec("p", "Never fires at or under 20.", '!("high-tryptase" in fired) || serum_tryptase_ng_ml > 20.0'),
        rule_ids=["high-tryptase"],
    )
    names, choices = case_space(prop, guidance.rules)
    values = choices[names.index("serum_tryptase_ng_ml")]
    assert None in values and 20.0 in values
    assert any(19.99 < v < 20.0 for v in values if v is not None)
    assert any(20.0 < v < 20.01 for v in values if v is not None)
    assert prove(prop, guidance).holds
    # One number off at the boundary is found.
    at_or_over = "serum_tryptase_ng_ml != null && serum_tryptase_ng_ml >= 20.0"
    broken = compile_guidance(
        slug="s", version=9, title="t", rules=[RuleSpec("high-tryptase", "overview", "info", "High", at_or_over)]
    )
    proof = prove(prop, broken)
    assert not proof.holds
    assert proof.counterexample["serum_tryptase_ng_ml"] == 20.0


# A rule wrong in one combination of nine facts, among tens of thousands of cases.
NEEDLE = (
    'subtype == "SM-AHN" && antihistamine_response == "responsive" && antileukotriene_response == "not_tried"'
    ' && omalizumab_response == "responsive" && nsaid_tolerance == "intolerant" && kit_d816v == "negative"'
    ' && hct_eligible == "no" && venom_allergy && !("flushing" in symptoms)'
)


def test_the_proof_is_exhaustive_where_a_sampled_search_would_miss_the_one_failing_case():
    rules = [
        *SPECS,
        RuleSpec("aspirin-for-refractory-flushing-2", "flushing", "consider", "Aspirin (faulty copy)", NEEDLE),
    ]
    guidance = compile_guidance(slug="s", version=9, title="t", rules=rules)
    prop = compile_property(
        PropertySpec(
            "aspirin-only-when-tolerated-2",
            "The faulty copy offers aspirin only when NSAIDs are tolerated.",
            '!("aspirin-for-refractory-flushing-2" in fired) || nsaid_tolerance == "tolerant"',
        ),
        rule_ids=[r.rule_id for r in rules],
    )
    space = case_space_size(prop, guidance)
    assert space > 30_000

    proof = prove(prop, guidance)
    assert not proof.holds
    facts = validate_case(proof.counterexample)
    assert facts["subtype"] == "SM-AHN"
    # Every rule that fires for it is named: the faulty copy, and no genuine aspirin line.
    assert proof.fired == tuple(rec.rule for rec in evaluate(facts, guidance))
    assert "aspirin-for-refractory-flushing-2" in proof.fired
    assert "aspirin-for-refractory-flushing" not in proof.fired

    # What a sampled search of 1,000 cases would see: (almost surely) nothing wrong.
    names, choices = case_space(prop, relevant_rules(prop, guidance))
    needle_rules = compile_guidance(slug="s", version=9, title="t", rules=[rules[-1]])
    failing = []
    for combo in itertools.product(*choices):
        facts = dict(_BASE_CASE, **dict(zip(names, combo, strict=True)))
        fired = [rec.rule for rec in evaluate(facts, needle_rules)]
        if prop.program.execute(_context(facts, prop.variables, {"fired": fired})) is not True:
            failing.append(combo)
    # No symptom, or one the rules do not name: the same patient to the faulty rule.
    assert len(failing) == 2
    rng = random.Random(1)
    sample = {tuple(rng.choice(values) for values in choices) for _ in range(1000)}
    assert not sample & set(failing)


def test_a_property_that_reads_every_rule_is_refused_when_too_large_to_prove(monkeypatch):
    # The proof now merges alike partial cases, so v2's rules fit the real bound; a smaller bound
    # stands in for a version too large to prove.
    monkeypatch.setattr(properties, "MAX_STATES", 1_000)
    prop = compile_property(PropertySpec("everything", "At most 20 lines.", "size(fired) < 20"), rule_ids=RULE_IDS)
    assert prop.reads_all_rules
    with pytest.raises(ConditionError, match="name the rules it constrains"):
        prove(prop, V2)


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        ('"carry-epinephrin" in fired', "did you mean 'carry-epinephrine'"),
        ('subtyp == "ISM" || "carry-epinephrine" in fired', "did you mean 'subtype'"),
        ('subtype == "flushing" || "carry-epinephrine" in fired', "not a value of subtype"),
        ('"carry-epinephrine" in fired &&', "not valid CEL"),
    ],
)
def test_a_property_condition_is_checked_like_a_rule(condition, message):
    with pytest.raises(ConditionError, match=message):
        compile_property(PropertySpec("p", "A sentence.", condition), rule_ids=RULE_IDS)


@pytest.mark.django_db
def test_a_saved_property_is_validated_in_the_draft(published_version, editor):
    draft = draft_create(guideline=published_version.guideline, user=editor)
    prop = SafetyProperty(version=draft, property_id="p", statement="A sentence.", condition='"no-such-rule" in fired')
    with pytest.raises(ValidationError) as error:
        prop.full_clean()
    assert "condition" in error.value.message_dict
    assert draft.safety_properties.count() == len(PROPERTIES_V3)  # copied from the published version


@pytest.mark.django_db
def test_publishing_refuses_version_ones_refractory_rule_with_its_counterexample(published_version, editor):
    draft = draft_create(guideline=published_version.guideline, user=editor)
    rule = Rule.objects.get(version=draft, rule_id="second-line-refractory")
    # Version 1's rule: antileukotrienes forgotten among the anti-mediator therapies.
    rule.condition = 'antihistamine_response == "unresponsive" && omalizumab_response == "unresponsive"'
    rule.save()

    with pytest.raises(PublishError) as refused:
        draft_publish(draft=draft, user=editor, change_note="v1's refractory rule", confirm_changes=True)

    failing = {proof.property_id: proof for proof in refused.value.proofs if not proof.holds}
    assert set(failing) == {
        "withheld-is-not-offered",
        "cytoreduction-outside-advanced-is-qualified",
        "kit-choice-needs-kit-status",
        "one-line-per-intervention",
        "second-line-needs-mediator-symptoms",
    }
    # Cytoreduction offered by the refractory line while cytoreduction-not-yet withholds it.
    proof = failing["withheld-is-not-offered"]
    assert {"cytoreduction-not-yet", "second-line-refractory"} <= set(proof.fired)
    facts = validate_case(proof.counterexample)
    assert facts["antileukotriene_response"] != "unresponsive"
    draft.refresh_from_db()
    assert draft.is_draft


@pytest.mark.django_db
def test_check_guidance_proves_the_published_version_and_times_each_proof(published_version):
    out = StringIO()
    call_command("check_guidance", stdout=out)
    lines = out.getvalue().splitlines()
    for spec in PROPERTIES_V3:
        assert any(line.startswith(f"{spec.property_id}: holds (") and " ms)" in line for line in lines), lines
    assert lines[-1].startswith("12 of 12 properties hold")


@pytest.mark.django_db
def test_check_guidance_finds_the_counterexample_for_version_one_against_version_twos_properties(version_one):
    out = StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("check_guidance", "--version", "1", "--properties-from", "2", stdout=out)
    assert exit_.value.code == 1
    text = out.getvalue()
    assert "cytoreduction-never-without-its-caution: FAILS" in text
    counterexample = next(line for line in text.splitlines() if line.strip().startswith("counterexample: "))
    case = json.loads(counterexample.split("counterexample: ", 1)[1])
    assert validate_case(case)  # a case evaluate_case takes as it is
    assert "rules fired: " in text


@pytest.mark.django_db
def test_check_guidance_says_which_version_is_missing(published_version):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="--version: no guidance version 7"):
        call_command("check_guidance", "--version", "7")
    with pytest.raises(CommandError, match="v1 holds no safety properties"):
        call_command("check_guidance", "--version", "1")


@pytest.mark.django_db
def test_guidance_prove_reports_cases_and_time_for_each_property(published_version):
    proofs = guidance_prove(version=published_version)
    assert [proof.property_id for proof in proofs] == [spec.property_id for spec in PROPERTIES_V3]
    assert all(proof.holds and proof.cases > 0 and proof.seconds >= 0 for proof in proofs)


def test_facts_nobody_reads_keep_their_defaults():
    prop = compiled(PROPERTIES[-1])  # transplant-only-when-eligible
    names, _ = case_space(prop, relevant_rules(prop, V2))
    assert set(names) == {"subtype", "hct_eligible"}
    assert set(FACTS) - set(names)
