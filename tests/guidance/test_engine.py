"""The engine over the version-1 rules, with no database: one row per rule.

Each row says when the rule fires (with the words its reason must show) and
the boundary cases where it must stay silent. A rule added to rules-v1.json
without a row here fails test_it_has_a_row_for_every_rule_of_version_one.
"""

import json
from dataclasses import dataclass

import cel
import pytest

from guidance import engine
from guidance.facts import FACTS, validate_case
from guidance.loading import RULES_FILE, read_rules

ACTIVE = {"recommend", "consider"}


@pytest.fixture(scope="module")
def v1():
    return engine.compile_guidance(slug="sm-management", version=1, title="v1", rules=read_rules())


def case(**facts):
    facts.setdefault("subtype", "ISM")
    return validate_case(facts)


def fired(v1, **facts):
    return engine.evaluate(case(**facts), v1)


def by_rule(recommendations):
    return {r.rule: r for r in recommendations}


GI_SYMPTOMS = ("abdominal_pain", "heartburn", "cramping", "diarrhea")
UNRESPONSIVE_TO_ALL = {
    "antihistamine_response": "unresponsive",
    "antileukotriene_response": "unresponsive",
    "omalizumab_response": "unresponsive",
}


@dataclass(frozen=True)
class Row:
    rule: str
    paragraph: str
    kind: str
    fires: tuple  # (case facts, words the reason must contain)
    silent: tuple  # case facts where the rule must not fire


