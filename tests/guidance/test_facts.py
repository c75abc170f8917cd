"""The case vocabulary and its validator: case.schema.json, enforced exactly."""

import dataclasses
import json
import re

import pytest

from guidance.facts import (
    FACTS,
    NUMBER_KINDS,
    CaseValidationError,
    Fact,
    Group,
    _check_fact,
    fact_from_text,
    facts_in_form_order,
    facts_to_json,
    parse_case_json,
    validate_case,
)
from tests.cases.factories import every_fact_away_from_default
from tests.conftest import SPEC

SCHEMA_FILE = SPEC / "spec" / "case.schema.v3.json"
NOT_YET_V3 = set()


def refused(data):
    with pytest.raises(CaseValidationError) as caught:
        validate_case(data)
    return caught.value


def refused_json(text):
    with pytest.raises(CaseValidationError) as caught:
        parse_case_json(text)
    return caught.value


def test_it_fills_in_the_schemas_defaults_for_facts_left_out(schema):
    defaults = {
        name: tuple(prop["default"]) if prop.get("type") == "array" else prop.get("default")
        for name, prop in schema["properties"].items()
        if name not in schema["required"]
    }

    assert validate_case({"subtype": "ISM"}) == {"subtype": "ISM", **defaults}
    assert defaults["symptoms"] == () and defaults["antihistamine_response"] == "not_tried"
    assert defaults["serum_tryptase_ng_ml"] is None  # a number not given stays not given, never 0


@pytest.mark.parametrize("end", ["low", "high"])
def test_it_keeps_every_fact_given(end):
    data = every_fact_away_from_default(end)

    facts = validate_case(data)

    assert facts == {name: tuple(value) if isinstance(value, list) else value for name, value in data.items()}
    assert all(facts[name] != fact.default for name, fact in FACTS.items())


def test_it_lists_symptoms_in_vocabulary_order_so_equal_cases_are_equal():
    one = validate_case({"subtype": "ISM", "symptoms": ["diarrhea", "flushing", "fracture"]})
    other = validate_case({"subtype": "ISM", "symptoms": ["fracture", "flushing", "diarrhea"]})

    assert one == other
    assert one["symptoms"] == ("flushing", "diarrhea", "fracture")


def test_it_refuses_an_unknown_field():
    error = refused({"subtype": "ISM", "colour": "red"})

    assert list(error.errors) == ["colour"]
    assert "is not a case fact" in error.errors["colour"]
    assert "serum_tryptase_ng_ml" in error.errors["colour"]


def test_it_refuses_a_missing_subtype():
    error = refused({"symptoms": ["flushing"]})

    assert error.errors["subtype"].startswith("is required; use one of BMM, ISM, SSM")


@pytest.mark.parametrize("subtype", ["XYZ", "ism", "indolent", "", "SM AHN"])
def test_it_refuses_an_unknown_subtype(subtype):
    error = refused({"subtype": subtype})

    assert f"{subtype!r} is not a known subtype" in error.errors["subtype"]
    assert "SM-AHN" in error.errors["subtype"]


def test_it_refuses_an_unknown_symptom_naming_it():
    error = refused({"subtype": "ISM", "symptoms": ["flushing", "sneezing", "itching"]})

    assert error.errors["symptoms"].startswith(
        "'sneezing', 'itching' are not among the known symptoms and complications; use any of flushing, pruritus"
    )


def test_it_refuses_a_symptom_given_twice():
    error = refused({"subtype": "ISM", "symptoms": ["flushing", "pruritus", "flushing"]})

    assert error.errors == {
        "symptoms": "lists 'flushing' more than once; give each of the symptoms and complications once."
    }


def test_a_list_facts_errors_name_it_by_its_own_label():
    findings = dataclasses.replace(FACTS["symptoms"], name="findings", label="Imaging findings")

    for value, words in [
        ("flushing", "must be a list of imaging findings"),
        (["sneezing"], "'sneezing' is not among the known imaging findings"),
        (["fracture", "fracture"], "lists 'fracture' more than once; give each of the imaging findings once."),
    ]:
        with pytest.raises(ValueError, match=re.escape(words)) as caught:
            _check_fact(findings, value)
        assert "symptom" not in str(caught.value)


