"""The subtype check (WHO 2022): table-driven cases, and thousands of generated cases against a reference.

The reference below is written from the contract's text alone ("Findings and the
subtype check (WHO 2022)" in ../shared/spec/evaluation-contract.md): its own
thresholds, a plain decision, and brute force over every filling-in of the
unknown facts. It shares no code with guidance/classification.
"""

import itertools
import random

import pytest

from guidance.classification import classification_record, classifier_for, classify_case
from guidance.classification.record import RecordError, record_from_data
from guidance.facts import validate_case

# The record in use is the published one in the database (guidance.models.ClassificationVersion).
pytestmark = pytest.mark.django_db

# The reference -------------------------------------------------------------------------------------

ENUMS = [
    "kit_d816v",
    "bm_mc_aggregates",
    "atypical_mc_morphology",
    "kit_other_activating_mutation",
    "mc_cd2_cd25_cd30",
    "hereditary_alpha_tryptasemia",
    "associated_hematologic_neoplasm",
    "skin_lesions",
    "myeloproliferation_or_dysplasia",
    "organomegaly_without_dysfunction",
    "hepatomegaly_with_dysfunction",
    "splenomegaly_with_hypersplenism",
    "osteolysis_with_fracture",
    "malabsorption_with_weight_loss",
]
# Values that cover each side of every threshold the contract names (and the ends of the ranges).
NUMBERS = {
    "serum_tryptase_ng_ml": [0, 20, 20.5, 124.9, 125, 199.9, 200, 100000],
    "bm_mc_infiltration_pct": [0, 29.9, 30, 100],
    "kit_d816v_vaf_pct": [0, 9.9, 10, 100],
    "hemoglobin_g_dl": [0, 9.9, 10, 30],
    "platelets_10e9_l": [0, 99.9, 100, 5000],
    "anc_10e9_l": [0, 0.99, 1, 500],
    "bm_aspirate_mc_pct": [0, 19.9, 20, 100],
}
ORDER = ["BMM", "ISM", "SSM", "ASM", "SM-AHN", "MCL", "not-SM"]
FACT_ORDER = [
    "kit_d816v",
    "serum_tryptase_ng_ml",
    "bm_mc_aggregates",
    "atypical_mc_morphology",
    "kit_other_activating_mutation",
    "mc_cd2_cd25_cd30",
    "hereditary_alpha_tryptasemia",
    "associated_hematologic_neoplasm",
    "skin_lesions",
    "bm_mc_infiltration_pct",
    "kit_d816v_vaf_pct",
    "myeloproliferation_or_dysplasia",
    "organomegaly_without_dysfunction",
    "hemoglobin_g_dl",
    "platelets_10e9_l",
    "anc_10e9_l",
    "hepatomegaly_with_dysfunction",
    "splenomegaly_with_hypersplenism",
    "osteolysis_with_fracture",
    "malabsorption_with_weight_loss",
    "bm_aspirate_mc_pct",
]


def ref_findings(f, listing=False):
    """(major, minors, B-findings, C-findings) as the contract defines them, for facts all known.

    `listing`: as the lists in the output count them, where hereditary alpha-tryptasemia or an
    associated neoplasm that is not known does not stop the tryptase counting (the contract's example
    lists the tryptase minor while the associated neoplasm is undecided)."""
    t = f["serum_tryptase_ng_ml"]
    hat_no = f["hereditary_alpha_tryptasemia"] == "no" or (listing and f["hereditary_alpha_tryptasemia"] == "unknown")
    ahn_no = f["associated_hematologic_neoplasm"] == "no" or (
        listing and f["associated_hematologic_neoplasm"] == "unknown"
    )
    minors = []
    if f["atypical_mc_morphology"] == "yes":
        minors.append("morphology")
    if f["kit_d816v"] == "positive" or f["kit_other_activating_mutation"] == "yes":
        minors.append("kit")
    if f["mc_cd2_cd25_cd30"] == "yes":
        minors.append("immunophenotype")
    if t > 20 and hat_no and ahn_no:
        minors.append("tryptase")
    b = []
    if f["bm_mc_infiltration_pct"] >= 30 or f["kit_d816v_vaf_pct"] >= 10 or (t >= 200 and hat_no):
        b.append("B1")
    if f["myeloproliferation_or_dysplasia"] == "yes":
        b.append("B2")
    if f["organomegaly_without_dysfunction"] == "yes":
        b.append("B3")
    c = []
    if f["hemoglobin_g_dl"] < 10 or f["platelets_10e9_l"] < 100 or f["anc_10e9_l"] < 1:
        c.append("C1")
    for name, finding in [
        ("hepatomegaly_with_dysfunction", "C2"),
        ("splenomegaly_with_hypersplenism", "C3"),
        ("osteolysis_with_fracture", "C4"),
        ("malabsorption_with_weight_loss", "C5"),
    ]:
        if f[name] == "yes":
            c.append(finding)
    return f["bm_mc_aggregates"] == "yes", minors, b, c


