"""The case vocabulary (../shared/spec/case.schema.v3.json, but venom_allergy) and its validator.

Defined once here and reused by the rule checker, the engine, the case model
(its columns and constraints, cases.models), the web form and its layout
(cases.forms) and the `evaluate_case` command. Adding a fact is one `Fact`
here and one migration; the system checks (mastoweb.checks) and the schema
test (tests/guidance/test_facts.py) say what else disagrees.
"""

import enum
import json
import math
import re
from dataclasses import dataclass, replace

SUBTYPES = {
    "BMM": "Bone marrow mastocytosis (BMM)",
    "ISM": "Indolent systemic mastocytosis (ISM)",
    "SSM": "Smoldering systemic mastocytosis (SSM)",
    "ASM": "Aggressive systemic mastocytosis (ASM)",
    "SM-AHN": "SM with an associated hematologic neoplasm (SM-AHN)",
    "MCL": "Mast cell leukemia (MCL)",
    "unknown": "Unknown (work-up pending)",
}

SYMPTOMS = {
    "flushing": "Flushing",
    "pruritus": "Pruritus (itching)",
    "abdominal_pain": "Abdominal pain",
    "heartburn": "Heartburn",
    "cramping": "Abdominal cramping",
    "diarrhea": "Diarrhea",
    "recurrent_anaphylaxis": "Recurrent anaphylaxis",
    "hemodynamic_instability": "Hemodynamic instability",
    "osteoporosis": "Osteoporosis",
    "fracture": "Fracture",
    "malabsorption": "Malabsorption",
    "ascites": "Ascites",
}

RESPONSES = {
    "not_tried": "Not tried",
    "responsive": "Responsive",
    "unresponsive": "Unresponsive",
}

NSAID_TOLERANCE = {
    "tolerant": "Known to tolerate NSAIDs",
    "intolerant": "Intolerant of NSAIDs",
    "unknown": "Unknown",
}

KIT_D816V = {"positive": "Positive", "negative": "Negative", "unknown": "Unknown / not tested"}

HCT_ELIGIBLE = {"yes": "Eligible", "no": "Not eligible", "unknown": "Unknown / not assessed"}

YES_NO_UNKNOWN = {"yes": "Yes", "no": "No", "unknown": "Unknown / not asked"}

# A finding is present, absent or not (yet) known; "unknown" is never read as "no".
FINDING = {"yes": "Present", "no": "Absent", "unknown": "Unknown"}


class Group(enum.Enum):
    """The case form's sections, in the order the form shows them; each fact sits in one."""

    CASE = "Case"
    DIAGNOSIS = "Diagnosis and subtype"
    SYMPTOMS = "Symptoms"
    TREATMENT = "Treatment history and responses"
    SAFETY = "Safety"
    LABS = "Labs and genetics"
    FINDINGS = "Findings"  # what defines the subtype (WHO 2022); the form shows it closed
    TRANSPLANT = "Transplant"
    NOTES = "Notes"


class FactKind(enum.StrEnum):
    """What values a fact takes. The values are the strings the schema, stored data and the engine use."""

    ENUM = "enum"  # one of its choices
    ENUM_LIST = "enum_list"  # any of its choices, a list
    BOOL = "bool"
    NUMBER = "number"  # a decimal, in its unit
    INTEGER = "integer"  # a whole number, in its unit


# How the form asks a fact; the kind's own way unless the fact says otherwise.
WIDGETS = {
    FactKind.ENUM: "inline_radios",
    FactKind.ENUM_LIST: "checkboxes",
    FactKind.BOOL: "checkbox",
    FactKind.NUMBER: "number",
    FactKind.INTEGER: "number",
}


