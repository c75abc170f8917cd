"""Guidance version 2, rule by rule: each fires where the contract says, and at its boundary it does not.

Table-driven over the pure engine with the published version's own rules
(the database copy is checked equal to the data file first).
"""

import pytest

from guidance.engine import compile_guidance, evaluate
from guidance.evaluation import guidance_compiled
from guidance.facts import validate_case
from guidance.loading import read_version_two

SPECS, PROPERTIES, CHANGE_NOTE = read_version_two()
GUIDANCE = compile_guidance(slug="sm-management", version=2, title="v2", rules=SPECS)
ALL3 = {"antihistamine_response": "unresponsive", "antileukotriene_response": "unresponsive"} | {
    "omalizumab_response": "unresponsive"
}


def fired(**case):
    case.setdefault("subtype", "ISM")
    return {rec.rule for rec in evaluate(validate_case(case), GUIDANCE)}


# (rule id, a case where it fires, a nearby case where it must not)
TABLE = [
    ("carry-epinephrine", {"symptoms": ["hemodynamic_instability"]}, {"symptoms": ["flushing"]}),
    (
        "aspirin-nsaid-tolerance-unknown",
        {"symptoms": ["flushing"], "antihistamine_response": "unresponsive"},
        {"symptoms": ["flushing"], "antihistamine_response": "unresponsive", "nsaid_tolerance": "intolerant"},
    ),
    (
        "aspirin-nsaid-intolerant",
        {"symptoms": ["flushing"], "antihistamine_response": "unresponsive", "nsaid_tolerance": "intolerant"},
        {"symptoms": ["flushing"], "antihistamine_response": "responsive", "nsaid_tolerance": "intolerant"},
    ),
    (
        "cytoreduction-not-yet",
        {"subtype": "BMM", "symptoms": ["recurrent_anaphylaxis"], "antihistamine_response": "unresponsive"},
        {"subtype": "BMM", "symptoms": ["recurrent_anaphylaxis"], **ALL3},
    ),
    ("cytoreduction-not-yet", {"subtype": "unknown", "symptoms": ["recurrent_anaphylaxis"]}, {"subtype": "ASM"}),
    ("cytoreduction-last-resort", {"subtype": "SSM", "symptoms": ["pruritus"], **ALL3}, {"subtype": "SSM", **ALL3}),
    (
        "cytoreduction-last-resort",
        {"subtype": "unknown", "symptoms": ["diarrhea"], **ALL3},
        {"subtype": "ASM", "symptoms": ["diarrhea"], **ALL3},
    ),
    ("asm-kit-status-unknown", {"subtype": "ASM"}, {"subtype": "ASM", "kit_d816v": "negative"}),
    ("subtype-unknown", {"subtype": "unknown"}, {"subtype": "BMM"}),
    ("maximise-anti-mediators", {"symptoms": ["recurrent_anaphylaxis"]}, {"symptoms": ["fracture"]}),
    (
        "omalizumab-for-recurrent-anaphylaxis",
        {"symptoms": ["recurrent_anaphylaxis"], "omalizumab_response": "responsive"},
        {"symptoms": ["recurrent_anaphylaxis"], "omalizumab_response": "unresponsive"},
    ),
    (
        "omalizumab-for-recurrent-anaphylaxis",
        {"symptoms": ["recurrent_anaphylaxis"]},
        {"symptoms": ["hemodynamic_instability"]},
    ),
    ("h1-for-cutaneous-symptoms", {"symptoms": ["pruritus"]}, {"symptoms": ["cramping"]}),
    ("h2-for-gastrointestinal-symptoms", {"symptoms": ["heartburn"]}, {"symptoms": ["malabsorption"]}),
    (
        "antileukotriene-after-antihistamines",
        {"symptoms": ["cramping"], "antihistamine_response": "unresponsive"},
        {
            "symptoms": ["cramping"],
            "antihistamine_response": "unresponsive",
            "antileukotriene_response": "unresponsive",
        },
    ),
    (
        "antileukotriene-after-antihistamines",
        {"symptoms": ["pruritus"], "antihistamine_response": "unresponsive", "antileukotriene_response": "responsive"},
        {"symptoms": ["diarrhea"], "antihistamine_response": "unresponsive"},
    ),
    (
        "aspirin-for-refractory-flushing",
        {"symptoms": ["flushing"], "antihistamine_response": "unresponsive", "nsaid_tolerance": "tolerant"},
        {"symptoms": ["flushing"], "antihistamine_response": "unresponsive", "nsaid_tolerance": "unknown"},
    ),
    ("gi-cromolyn-h2-ppi", {"symptoms": ["malabsorption"]}, {"symptoms": ["ascites"]}),
    ("gi-cromolyn-h2-ppi", {"symptoms": ["abdominal_pain"]}, {"symptoms": ["osteoporosis"]}),
    (
        "asm-oral-glucocorticoids",
        {"subtype": "ASM", "symptoms": ["ascites"]},
        {"subtype": "SM-AHN", "symptoms": ["ascites"]},
    ),
    (
        "asm-oral-glucocorticoids",
        {"subtype": "ASM", "symptoms": ["malabsorption"]},
        {"subtype": "ASM", "symptoms": ["diarrhea"]},
    ),
    ("calcium-and-vitamin-d", {"symptoms": ["fracture"]}, {"symptoms": ["ascites"]}),
    ("pamidronate-interferon-for-fracture", {"symptoms": ["fracture", "osteoporosis"]}, {"symptoms": ["fracture"]}),
    ("second-line-refractory", {"subtype": "ASM", "symptoms": ["flushing"], **ALL3}, {"subtype": "ASM", **ALL3}),
    (
        "second-line-refractory",
        {"symptoms": ["flushing"], **ALL3},
        {"symptoms": ["flushing"], **ALL3, "antileukotriene_response": "not_tried"},
    ),
    (
        "cytoreduction-when-options-exhausted",
        {"subtype": "SSM", "symptoms": ["recurrent_anaphylaxis"], **ALL3},
        {"subtype": "BMM", "symptoms": ["recurrent_anaphylaxis"], **ALL3},
    ),
    ("asm-cytoreduction-by-mutation-status", {"subtype": "ASM"}, {"subtype": "SM-AHN"}),
    ("asm-transplant", {"subtype": "ASM", "hct_eligible": "yes"}, {"subtype": "ASM", "hct_eligible": "no"}),
    ("asm-hct-eligibility-unknown", {"subtype": "ASM"}, {"subtype": "ASM", "hct_eligible": "yes"}),
    ("advanced-sm-goals", {"subtype": "MCL"}, {"subtype": "SSM"}),
    ("sm-ahn-treat-associated-disorder", {"subtype": "SM-AHN"}, {"subtype": "MCL"}),
    (
        "sm-ahn-hct-maintenance",
        {"subtype": "SM-AHN", "hct_eligible": "unknown"},
        {"subtype": "SM-AHN", "hct_eligible": "no"},
    ),
    ("mcl-no-standard-treatment", {"subtype": "MCL"}, {"subtype": "ASM"}),
    ("venom-immunotherapy", {"venom_allergy": True}, {"venom_allergy": False}),
]


