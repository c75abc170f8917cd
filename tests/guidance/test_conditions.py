"""A rule condition is checked when it is saved: what an editor gets back."""

import pytest

from guidance.engine import ConditionError, RuleSpec, compile_guidance, compile_rule, evaluate
from guidance.facts import validate_case
from guidance.kinds import Kind


def rule(condition, *, kind="recommend", mentions=()):
    return RuleSpec(
        rule_id="test-rule", paragraph="overview", kind=kind, summary="A test", condition=condition, mentions=mentions
    )


def refusal(condition, **options):
    with pytest.raises(ConditionError) as caught:
        compile_rule(rule(condition, **options))
    return str(caught.value)


def fires(condition, **facts):
    guidance = compile_guidance(slug="sm-management", version=9, title="t", rules=[rule(condition)])
    return bool(evaluate(validate_case({"subtype": "ISM", **facts}), guidance))


@pytest.mark.parametrize("condition", ['subtype == "ISM" &&', '"flushing" in symptoms)', "subtype = 'ISM'", "1 +"])
def test_it_refuses_a_syntax_error(condition):
    assert "not valid CEL" in refusal(condition)


@pytest.mark.parametrize("condition", ["", "   \n"])
def test_it_refuses_an_empty_condition(condition):
    assert "empty" in refusal(condition)


@pytest.mark.parametrize(
    ("condition", "unknown", "suggestion"),
    [
        ('subtyp == "ISM"', "subtyp", "subtype"),
        ('"flushing" in symptom', "symptom", "symptoms"),
        ('antihistamine == "unresponsive"', "antihistamine", "antihistamine_response"),
        ("tryptase > 20.0", "tryptase", None),
    ],
)
def test_it_refuses_an_unknown_fact_name_with_a_suggestion(condition, unknown, suggestion):
    message = refusal(condition)

    assert f"Unknown fact name {unknown!r}" in message
    if suggestion:
        assert f"did you mean {suggestion!r}" in message
    assert "Known facts: subtype, symptoms" in message


@pytest.mark.parametrize(
    ("condition", "misspelt", "suggestion"),
    [
        ('"flushng" in symptoms', "flushng", "flushing"),
        ('subtype == "ISMM"', "ISMM", "ISM"),
        ('subtype in ["ISM", "SMM"]', "SMM", "SSM"),
        ("antihistamine_response == 'unresponsve'", "unresponsve", "unresponsive"),
        ('symptoms.exists(s, s == "pruritis")', "pruritis", "pruritus"),
    ],
)
def test_it_refuses_a_misspelt_value_with_a_suggestion(condition, misspelt, suggestion):
    message = refusal(condition)

    assert f"Unknown value {misspelt!r}" in message
    assert f"did you mean {suggestion!r}" in message


def test_it_refuses_a_quoted_true_for_a_yes_or_no_fact():
    assert "Unknown value 'true'" in refusal('venom_allergy == "true"')


@pytest.mark.parametrize(
    ("condition", "gave"), [("subtype", "'BMM'"), ("size(symptoms)", "0"), ('"flushing"', "'flushing'")]
)
def test_it_refuses_a_condition_that_does_not_give_true_or_false(condition, gave):
    assert refusal(condition) == f"The condition must give true or false, but gave {gave}."


@pytest.mark.parametrize(
    "condition",
    [
        "serum_tryptase_ng_ml > 20.0",
        "age_years >= 18",
        "symptoms[0] == 'flushing'",
        "serum_tryptase_ng_ml != null && serum_tryptase_ng_ml > 20.0 && age_years > 3",
    ],
)
def test_it_refuses_a_condition_that_fails_for_a_valid_case(condition):
    assert "The condition fails for a valid case" in refusal(condition)


@pytest.mark.parametrize(
    "condition",
    [
        # The failure hides behind a gate that only some valid cases open.
        'omalizumab_response == "unresponsive" && serum_tryptase_ng_ml > 20.0',
        'antileukotriene_response == "unresponsive" && age_years > 3',
        'hct_eligible == "yes" && age_years > 3',
        '"ascites" in symptoms && !("flushing" in symptoms) && serum_tryptase_ng_ml > 20.0',
        "age_years != null && 100 / age_years > 2",
    ],
)
def test_it_refuses_a_condition_that_fails_only_for_some_valid_cases(condition):
    message = refusal(condition)

    assert "The condition fails for a valid case" in message