@dataclass(frozen=True, kw_only=True)
class Fact:
    name: str
    label: str
    kind: FactKind  # given as the enum or its string ("enum"); kept as the enum
    group: Group
    choices: dict | None = None
    default: object = None
    required: bool = False
    minimum: float | None = None
    maximum: float | None = None
    unit: str = ""
    short: str = ""  # the label reasons and readbacks use ("Antihistamines: unresponsive"); the label when blank
    help: str = ""  # the form's help text under the field, and the column's
    # Form hints: "select" instead of the kind's widget (WIDGETS); a narrow field; the unit shown after the box;
    # many choices laid out in columns; the place in the group (ties keep the vocabulary's order).
    widget: str = ""
    narrow: bool = False
    unit_shown: bool = False
    columns: bool = False
    order: int = 0
    # A yes/no/unknown fact that was a boolean once: true and false are still read as "yes" and "no".
    accepts_bool: bool = False
    none_words: str = "None"  # a list fact with nothing ticked, as the form says it (words_in_full)

    def __post_init__(self):
        object.__setattr__(self, "kind", FactKind(self.kind))
        if self.widget and self.widget != "select":
            raise ValueError(f"{self.name}: the only widget a fact may ask for is 'select', not {self.widget!r}.")

    @property
    def is_enum(self):
        return self.kind is FactKind.ENUM

    @property
    def is_enum_list(self):
        return self.kind is FactKind.ENUM_LIST

    @property
    def is_bool(self):
        return self.kind is FactKind.BOOL

    @property
    def is_number(self):
        """A decimal (kind "number"); `is_numeric` for a decimal or a whole number."""
        return self.kind is FactKind.NUMBER

    @property
    def is_integer(self):
        return self.kind is FactKind.INTEGER

    @property
    def is_numeric(self):
        return self.kind in NUMBER_KINDS

    @property
    def short_label(self):
        return self.short or self.label

    @property
    def values(self):
        return tuple(self.choices) if self.choices else ()

    @property
    def form_widget(self):
        return self.widget or WIDGETS[self.kind]

    def from_tick(self, value):
        """A value stored under any edition, as this edition names it: true and false of a fact that
        was a tick box once (an assessment made before guidance version 3) read as "yes" and "no"."""
        if self.accepts_bool and isinstance(value, bool):
            return "yes" if value else "no"
        return value

    def words(self, value):
        """A value as a clinician reads it after the fact's short label: "unresponsive", "yes", "45.5 ng/mL"."""
        value = self.from_tick(value)  # a line of an edition-2 version (guidance v1, v2) stored true/false
        if self.is_enum_list:
            return ", ".join(self.choice_words(item) for item in value) if value else "none"
        if self.is_enum:
            return self.choice_words(value)
        if self.is_bool:
            return "yes" if value else "no"
        return self._number_words(value, "not recorded")

    def readback(self, value):
        """The fact and its value as reasons and readbacks say them: "Antihistamines: unresponsive"."""
        return f"{self.short_label}: {self.words(value)}"

    def words_in_full(self, value):
        """A value as the form says it, after the fact's full label: "Known to tolerate NSAIDs",
        "Indolent systemic mastocytosis (ISM)", "None (asymptomatic)", "Not recorded"."""
        value = self.from_tick(value)  # an assessment stored before v3 has venom allergy true or false
        if self.is_enum_list:
            return ", ".join(self.choices.get(item, item) for item in value) if value else self.none_words
        if self.is_enum:
            return self.choices.get(value, value)
        if self.is_bool:
            return "Yes" if value else "No"
        return self._number_words(value, "Not recorded")

    def choice_words(self, value):
        """One choice inside a sentence: its code where its label only spells the code out ("ISM"), else its
        label with a lower-case first letter ("not tried"), an abbreviation keeping its capitals ("NSAIDs ...")."""
        text = self.choices.get(value, value)
        if text.endswith(f"({value})"):
            return value  # ISM, SSM, ...: the clinic's own short names
        return in_sentence(text)

    def _number_words(self, value, not_recorded):
        return not_recorded if value is None else f"{value:g} {self.unit}"


def in_sentence(text):
    """Words inside a sentence: the first letter lower-cased, unless the word is an abbreviation (NSAIDs, KIT)."""
    return text if text[1:2].isupper() else text[:1].lower() + text[1:]


