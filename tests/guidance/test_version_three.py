"""Guidance version 3: lines say what they offer, twelve properties over interventions, notices.

../shared/spec/evaluation-contract.md, "Version 3". Version 3 is published by `manage.py
load_guidance` from data/version-3.json; here its properties are proven, each property is shown to catch a
planted fault, and a sweep of generated cases is checked against the contract's definitions read
independently (tests/guidance/contract_v3.py).
"""

import dataclasses
import io
import json
import random
from pathlib import Path

import pytest
from django.core.management import call_command

from guidance import engine, notices, properties
from guidance.evaluation import evaluation_as_json
from guidance.facts import validate_case
from guidance.loading import VERSION_THREE_FILE, properties_from_data, rules_from_data
from guidance.models import GuidanceVersion

from .contract_v3 import broken

pytestmark = pytest.mark.django_db
DATA = json.loads(VERSION_THREE_FILE.read_text())
SPECS = rules_from_data(DATA)
PROPERTIES = {spec.property_id: spec for spec in properties_from_data(DATA)}
GOLDEN_V2 = json.loads((Path(__file__).resolve().parent.parent / "data" / "guidance-v2-outputs.json").read_text())
SYMPTOMS = [
    "flushing", "pruritus", "abdominal_pain", "heartburn", "cramping", "diarrhea", "recurrent_anaphylaxis",
    "hemodynamic_instability", "osteoporosis", "fracture", "malabsorption", "ascites",
]  # fmt: skip


def compiled(specs=SPECS):
    return engine.compile_guidance(slug="sm-management", version=3, title="v3", rules=specs, edition=3)


def prove(property_id, specs=SPECS):
    guidance = compiled(specs)
    prop = properties.compile_property(PROPERTIES[property_id], rule_ids=[s.rule_id for s in specs])
    return properties.prove(prop, guidance)


def test_version_three_is_published_from_version_two_as_edition_three(published_version):
    assert (published_version.number, published_version.edition) == (3, 3)
    two = GuidanceVersion.objects.get(number=2)
    assert (two.status, two.edition, published_version.based_on_id) == ("retired", 2, two.pk)
    assert published_version.rules.count() == len(SPECS)
    assert published_version.safety_properties.filter(each_intervention=True).count() == 3


def test_check_guidance_proves_all_twelve_properties():
    out = io.StringIO()
    call_command("check_guidance", stdout=out)
    assert "12 of 12 properties hold" in out.getvalue()


def test_version_two_breaks_the_properties_of_version_three():
    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("check_guidance", "--version", "2", "--properties-from", "3", stdout=out)
    assert exit_.value.code == 1
    assert "epinephrine-when-anaphylaxis-is-a-risk: FAILS" in out.getvalue()
    assert "counterexample:" in out.getvalue()


def _replace(specs, rule_id, **changes):
    found = [spec for spec in specs if spec.rule_id == rule_id]
    assert found, rule_id
    return [dataclasses.replace(spec, **changes) if spec.rule_id == rule_id else spec for spec in specs]


def _without(specs, rule_id):
    assert any(spec.rule_id == rule_id for spec in specs), rule_id
    return [spec for spec in specs if spec.rule_id != rule_id]


def _condition(rule_id):
    return next(spec.condition for spec in SPECS if spec.rule_id == rule_id)


