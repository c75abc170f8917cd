"""Conditions in plain words: the readback, the builder's round trip and syntax errors explained."""

import itertools
import json
import re

import pytest

from guidance.conditions import (
    OPERATORS,
    All,
    Any,
    ConditionSyntaxError,
    Flag,
    Has,
    Is,
    IsNot,
    NonEmpty,
    Not,
    builder_to_cel,
    condition_reading,
    parse_condition,
    readback,
    to_builder,
    to_cel,
)
from guidance.engine import RuleSpec, _context, compile_rule
from guidance.facts import CURRENT_EDITION, FACTS, facts_in_edition, vocabulary
from guidance.loading import VERSION_THREE_FILE, VERSION_TWO_FILE
from guidance.properties import _BASE_CASE, PropertySpec, case_space, compile_property
from guidance.selectors import guidance_current

READBACKS = [
    ('subtype == "ISM"', "Subtype: ISM"),
    ('subtype in ["ISM", "SSM"]', "Subtype: ISM or SSM"),
    ('subtype in ["ASM", "SM-AHN", "MCL"]', "Subtype: ASM, SM-AHN or MCL"),
    ('subtype != "MCL"', "Subtype: other than MCL"),
    ('!(subtype in ["ISM", "SSM"])', "Subtype: other than ISM or SSM"),
    ('subtype == "unknown"', "Subtype: unknown (work-up pending)"),
    ('subtype != "unknown"', "Subtype: BMM, ISM, SSM, ASM, SM-AHN or MCL"),
    ('"recurrent_anaphylaxis" in symptoms', "Recurrent anaphylaxis is present"),
    ('!("flushing" in symptoms)', "Flushing is absent"),
    ('"osteoporosis" in symptoms || "fracture" in symptoms', "Osteoporosis or fracture is present"),
    ('"fracture" in symptoms && "osteoporosis" in symptoms', "Fracture and osteoporosis are both present"),
    (
        '"fracture" in symptoms && "osteoporosis" in symptoms && "ascites" in symptoms',
        "Fracture, osteoporosis and ascites are all present",
    ),
    ('!("flushing" in symptoms || "pruritus" in symptoms)', "Neither flushing nor pruritus (itching) is present"),
    ('!("flushing" in symptoms) && !("pruritus" in symptoms)', "Neither flushing nor pruritus (itching) is present"),
    (
        '!("flushing" in symptoms || "pruritus" in symptoms || "cramping" in symptoms)',
        "None of flushing, pruritus (itching) and abdominal cramping is present",
    ),
    ('!("fracture" in symptoms && "osteoporosis" in symptoms)', "Fracture and osteoporosis are not both present"),
    ('!("fracture" in symptoms) || !("osteoporosis" in symptoms)', "Fracture and osteoporosis are not both present"),
    (
        'symptoms.exists(s, s in ["flushing", "pruritus", "diarrhea"])',
        "Flushing, pruritus (itching) or diarrhea is present",
    ),
    (
        '!(symptoms.exists(s, s in ["flushing", "pruritus", "diarrhea"]))',
        "None of flushing, pruritus (itching) and diarrhea is present",
    ),
    ("size(symptoms) > 0", "Symptoms and complications: at least one recorded"),
    ("size(symptoms) == 0", "Symptoms and complications: none recorded"),
    ('venom_allergy == "yes"', "Venom allergy: yes"),
    ('venom_allergy != "yes"', "Venom allergy: no or unknown / not asked"),
    ('venom_allergy == "no"', "Venom allergy: no"),
    ('omalizumab_response != "unresponsive"', "Omalizumab: not tried or responsive"),
    ('antihistamine_response != "not_tried"', "Antihistamines: responsive or unresponsive"),
    ('hct_eligible == "yes"', "Transplant: eligible"),
    ('hct_eligible != "no"', "Transplant: eligible or unknown / not assessed"),
    ('nsaid_tolerance == "tolerant"', "Known to tolerate NSAIDs"),
    ('nsaid_tolerance != "tolerant"', "NSAIDs: intolerant of NSAIDs or unknown"),
    ('kit_d816v != "unknown"', "KIT D816V: positive or negative"),
    (
        'subtype in ["ISM", "SSM"] && "recurrent_anaphylaxis" in symptoms && !(antihistamine_response == '
        '"unresponsive" && antileukotriene_response == "unresponsive" && omalizumab_response == "unresponsive")',
        "Subtype: ISM or SSM; and Recurrent anaphylaxis is present; and "
        "Antihistamines, antileukotrienes and omalizumab: not all unresponsive",
    ),
    (
        'size(symptoms) > 0 && antihistamine_response == "unresponsive" && antileukotriene_response == '
        '"unresponsive" && omalizumab_response == "unresponsive"',
        "Symptoms and complications: at least one recorded; and Antihistamines, antileukotrienes and omalizumab: "
        "all unresponsive",
    ),
    (
        '("flushing" in symptoms || "pruritus" in symptoms) && antihistamine_response == "unresponsive"',
        "Flushing or pruritus (itching) is present; and Antihistamines: unresponsive",
    ),
    (
        'subtype == "ISM" || (venom_allergy == "yes" && kit_d816v != "positive")',
        "Subtype: ISM; or All of (Venom allergy: yes; KIT D816V: negative or unknown / not tested)",
    ),
    (
        'antihistamine_response == "unresponsive" || omalizumab_response == "unresponsive"',
        "Antihistamines: unresponsive; or Omalizumab: unresponsive",
    ),
    ('!(subtype == "ISM" || "flushing" in symptoms)', "None of (Subtype: ISM; Flushing is present)"),
    ('!(subtype == "ISM" && "flushing" in symptoms)', "Not all of (Subtype: ISM; Flushing is present)"),
    (
        'venom_allergy == "yes" && !(antihistamine_response == "unresponsive" && omalizumab_response == "unresponsive" '
        '&& "flushing" in symptoms)',
        "Venom allergy: yes; and Not all of (Antihistamines and omalizumab: both unresponsive; Flushing is present)",
    ),
    (
        'subtype == "ASM" && ("malabsorption" in symptoms || "ascites" in symptoms)',
        "Subtype: ASM; and Malabsorption or ascites is present",
    ),
]


