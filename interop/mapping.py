"""Prefetched FHIR -> case facts, through the code mapping kept as data (interop.models.CodeMapping).

Reads only what the mapping and the named LOINC codes say; anything it cannot
read is left at the fact's "not known" default and said back in `notes`, in a
clinician's words. It never guesses a fact.
"""

import datetime
import re
from dataclasses import dataclass, field

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.patient import Patient
from pydantic import ValidationError

from guidance.facts import FACTS, CaseValidationError, validate_case

from .models import LOCAL_FACTS, LOINC

TRYPTASE = "21582-2"  # Tryptase [Mass/volume] in Serum or Plasma
VARIANT = "69548-6"  # Genetic variant assessment (HL7 Genomics Reporting)
GENE_STUDIED = "48018-6"
AMINO_ACID_CHANGE = "48005-3"
PRESENT, ABSENT = "LA9633-4", "LA9634-2"
KIT_HGNC = "HGNC:6342"
# The blood count the subtype check reads (C1), each with the units it accepts and the factor to the fact's unit.
PER_NL = {"10*9/L": 1.0, "10^9/L": 1.0, "10*3/uL": 1.0, "10^3/uL": 1.0, "/nL": 1.0, "K/uL": 1.0, "G/L": 1.0}
BLOOD_COUNT = {
    "718-7": ("hemoglobin_g_dl", "hemoglobin", {"g/dL": 1.0, "g/dl": 1.0, "g/L": 0.1, "g/l": 0.1}, "g/dL or g/L"),
    "777-3": ("platelets_10e9_l", "platelets", PER_NL, "10^9/L or 10^3/\u00b5L"),
    "751-8": ("anc_10e9_l", "neutrophils", PER_NL, "10^9/L or 10^3/\u00b5L"),
}

# UCUM codes (and the unit texts EHRs print) for ng/mL and the equal µg/L.
TRYPTASE_UNITS = {"ng/mL", "ng/ml", "ug/L", "ug/l", "\u00b5g/L", "\u03bcg/L", "mcg/L"}
D816V = re.compile(r"^(p\.)?(\(?asp816val\)?|\(?d816v\)?)$", re.IGNORECASE)
SKIPPED_CONDITION_STATUSES = {"inactive", "resolved"}
SKIPPED_VERIFICATION = {"refuted", "entered-in-error"}
SKIPPED_OBSERVATION_STATUSES = {"registered", "cancelled", "entered-in-error"}
UNKNOWN_CODES_NAMED = 5

PREFETCH_KEYS = ("patient", "conditions", "tryptase", "kitVariant", "caseFacts", "bloodCount")
REQUIRED_PREFETCH = ("patient", "conditions")


class PrefetchError(ValueError):
    """Prefetch the service cannot read; `field` names where, the message says why."""

    def __init__(self, field, message):
        self.field = field
        super().__init__(f"prefetch.{field}: {message}")


@dataclass
class Mapped:
    facts: dict  # full, validated case facts
    given: dict = field(default_factory=dict)  # only the facts read from the EHR (for the Mastoweb link)
    notes: list = field(default_factory=list)  # what could not be mapped, for the clinician
    has_sm: bool = False  # a mapped systemic mastocytosis diagnosis was sent


def _validation_message(exc):
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    return f"{where or 'resource'}: {first['msg']}"


def _parse(model, data, key):
    if not isinstance(data, dict):
        raise PrefetchError(key, "must be a FHIR resource (a JSON object).")
    if data.get("resourceType") != model.__name__:
        raise PrefetchError(key, f"must be a {model.__name__}, not {data.get('resourceType')!r}.")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise PrefetchError(key, f"is not valid FHIR R4 ({_validation_message(exc)}).") from None


def _resources(bundle, resource_type):
    return [entry.resource for entry in bundle.entry or () if entry.resource.__resource_type__ == resource_type]


def _codings(concept):
    return list(concept.coding or ()) if concept is not None else []


def _code_label(coding):
    shown = f"{coding.system}|{coding.code}" if coding.system else coding.code
    return f"{shown} ({coding.display})" if coding.display else shown


def _status(concept):
    return {coding.code for coding in _codings(concept)}


def _when(observation):
    moment = observation.effectiveDateTime or observation.issued
    return str(moment) if moment is not None else ""