def test_it_refuses_a_field_given_twice_in_json():
    error = refused_json('{"subtype": "ISM", "subtype": "ASM"}')

    assert error.errors == {"subtype": "is given more than once; give each fact once."}


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("age_years", True, "whole number of years"),
        ("age_years", 45.5, "whole number of years"),
        ("age_years", "45", "whole number of years"),
        ("serum_tryptase_ng_ml", "25", "a number in ng/mL"),
        ("serum_tryptase_ng_ml", False, "a number in ng/mL"),
        ("serum_tryptase_ng_ml", [25], "a number in ng/mL"),
        ("venom_allergy", "true", "not a known venom allergy; use one of yes, no, unknown"),
        ("venom_allergy", 1, "not a known venom allergy; use one of yes, no, unknown"),
        ("symptoms", "flushing", "must be a list of symptoms and complications"),
        ("symptoms", {"flushing": True}, "must be a list of symptoms and complications"),
        ("symptoms", [["flushing"]], "['flushing'] is not among the known symptoms and complications"),
        ("antihistamine_response", True, "not a known response"),
        ("nsaid_tolerance", 0, "not a known nsaid"),
        ("subtype", ["ISM"], "not a known subtype"),
    ],
)
def test_it_refuses_a_wrong_type(field, value, words):
    error = refused({"subtype": "ISM", field: value})

    assert list(error.errors) == [field]
    assert words in error.errors[field]


@pytest.mark.parametrize("field", ["symptoms", "serum_tryptase_ng_ml", "age_years", "venom_allergy", "kit_d816v"])
def test_json_null_is_refused_for_a_fact_which_is_left_out_instead(field):
    error = refused_json(json.dumps({"subtype": "ISM", field: None}))

    assert error.errors == {field: "is empty (null); leave it out when it is not known."}


def test_json_null_is_reported_with_the_other_bad_fields():
    error = refused_json('{"subtype": "XYZ", "age_years": null}')

    assert set(error.errors) == {"subtype", "age_years"}


@pytest.mark.parametrize("field", ["serum_tryptase_ng_ml", "age_years", "symptoms"])
def test_none_from_a_blank_form_field_means_not_given(field):
    assert validate_case({"subtype": "ISM", field: None}) == validate_case({"subtype": "ISM"})


def test_it_refuses_null_for_the_subtype():
    assert "subtype" in refused_json('{"subtype": null}').errors
    assert "subtype" in refused({"subtype": None}).errors


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
@pytest.mark.parametrize("field", ["serum_tryptase_ng_ml", "age_years"])
def test_it_refuses_nan_and_infinity_naming_the_field(constant, field):
    error = refused_json(f'{{"subtype": "ISM", "{field}": {constant}}}')

    assert list(error.errors) == [field]
    assert field in str(error)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("serum_tryptase_ng_ml", -0.1),
        ("serum_tryptase_ng_ml", -1),
        ("serum_tryptase_ng_ml", 100000.01),
        ("serum_tryptase_ng_ml", 1e300),
        ("age_years", -1),
        ("age_years", 121),
    ],
)
def test_it_refuses_a_value_out_of_range_at_either_end(field, value):
    error = refused({"subtype": "ISM", field: value})

    assert "is out of range; enter" in error.errors[field]


def test_it_refuses_a_number_too_large_for_a_float_without_crashing():
    error = refused_json('{"subtype": "ISM", "serum_tryptase_ng_ml": 1' + "0" * 400 + "}")

    assert error.errors == {"serum_tryptase_ng_ml": "the number given is out of range; enter 0 to 100000 ng/mL."}