RULES = [
    Row(
        "carry-epinephrine",
        "recurrent-anaphylaxis",
        "caution",
        fires=(
            ({"symptoms": ["recurrent_anaphylaxis"]}, ["recurrent anaphylaxis present"]),
            ({"symptoms": ["hemodynamic_instability", "flushing"]}, ["hemodynamic instability present"]),
        ),
        silent=({}, {"symptoms": ["flushing", "pruritus", "diarrhea"]}, {"venom_allergy": True}),
    ),
    Row(
        "aspirin-needs-nsaid-tolerance",
        "flushing",
        "caution",
        fires=(
            (
                {"symptoms": ["flushing"], "antihistamine_response": "unresponsive"},
                ["flushing present", "antihistamine_response = unresponsive", "nsaid_tolerance = unknown"],
            ),
            (
                {"symptoms": ["flushing"], "antihistamine_response": "unresponsive", "nsaid_tolerance": "intolerant"},
                ["nsaid_tolerance = intolerant"],
            ),
        ),
        silent=(
            {"symptoms": ["flushing"], "antihistamine_response": "unresponsive", "nsaid_tolerance": "tolerant"},
            {"symptoms": ["flushing"], "antihistamine_response": "responsive"},
            {"symptoms": ["flushing"], "antihistamine_response": "not_tried"},
            {"symptoms": ["pruritus"], "antihistamine_response": "unresponsive"},
        ),
    ),
    Row(
        "cytoreduction-only-when-options-exhausted",
        "ism-ssm",
        "caution",
        fires=(
            ({"symptoms": ["recurrent_anaphylaxis"]}, ["subtype = ISM", "recurrent anaphylaxis present"]),
            (
                {
                    "subtype": "SSM",
                    "symptoms": ["recurrent_anaphylaxis"],
                    **UNRESPONSIVE_TO_ALL,
                    "omalizumab_response": "responsive",
                },
                ["subtype = SSM", "omalizumab_response = responsive"],
            ),
        ),
        silent=(
            {"symptoms": ["recurrent_anaphylaxis"], **UNRESPONSIVE_TO_ALL},
            {"subtype": "ASM", "symptoms": ["recurrent_anaphylaxis"]},
            {"subtype": "BMM", "symptoms": ["recurrent_anaphylaxis"]},
            {"symptoms": ["hemodynamic_instability"]},
        ),
    ),
    Row(
        "asm-kit-status-unknown",
        "aggressive-sm",
        "caution",
        fires=(({"subtype": "ASM"}, ["subtype = ASM", "kit_d816v = unknown"]),),
        silent=(
            {"subtype": "ASM", "kit_d816v": "positive"},
            {"subtype": "ASM", "kit_d816v": "negative"},
            {"subtype": "ISM", "kit_d816v": "unknown"},
            {"subtype": "SM-AHN"},
        ),
    ),
    Row(
        "maximise-anti-mediators",
        "recurrent-anaphylaxis",
        "recommend",
        fires=(
            ({"symptoms": ["recurrent_anaphylaxis"]}, ["recurrent anaphylaxis present"]),
            ({"symptoms": ["hemodynamic_instability"]}, ["hemodynamic instability present"]),
        ),
        silent=({}, {"symptoms": ["flushing", "fracture"]}),
    ),
    Row(
        "omalizumab-for-recurrent-anaphylaxis",
        "omalizumab",
        "consider",
        fires=(({"symptoms": ["recurrent_anaphylaxis"]}, ["recurrent anaphylaxis present"]),),
        silent=({"symptoms": ["hemodynamic_instability"]}, {}, {"venom_allergy": True}),
    ),
    Row(
        "h1-for-cutaneous-symptoms",
        "antihistamines",
        "recommend",
        fires=(
            ({"symptoms": ["flushing"]}, ["flushing present"]),
            ({"symptoms": ["pruritus", "diarrhea"]}, ["pruritus present"]),
        ),
        silent=({}, {"symptoms": ["abdominal_pain", "heartburn", "cramping", "diarrhea"]}),
    ),
    Row(
        "h2-for-gastrointestinal-symptoms",
        "antihistamines",
        "recommend",
        fires=tuple(({"symptoms": [s]}, [f"{s.replace('_', ' ')} present"]) for s in GI_SYMPTOMS),
        silent=({}, {"symptoms": ["flushing", "pruritus"]}, {"symptoms": ["malabsorption", "ascites"]}),
    ),
    Row(
        "antileukotriene-after-antihistamines",
        "antileukotrienes",
        "consider",
        fires=tuple(
            ({"symptoms": [s], "antihistamine_response": "unresponsive"}, [f"{s} present", "= unresponsive"])
            for s in ("flushing", "pruritus", "cramping")
        ),
        silent=(
            {"symptoms": ["flushing", "pruritus", "cramping"], "antihistamine_response": "responsive"},
            {"symptoms": ["flushing", "pruritus", "cramping"], "antihistamine_response": "not_tried"},
            {"symptoms": ["diarrhea", "heartburn"], "antihistamine_response": "unresponsive"},
        ),
    ),
    Row(
        "aspirin-for-refractory-flushing",
        "flushing",
        "consider",
        fires=(
            (
                {"symptoms": ["flushing"], "antihistamine_response": "unresponsive", "nsaid_tolerance": "tolerant"},
                ["flushing present", "antihistamine_response = unresponsive", "nsaid_tolerance = tolerant"],
            ),
        ),
        silent=(
            {"symptoms": ["flushing"], "antihistamine_response": "unresponsive", "nsaid_tolerance": "intolerant"},
            {"symptoms": ["flushing"], "antihistamine_response": "unresponsive", "nsaid_tolerance": "unknown"},
            {"symptoms": ["flushing"], "antihistamine_response": "responsive", "nsaid_tolerance": "tolerant"},
            {"symptoms": ["pruritus"], "antihistamine_response": "unresponsive", "nsaid_tolerance": "tolerant"},
        ),
    ),
    Row(
        "gi-cromolyn-h2-ppi",
        "gastrointestinal",
        "recommend",
        fires=(
            *(({"symptoms": [s]}, [f"{s.replace('_', ' ')} present"]) for s in GI_SYMPTOMS),
            ({"symptoms": ["malabsorption"]}, ["malabsorption present"]),
            ({"symptoms": ["ascites", "flushing"]}, ["ascites present"]),
        ),
        silent=({}, {"symptoms": ["flushing", "pruritus", "osteoporosis", "recurrent_anaphylaxis"]}),
    ),
    Row(
        "asm-oral-glucocorticoids",
        "gastrointestinal",
        "recommend",
        fires=(
            ({"subtype": "ASM", "symptoms": ["malabsorption"]}, ["subtype = ASM", "malabsorption present"]),
            ({"subtype": "ASM", "symptoms": ["ascites"]}, ["subtype = ASM", "ascites present"]),
        ),
        silent=(
            {"subtype": "ISM", "symptoms": ["malabsorption", "ascites"]},
            {"subtype": "SSM", "symptoms": ["malabsorption"]},
            {"subtype": "SM-AHN", "symptoms": ["ascites"]},
            {"subtype": "ASM", "symptoms": ["diarrhea", "abdominal_pain"]},
            {"subtype": "ASM"},
        ),
    ),
    Row(
        "calcium-and-vitamin-d",
        "osteoporosis",
        "recommend",
        fires=(
            ({"symptoms": ["osteoporosis"]}, ["osteoporosis present"]),
            ({"symptoms": ["fracture"]}, ["fracture present"]),
        ),
        silent=({}, {"symptoms": ["flushing", "diarrhea"]}),
    ),
    Row(
        "pamidronate-interferon-for-fracture",
        "osteoporosis",
        "recommend",
        fires=(({"symptoms": ["osteoporosis", "fracture"]}, ["fracture present"]),),
        silent=({"symptoms": ["osteoporosis"]}, {}),
    ),
    Row(
        "second-line-after-omalizumab",
        "refractory",
        "consider",
        fires=(
            (
                {"antihistamine_response": "unresponsive", "omalizumab_response": "unresponsive"},
                ["antihistamine_response = unresponsive", "omalizumab_response = unresponsive", "kit_d816v = unknown"],
            ),
            (
                {
                    "antihistamine_response": "unresponsive",
                    "omalizumab_response": "unresponsive",
                    "kit_d816v": "positive",
                },
                ["kit_d816v = positive"],
            ),
        ),
        silent=(
            {"antihistamine_response": "unresponsive", "omalizumab_response": "responsive"},
            {"antihistamine_response": "unresponsive", "omalizumab_response": "not_tried"},
            {"antihistamine_response": "responsive", "omalizumab_response": "unresponsive"},
            {"antihistamine_response": "unresponsive", "antileukotriene_response": "unresponsive"},
        ),
    ),
    Row(
        "cytoreduction-when-options-exhausted",
        "ism-ssm",
        "consider",
        fires=(
            (
                {"symptoms": ["recurrent_anaphylaxis"], **UNRESPONSIVE_TO_ALL},
                ["subtype = ISM", "recurrent anaphylaxis"],
            ),
            (
                {"subtype": "SSM", "symptoms": ["recurrent_anaphylaxis"], **UNRESPONSIVE_TO_ALL},
                ["subtype = SSM", "antileukotriene_response = unresponsive", "omalizumab_response = unresponsive"],
            ),
        ),
        silent=(
            *(
                {"symptoms": ["recurrent_anaphylaxis"], **UNRESPONSIVE_TO_ALL, response: other}
                for response in UNRESPONSIVE_TO_ALL
                for other in ("responsive", "not_tried")
            ),
            {"subtype": "ASM", "symptoms": ["recurrent_anaphylaxis"], **UNRESPONSIVE_TO_ALL},
            {"subtype": "SM-AHN", "symptoms": ["recurrent_anaphylaxis"], **UNRESPONSIVE_TO_ALL},
            {"symptoms": ["hemodynamic_instability"], **UNRESPONSIVE_TO_ALL},
        ),
    ),
    Row(
        "asm-cytoreduction-by-mutation-status",
        "aggressive-sm",
        "recommend",
        fires=(
            (
                {"subtype": "ASM", "kit_d816v": "positive", "hct_eligible": "no"},
                ["subtype = ASM", "kit_d816v = positive", "hct_eligible = no"],
            ),
        ),
        silent=({"subtype": "ISM", "kit_d816v": "positive"}, {"subtype": "SM-AHN"}, {"subtype": "MCL"}),
    ),
    Row(
        "asm-hct-bridge",
        "aggressive-sm",
        "recommend",
        fires=(({"subtype": "ASM", "hct_eligible": "yes"}, ["subtype = ASM", "hct_eligible = yes"]),),
        silent=(
            {"subtype": "ASM", "hct_eligible": "no"},
            {"subtype": "ASM", "hct_eligible": "unknown"},
            {"subtype": "SM-AHN", "hct_eligible": "yes"},
        ),
    ),
    Row(
        "sm-ahn-treat-associated-disorder",
        "sm-ahn",
        "recommend",
        fires=(({"subtype": "SM-AHN", "hct_eligible": "yes"}, ["subtype = SM-AHN", "hct_eligible = yes"]),),
        silent=({"subtype": "ASM"}, {"subtype": "MCL"}, {"subtype": "unknown"}),
    ),
    Row(
        "mcl-no-standard-treatment",
        "mast-cell-leukemia",
        "info",
        fires=(({"subtype": "MCL"}, ["subtype = MCL"]),),
        silent=({"subtype": "ASM"}, {"subtype": "SM-AHN"}),
    ),
    Row(
        "venom-immunotherapy",
        "venom-allergy",
        "recommend",
        fires=(({"venom_allergy": True}, ["venom_allergy = true"]),),
        silent=({"venom_allergy": False}, {"symptoms": ["recurrent_anaphylaxis"]}),
    ),
]