FACTS = {
    fact.name: fact
    for fact in (
        Fact(
            name="subtype",
            label="Subtype",
            kind="enum",
            choices=SUBTYPES,
            required=True,
            group=Group.DIAGNOSIS,
            widget="select",
        ),
        Fact(
            name="symptoms",
            label="Symptoms and complications",
            kind="enum_list",
            choices=SYMPTOMS,
            default=(),
            short="Symptoms",
            none_words="None (asymptomatic)",
            group=Group.SYMPTOMS,
            help="Current symptoms and complications; tick none if the patient is asymptomatic.",
            columns=True,
        ),
        Fact(
            name="antihistamine_response",
            label="Response to H1/H2 antihistamines",
            kind="enum",
            choices=RESPONSES,
            default="not_tried",
            short="Antihistamines",
            group=Group.TREATMENT,
            help="After an adequate trial of H1 and H2 antihistamines.",
        ),
        Fact(
            name="antileukotriene_response",
            label="Response to antileukotrienes",
            kind="enum",
            choices=RESPONSES,
            default="not_tried",
            short="Antileukotrienes",
            group=Group.TREATMENT,
        ),
        Fact(
            name="omalizumab_response",
            label="Response to omalizumab",
            kind="enum",
            choices=RESPONSES,
            default="not_tried",
            short="Omalizumab",
            group=Group.TREATMENT,
        ),
        Fact(
            name="nsaid_tolerance",
            label="NSAID (aspirin) tolerance",
            kind="enum",
            choices=NSAID_TOLERANCE,
            default="unknown",
            short="NSAIDs",
            group=Group.SAFETY,
            help="Whether the patient is known to tolerate NSAIDs such as aspirin.",
        ),
        Fact(
            name="venom_allergy",
            label="Venom allergy",
            kind="enum",
            choices=YES_NO_UNKNOWN,
            default="unknown",
            group=Group.SAFETY,
            help="Allergy to insect (hymenoptera) venom.",
            # Until guidance version 3 this was a tick box (true/false): both are still accepted as yes/no.
            accepts_bool=True,
        ),
        Fact(
            name="kit_d816v",
            label="KIT D816V mutation",
            kind="enum",
            choices=KIT_D816V,
            default="unknown",
            short="KIT D816V",
            group=Group.LABS,
            order=1,  # below the tryptase
        ),
        Fact(
            name="hct_eligible",
            label="Eligible for hematopoietic cell transplantation",
            kind="enum",
            choices=HCT_ELIGIBLE,
            default="unknown",
            short="Transplant",
            group=Group.TRANSPLANT,
        ),
        Fact(
            name="serum_tryptase_ng_ml",
            label="Baseline serum tryptase",
            kind="number",
            minimum=0,
            maximum=100000,
            unit="ng/mL",
            short="Tryptase",
            group=Group.LABS,
            help="In ng/mL, 0 to 100000. Optional; it informs, it does not change the subtype.",
            narrow=True,
            unit_shown=True,
        ),
        Fact(
            name="age_years",
            label="Age",
            kind="integer",
            minimum=0,
            maximum=120,
            unit="years",
            group=Group.CASE,
            help="Whole years, 0 to 120. Optional.",
            narrow=True,
        ),
        Fact(
            name="bm_mc_aggregates",
            label="Dense mast-cell aggregates (15 or more) in bone marrow or another extracutaneous organ",
            kind="enum",
            choices=FINDING,
            default="unknown",
            short="Mast-cell aggregates",
            group=Group.FINDINGS,
            help="Multifocal dense infiltrates on biopsy (the major criterion).",
        ),
        Fact(
            name="atypical_mc_morphology",
            label="More than 25 % of mast cells spindle-shaped or atypical",
            kind="enum",
            choices=FINDING,
            default="unknown",
            short="Atypical mast cells",
            group=Group.FINDINGS,
            help="Spindle-shaped or atypical on biopsy, or immature or atypical on the aspirate smear.",
        ),
        Fact(
            name="kit_other_activating_mutation",
            label="Another activating KIT mutation (not D816V)",
            kind="enum",
            choices=FINDING,
            default="unknown",
            short="Other activating KIT mutation",
            group=Group.FINDINGS,
            help="A KIT mutation other than D816V that causes ligand-independent activation.",
        ),
        Fact(
            name="mc_cd2_cd25_cd30",
            label="Mast cells express CD2, CD25 and/or CD30",
            kind="enum",
            choices=FINDING,
            default="unknown",
            short="CD2/CD25/CD30",
            group=Group.FINDINGS,
            help="By flow cytometry or immunohistochemistry.",
        ),
        Fact(
            name="hereditary_alpha_tryptasemia",
            label="Hereditary alpha-tryptasemia",
            kind="enum",
            choices=FINDING,
            default="unknown",
            short="Hereditary alpha-tryptasemia",
            group=Group.FINDINGS,
            help="When present, tryptase is not counted towards the criteria without adjusting it.",
        ),
        Fact(
            name="associated_hematologic_neoplasm",
            label="Associated hematologic neoplasm",
            kind="enum",
            choices=FINDING,
            default="unknown",
            short="Associated hematologic neoplasm",
            group=Group.FINDINGS,
            help="A second blood cancer alongside the mastocytosis (SM-AHN).",
        ),
        Fact(
            name="skin_lesions",
            label="Mastocytosis in the skin",
            kind="enum",
            choices=FINDING,
            default="unknown",
            short="Skin lesions",
            group=Group.FINDINGS,
            help="Skin lesions of mastocytosis.",
        ),
        Fact(
            name="bm_mc_infiltration_pct",
            label="Bone marrow mast-cell infiltration",
            kind="number",
            minimum=0,
            maximum=100,
            unit="%",
            short="Marrow infiltration",
            group=Group.FINDINGS,
            help="Percent of the bone marrow biopsy, 0 to 100 (B-finding at 30 or more).",
            narrow=True,
            unit_shown=True,
        ),
        Fact(
            name="kit_d816v_vaf_pct",
            label="KIT D816V variant allele frequency",
            kind="number",
            minimum=0,
            maximum=100,
            unit="%",
            short="KIT D816V VAF",
            group=Group.FINDINGS,
            help="Percent, in bone marrow cells or blood leukocytes, 0 to 100 (B-finding at 10 or more).",
            narrow=True,
            unit_shown=True,
        ),
        Fact(
            name="myeloproliferation_or_dysplasia",
            label="Signs of myeloproliferation or myelodysplasia, without an associated neoplasm",
            kind="enum",
            choices=FINDING,
            default="unknown",
            short="Myeloproliferation or dysplasia",
            group=Group.FINDINGS,
            help="Blood counts normal or only slightly abnormal.",
        ),
        Fact(
            name="organomegaly_without_dysfunction",
            label="Hepatomegaly, splenomegaly or lymphadenopathy without organ dysfunction",
            kind="enum",
            choices=FINDING,
            default="unknown",
            short="Organomegaly without dysfunction",
            group=Group.FINDINGS,
            help=(
                "Hepatomegaly without impaired liver function, splenomegaly without hypersplenism, "
                "and/or lymph nodes over 2 cm."
            ),
        ),
        Fact(
            name="hemoglobin_g_dl",
            label="Hemoglobin",
            kind="number",
            minimum=0,
            maximum=30,
            unit="g/dL",
            short="Hemoglobin",
            group=Group.FINDINGS,
            help="In g/dL, 0 to 30 (C-finding below 10).",
            narrow=True,
            unit_shown=True,
        ),
        Fact(
            name="platelets_10e9_l",
            label="Platelets",
            kind="number",
            minimum=0,
            maximum=5000,
            unit="\u00d7 10\u2079/L",
            short="Platelets",
            group=Group.FINDINGS,
            help="In 10\u2079/L, 0 to 5000 (C-finding below 100).",
            narrow=True,
            unit_shown=True,
        ),
        Fact(
            name="anc_10e9_l",
            label="Absolute neutrophil count",
            kind="number",
            minimum=0,
            maximum=500,
            unit="\u00d7 10\u2079/L",
            short="Neutrophils",
            group=Group.FINDINGS,
            help="In 10\u2079/L, 0 to 500 (C-finding below 1).",
            narrow=True,
            unit_shown=True,
        ),
        Fact(
            name="hepatomegaly_with_dysfunction",
            label="Hepatomegaly with impaired liver function, ascites or portal hypertension",
            kind="enum",
            choices=FINDING,
            default="unknown",
            short="Hepatomegaly with dysfunction",
            group=Group.FINDINGS,
            help="A C-finding.",
        ),
        Fact(
            name="splenomegaly_with_hypersplenism",
            label="Palpable splenomegaly with hypersplenism",
            kind="enum",
            choices=FINDING,
            default="unknown",
            short="Splenomegaly with hypersplenism",
            group=Group.FINDINGS,
            help="A C-finding.",
        ),
        Fact(
            name="osteolysis_with_fracture",
            label="Large osteolytic lesions with pathological fracture",
            kind="enum",
            choices=FINDING,
            default="unknown",
            short="Osteolysis with fracture",
            group=Group.FINDINGS,
            help="A C-finding.",
        ),
        Fact(
            name="malabsorption_with_weight_loss",
            label="Malabsorption with weight loss",
            kind="enum",
            choices=FINDING,
            default="unknown",
            short="Malabsorption with weight loss",
            group=Group.FINDINGS,
            help="A C-finding when due to mast-cell infiltration of the gut.",
        ),
        Fact(
            name="bm_aspirate_mc_pct",
            label="Mast cells on the bone marrow aspirate smear",
            kind="number",
            minimum=0,
            maximum=100,
            unit="%",
            short="Mast cells on aspirate",
            group=Group.FINDINGS,
            help="Percent, 0 to 100 (mast cell leukemia at 20 or more).",
            narrow=True,
            unit_shown=True,
        ),
    )
}