class _Collector:
    def __init__(self, mappings):
        self.mappings = mappings
        self.values = {}  # fact -> set of values read
        self.notes = []
        self.unknown = []

    def add(self, fact, value):
        self.values.setdefault(fact, set()).add(value)

    def one(self, fact):
        """The fact's single value, or None (a conflict is noted)."""
        values = self.values.get(fact, set())
        if len(values) > 1:
            self.notes.append(
                f"{FACTS[fact].label.lower()} coded more than once ({', '.join(sorted(values))}): "
                "open Mastoweb to complete"
            )
            return None
        return next(iter(values), None)


def _read_conditions(bundle, collect):
    for condition in _resources(bundle, "Condition"):
        if _status(condition.clinicalStatus) & SKIPPED_CONDITION_STATUSES:
            continue
        if _status(condition.verificationStatus) & SKIPPED_VERIFICATION:
            continue
        codings = _codings(condition.code)
        known = [collect.mappings.get(("Condition", c.system, c.code)) for c in codings]
        known = [mapping for mapping in known if mapping is not None]
        for mapping in known:
            collect.add(mapping.fact, mapping.value)
        if not known:
            collect.unknown.extend(_code_label(c) for c in codings if c.code)


def _kit_from_variant(observation):
    """'positive', 'negative' or None when the observation does not say D816V of KIT plainly."""
    gene = change = None
    for component in observation.component or ():
        codes = {c.code for c in _codings(component.code) if c.system == LOINC}
        concept = component.valueCodeableConcept
        texts = [c.code for c in _codings(concept)] + [concept.text if concept else None, component.valueString]
        texts = [text.strip() for text in texts if text]
        if GENE_STUDIED in codes:
            gene = any(text.upper() in (KIT_HGNC, "KIT") for text in texts)
        if AMINO_ACID_CHANGE in codes:
            change = any(D816V.match(text.replace(" ", "")) for text in texts)
    if not gene or not change:
        return None
    codes = {c.code for c in _codings(observation.valueCodeableConcept)}
    text = (observation.valueCodeableConcept.text if observation.valueCodeableConcept else None) or (
        observation.valueString or ""
    )
    text = text.strip().lower()
    if PRESENT in codes or (not codes and text in {"present", "detected", "positive"}):
        return "positive"
    if ABSENT in codes or (not codes and text in {"absent", "not detected", "negative"}):
        return "negative"
    return None


def _local_value(observation, fact):
    if fact.is_bool:
        return None if observation.valueBoolean is None else ("true" if observation.valueBoolean else "false")
    if fact.accepts_bool and observation.valueBoolean is not None:  # a yes/no fact that was a tick box once
        return "yes" if observation.valueBoolean else "no"
    for coding in _codings(observation.valueCodeableConcept):
        if coding.system == LOCAL_FACTS and coding.code in fact.values:
            return coding.code
    return None


def _read_observations(observations, collect, given):
    latest = {}
    for observation in observations:
        if observation.status in SKIPPED_OBSERVATION_STATUSES:
            continue
        codes = {(c.system, c.code) for c in _codings(observation.code)}
        counted = [code for system, code in codes if system == LOINC and code in BLOOD_COUNT]
        if (LOINC, TRYPTASE) in codes:
            key = "serum_tryptase_ng_ml"
        elif counted:
            key = BLOOD_COUNT[counted[0]][0]
        elif (LOINC, VARIANT) in codes:
            if _kit_from_variant(observation) is None:
                continue  # another gene or variant: says nothing about KIT D816V
            key = "kit_d816v"
        else:
            mapping = next(
                (
                    collect.mappings[("Observation", s, c)]
                    for s, c in codes
                    if ("Observation", s, c) in collect.mappings
                ),
                None,
            )
            if mapping is None:
                continue
            key = mapping.fact
        if key not in latest or _when(observation) > _when(latest[key]):
            latest[key] = observation
    for key, observation in latest.items():
        if key == "serum_tryptase_ng_ml":
            quantity = observation.valueQuantity
            unit = quantity and (quantity.code or quantity.unit)
            if quantity is None or quantity.value is None:
                collect.notes.append("serum tryptase sent without a value: open Mastoweb to enter it")
            elif unit not in TRYPTASE_UNITS:
                collect.notes.append(
                    f"serum tryptase in {unit or 'no unit'} not accepted (ng/mL or \u00b5g/L only): "
                    "open Mastoweb to enter it"
                )
            else:
                given[key] = float(quantity.value)
        elif key == "kit_d816v":
            given[key] = _kit_from_variant(observation)
        elif key in BLOOD_FACTS:
            _read_blood_count(observation, BLOOD_FACTS[key], collect, given)
        else:
            value = _local_value(observation, FACTS[key])
            if value is None:
                collect.notes.append(f"{FACTS[key].label.lower()} sent with a value Mastoweb does not know")
            else:
                collect.add(key, value)