def ref_subtype(f):
    major, minors, b, c = ref_findings(f)
    if not ((major and minors) or len(minors) >= 3):
        return "not-SM"
    if f["bm_aspirate_mc_pct"] >= 20:
        return "MCL"
    if f["associated_hematologic_neoplasm"] == "yes":
        return "SM-AHN"
    if c:
        return "ASM"
    if len(b) >= 2:
        return "SSM"
    if f["skin_lesions"] == "no" and not b and f["serum_tryptase_ng_ml"] < 125:
        return "BMM"
    return "ISM"


def ref_unknown(f, name):
    return f[name] is None or f[name] == "unknown"


def ref_values(name):
    if name in NUMBERS:
        return NUMBERS[name]
    return ["positive", "negative"] if name == "kit_d816v" else ["yes", "no"]


def reference(case):
    facts = validate_case(case)
    unknown = [n for n in FACT_ORDER if ref_unknown(facts, n)]
    rows = []
    for combo in itertools.product(*(ref_values(n) for n in unknown)):
        filled = {**facts, **dict(zip(unknown, combo, strict=True))}
        rows.append((combo, filled, ref_subtype(filled)))
    possible = {row[2] for row in rows}
    undecided = []
    for i, name in enumerate(unknown):
        for value in ref_values(name):
            if {row[2] for row in rows if row[0][i] == value} != possible:
                undecided.append(name)
                break

    listing_unknown = [
        n for n in unknown if n not in ("hereditary_alpha_tryptasemia", "associated_hematologic_neoplasm")
    ]

    def certain(pick):
        """Each finding that every filling-in of the unknown facts (but the two exclusions) has."""
        sets = []
        for combo in itertools.product(*(ref_values(n) for n in listing_unknown)):
            filled = {**facts, **dict(zip(listing_unknown, combo, strict=True))}
            sets.append(set(pick(ref_findings(filled, listing=True))))
        return set.intersection(*sets)

    majors = {ref_findings(row[1])[0] for row in rows}
    recorded = facts["subtype"]
    listed = [s for s in ORDER if s in possible]
    return {
        "system": "WHO 2022",
        "sm_criteria_met": None if len(listed) > 1 and "not-SM" in listed else "not-SM" not in listed,
        "major": majors.pop() if len(majors) == 1 else None,
        "minor": [m for m in ["morphology", "kit", "immunophenotype", "tryptase"] if m in certain(lambda x: x[1])],
        "b_findings": sorted(certain(lambda x: x[2])),
        "c_findings": sorted(certain(lambda x: x[3])),
        "possible": listed,
        "supports": listed[0] if len(listed) == 1 else None,
        "undecided_by": undecided,
        "agrees_with_recorded": None if recorded == "unknown" else recorded in possible,
    }


def random_case(rng, unknown_share):
    case = {"subtype": rng.choice(["BMM", "ISM", "SSM", "ASM", "SM-AHN", "MCL", "unknown"])}
    for name in ENUMS:
        if rng.random() < unknown_share:
            continue  # left out: unknown
        values = ["positive", "negative"] if name == "kit_d816v" else ["yes", "no"]
        case[name] = rng.choice([*values, "unknown"])
    samples = {
        "serum_tryptase_ng_ml": [0, 15, 20, 20.01, 45, 124.9, 125, 150, 199.99, 200, 480, 100000],
        "bm_mc_infiltration_pct": [0, 10, 29.9, 30, 55, 100],
        "kit_d816v_vaf_pct": [0, 2, 9.99, 10, 40],
        "hemoglobin_g_dl": [0, 7.5, 9.99, 10, 13.1, 30],
        "platelets_10e9_l": [0, 62, 99.9, 100, 240, 5000],
        "anc_10e9_l": [0, 0.4, 0.999, 1, 3.2, 500],
        "bm_aspirate_mc_pct": [0, 2, 19.9, 20, 35, 100],
    }
    for name, values in samples.items():
        if rng.random() >= unknown_share:
            case[name] = rng.choice(values)
    return case


def test_the_reference_has_a_fact_order_equal_to_the_vocabularys():
    assert list(classifier_for().reads) == FACT_ORDER