def facts_in_form_order():
    """The facts as the case form shows them: by group, in the groups' order, then by their order within it."""
    groups = list(Group)
    return sorted(FACTS.values(), key=lambda fact: (groups.index(fact.group), fact.order))


# Every enum value any fact can take: a string literal in a rule condition
# must be one of these, so a misspelt value is caught when the rule is saved.
ENUM_VALUES = frozenset(value for fact in FACTS.values() for value in fact.values)


class CaseValidationError(ValueError):
    """Bad case facts. `errors` maps each offending field to a sentence."""

    def __init__(self, errors):
        self.errors = dict(errors)
        super().__init__(" ".join(f"{field}: {message}" for field, message in self.errors.items()))


def _one_of(values):
    return ", ".join(values)


def _check_fact(fact, value):
    """Return the clean value, or raise ValueError with a clinician's sentence."""
    if fact.is_enum:
        value = fact.from_tick(value)
        if not isinstance(value, str) or value not in fact.choices:
            raise ValueError(f"{value!r} is not a known {fact.label.lower()}; use one of {_one_of(fact.values)}.")
        return value
    if fact.is_enum_list:
        items = fact.label.lower()
        if not isinstance(value, list | tuple):
            raise ValueError(f"must be a list of {items} (an empty list means none).")
        unknown = [item for item in value if not isinstance(item, str) or item not in fact.choices]
        if unknown:
            shown = ", ".join(repr(item) for item in unknown)
            verb = "is" if len(unknown) == 1 else "are"
            raise ValueError(f"{shown} {verb} not among the known {items}; use any of {_one_of(fact.values)}.")
        repeated = [item for item in fact.choices if value.count(item) > 1]
        if repeated:
            shown = ", ".join(repr(item) for item in repeated)
            raise ValueError(f"lists {shown} more than once; give each of the {items} once.")
        # Keep the vocabulary's order so equal cases give equal snapshots.
        return tuple(item for item in fact.choices if item in value)
    if fact.is_bool:
        if not isinstance(value, bool):
            raise ValueError("must be true or false.")
        return value
    span = f"{fact.minimum:g} to {fact.maximum:g}"
    if isinstance(value, str):
        raise ValueError(_refuse_text_for_a_number(fact, value))
    if fact.is_integer and isinstance(value, float) and value.is_integer():
        value = int(value)  # JSON Schema counts 50.0 as the integer 50
    if isinstance(value, bool) or not isinstance(value, int if fact.is_integer else int | float):
        noun = "a whole number of" if fact.is_integer else "a number in"
        raise ValueError(f"must be {noun} {fact.unit} ({span}).")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"must be a finite number in {fact.unit} ({span}).")
    if not fact.minimum <= value <= fact.maximum:
        shown = f"{value:g} {fact.unit}" if isinstance(value, float) or abs(value) < 10**15 else "the number given"
        raise ValueError(f"{shown} is out of range; enter {span} {fact.unit}.")
    # A number is always a double to the rule conditions (CEL does not mix int and double).
    return float(value) if fact.is_number else value