def test_the_out_of_range_message_says_what_was_given_and_what_is_allowed():
    error = refused({"subtype": "ISM", "age_years": 130})

    assert error.errors == {"age_years": "130 years is out of range; enter 0 to 120 years."}


@pytest.mark.parametrize(
    ("field", "value", "kept"),
    [
        ("serum_tryptase_ng_ml", 0, 0.0),
        ("serum_tryptase_ng_ml", 100000, 100000.0),
        ("serum_tryptase_ng_ml", 0.0, 0.0),
        ("serum_tryptase_ng_ml", 11.4, 11.4),
        ("age_years", 0, 0),
        ("age_years", 120, 120),
        ("age_years", 50.0, 50),
    ],
)
def test_it_accepts_the_boundaries_and_numbers_in_between(field, value, kept):
    facts = validate_case({"subtype": "ISM", field: value})

    assert facts[field] == kept
    assert type(facts[field]) is type(kept)


def test_tryptase_is_always_a_float_and_age_always_an_int():
    facts = parse_case_json('{"subtype": "ISM", "serum_tryptase_ng_ml": 25, "age_years": 40.0}')

    assert isinstance(facts["serum_tryptase_ng_ml"], float)
    assert isinstance(facts["age_years"], int)


@pytest.mark.parametrize("data", [[], ["ISM"], "ISM", 7, None, True])
def test_it_refuses_anything_but_an_object(data):
    error = refused(data)

    assert list(error.errors) == ["case"]
    assert "must be a JSON object" in error.errors["case"]


@pytest.mark.parametrize("text", ["", "{", "{subtype: 'ISM'}", '{"subtype": "ISM",}', "[" * 100000])
def test_it_refuses_text_that_is_not_json(text):
    error = refused_json(text)

    assert list(error.errors) == ["case"]


def test_it_reports_every_bad_field_at_once():
    error = refused({"subtype": "XYZ", "symptoms": ["sneezing"], "age_years": -4, "colour": "red"})

    assert set(error.errors) == {"subtype", "symptoms", "age_years", "colour"}


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"subtype": "XYZ"}, "subtype"),
        ({"subtype": "ISM", "symptoms": ["sneezing"]}, "symptoms"),
        ({"subtype": "ISM", "serum_tryptase_ng_ml": -5}, "serum_tryptase_ng_ml"),
        ({"subtype": "ISM", "age_years": True}, "age_years"),
        ({"subtype": "ISM", "venom_allergy": "maybe"}, "venom_allergy"),
        ({"subtype": "ISM", "kit_d816v": "D816V"}, "kit_d816v"),
        ({"subtype": "ISM", "hct_eligible": True}, "hct_eligible"),
        ({"subtype": "ISM", "omalizumab_response": "failed"}, "omalizumab_response"),
        ({"subtype": "ISM", "antileukotriene_response": "failed"}, "antileukotriene_response"),
        ({"subtype": "ISM", "antihistamine_response": "failed"}, "antihistamine_response"),
        ({"subtype": "ISM", "nsaid_tolerance": "yes"}, "nsaid_tolerance"),
        ({"subtype": "ISM", "weight_kg": 70}, "weight_kg"),
    ],
)
def test_every_error_message_names_the_field(data, field):
    assert f"{field}: " in str(refused(data))


def test_facts_as_json_are_plain_values_the_validator_accepts_again():
    facts = validate_case({"subtype": "SSM", "symptoms": ["pruritus"], "serum_tryptase_ng_ml": 40})

    as_json = facts_to_json(facts)

    assert json.loads(json.dumps(as_json)) == as_json
    assert as_json["symptoms"] == ["pruritus"]
    assert as_json["age_years"] is None
    assert validate_case(as_json) == facts


@pytest.fixture(scope="module")
def schema():
    return json.loads(SCHEMA_FILE.read_text())


SCHEMA_KIND = {"enum": None, "enum_list": "array", "bool": "boolean", "number": "number", "integer": "integer"}