FIRES = [
    pytest.param(row, facts, words, id=f"{row.rule}-{n}") for row in RULES for n, (facts, words) in enumerate(row.fires)
]
SILENT = [pytest.param(row, facts, id=f"{row.rule}-{n}") for row in RULES for n, facts in enumerate(row.silent)]


def test_it_has_a_row_for_every_rule_of_version_one():
    in_file = [item["rule"] for item in json.loads(RULES_FILE.read_text())["rules"]]
    assert sorted(in_file) == sorted(row.rule for row in RULES)


@pytest.mark.parametrize(("row", "facts", "words"), FIRES)
def test_it_fires_the_rule_citing_its_paragraph_with_a_reason(v1, row, facts, words):
    recommendation = by_rule(fired(v1, **facts)).get(row.rule)

    assert recommendation is not None, f"{row.rule} did not fire for {facts}"
    assert (recommendation.paragraph, recommendation.kind) == (row.paragraph, row.kind)
    for word in words:
        assert word in recommendation.reason


@pytest.mark.parametrize(("row", "facts"), SILENT)
def test_it_keeps_the_rule_silent_at_its_boundary(v1, row, facts):
    assert row.rule not in by_rule(fired(v1, **facts))


# The contract's table, row by row, by paragraph and kind rather than by rule id:
# it holds whatever the rules are called.
CONTRACT = [
    (
        "antihistamines",
        "recommend",
        {"symptoms": ["heartburn"]},
        {"symptoms": ["osteoporosis", "malabsorption"]},
    ),
    (
        "antileukotrienes",
        "consider",
        {"symptoms": ["cramping"], "antihistamine_response": "unresponsive"},
        {"symptoms": ["cramping"], "antihistamine_response": "responsive"},
    ),
    (
        "recurrent-anaphylaxis",
        "recommend",
        {"symptoms": ["hemodynamic_instability"]},
        {"symptoms": ["flushing"]},
    ),
    ("omalizumab", "consider", {"symptoms": ["recurrent_anaphylaxis"]}, {"symptoms": ["hemodynamic_instability"]}),
    (
        "flushing",
        "consider",
        {"symptoms": ["flushing"], "antihistamine_response": "unresponsive", "nsaid_tolerance": "tolerant"},
        {"symptoms": ["flushing"], "antihistamine_response": "unresponsive", "nsaid_tolerance": "unknown"},
    ),
    (
        "flushing",
        "caution",
        {"symptoms": ["flushing"], "antihistamine_response": "unresponsive", "nsaid_tolerance": "intolerant"},
        {"symptoms": ["flushing"], "antihistamine_response": "unresponsive", "nsaid_tolerance": "tolerant"},
    ),
    ("gastrointestinal", "recommend", {"symptoms": ["ascites"]}, {"symptoms": ["pruritus"]}),
    ("osteoporosis", "recommend", {"symptoms": ["fracture"]}, {"symptoms": ["ascites"]}),
    (
        "refractory",
        "consider",
        {"antihistamine_response": "unresponsive", "omalizumab_response": "unresponsive"},
        {"antihistamine_response": "unresponsive", "omalizumab_response": "responsive"},
    ),
    (
        "ism-ssm",
        "consider",
        {"subtype": "SSM", "symptoms": ["recurrent_anaphylaxis"], **UNRESPONSIVE_TO_ALL},
        {
            "subtype": "SSM",
            "symptoms": ["recurrent_anaphylaxis"],
            **UNRESPONSIVE_TO_ALL,
            "antileukotriene_response": "not_tried",
        },
    ),
    ("aggressive-sm", "recommend", {"subtype": "ASM"}, {"subtype": "SSM"}),
    ("sm-ahn", "recommend", {"subtype": "SM-AHN"}, {"subtype": "ASM"}),
    ("mast-cell-leukemia", "info", {"subtype": "MCL"}, {"subtype": "SM-AHN"}),
    ("venom-allergy", "recommend", {"venom_allergy": True}, {"venom_allergy": False}),
]