# A number as people type it: digits, at most one decimal separator (point or comma), no exponent,
# no grouping. ASCII digits only: \d would also take digits of other scripts.
_TYPED_NUMBER = re.compile(r"([+-]?)([0-9]*)(?:([.,])([0-9]*))?", re.ASCII)
NUMBER_KINDS = (FactKind.NUMBER, FactKind.INTEGER)


def _range_words(fact):
    noun = "a whole number of" if fact.is_integer else "a number in"
    return f"{noun} {fact.unit} ({fact.minimum:g} to {fact.maximum:g})"


def fact_from_text(fact, text):
    """What a person typed for a number fact ("45.5", "45,5", " 12 "), as the number; None when blank.

    Every input path that reads a number from text goes through here (the case form, the
    editors' "Try a case", a CDS Hooks value sent as text), so one sentence refuses it everywhere.
    A decimal comma reads as a decimal point. What two readers could read as numbers a thousand
    times apart ("1,000", "2.500") is refused, never guessed, and so is anything that is not a plain
    number ("4e", "--5", "1 000"). The range is validate_case's to check. Raises ValueError with a
    clinician's sentence that names what was typed.
    """
    if fact.kind not in NUMBER_KINDS:
        raise TypeError(f"{fact.name} is a {fact.kind} fact, not a number.")
    typed = text.strip()
    if not typed:
        return None
    shown = typed if len(typed) <= 20 else typed[:20] + "\u2026"
    match = _TYPED_NUMBER.fullmatch(typed)
    if match is None or not (match[2] or match[4]):
        raise ValueError(f"\u201c{shown}\u201d is not a number; enter {_range_words(fact)}, such as {_example(fact)}.")
    sign, whole, separator, decimals = match.groups()
    if separator and len(decimals) == 3 and whole and whole != "0" and not whole.startswith("0"):
        grouped, decimal = f"{whole}{decimals}", float(f"{whole}.{decimals}")
        raise ValueError(
            f"\u201c{shown}\u201d is {grouped} to some readers and {decimal:g} to others; enter {grouped} "
            f"(no thousands separator) or at most two decimals ({round(decimal, 2):g}) for the smaller number."
        )
    number = float(f"{sign}{whole or '0'}.{decimals or '0'}")
    if fact.is_integer:
        if not number.is_integer():
            raise ValueError(f"\u201c{shown}\u201d is not a whole number; enter {_range_words(fact)}.")
        return int(number)
    return number