def test_the_refusal_names_the_case_it_failed_for():
    message = refusal('omalizumab_response == "unresponsive" && serum_tryptase_ng_ml > 20.0')

    assert "omalizumab_response='unresponsive', serum_tryptase_ng_ml=None" in message


@pytest.mark.parametrize(
    "condition",
    [
        "serum_tryptase_ng_ml != null && serum_tryptase_ng_ml > 20.0",
        "serum_tryptase_ng_ml != null && serum_tryptase_ng_ml > 20",
        "age_years != null && age_years >= 65",
        'omalizumab_response == "unresponsive" && serum_tryptase_ng_ml != null && serum_tryptase_ng_ml > 20.0',
    ],
)
def test_it_accepts_a_numeric_comparison_guarded_against_a_missing_value(condition):
    compiled = compile_rule(rule(condition))

    assert compiled.spec.condition == condition


def test_a_guarded_tryptase_rule_fires_only_above_the_threshold():
    condition = "serum_tryptase_ng_ml != null && serum_tryptase_ng_ml > 20.0"

    assert fires(condition, serum_tryptase_ng_ml=20.5)
    assert fires(condition, serum_tryptase_ng_ml=21)
    assert not fires(condition, serum_tryptase_ng_ml=20)
    assert not fires(condition)


def test_it_refuses_an_unknown_kind():
    message = refusal('subtype == "ISM"', kind="must")

    assert "Kind 'must'" in message
    for kind in Kind:
        assert kind in message


def test_it_refuses_an_unknown_mentioned_fact():
    message = refusal('subtype == "ASM"', mentions=("kit_d816v", "kit_status"))

    assert "Mentioned fact 'kit_status' is not a case fact" in message


@pytest.mark.parametrize(
    "condition",
    [
        'symptoms.exists(s, s in ["flushing"])',
        'symptoms.all(s, s in ["flushing", "pruritus"])',
        'symptoms.exists_one(s, s == "fracture")',
        'size(symptoms.filter(s, s in ["diarrhea", "cramping"])) >= 2',
    ],
)
def test_it_accepts_comprehension_macros_over_symptoms(condition):
    compiled = compile_rule(rule(condition))

    assert compiled.variables == ("symptoms",)


def test_a_comprehension_condition_fires_like_its_plain_form():
    condition = 'symptoms.exists(s, s in ["flushing", "pruritus"])'

    assert fires(condition, symptoms=["pruritus", "diarrhea"])
    assert not fires(condition, symptoms=["diarrhea"])
    assert not fires(condition)


def test_a_name_bound_by_a_macro_is_not_usable_outside_it():
    assert "fails for a valid case" in refusal('symptoms.exists(s, s == "flushing") || s == "pruritus"')


def test_it_reads_only_the_facts_a_condition_names_in_vocabulary_order():
    compiled = compile_rule(rule('venom_allergy || subtype == "ASM" && kit_d816v == "positive"'))

    assert compiled.variables == ("subtype", "venom_allergy", "kit_d816v")
    assert compiled.literals == {"ASM", "positive"}


def test_it_accepts_a_plain_boolean_fact():
    assert compile_rule(rule("venom_allergy")).variables == ("venom_allergy",)


@pytest.mark.parametrize(
    ("condition", "value", "fact"),
    [
        ('subtype == "flushing"', "flushing", "subtype"),
        ('"ISM" in symptoms', "ISM", "symptoms"),
        ('subtype in ["ISM", "flushing"]', "flushing", "subtype"),
        ('nsaid_tolerance != "yes"', "yes", "nsaid_tolerance"),
        ('"unresponsive" == kit_d816v', "unresponsive", "kit_d816v"),
    ],
)
def test_it_refuses_a_value_that_belongs_to_another_fact(condition, value, fact):
    message = refusal(condition)
    assert f"{value!r} is not a value of {fact}" in message


@pytest.mark.parametrize(
    "condition",
    [
        '"ISM" == subtype',
        'subtype in ["ISM", "SSM"] && "recurrent_anaphylaxis" in symptoms',
        'hct_eligible == "yes" && kit_d816v == "positive"',
        'symptoms.exists(s, s == "flushing")',
    ],
)
def test_it_accepts_values_that_fit_the_fact_they_are_compared_with(condition):
    assert compile_rule(rule(condition)).spec.condition == condition