# Versions 1 and 2 (edition 2, guidance.facts.vocabulary) read venom_allergy as a yes/no tick box:
# their rules still read back as they were written.
READBACKS_EDITION_2 = [
    ("venom_allergy", "Venom allergy is present"),
    ("!venom_allergy", "Venom allergy is absent"),
    ("venom_allergy == false", "Venom allergy is absent"),
    (
        'subtype == "ISM" || (venom_allergy && kit_d816v != "positive")',
        "Subtype: ISM; or All of (Venom allergy is present; KIT D816V: negative or unknown / not tested)",
    ),
]


@pytest.mark.parametrize(("condition", "expected"), READBACKS)
def test_the_readback_says_what_the_condition_says(condition, expected):
    assert readback(condition) == expected


@pytest.mark.parametrize(("condition", "expected"), READBACKS)
def test_writing_the_tree_back_to_cel_gives_the_same_tree(condition, expected):
    tree = parse_condition(condition)
    assert parse_condition(to_cel(tree)) == tree


@pytest.mark.parametrize(("condition", "expected"), READBACKS_EDITION_2)
def test_a_retired_versions_condition_reads_back_in_its_own_edition(condition, expected):
    assert readback(condition, edition=2) == expected
    tree = parse_condition(condition, edition=2)
    assert parse_condition(to_cel(tree), edition=2) == tree


def test_a_tick_box_condition_is_refused_in_the_current_edition():
    with pytest.raises(ConditionSyntaxError, match="Expected ==, != or in after venom_allergy"):
        parse_condition("venom_allergy")


def _atoms():
    """Every one-fact condition the builder can write, for every fact and value."""
    for name, fact in FACTS.items():
        if fact.is_enum:
            for value in fact.values:
                yield Is(name, (value,))
                yield IsNot(name, value)
            for pair in itertools.combinations(fact.values, 2):
                yield Is(name, pair)
                yield Not(Is(name, pair))
        elif fact.is_enum_list:
            for value in fact.values:
                yield Has(name, value)
                yield Not(Has(name, value))
            yield NonEmpty(name)
            yield NonEmpty(name, empty=True)
        elif fact.is_bool:
            yield Flag(name)
            yield Flag(name, False)


def _generated_conditions():
    atoms = list(_atoms())
    yield from atoms
    for pair in itertools.combinations(atoms, 2):
        yield from (All(pair), Any(pair), Not(All(pair)), Not(Any(pair)))
    same_value = [Is(name, ("unresponsive",)) for name, fact in FACTS.items() if "unresponsive" in fact.values]
    for group in (All, Any):
        yield group(tuple(same_value))
        yield Not(group(tuple(same_value)))
        yield All((Is("subtype", ("ISM",)), group(tuple(same_value))))