def test_the_vocabulary_has_exactly_the_schemas_fields_and_required_list(schema):
    assert list(FACTS) == list(schema["properties"])
    assert [name for name, fact in FACTS.items() if fact.required] == schema["required"]
    assert schema["additionalProperties"] is False


@pytest.mark.parametrize("name", [name for name in FACTS if name not in NOT_YET_V3])
def test_each_fact_matches_the_schema(schema, name):
    fact, prop = FACTS[name], schema["properties"][name]

    if fact.accepts_bool:
        # Once a tick box: the words, or true/false as yes/no.
        assert fact.is_enum
        assert prop["oneOf"] == [{"enum": list(fact.values)}, {"type": "boolean"}]
    else:
        assert prop.get("type") == SCHEMA_KIND[fact.kind]
    if fact.is_enum and not fact.accepts_bool:
        assert list(fact.values) == prop["enum"]
    if fact.is_enum_list:
        assert list(fact.values) == prop["items"]["enum"]
        assert prop["uniqueItems"] is True
    default = list(fact.default) if isinstance(fact.default, tuple) else fact.default
    assert default == prop.get("default")
    assert fact.minimum == prop.get("minimum")
    assert fact.maximum == prop.get("maximum")


def test_the_form_order_has_every_fact_once_by_group():
    ordered = facts_in_form_order()
    assert sorted(fact.name for fact in ordered) == sorted(FACTS)
    groups = [fact.group for fact in ordered]
    assert groups == sorted(groups, key=list(Group).index)


def test_a_fact_may_ask_only_for_a_widget_the_form_knows():
    with pytest.raises(ValueError, match="'slider'"):
        Fact(name="burden", label="Burden", kind="enum", choices={"low": "Low"}, group=Group.LABS, widget="slider")


TRYPTASE, AGE = FACTS["serum_tryptase_ng_ml"], FACTS["age_years"]


@pytest.mark.parametrize(
    ("fact", "typed", "value"),
    [
        (TRYPTASE, "45.5", 45.5),
        (TRYPTASE, "45,5", 45.5),  # a decimal comma, as typed in much of Europe: never 455
        (TRYPTASE, " 187,25 ", 187.25),
        (TRYPTASE, "0,125", 0.125),  # a leading zero cannot be a thousands group
        (TRYPTASE, ",5", 0.5),
        (TRYPTASE, "12", 12.0),
        (TRYPTASE, "", None),
        (TRYPTASE, "   ", None),
        (AGE, "51", 51),
        (AGE, "51.0", 51),
        (AGE, "-1", -1),  # read; the range is the validator's to refuse
    ],
)
def test_a_number_is_read_as_people_type_it(fact, typed, value):
    read = fact_from_text(fact, typed)

    assert read == value
    assert type(read) is type(value)


@pytest.mark.parametrize(
    ("fact", "typed", "sentence"),
    [
        (TRYPTASE, "4e", "\u201c4e\u201d is not a number; enter a number in ng/mL (0 to 100000), such as 45.5."),
        (TRYPTASE, "--5", "\u201c--5\u201d is not a number; enter a number in ng/mL (0 to 100000), such as 45.5."),
        (TRYPTASE, "1e3", "\u201c1e3\u201d is not a number; enter a number in ng/mL (0 to 100000), such as 45.5."),
        (TRYPTASE, "1 000", "\u201c1 000\u201d is not a number; enter a number in ng/mL (0 to 100000), such as 45.5."),
        (
            TRYPTASE,
            "1,234.5",
            "\u201c1,234.5\u201d is not a number; enter a number in ng/mL (0 to 100000), such as 45.5.",
        ),
        (
            TRYPTASE,
            "\u0661\u0662",
            "\u201c\u0661\u0662\u201d is not a number; enter a number in ng/mL (0 to 100000), such as 45.5.",
        ),
        (TRYPTASE, ".", "\u201c.\u201d is not a number; enter a number in ng/mL (0 to 100000), such as 45.5."),
        (
            TRYPTASE,
            "1,000",
            "\u201c1,000\u201d is 1000 to some readers and 1 to others; "
            "enter 1000 (no thousands separator) or at most two decimals (1) for the smaller number.",
        ),
        (
            TRYPTASE,
            "2.500",
            "\u201c2.500\u201d is 2500 to some readers and 2.5 to others; "
            "enter 2500 (no thousands separator) or at most two decimals (2.5) for the smaller number.",
        ),
        (AGE, "45,5", "\u201c45,5\u201d is not a whole number; enter a whole number of years (0 to 120)."),
        (AGE, "4e", "\u201c4e\u201d is not a number; enter a whole number of years (0 to 120), such as 45."),
    ],
)
def test_what_is_not_plainly_a_number_is_refused_with_a_sentence(fact, typed, sentence):
    with pytest.raises(ValueError) as refusal:
        fact_from_text(fact, typed)

    assert str(refusal.value) == sentence