@pytest.mark.parametrize(
    ("paragraph", "kind", "fires", "silent"), CONTRACT, ids=[f"{p}-{k}" for p, k, _, _ in CONTRACT]
)
def test_it_follows_the_contract_table(v1, paragraph, kind, fires, silent):
    assert (paragraph, kind) in {(r.paragraph, r.kind) for r in fired(v1, **fires)}
    assert (paragraph, kind) not in {(r.paragraph, r.kind) for r in fired(v1, **silent)}


def test_it_recommends_h1_and_h2_for_the_symptoms_each_treats(v1):
    summaries = {r.rule: r.summary for r in fired(v1, symptoms=["flushing", "diarrhea"])}

    assert "H1" in summaries["h1-for-cutaneous-symptoms"]
    assert "H2" in summaries["h2-for-gastrointestinal-symptoms"]


@pytest.mark.parametrize("tolerance", ["intolerant", "unknown"])
def test_it_cautions_against_aspirin_and_does_not_offer_it_without_known_nsaid_tolerance(v1, tolerance):
    recommendations = fired(v1, symptoms=["flushing"], antihistamine_response="unresponsive", nsaid_tolerance=tolerance)

    flushing = {r.kind for r in recommendations if r.paragraph == "flushing"}
    assert flushing == {"caution"}