def _v2_readbacks():
    rules = json.loads(VERSION_TWO_FILE.read_text())["rules"]
    return [(rule["rule"], readback(rule["condition"], edition=2)) for rule in rules]


def _v3_readbacks():
    rules = json.loads(VERSION_THREE_FILE.read_text())["rules"]
    assert sum(".exists(" in rule["condition"] for rule in rules) == 4
    return [(rule["rule"], readback(rule["condition"])) for rule in rules]


def _words(text):
    return set(re.findall(r"[\w-]+", text.lower()))


# A value code a clinician never reads for its fact: its label says it otherwise ("not_tried" is "Not tried",
# transplant's "yes" is "Eligible").
RAW_CODES_OF = {
    name: {code.lower() for code, label in (fact.choices or {}).items() if code.lower() not in _words(label)}
    for name, fact in FACTS.items()
}
# ... and of any fact, leaving out the words some fact's label does read (venom allergy's "yes" is "Yes").
RAW_CODES = set().union(*RAW_CODES_OF.values()) - {
    code.lower()
    for fact in FACTS.values()
    for code, label in (fact.choices or {}).items()
    if code.lower() in _words(label)
}
DOUBLE_NEGATIVE = re.compile(r"\b(not|no|neither|nor|none of|other than)\s+(not|no|none|unknown|un\w+)\b", re.I)


def test_raw_codes_and_double_negatives_are_what_the_check_looks_for():
    assert {"not_tried", "tolerant", "recurrent_anaphylaxis"} <= RAW_CODES
    assert {"yes", "no"} <= RAW_CODES_OF["hct_eligible"]
    assert not {"ism", "sm-ahn", "unresponsive", "flushing"} & RAW_CODES
    assert not {"yes", "no"} & RAW_CODES_OF["venom_allergy"]
    for awkward in ("Transplant (HCT) eligibility is not no", "is not not tried", "KIT D816V is not unknown"):
        assert DOUBLE_NEGATIVE.search(awkward) or _words(awkward) & RAW_CODES


def test_no_readback_has_a_double_negative_or_a_raw_value_code():
    readings = [text for _, text in _v2_readbacks() + _v3_readbacks()]
    readings += [readback(node) for node in _generated_conditions()]
    assert len(readings) > 10000

    for text in readings:
        assert not DOUBLE_NEGATIVE.search(text), text
        assert not _words(text) & RAW_CODES, text
    for atom in _atoms():
        fact = getattr(atom, "fact", None) or atom.item.fact
        assert not _words(readback(atom)) & RAW_CODES_OF[fact], readback(atom)


def test_every_v2_and_v3_rule_reads_back():
    for rule_id, text in _v2_readbacks() + _v3_readbacks():
        assert text and text[0].isupper(), rule_id
        assert " is not " not in text, rule_id


def test_a_yes_or_no_fact_reads_as_the_builder_offers_it():
    words = dict(OPERATORS["bool"])
    bool_facts = [(name, fact) for name, fact in vocabulary(2).items() if fact.is_bool]
    assert bool_facts
    for name, fact in bool_facts:
        if fact.is_bool:
            assert readback(Flag(name)) == f"{fact.label} {words['yes']}"
            assert readback(Flag(name, False)) == f"{fact.label} {words['no']}"


def test_an_enum_that_can_take_no_value_gets_no_readback():
    reading = condition_reading('!(hct_eligible in ["yes", "no", "unknown"])')

    assert (reading.ok, reading.text) == (False, "")
    assert "can never hold" in reading.problem


@pytest.mark.parametrize(
    ("condition", "reason", "column"),
    [
        ('subtype = "ISM"', "write == (two equals signs)", 9),
        ('"flushing" in symptoms)', "closing bracket has no opening bracket", 23),
        ('subtype == "ISM" &&', "ends too early", 20),
        ('(subtype == "ISM"', "Expected a closing bracket", 18),
        ('subtype == "ISM', "never closed", 12),
        ('subtype == "ISM" "SSM"', "join conditions with && or ||", 18),
        ('subtyp == "ISM"', "'subtyp' is not a case fact", 1),
        ('subtype == "ism"', "'ism' is not a value of subtype", 12),
    ],
)
def test_a_syntax_error_is_explained_in_words_with_its_position_marked(condition, reason, column):
    with pytest.raises(ConditionSyntaxError) as caught:
        parse_condition(condition)

    assert reason in caught.value.reason
    assert caught.value.position + 1 == column
    line, caret = caught.value.marked.split("\n")
    assert (line, caret.index("^") + 1) == (condition, column)