RAHI = '!("recurrent_anaphylaxis" in symptoms || "hemodynamic_instability" in symptoms)'
# Each property, and a fault in the rules that it must catch.
PLANTED = {
    "withheld-is-not-offered": _replace(
        SPECS, "asm-agents-kit-status-unknown", offers=(("cladribine", "start"), ("imatinib", "start"))
    ),
    "cytoreduction-outside-advanced-is-qualified": _without(SPECS, "cytoreduction-last-resort"),
    "failed-is-not-started-again": _replace(
        SPECS,
        "h1-for-cutaneous-symptoms",
        condition=_condition("h1-for-cutaneous-symptoms").replace(' && antihistamine_response != "unresponsive"', ""),
    ),
    "no-imatinib-with-d816v": _replace(
        SPECS, "asm-agents-kit-d816v-positive", offers=(("midostaurin", "start"), ("imatinib", "start"))
    ),
    "kit-choice-needs-kit-status": _without(SPECS, "tki-needs-kit-status"),
    "epinephrine-when-anaphylaxis-is-a-risk": _without(SPECS, "epinephrine-for-venom-allergy"),
    "one-line-per-intervention": _replace(
        SPECS,
        "h1-for-cutaneous-symptoms",
        condition=_condition("h1-for-cutaneous-symptoms").replace(f" && {RAHI}", ""),
    ),
    "second-line-needs-mediator-symptoms": _replace(
        SPECS,
        "second-line-refractory",
        condition=_condition("second-line-refractory").replace(
            'symptoms.exists(s, s in ["flushing", "pruritus", "abdominal_pain", "heartburn", "cramping", '
            '"diarrhea", "recurrent_anaphylaxis", "hemodynamic_instability"])',
            "size(symptoms) > 0",
        ),
    ),
    "aspirin-only-when-tolerated": _replace(
        SPECS,
        "aspirin-for-refractory-flushing",
        condition='"flushing" in symptoms && antihistamine_response == "unresponsive"',
    ),
    "transplant-never-when-ineligible": _replace(SPECS, "sm-ahn-hct-maintenance", condition='subtype == "SM-AHN"'),
}


@pytest.mark.parametrize("property_id", sorted(PLANTED))
def test_each_property_catches_a_planted_fault_in_the_rules(property_id):
    assert prove(property_id).holds
    proof = prove(property_id, PLANTED[property_id])
    assert not proof.holds
    assert proof.counterexample is not None


def test_no_dead_end_catches_a_notice_that_is_never_shown(monkeypatch):
    """The nothing-further notice is the product's: the fault to catch is in its code, not in the rules."""
    assert prove("no-dead-end").holds
    real = notices.notices_given

    def forgetful(facts, *, way_forward, read):
        return [n for n in real(facts, way_forward=way_forward, read=read) if n["id"] != "nothing-further-in-source"]

    monkeypatch.setattr(properties, "notices_given", forgetful)
    proof = prove("no-dead-end")
    assert not proof.holds
    assert proof.counterexample["symptoms"]


def test_unused_facts_catches_a_fact_left_out_of_the_notice(monkeypatch):
    assert prove("unused-facts-are-said").holds
    real = notices.facts_not_used
    monkeypatch.setattr(
        notices, "facts_not_used", lambda facts, read: tuple(f for f in real(facts, read) if f != "age_years")
    )
    proof = prove("unused-facts-are-said")
    assert not proof.holds
    assert "age_years" in proof.counterexample


def _case(rng):
    case = {
        "subtype": rng.choice(["BMM", "ISM", "SSM", "ASM", "SM-AHN", "MCL", "unknown"]),
        "symptoms": [s for s in SYMPTOMS if rng.random() < 0.22],
    }
    for name, values in (
        ("antihistamine_response", ["not_tried", "responsive", "unresponsive"]),
        ("antileukotriene_response", ["not_tried", "responsive", "unresponsive"]),
        ("omalizumab_response", ["not_tried", "responsive", "unresponsive"]),
        ("nsaid_tolerance", ["tolerant", "intolerant", "unknown"]),
        ("venom_allergy", ["yes", "no", "unknown", True, False]),
        ("kit_d816v", ["positive", "negative", "unknown"]),
        ("hct_eligible", ["yes", "no", "unknown"]),
    ):
        if rng.random() < 0.8:
            case[name] = rng.choice(values)
    if rng.random() < 0.3:
        case["age_years"] = rng.randint(0, 100)
    if rng.random() < 0.3:
        case["serum_tryptase_ng_ml"] = round(rng.uniform(1, 400), 1)
    return case