def test_it_offers_aspirin_without_caution_when_the_patient_tolerates_nsaids(v1):
    recommendations = fired(
        v1, symptoms=["flushing"], antihistamine_response="unresponsive", nsaid_tolerance="tolerant"
    )

    assert {r.kind for r in recommendations if r.paragraph == "flushing"} == {"consider"}


@pytest.mark.parametrize("subtype", ["ISM", "SSM"])
def test_it_considers_cytoreduction_only_when_every_other_option_has_failed(v1, subtype):
    recommendations = fired(v1, subtype=subtype, symptoms=["recurrent_anaphylaxis"], **UNRESPONSIVE_TO_ALL)

    assert {r.kind for r in recommendations if r.paragraph == "ism-ssm"} == {"consider"}


@pytest.mark.parametrize("subtype", ["ISM", "SSM"])
@pytest.mark.parametrize("response", sorted(UNRESPONSIVE_TO_ALL))
@pytest.mark.parametrize("other", ["responsive", "not_tried"])
def test_it_cautions_instead_of_cytoreduction_while_an_option_remains(v1, subtype, response, other):
    facts = {**UNRESPONSIVE_TO_ALL, response: other}
    recommendations = fired(v1, subtype=subtype, symptoms=["recurrent_anaphylaxis"], **facts)

    ism_ssm = [r for r in recommendations if r.paragraph == "ism-ssm"]
    assert [r.kind for r in ism_ssm] == ["caution"]
    assert f"{response} = {other}" in ism_ssm[0].reason


@pytest.mark.parametrize("subtype", ["ISM", "SSM", "BMM", "unknown"])
def test_nothing_fires_for_an_asymptomatic_indolent_case_without_venom_allergy(v1, subtype):
    assert fired(v1, subtype=subtype, symptoms=[], venom_allergy=False) == []


def test_nothing_fires_even_with_every_other_fact_recorded_when_asymptomatic(v1):
    facts = {
        "nsaid_tolerance": "tolerant",
        "kit_d816v": "positive",
        "hct_eligible": "yes",
        "serum_tryptase_ng_ml": 250,
        "age_years": 60,
        "antihistamine_response": "responsive",
    }
    assert fired(v1, subtype="ISM", **facts) == []


@pytest.mark.parametrize("subtype", sorted(FACTS["subtype"].values))
@pytest.mark.parametrize("symptoms", [[], ["flushing", "recurrent_anaphylaxis", "malabsorption", "fracture"]])
def test_tryptase_and_age_never_change_the_recommendations(v1, subtype, symptoms):
    baseline = fired(v1, subtype=subtype, symptoms=symptoms)

    for tryptase, age in [(0, 0), (19.9, 30), (200, 75), (100000, 120)]:
        with_labs = fired(v1, subtype=subtype, symptoms=symptoms, serum_tryptase_ng_ml=tryptase, age_years=age)
        assert [(r.rule, r.kind) for r in with_labs] == [(r.rule, r.kind) for r in baseline]


@pytest.mark.parametrize("subtype", sorted(FACTS["subtype"].values))
def test_kit_status_changes_only_the_rules_that_mention_it(v1, subtype):
    about_kit = {rule.spec.rule_id for rule in v1.rules if "kit_d816v" in rule.variables + tuple(rule.spec.mentions)}
    facts = {"symptoms": ["flushing"], "antihistamine_response": "unresponsive", "omalizumab_response": "unresponsive"}
    by_status = {
        status: {r.rule for r in fired(v1, subtype=subtype, kit_d816v=status, **facts)}
        for status in FACTS["kit_d816v"].values
    }

    changed = set.union(*by_status.values()) - set.intersection(*by_status.values())
    assert changed <= about_kit