@pytest.mark.parametrize(
    "condition",
    [
        "serum_tryptase_ng_ml > 20.0",
        "age_years >= 65",
        'symptoms.exists(s, s == "flushing")',
        'symptoms.all(s, s in ["flushing"])',
        'symptoms.exists(s, t in ["flushing"])',
        'symptoms.exists(subtype, subtype in ["flushing"])',
        'subtype.exists(s, s in ["ISM"])',
        'symptoms.exists(s, s in ["itching"])',
        "true",
        '!"flushing" in symptoms',
        "size(symptoms) > 1",
    ],
)
def test_cel_it_cannot_read_back_gets_no_readback_and_says_so(condition):
    reading = condition_reading(condition)

    assert (reading.ok, reading.text) == (False, "")
    assert reading.problem


def _behaviour(conditions, edition=CURRENT_EDITION):
    """Each condition's result for every case of the property checker's space over the facts they read,
    the facts shown to the conditions as a version of `edition` reads them."""
    rules = [compile_rule(RuleSpec("r", "p", "info", "s", condition)) for condition in conditions]
    anything = compile_property(PropertySpec("any", "Any case.", "size(fired) >= 0"), rule_ids=["r"])
    names, choices = case_space(anything, rules)
    outcomes = []
    for combo in itertools.product(*choices):
        facts = facts_in_edition(dict(_BASE_CASE, **dict(zip(names, combo, strict=True))), edition)
        outcomes.append(tuple(rule.program.execute(_context(facts, rule.variables)) for rule in rules))
    return outcomes


def _goes_through_the_builder(rule_id, condition, edition):
    rows = to_builder(parse_condition(condition, edition=edition))
    assert rows is not None, f"{rule_id}: the builder cannot show it"
    built = builder_to_cel(rows, edition=edition)

    outcomes = _behaviour([condition, built], edition)
    assert len(outcomes) > 1
    assert all(stored == rebuilt for stored, rebuilt in outcomes), f"{rule_id}: {built}"


def test_every_v2_rule_goes_through_the_builder_and_behaves_the_same_over_the_case_space():
    rules = json.loads(VERSION_TWO_FILE.read_text())["rules"]
    assert len(rules) >= 27

    for rule in rules:
        _goes_through_the_builder(rule["rule"], rule["condition"], 2)


@pytest.mark.django_db
def test_every_current_rule_goes_through_the_builder_and_behaves_the_same_over_the_case_space():
    rules = list(guidance_current().rules.all())
    assert len(rules) >= 27

    assert any(".exists(" in rule.condition for rule in rules)
    for rule in rules:
        _goes_through_the_builder(rule.rule_id, rule.condition, CURRENT_EDITION)


def test_the_behaviour_check_would_notice_a_different_condition():
    outcomes = _behaviour(['"flushing" in symptoms || "pruritus" in symptoms', '"flushing" in symptoms'])
    assert any(a != b for a, b in outcomes)


def test_builder_rows_use_the_facts_own_values():
    rows = to_builder(
        parse_condition('subtype in ["ISM", "SSM"] && !("flushing" in symptoms) && venom_allergy != "yes"')
    )

    assert rows == {
        "match": "all",
        "negate": False,
        "rows": [
            {"fact": "subtype", "op": "is", "values": ["ISM", "SSM"]},
            {"fact": "symptoms", "op": "lacks", "values": ["flushing"]},
            {"fact": "venom_allergy", "op": "is_not", "values": ["yes"]},
        ],
    }


def test_builder_rows_of_a_retired_versions_tick_box_say_present_or_absent():
    rows = to_builder(parse_condition('subtype in ["ISM", "SSM"] && !venom_allergy', edition=2))

    assert rows["rows"][-1] == {"fact": "venom_allergy", "op": "no", "values": []}


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ({"match": "all", "rows": []}, "at least one row"),
        ({"match": "all", "rows": [{"fact": "subtype", "op": "is", "values": []}]}, "Tick at least one value"),
        ({"match": "all", "rows": [{"fact": "subtype", "op": "is", "values": ["XYZ"]}]}, "not a value of subtype"),
        ({"match": "all", "rows": [{"fact": "", "op": "is", "values": []}]}, "Choose a fact"),
        (
            {"match": "all", "rows": [{"fact": "subtype", "op": "has", "values": ["ISM"]}]},
            "Choose what \u201cSubtype\u201d",
        ),
    ],
)
def test_an_incomplete_builder_row_is_named(rows, message):
    with pytest.raises(ValueError, match=message):
        builder_to_cel(rows)