def _example(fact):
    return "45" if fact.is_integer else "45.5"


def _refuse_text_for_a_number(fact, value):
    """JSON carries numbers as numbers: text is refused, saying how it would read."""
    try:
        number = fact_from_text(fact, value)
    except ValueError as exc:
        return f"{exc}"
    if number is None:
        return f"is empty text; leave it out when it is not known, or give {_range_words(fact)}."
    return f"is text (\u201c{value.strip()}\u201d), not {_range_words(fact)}; give the number itself: {number:g}."


def validate_case(data):
    """Check raw case facts against the vocabulary; return the full, clean facts.

    Missing optional facts take the schema's default (tryptase and age stay
    None when not given). Raises CaseValidationError naming every bad field.
    """
    if not isinstance(data, dict):
        raise CaseValidationError({"case": 'must be a JSON object of case facts, such as {"subtype": "ISM"}.'})
    errors = {}
    for name in data:
        if name not in FACTS:
            errors[name] = f"is not a case fact; known facts are {_one_of(FACTS)}."
    facts = {}
    for name, fact in FACTS.items():
        if name not in data or (data[name] is None and not fact.required):
            if fact.required:
                errors[name] = f"is required; use one of {_one_of(fact.values)}."
            facts[name] = fact.default
            continue
        try:
            facts[name] = _check_fact(fact, data[name])
        except ValueError as exc:
            errors[name] = str(exc)
    if errors:
        raise CaseValidationError(errors)
    return facts


