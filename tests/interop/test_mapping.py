"""Prefetched FHIR -> case facts through the code mapping; what cannot be mapped is said, never guessed."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from guidance.facts import FACTS
from interop.mapping import PrefetchError, prefetch_facts
from interop.models import ICD10CM, LOCAL_FACTS, SNOMED_CT, CodeMapping
from interop.selectors import code_mappings

from .fhir_data import (
    bundle,
    coding,
    condition,
    kit_variant,
    local_observation,
    observation,
    patient,
    prefetch_for_case,
    tryptase,
)

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 11, 28)


def mapped(*conditions, observations=(), **prefetch):
    data = {"patient": patient(), "conditions": bundle(*conditions), "caseFacts": bundle(*observations), **prefetch}
    return prefetch_facts(data, patient_id="1288992", mappings=code_mappings(), today=TODAY)


@pytest.mark.parametrize(
    ("code", "subtype"),
    [("C96.21", "ASM"), ("C94.30", "MCL"), ("C94.31", "MCL"), ("C94.32", "MCL")],
)
def test_each_icd10cm_code_maps_to_its_subtype(code, subtype):
    result = mapped(condition(ICD10CM, code))
    assert result.has_sm
    assert result.facts["subtype"] == subtype
    assert result.given["subtype"] == subtype
    assert not any("subtype" in note for note in result.notes)


def test_d47_02_is_systemic_mastocytosis_with_the_subtype_not_coded():
    result = mapped(condition(ICD10CM, "D47.02", "Systemic mastocytosis"))
    assert result.has_sm
    assert result.facts["subtype"] == "unknown"
    assert "subtype" not in result.given
    assert "subtype not coded: open Mastoweb to complete" in result.notes


def test_two_different_subtypes_are_not_chosen_between():
    result = mapped(condition(ICD10CM, "C96.21"), condition(ICD10CM, "C94.30"))
    assert result.facts["subtype"] == "unknown"
    assert "subtype coded more than once (ASM, MCL): open Mastoweb to complete" in result.notes


def test_a_patient_without_a_mapped_sm_diagnosis_is_not_for_this_service():
    result = mapped(condition(SNOMED_CT, "38341003", "Hypertensive disorder"))
    assert not result.has_sm


def test_an_unknown_code_is_named():
    result = mapped(condition(ICD10CM, "C96.21"), condition(SNOMED_CT, "38341003", "Hypertensive disorder"))
    assert any("http://snomed.info/sct|38341003 (Hypertensive disorder)" in note for note in result.notes)


def test_a_code_an_admin_adds_is_read():
    CodeMapping.objects.create(system=SNOMED_CT, code="397015003", display="Indolent SM", fact="subtype", value="ISM")
    assert mapped(condition(SNOMED_CT, "397015003")).facts["subtype"] == "ISM"


def test_a_resolved_or_refuted_condition_is_not_read():
    resolved = {"clinicalStatus": {"coding": [coding("x", "resolved")]}}
    refuted = {"verificationStatus": {"coding": [coding("x", "refuted")]}}
    result = mapped(
        condition(ICD10CM, "C96.21", **refuted),
        condition(ICD10CM, "D47.02"),
        condition(LOCAL_FACTS, "symptom-flushing", **resolved),
    )
    assert result.facts["subtype"] == "unknown"
    assert result.facts["symptoms"] == ()


def test_symptoms_come_from_snomed_and_local_codes():
    result = mapped(
        condition(ICD10CM, "C96.21"), condition(SNOMED_CT, "62315008"), condition(LOCAL_FACTS, "symptom-flushing")
    )
    assert result.facts["symptoms"] == ("flushing", "diarrhea")


def test_treatment_responses_and_other_facts_come_from_local_observations():
    result = mapped(
        condition(ICD10CM, "C96.21"),
        condition(LOCAL_FACTS, "venom-allergy"),
        observations=[
            local_observation("antihistamine-response", "unresponsive"),
            local_observation("nsaid-tolerance", "tolerant"),
            local_observation("hct-eligible", "yes"),
        ],
    )
    facts = result.facts
    assert (facts["antihistamine_response"], facts["nsaid_tolerance"], facts["hct_eligible"]) == (
        "unresponsive",
        "tolerant",
        "yes",
    )
    assert facts["venom_allergy"] == "yes"


def test_an_observation_value_outside_the_vocabulary_is_said_not_guessed():
    result = mapped(condition(ICD10CM, "C96.21"), observations=[local_observation("nsaid-tolerance", "maybe")])
    assert result.facts["nsaid_tolerance"] == "unknown"
    assert any("nsaid (aspirin) tolerance sent with a value" in note for note in result.notes)


@pytest.mark.parametrize(("unit", "code"), [("ng/mL", "ng/mL"), ("\u00b5g/L", "ug/L"), ("ug/L", "ug/L")])
def test_tryptase_in_ng_per_ml_or_micrograms_per_litre_is_read(unit, code):
    result = mapped(condition(ICD10CM, "C96.21"), tryptase=bundle(tryptase(42.5, unit, code=code)))
    assert result.facts["serum_tryptase_ng_ml"] == 42.5


def test_tryptase_in_another_unit_is_refused_with_a_reason():
    result = mapped(condition(ICD10CM, "C96.21"), tryptase=bundle(tryptase(0.04, "mg/L")))
    assert result.facts["serum_tryptase_ng_ml"] is None
    assert any("serum tryptase in mg/L not accepted (ng/mL or \u00b5g/L only)" in note for note in result.notes)


def test_the_latest_tryptase_is_read():
    older, newer = tryptase(20, when="2025-01-01"), tryptase(180, when="2026-10-01")
    assert mapped(condition(ICD10CM, "C96.21"), tryptase=bundle(newer, older)).facts["serum_tryptase_ng_ml"] == 180


def test_an_out_of_range_tryptase_is_left_out_and_said():
    result = mapped(condition(ICD10CM, "C96.21"), tryptase=bundle(tryptase(-3)))
    assert result.facts["serum_tryptase_ng_ml"] is None
    assert any(note.startswith("baseline serum tryptase not used") for note in result.notes)


@pytest.mark.parametrize(("present", "status"), [(True, "positive"), (False, "negative")])
def test_kit_d816v_comes_from_the_genomics_variant_observation(present, status):
    result = mapped(condition(ICD10CM, "C96.21"), kitVariant=bundle(kit_variant(present)))
    assert result.facts["kit_d816v"] == status


def test_kit_d816v_is_read_from_text_when_the_components_are_not_coded():
    variant = observation(
        coding("http://loinc.org", "69548-6"),
        valueCodeableConcept={"text": "Detected"},
        component=[
            {"code": {"coding": [coding("http://loinc.org", "48018-6")]}, "valueCodeableConcept": {"text": "KIT"}},
            {"code": {"coding": [coding("http://loinc.org", "48005-3")]}, "valueString": "p.D816V"},
        ],
    )
    assert mapped(condition(ICD10CM, "C96.21"), kitVariant=bundle(variant)).facts["kit_d816v"] == "positive"


def test_another_variant_of_kit_says_nothing_about_d816v():
    result = mapped(condition(ICD10CM, "C96.21"), kitVariant=bundle(kit_variant(True, change="p.Asp419del")))
    assert result.facts["kit_d816v"] == "unknown"
    assert "KIT D816V status not coded: open Mastoweb to complete" in result.notes


def test_d816v_of_another_gene_says_nothing_about_kit():
    variant = kit_variant(True, gene=("http://www.genenames.org/geneId", "HGNC:3236"))
    assert mapped(condition(ICD10CM, "C96.21"), kitVariant=bundle(variant)).facts["kit_d816v"] == "unknown"


def test_the_age_comes_from_a_full_birth_date_only():
    full = prefetch_facts(
        {"patient": patient(birthDate="1970-12-01"), "conditions": bundle(condition(ICD10CM, "C96.21"))},
        patient_id="1288992",
        mappings=code_mappings(),
        today=TODAY,
    )
    year_only = prefetch_facts(
        {"patient": patient(birthDate="1970"), "conditions": bundle(condition(ICD10CM, "C96.21"))},
        patient_id="1288992",
        mappings=code_mappings(),
        today=TODAY,
    )
    assert full.facts["age_years"] == 55
    assert year_only.facts["age_years"] is None


def test_a_prefetch_for_another_patient_is_refused():
    with pytest.raises(PrefetchError, match="patient"):
        prefetch_facts(prefetch_for_case({"subtype": "ASM"}), patient_id="someone-else", mappings={}, today=TODAY)


def test_invalid_fhir_is_refused_naming_where():
    data = {"patient": patient(birthDate="28/11/1970"), "conditions": bundle()}
    with pytest.raises(PrefetchError, match=r"prefetch\.patient: is not valid FHIR R4 \(birthDate"):
        prefetch_facts(data, patient_id="1288992", mappings={}, today=TODAY)


def test_a_bundle_where_a_patient_belongs_is_refused():
    with pytest.raises(PrefetchError, match="must be a Patient"):
        prefetch_facts({"patient": bundle(), "conditions": bundle()}, patient_id="1288992", mappings={}, today=TODAY)


def test_a_mapping_row_is_checked_against_the_vocabulary():
    row = CodeMapping(system=SNOMED_CT, code="1", display="x", fact="subtype", value="indolent")
    with pytest.raises(ValidationError, match="not a value of Subtype"):
        row.full_clean()


def test_a_mapping_row_names_a_fact_of_the_vocabulary_shown_by_its_label():
    assert [name for name, _ in CodeMapping._meta.get_field("fact").choices] == list(FACTS)
    assert CodeMapping(fact="kit_d816v").get_fact_display() == "KIT D816V mutation"
    row = CodeMapping(system=SNOMED_CT, code="1", display="x", fact="weight_kg", value="70")
    with pytest.raises(ValidationError) as refusal:
        row.full_clean()
    assert refusal.value.message_dict["fact"] == ["Value 'weight_kg' is not a valid choice."]


@pytest.mark.parametrize("written", ["45,5", "4e", "--5", "1,000"])
def test_a_tryptase_not_written_as_a_fhir_decimal_is_refused_naming_it_never_reread(written):
    # FHIR's decimal has one spelling; a decimal comma is refused there, never read as 455.
    with pytest.raises(PrefetchError) as refusal:
        mapped(condition(ICD10CM, "C96.21"), tryptase=bundle(tryptase(written)))

    assert refusal.value.field == "tryptase"
    assert "valueQuantity.value" in str(refusal.value)


def test_a_tryptase_sent_as_decimal_text_is_read_exactly():
    result = mapped(condition(ICD10CM, "C96.21"), tryptase=bundle(tryptase("45.50")))
    assert result.facts["serum_tryptase_ng_ml"] == 45.5