def test_a_high_tryptase_and_kit_mutation_do_not_restage_indolent_disease(v1):
    recommendations = fired(v1, subtype="ISM", kit_d816v="positive", serum_tryptase_ng_ml=500)

    assert recommendations == []


def test_it_returns_recommendations_in_rule_order(v1):
    everything = case(
        subtype="ASM",
        symptoms=list(FACTS["symptoms"].values),
        venom_allergy=True,
        **UNRESPONSIVE_TO_ALL,
    )
    order = [rule.spec.rule_id for rule in v1.rules]

    rules = [r.rule for r in engine.evaluate(everything, v1)]

    assert rules == sorted(rules, key=order.index)
    assert len(rules) > 10


def test_a_paragraph_may_be_cited_by_two_rules(v1):
    paragraphs = [r.paragraph for r in fired(v1, symptoms=["recurrent_anaphylaxis"])]

    assert paragraphs.count("recurrent-anaphylaxis") == 2


def test_a_recommendation_carries_the_contract_fields_and_the_facts_shown(v1):
    (recommendation,) = fired(v1, subtype="MCL")

    assert recommendation.as_dict() == {
        "paragraph": "mast-cell-leukemia",
        "kind": "info",
        "summary": "No standard treatment for mast cell leukemia; poor prognosis overall",
        "rule": "mcl-no-standard-treatment",
        "reason": "subtype = MCL",
    }
    assert recommendation.facts == {"subtype": "MCL"}


def test_the_reason_shows_mentioned_facts_the_condition_does_not_test(v1):
    recommendation = by_rule(fired(v1, subtype="ASM", kit_d816v="negative", hct_eligible="no"))[
        "asm-cytoreduction-by-mutation-status"
    ]

    assert recommendation.reason == "subtype = ASM; kit_d816v = negative; hct_eligible = no"
    assert recommendation.facts == {"subtype": "ASM", "kit_d816v": "negative", "hct_eligible": "no"}


def test_the_reason_names_only_the_symptoms_the_rule_tests(v1):
    recommendation = by_rule(fired(v1, symptoms=["flushing", "diarrhea", "fracture"]))[
        "h2-for-gastrointestinal-symptoms"
    ]

    assert recommendation.reason == "diarrhea present"


def test_it_does_not_change_the_facts_it_is_given(v1):
    facts = case(symptoms=["flushing"], antihistamine_response="unresponsive")
    before = dict(facts)

    engine.evaluate(facts, v1)

    assert facts == before


def _guidance_with_unchecked_rule(condition, variables):
    """A compiled rule that skipped compile_rule's dry run, as only a bug could make."""
    spec = engine.RuleSpec(
        rule_id="tryptase-over-20", paragraph="overview", kind="info", summary="s", condition=condition
    )
    rule = engine.CompiledRule(spec=spec, program=cel.compile(condition), variables=variables, literals=frozenset())
    return engine.CompiledGuidance(slug="sm-management", version=9, title="t", rules=(rule,), variables=variables)


def test_a_rule_that_fails_at_runtime_raises_an_evaluation_error_naming_it():
    guidance = _guidance_with_unchecked_rule("serum_tryptase_ng_ml > 20", ("serum_tryptase_ng_ml",))

    with pytest.raises(engine.EvaluationError, match="tryptase-over-20"):
        engine.evaluate(case(), guidance)


def test_the_same_unchecked_rule_runs_when_the_fact_is_there():
    guidance = _guidance_with_unchecked_rule("serum_tryptase_ng_ml > 20", ("serum_tryptase_ng_ml",))

    assert [r.rule for r in engine.evaluate(case(serum_tryptase_ng_ml=25), guidance)] == ["tryptase-over-20"]


def test_a_rule_compares_an_integer_tryptase_as_a_number():
    spec = engine.RuleSpec(
        rule_id="double-tryptase",
        paragraph="overview",
        kind="info",
        summary="s",
        condition="serum_tryptase_ng_ml != null && serum_tryptase_ng_ml * 1.5 > 30.0",
    )
    guidance = engine.compile_guidance(slug="sm-management", version=9, title="t", rules=[spec])

    assert [r.rule for r in engine.evaluate(case(serum_tryptase_ng_ml=25), guidance)] == ["double-tryptase"]
    assert engine.evaluate(case(serum_tryptase_ng_ml=10), guidance) == []