BLOOD_FACTS = {fact: (fact, words, units, accepted) for fact, words, units, accepted in BLOOD_COUNT.values()}


def _read_blood_count(observation, spec, collect, given):
    """Hb, platelets or neutrophils, in a unit it knows (converted to the fact's); anything else is said back."""
    fact, words, units, accepted = spec
    quantity = observation.valueQuantity
    unit = quantity and (quantity.code or quantity.unit)
    if quantity is None or quantity.value is None:
        collect.notes.append(f"{words} sent without a value: open Mastoweb to enter it")
    elif unit not in units:
        collect.notes.append(
            f"{words} in {unit or 'no unit'} not accepted ({accepted} only): open Mastoweb to enter it"
        )
    else:
        given[fact] = round(float(quantity.value) * units[unit], 6)


def _age(patient, today):
    born = patient.birthDate
    if not isinstance(born, datetime.date):
        return None  # a year or year-month only: the age is not certain
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def prefetch_facts(prefetch, *, patient_id, mappings, today):
    """Case facts from a patient-view prefetch; `mappings` from interop.selectors.code_mappings().

    Raises PrefetchError naming the key it cannot read.
    """
    if not isinstance(prefetch, dict):
        raise PrefetchError("", "must be an object of prefetched resources.")
    for key in REQUIRED_PREFETCH:
        if prefetch.get(key) is None:
            raise PrefetchError(key, "was not sent; this service does not query the EHR's FHIR server.")
    patient = _parse(Patient, prefetch["patient"], "patient")
    if patient.id != patient_id:
        raise PrefetchError("patient", "is not the patient named in context.patientId.")
    bundles = {"conditions": _parse(Bundle, prefetch["conditions"], "conditions")}
    for key in PREFETCH_KEYS[2:]:
        if prefetch.get(key) is not None:
            bundles[key] = _parse(Bundle, prefetch[key], key)

    collect = _Collector(mappings)
    given = {}
    _read_conditions(bundles["conditions"], collect)
    observations = [
        obs for key, bundle in bundles.items() if key != "conditions" for obs in _resources(bundle, "Observation")
    ]
    _read_observations(observations, collect, given)

    subtypes = collect.values.pop("subtype", set())
    has_sm = bool(subtypes)
    named = subtypes - {"unknown"}
    if len(named) == 1:
        given["subtype"] = next(iter(named))
    elif named:  # the subtype comes first: it decides the most
        collect.notes.insert(0, f"subtype coded more than once ({', '.join(sorted(named))}): open Mastoweb to complete")
    else:
        collect.notes.insert(0, "subtype not coded: open Mastoweb to complete")
    if "symptoms" in collect.values:
        given["symptoms"] = sorted(collect.values.pop("symptoms"))
    for fact in list(collect.values):
        value = collect.one(fact)
        if value is not None:
            given[fact] = (value == "true") if FACTS[fact].is_bool else value
    if "kit_d816v" not in given and given.get("subtype") in (None, "ASM"):
        collect.notes.append("KIT D816V status not coded: open Mastoweb to complete")
    age = _age(patient, today)
    if age is not None:
        given["age_years"] = age
    if collect.unknown:
        shown = collect.unknown[:UNKNOWN_CODES_NAMED]
        more = len(collect.unknown) - len(shown)
        collect.notes.append(
            "condition codes not in Mastoweb's mapping: " + "; ".join(shown) + (f" and {more} more" if more else "")
        )
    try:
        facts = validate_case({"subtype": "unknown", **given})
    except CaseValidationError as exc:
        for name, message in exc.errors.items():
            given.pop(name, None)
            collect.notes.append(f"{FACTS[name].label.lower()} not used ({message}): open Mastoweb to complete")
        facts = validate_case({"subtype": "unknown", **given})
    return Mapped(facts=facts, given=given, notes=collect.notes, has_sm=has_sm)
