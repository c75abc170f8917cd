"""FHIR resources and CDS Hooks requests for tests, shaped as in the CDS Hooks 2.0.1 and FHIR R4 examples."""

import itertools

from guidance.facts import FACTS
from interop.models import ICD10CM, LOCAL_FACTS, LOINC

PATIENT_ID = "1288992"  # the patient of the spec's patient-view example
HOOK_INSTANCE = "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea"
_ids = itertools.count(1)


def patient(patient_id=PATIENT_ID, **fields):
    return {"resourceType": "Patient", "id": patient_id, **fields}


def coding(system, code, display=None):
    return {"system": system, "code": code, **({"display": display} if display else {})}


def condition(system, code, display=None, **fields):
    return {
        "resourceType": "Condition",
        "id": f"c{next(_ids)}",
        "subject": {"reference": f"Patient/{PATIENT_ID}"},
        "code": {"coding": [coding(system, code, display)]},
        **fields,
    }


def observation(code, **fields):
    return {
        "resourceType": "Observation",
        "id": f"o{next(_ids)}",
        "status": "final",
        "subject": {"reference": f"Patient/{PATIENT_ID}"},
        "code": {"coding": [code]},
        **fields,
    }


def tryptase(value, unit="ng/mL", *, code=None, when="2026-10-01"):
    quantity = {"value": value, "unit": unit, "system": "http://unitsofmeasure.org", "code": code or unit}
    return observation(
        coding(LOINC, "21582-2", "Tryptase [Mass/volume] in Serum or Plasma"),
        effectiveDateTime=when,
        valueQuantity=quantity,
    )


def kit_variant(present=True, *, change="p.Asp816Val", gene=("http://www.genenames.org/geneId", "HGNC:6342")):
    """A variant Observation per the HL7 Genomics Reporting profile (KIT, p.Asp816Val)."""
    value = coding(LOINC, "LA9633-4", "Present") if present else coding(LOINC, "LA9634-2", "Absent")
    return observation(
        coding(LOINC, "69548-6", "Genetic variant assessment"),
        valueCodeableConcept={"coding": [value]},
        component=[
            {
                "code": {"coding": [coding(LOINC, "48018-6", "Gene studied [ID]")]},
                "valueCodeableConcept": {"coding": [coding(gene[0], gene[1], "KIT")]},
            },
            {
                "code": {"coding": [coding(LOINC, "48005-3", "Amino acid change (pHGVS)")]},
                "valueCodeableConcept": {"coding": [coding("http://varnomen.hgvs.org", change)]},
            },
        ],
    )


def local_observation(code, value):
    fact = (
        {"valueBoolean": value}
        if isinstance(value, bool)
        else {"valueCodeableConcept": {"coding": [coding(LOCAL_FACTS, value)]}}
    )
    return observation(coding(LOCAL_FACTS, code), **fact)


def bundle(*resources):
    return {"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": r} for r in resources]}


SUBTYPE_CODES = {
    "ASM": (ICD10CM, "C96.21"),
    "MCL": (ICD10CM, "C94.30"),
    "unknown": (ICD10CM, "D47.02"),
    **{subtype: (LOCAL_FACTS, f"subtype-{subtype}") for subtype in ("BMM", "ISM", "SSM", "SM-AHN")},
}
OBSERVED = {
    "antihistamine_response": "antihistamine-response",
    "antileukotriene_response": "antileukotriene-response",
    "omalizumab_response": "omalizumab-response",
    "nsaid_tolerance": "nsaid-tolerance",
    "hct_eligible": "hct-eligible",
}


def prefetch_for_case(case):
    """The prefetch an EHR coding this case as docs/interop.md says would send."""
    facts = {name: fact.default for name, fact in FACTS.items()} | case
    conditions = [condition(*SUBTYPE_CODES[facts["subtype"]])]
    conditions += [condition(LOCAL_FACTS, f"symptom-{symptom}") for symptom in facts["symptoms"]]
    if facts["venom_allergy"] in ("yes", True):  # True is still accepted on input and read as "yes"
        conditions.append(condition(LOCAL_FACTS, "venom-allergy"))
    observations = [local_observation(code, facts[name]) for name, code in OBSERVED.items()]
    prefetch = {"patient": patient(), "conditions": bundle(*conditions), "caseFacts": bundle(*observations)}
    prefetch["tryptase"] = (
        bundle(tryptase(facts["serum_tryptase_ng_ml"])) if facts["serum_tryptase_ng_ml"] else bundle()
    )
    prefetch["kitVariant"] = (
        bundle(kit_variant(facts["kit_d816v"] == "positive")) if facts["kit_d816v"] != "unknown" else bundle()
    )
    return prefetch


def patient_view(prefetch, *, hook_instance=HOOK_INSTANCE, patient_id=PATIENT_ID):
    """A patient-view request as in the spec's example (fhirServer given; the service does not call it)."""
    request = {
        "hookInstance": hook_instance,
        "fhirServer": "http://hooks.smarthealthit.org:9080",
        "hook": "patient-view",
        "context": {"userId": "Practitioner/example", "patientId": patient_id},
    }
    if prefetch is not None:
        request["prefetch"] = prefetch
    return request