@pytest.mark.parametrize("seed", range(4))
def test_it_agrees_with_the_contracts_reading_on_generated_cases(seed):
    """4 x 500 cases, from nearly all known to mostly unknown; every field of `classification`."""
    rng = random.Random(seed)
    for _ in range(500):
        # Brute force keeps the unknowns few enough; the engine itself has no such limit.
        case = random_case(rng, unknown_share=rng.choice([0.0, 0.1, 0.2, 0.3]))
        facts = validate_case(case)
        if sum(ref_unknown(facts, n) for n in FACT_ORDER) > 9:
            continue
        assert classify_case(facts).as_json() == reference(case), case


# Worked cases, table-driven ------------------------------------------------------------------------

ISM_BASE = {
    "subtype": "ISM",
    "bm_mc_aggregates": "yes",
    "atypical_mc_morphology": "no",
    "kit_other_activating_mutation": "no",
    "mc_cd2_cd25_cd30": "yes",
    "hereditary_alpha_tryptasemia": "no",
    "associated_hematologic_neoplasm": "no",
    "skin_lesions": "yes",
    "myeloproliferation_or_dysplasia": "no",
    "organomegaly_without_dysfunction": "no",
    "hepatomegaly_with_dysfunction": "no",
    "splenomegaly_with_hypersplenism": "no",
    "osteolysis_with_fracture": "no",
    "malabsorption_with_weight_loss": "no",
    "kit_d816v": "positive",
    "serum_tryptase_ng_ml": 45,
    "bm_mc_infiltration_pct": 10,
    "kit_d816v_vaf_pct": 2,
    "hemoglobin_g_dl": 13.1,
    "platelets_10e9_l": 240,
    "anc_10e9_l": 3.2,
    "bm_aspirate_mc_pct": 2,
}


@pytest.mark.parametrize(
    ("change", "possible", "agrees"),
    [
        ({}, ["ISM"], True),
        ({"platelets_10e9_l": 62}, ["ASM"], False),
        ({"platelets_10e9_l": 100}, ["ISM"], True),
        ({"hemoglobin_g_dl": 9.9}, ["ASM"], False),
        ({"anc_10e9_l": 0.9}, ["ASM"], False),
        ({"malabsorption_with_weight_loss": "yes"}, ["ASM"], False),
        ({"malabsorption_with_weight_loss": "unknown"}, ["ISM", "ASM"], True),
        ({"bm_aspirate_mc_pct": 20}, ["MCL"], False),
        ({"bm_aspirate_mc_pct": None}, ["ISM", "MCL"], True),
        ({"associated_hematologic_neoplasm": "yes"}, ["SM-AHN"], False),
        ({"bm_mc_infiltration_pct": 30, "organomegaly_without_dysfunction": "yes"}, ["SSM"], False),
        ({"bm_mc_infiltration_pct": 30}, ["ISM"], True),
        ({"skin_lesions": "no"}, ["BMM"], False),
        ({"skin_lesions": "no", "serum_tryptase_ng_ml": 125}, ["ISM"], True),
        ({"skin_lesions": "no", "serum_tryptase_ng_ml": None}, ["BMM", "ISM"], True),
        ({"bm_mc_aggregates": "no", "mc_cd2_cd25_cd30": "no"}, ["not-SM"], False),
        # Three minors without the major: kit, CD25 and tryptase.
        ({"bm_mc_aggregates": "no"}, ["ISM"], True),
        # Hereditary alpha-tryptasemia: the tryptase no longer counts, two minors without the major are not SM.
        ({"bm_mc_aggregates": "no", "hereditary_alpha_tryptasemia": "yes"}, ["not-SM"], False),
        ({"bm_mc_aggregates": "no", "hereditary_alpha_tryptasemia": "unknown"}, ["ISM", "not-SM"], True),
    ],
)
def test_findings_against_an_ism_record(change, possible, agrees):
    case = {k: v for k, v in {**ISM_BASE, **change}.items() if v is not None}

    result = classify_case(validate_case(case)).as_json()

    assert result["possible"] == possible
    assert result["agrees_with_recorded"] is agrees
    assert result["supports"] == (possible[0] if len(possible) == 1 else None)


def test_nothing_known_allows_everything_and_names_what_would_decide():
    result = classify_case(validate_case({"subtype": "ASM"})).as_json()

    assert result["possible"] == ORDER
    assert result["sm_criteria_met"] is None
    assert result["major"] is None
    assert result["agrees_with_recorded"] is True
    assert "bm_aspirate_mc_pct" in result["undecided_by"]
    # Alone, neither the major criterion nor the morphology can narrow anything: three minors can still make SM.
    assert "bm_mc_aggregates" not in result["undecided_by"]