def test_the_table_covers_every_rule_of_version_two():
    assert {rule for rule, _, _ in TABLE} == {spec.rule_id for spec in SPECS}


@pytest.mark.parametrize(("rule", "fires", "boundary"), TABLE, ids=[f"{r}-{i}" for i, (r, _, _) in enumerate(TABLE)])
def test_each_rule_fires_and_stops_at_its_boundary(rule, fires, boundary):
    assert rule in fired(**fires)
    assert rule not in fired(**boundary)


KINDS = {
    "caution": {
        "carry-epinephrine",
        "aspirin-nsaid-tolerance-unknown",
        "aspirin-nsaid-intolerant",
        "cytoreduction-not-yet",
        "cytoreduction-last-resort",
        "asm-kit-status-unknown",
    },
    "info": {"subtype-unknown", "asm-hct-eligibility-unknown", "advanced-sm-goals", "mcl-no-standard-treatment"},
    "recommend": {
        "h1-for-cutaneous-symptoms",
        "asm-oral-glucocorticoids",
        "calcium-and-vitamin-d",
        "asm-cytoreduction-by-mutation-status",
        "asm-transplant",
        "sm-ahn-treat-associated-disorder",
        "venom-immunotherapy",
    },
}


def test_each_rule_has_the_kind_the_source_words_give():
    for spec in SPECS:
        expected = next((kind for kind, ids in KINDS.items() if spec.rule_id in ids), "consider")
        assert spec.kind == expected, spec.rule_id


def test_the_qualifiers_no_fact_captures_are_listed_to_confirm():
    confirm = {spec.rule_id: spec.confirm for spec in SPECS if spec.confirm}
    assert confirm == {
        "maximise-anti-mediators": ("despite trigger avoidance",),
        "aspirin-for-refractory-flushing": ("prominent flushing",),
        "asm-oral-glucocorticoids": ("severe malabsorption (when ascites is absent)",),
        "pamidronate-interferon-for-fracture": ("the fracture is osteoporosis-related",),
        "cytoreduction-when-options-exhausted": ("select patient", "all other options have been exhausted"),
        "sm-ahn-hct-maintenance": ("after the initial salvage therapy",),
    }


def test_the_tki_lines_mention_kit_status():
    mentions = {spec.rule_id: spec.mentions for spec in SPECS if spec.mentions}
    assert mentions == {
        "second-line-refractory": ("kit_d816v",),
        "asm-cytoreduction-by-mutation-status": ("kit_d816v",),
    }
    [line] = [
        r
        for r in evaluate(validate_case({"subtype": "ASM", "kit_d816v": "positive"}), GUIDANCE)
        if r.rule == "asm-cytoreduction-by-mutation-status"
    ]
    assert "kit_d816v = positive" in line.reason


def test_nothing_fires_for_an_asymptomatic_indolent_patient_without_venom_allergy():
    for subtype in ("BMM", "ISM", "SSM"):
        assert fired(subtype=subtype) == set()


@pytest.mark.django_db
def test_retired_version_two_holds_exactly_the_rules_of_the_data_file(published_version):
    version_two = published_version.guideline.versions.get(number=2)
    assert (published_version.number, version_two.status) == (3, "retired")
    assert [rule.spec for rule in guidance_compiled(version_two).rules] == SPECS
    assert version_two.property_specs() == PROPERTIES
    assert version_two.change_note == CHANGE_NOTE