def test_the_builder_writes_grouped_cel():
    rows = {
        "match": "all",
        "rows": [
            {"fact": "subtype", "op": "is", "values": ["ISM"]},
            {
                "match": "any",
                "rows": [
                    {"fact": "symptoms", "op": "has", "values": ["flushing"]},
                    {"fact": "symptoms", "op": "has", "values": ["pruritus"]},
                ],
            },
        ],
    }

    assert builder_to_cel(rows) == 'subtype == "ISM" && ("flushing" in symptoms || "pruritus" in symptoms)'


def test_a_builder_row_may_ask_for_at_least_one_of_several_symptoms():
    row = {"fact": "symptoms", "op": "some", "values": ["flushing", "diarrhea"]}
    one = {"fact": "symptoms", "op": "some", "values": ["flushing"]}

    assert builder_to_cel({"match": "all", "rows": [row]}) == 'symptoms.exists(s, s in ["flushing", "diarrhea"])'
    assert builder_to_cel({"match": "all", "rows": [one]}) == '"flushing" in symptoms'
    outcomes = _behaviour(
        ['symptoms.exists(s, s in ["flushing", "diarrhea"])', '"flushing" in symptoms || "diarrhea" in symptoms']
    )
    assert all(a == b for a, b in outcomes) and len(outcomes) > 1


# ---------------------------------------------------------------- where editors and clinicians read it


@pytest.fixture
def _no_two_factor_step(settings):
    settings.OTP_REQUIRED = False


@pytest.mark.django_db
def test_the_guidance_page_reads_conditions_in_words_with_the_cel_behind_details(client, clinician):
    client.force_login(clinician)
    html = client.get("/guidance/").content.decode()

    assert '<span class="rule-reading">Subtype: ASM; and Transplant: eligible</span>' in html
    assert "<summary>Condition as CEL</summary><code>subtype == &quot;ASM&quot; &amp;&amp; hct_eligible" in html


@pytest.mark.django_db
@pytest.mark.usefixtures("_no_two_factor_step")
def test_the_editor_sees_the_reading_and_a_syntax_error_in_words(client, editor, published_version):
    from guidance.publishing import draft_create
    from tests.guidance.test_admin import inline_form, post_data

    draft = draft_create(guideline=published_version.guideline, user=editor)
    client.force_login(editor)
    change_url = f"/admin/guidance/guidanceversion/{draft.pk}/change/"
    page = client.get(change_url)
    assert "Subtype: SM-AHN; and Transplant: eligible or unknown / not assessed" in page.content.decode()

    data = post_data(page)
    index, _ = inline_form(page, "rules", rule_id="venom-immunotherapy")
    data[f"rules-{index}-condition"] = 'venom_allergy && subtype = "ASM"'
    response = client.post(change_url, data)

    assert response.status_code == 200
    html = response.content.decode()
    assert "write == (two equals signs)" in html
    assert "venom_allergy &amp;&amp; subtype ⟦here⟧= &quot;ASM&quot;" in html


@pytest.mark.django_db
@pytest.mark.usefixtures("_no_two_factor_step")
def test_the_diff_reads_a_changed_condition_in_words_word_by_word(client, editor, published_version):
    from guidance.diff import version_diff
    from guidance.publishing import draft_create

    draft = draft_create(guideline=published_version.guideline, user=editor)
    draft.rules.filter(rule_id="asm-transplant").update(
        condition='subtype in ["ASM", "SM-AHN"] && hct_eligible == "yes"'
    )

    (rule,) = version_diff(old=published_version, new=draft)["rules"]
    (field,) = rule["fields"]

    assert field["name"] == "condition"
    # Words changed, not their punctuation: "ASM;" becoming "ASM" is not shown as "ASM; -> ASM".
    assert field["reading_words"] == [
        ("equal", "Subtype: ASM"),
        ("insert", "or SM-AHN;"),
        ("equal", "and Transplant: eligible"),
    ]
    client.force_login(editor)
    html = client.get(f"/guidance/diff/{published_version.number}/{draft.number}/").content.decode()
    assert '<span class="fw-semibold">In words:</span> Subtype: ASM <ins>or SM-AHN;</ins> and Transplant' in html


def test_a_word_that_only_gains_punctuation_is_not_shown_as_changed():
    from guidance.diff import words_diff

    assert words_diff("Flushing is present", "Flushing is present; and Venom allergy is present") == [
        ("equal", "Flushing is present;"),
        ("insert", "and Venom allergy is present"),
    ]