class _DuplicateFieldError(ValueError):
    def __init__(self, name):
        self.name = name
        super().__init__(name)


def _refuse_duplicates(pairs):
    """json.loads would silently keep the last of two values for one field."""
    data = {}
    for name, value in pairs:
        if name in data:
            raise _DuplicateFieldError(name)
        data[name] = value
    return data


def parse_case_json(text):
    """Parse JSON text into validated facts; bad JSON is a CaseValidationError too."""
    try:
        # NaN and Infinity are not JSON; they parse to non-finite floats so that
        # the validator refuses them naming the field they were given for.
        data = json.loads(text, parse_constant=float, object_pairs_hook=_refuse_duplicates)
    except _DuplicateFieldError as exc:
        raise CaseValidationError({exc.name: "is given more than once; give each fact once."}) from None
    except ValueError as exc:
        raise CaseValidationError({"case": f"is not valid JSON ({exc})."}) from None
    except RecursionError:
        raise CaseValidationError({"case": "is nested too deeply to be case facts."}) from None
    # In Python a blank form field is None and means "not given"; JSON input follows
    # the schema, which has no null: a fact that is not known is left out.
    nulls = {}
    if isinstance(data, dict):
        nulls = {
            name: "is empty (null); leave it out when it is not known."
            for name, value in data.items()
            if value is None and name in FACTS and not FACTS[name].required
        }
    try:
        facts = validate_case(data)
    except CaseValidationError as exc:
        raise CaseValidationError({**exc.errors, **nulls}) from None
    if nulls:
        raise CaseValidationError(nulls)
    return facts


def facts_in_words(facts):
    """Some case facts in a clinician's words, in the form's order: "Subtype: ISM · Venom allergy: no"."""
    return " \u00b7 ".join(fact.readback(facts[fact.name]) for fact in facts_in_form_order() if fact.name in facts)


def facts_to_json(facts):
    """Facts as plain JSON-able values (tuples become lists)."""
    return {name: list(value) if isinstance(value, tuple) else value for name, value in facts.items()}


# The vocabulary a guidance version's rules were written against (GuidanceVersion.edition). Versions 1
# and 2 (edition 2) read venom_allergy as a tick box, true or false; from version 3 on (edition 3) it is
# yes/no/unknown. Facts are always validated in the current edition and shown to an older version's
# rules as that version read them, so its answers never change.
CURRENT_EDITION = 3
_EDITION_2_FACTS = {
    **FACTS,
    "venom_allergy": replace(FACTS["venom_allergy"], kind="bool", choices=None, default=False, accepts_bool=False),
}


def vocabulary(edition):
    """The facts as the rules of a version of this edition read them."""
    return FACTS if edition >= CURRENT_EDITION else _EDITION_2_FACTS


def facts_in_edition(facts, edition):
    """Validated (current) facts as the rules of that edition read them."""
    if edition >= CURRENT_EDITION:
        return facts
    return {**facts, "venom_allergy": facts["venom_allergy"] == "yes"}