def test_a_sweep_of_generated_cases_keeps_the_contracts_definitions(published_version):
    read = set(compiled().variables)
    rng = random.Random(18)
    failures = []
    for _ in range(3000):
        case = _case(rng)
        output = json.loads(json.dumps(evaluation_as_json(facts=validate_case(case), version=published_version)))
        bad = broken(case, output, read)
        if bad:
            failures.append((case, bad))
    assert failures == []


def test_the_contract_checker_itself_catches_a_broken_output():
    """The sweep's reader is not vacuous: an output that re-offers a failed drug is flagged."""
    case = {"subtype": "ISM", "symptoms": ["flushing"], "antihistamine_response": "unresponsive"}
    output = {
        "recommendations": [
            {"rule": "x", "kind": "recommend", "offers": [{"intervention": "h1-antihistamine", "intent": "start"}],
             "about": [], "effect": None, "because": []}
        ],
        "notices": [],
    }  # fmt: skip
    assert "failed-is-not-started-again" in broken(case, output, {"subtype", "symptoms", "antihistamine_response"})


@pytest.mark.parametrize("item", GOLDEN_V2["cases"], ids=[item["name"] for item in GOLDEN_V2["cases"]])
def test_version_two_answers_exactly_as_before(item, tmp_path):
    path = tmp_path / "case.json"
    path.write_text(json.dumps(item["case"]))
    out = io.StringIO()
    call_command("evaluate_case", str(path), "--guidance-version", "2", stdout=out)
    output = json.loads(out.getvalue())
    # The subtype check (WHO 2022) came later and answers under every version; the guidance's own
    # lines are what version 2 must keep, to the byte.
    assert {key: output[key] for key in ("guidance", "recommendations")} == item["output"]
    assert json.dumps(output["recommendations"], indent=2) == json.dumps(item["output"]["recommendations"], indent=2)
    assert set(output) == {"guidance", "recommendations", "classification", "notices"}


def test_lines_say_what_they_offer_and_why(published_version):
    facts = validate_case({"subtype": "ISM", "symptoms": ["flushing"], "antihistamine_response": "unresponsive",
                           "nsaid_tolerance": "intolerant", "venom_allergy": True, "age_years": 12})  # fmt: skip
    output = evaluation_as_json(facts=facts, version=published_version)
    lines = {line["rule"]: line for line in output["recommendations"]}
    assert lines["aspirin-nsaid-intolerant"]["about"] == ["aspirin"]
    assert lines["aspirin-nsaid-intolerant"]["effect"] == "withhold"
    assert lines["aspirin-nsaid-intolerant"]["offers"] == []
    assert lines["antileukotriene-after-antihistamines"]["offers"] == [
        {"intervention": "antileukotriene", "intent": "start"}
    ]
    assert lines["antileukotriene-after-antihistamines"]["effect"] is None
    assert {"fact": "antihistamine_response", "value": "unresponsive"} in lines["antileukotriene-after-antihistamines"][
        "because"
    ]
    assert "h1-for-cutaneous-symptoms" not in lines
    assert lines["epinephrine-for-venom-allergy"]["because"] == [{"fact": "venom_allergy", "value": "yes"}]
    notices = {notice["id"]: notice for notice in output["notices"]}
    assert set(notices) == {"outside-source-scope", "facts-not-used"}
    assert notices["facts-not-used"]["facts"] == ["age_years"]  # no management line reads the age


def test_jsonl_answers_each_line_in_order_and_names_the_refused_field(tmp_path):
    path = tmp_path / "cases.jsonl"
    path.write_text('{"subtype": "ASM", "kit_d816v": "positive"}\n{"subtype": "nope"}\nnot json\n{"subtype": "ISM"}\n')
    out = io.StringIO()
    call_command("evaluate_case", str(path), "--jsonl", stdout=out)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(lines) == 4
    assert "midostaurin" in {o["intervention"] for r in lines[0]["recommendations"] for o in r["offers"]}
    assert lines[1]["field"] == "subtype" and "nope" in lines[1]["error"]
    assert lines[2]["field"] == "case"
    assert lines[3]["guidance"]["version"] == 3