def test_the_contracts_example_reads_as_the_contract_shows():
    case = {
        "subtype": "ISM",
        "bm_mc_aggregates": "yes",
        "kit_d816v": "positive",
        "serum_tryptase_ng_ml": 45,
        "hereditary_alpha_tryptasemia": "no",
        "atypical_mc_morphology": "no",
        "mc_cd2_cd25_cd30": "no",
        "bm_mc_infiltration_pct": 35,
        "myeloproliferation_or_dysplasia": "no",
        "organomegaly_without_dysfunction": "no",
        "platelets_10e9_l": 62,
    }

    result = classify_case(validate_case(case)).as_json()

    assert result["sm_criteria_met"] is True
    assert result["b_findings"] == ["B1"]
    assert result["c_findings"] == ["C1"]
    assert result["possible"] == ["ASM", "SM-AHN", "MCL"]
    assert result["supports"] is None
    assert result["undecided_by"] == ["associated_hematologic_neoplasm", "bm_aspirate_mc_pct"]
    assert result["agrees_with_recorded"] is False
    # As the contract's example lists it: the tryptase counts unless a recorded fact excludes it.
    assert result["minor"] == ["kit", "tryptase"]


def test_the_notice_names_the_c_finding_in_clinicians_words():
    check = classify_case(validate_case({**ISM_BASE, "platelets_10e9_l": 62}))

    notice = check.notice()

    assert notice["id"] == "subtype-check"
    assert (
        "Platelets 62 \u00d7 10\u2079/L is a C-finding (confirm it is due to mast-cell infiltration): "
        "ISM, SSM and BMM need none."
    ) in notice["text"]
    assert notice["findings"][0]["cites"] == "C1"
    assert check.proposal == "ASM"


def test_the_notice_says_why_asm_without_a_c_finding_does_not_fit():
    check = classify_case(validate_case({**ISM_BASE, "subtype": "ASM"}))

    assert check.agrees_with_recorded is False
    assert "No C-finding is recorded: ASM needs at least one." in check.notice()["text"]
    assert check.proposal == "ISM"


def test_the_notice_says_when_the_sm_criteria_are_not_met_and_proposes_nothing():
    check = classify_case(validate_case({**ISM_BASE, "bm_mc_aggregates": "no", "mc_cd2_cd25_cd30": "no"}))

    assert "The SM criteria are not met" in check.notice()["text"]
    assert check.proposal is None


def test_no_notice_when_the_recorded_subtype_fits_or_nothing_can_be_said():
    assert classify_case(validate_case(ISM_BASE)).notice() is None
    assert classify_case(validate_case({"subtype": "unknown"})).notice() is None


def test_an_unknown_subtype_with_one_answer_gets_the_notice_offering_it():
    check = classify_case(validate_case({**ISM_BASE, "subtype": "unknown", "skin_lesions": "no"}))

    assert check.agrees_with_recorded is None
    assert check.notice()["supports"] == "BMM"
    assert check.proposal == "BMM"


# The record ------------------------------------------------------------------------------------------


def test_the_record_carries_its_bibliographic_record():
    record = classification_record()

    assert record.system == "WHO 2022"
    assert record.record["doi"] == "10.1038/s41375-022-01613-1"
    assert "Leukemia 2022;36(7):1703-1719" in record.citation
    assert record.record["checked"], "where the thresholds were checked is recorded"
    assert all(c.words and c.label for c in record.criteria)


def _data(**change):
    import json

    from guidance.classification import DATA, RECORDS

    data = json.loads((DATA / RECORDS["WHO 2022"]).read_text())
    data.update(change)
    return data


@pytest.mark.parametrize(
    ("criteria_change", "words"),
    [
        ({"when": {"fact": "platelet_count", "op": "<", "value": 100}}, "'platelet_count' is not a case fact"),
        ({"when": {"fact": "skin_lesions", "is": "maybe"}}, "'maybe' is not a known value of skin_lesions"),
        ({"when": {"fact": "skin_lesions", "is": "unknown"}}, "'unknown' is not a known value"),
        ({"when": {"fact": "hemoglobin_g_dl", "op": "~", "value": 10}}, "compare a number fact"),
        ({"when": {"criterion": "major"}}, "a criterion reads facts, not other criteria"),
    ],
)
def test_a_record_with_a_bad_criterion_is_refused_naming_it(criteria_change, words):
    data = _data()
    data["criteria"][0] = {**data["criteria"][0], **criteria_change}

    with pytest.raises(RecordError, match=words):
        record_from_data(data)


def test_a_record_whose_last_subtype_can_fail_is_refused():
    data = _data()
    data["subtypes"][-1] = {**data["subtypes"][-1], "when": {"fact": "skin_lesions", "is": "yes"}}

    with pytest.raises(RecordError, match="the last subtype must always hold"):
        record_from_data(data)