def test_every_number_fact_is_read_by_the_reader_and_no_other_fact_is():
    for fact in FACTS.values():
        if fact.kind in NUMBER_KINDS:
            assert fact_from_text(fact, "7") == 7
        else:
            with pytest.raises(TypeError):
                fact_from_text(fact, "7")


@pytest.mark.parametrize(
    ("text", "sentence"),
    [
        (
            '"45,5"',
            "is text (\u201c45,5\u201d), not a number in ng/mL (0 to 100000); give the number itself: 45.5.",
        ),
        ('"4e"', "\u201c4e\u201d is not a number; enter a number in ng/mL (0 to 100000), such as 45.5."),
        ('"--5"', "\u201c--5\u201d is not a number; enter a number in ng/mL (0 to 100000), such as 45.5."),
        ('""', "is empty text; leave it out when it is not known, or give a number in ng/mL (0 to 100000)."),
    ],
)
def test_json_text_for_a_number_is_refused_saying_how_it_reads(text, sentence):
    error = refused_json('{"subtype": "ISM", "serum_tryptase_ng_ml": ' + text + "}")

    assert error.errors == {"serum_tryptase_ng_ml": sentence}


# Each fact puts its own values into words: short ones after its short label (reasons, readbacks), full ones
# after its label (the case page's facts, the changes between two assessments).
@pytest.mark.parametrize(
    ("name", "value", "short", "full"),
    [
        ("subtype", "ISM", "ISM", "Indolent systemic mastocytosis (ISM)"),
        ("subtype", "unknown", "unknown (work-up pending)", "Unknown (work-up pending)"),
        ("antihistamine_response", "not_tried", "not tried", "Not tried"),
        ("nsaid_tolerance", "intolerant", "intolerant of NSAIDs", "Intolerant of NSAIDs"),
        ("symptoms", ("flushing", "pruritus"), "flushing, pruritus (itching)", "Flushing, Pruritus (itching)"),
        ("symptoms", (), "none", "None (asymptomatic)"),
        ("venom_allergy", "yes", "yes", "Yes"),
        ("venom_allergy", True, "yes", "Yes"),  # stored before v3, when it was a tick box
        ("venom_allergy", False, "no", "No"),
        ("serum_tryptase_ng_ml", 45.5, "45.5 ng/mL", "45.5 ng/mL"),
        ("serum_tryptase_ng_ml", None, "not recorded", "Not recorded"),
        ("age_years", 64, "64 years", "64 years"),
    ],
)
def test_a_fact_says_its_values_in_short_and_in_full(name, value, short, full):
    fact = FACTS[name]
    assert fact.words(value) == short
    assert fact.readback(value) == f"{fact.short_label}: {short}"
    assert fact.words_in_full(value) == full


def test_a_choice_whose_label_only_spells_out_its_code_is_said_by_the_code():
    assert [FACTS["subtype"].choice_words(value) for value in ("SM-AHN", "MCL")] == ["SM-AHN", "MCL"]
    assert FACTS["kit_d816v"].choice_words("unknown") == "unknown / not tested"
