"""Safety properties of a guidance version, proven over every case that can behave differently.

Pure: no ORM, request, settings or clock. A property is a CEL condition over
the case facts and `fired` (the ids of the rules that fire for the case) that
must be true for every valid case. It is proven exhaustively, never sampled,
over a case space derived from what the property and the rules it names read:

- every value of every enum and boolean fact they read;
- every subset of the symptoms they name, plus one symptom they do not name
  (so "some symptom" and "no symptom" are both tried);
- for a number they compare, each side of every number it is compared with,
  its range's ends, and "not recorded".

Facts none of them reads cannot change the outcome, so they keep their defaults.
"""

import itertools
import json
import math
import re
from dataclasses import dataclass

from .engine import ConditionError, compile_condition, condition_holds
from .facts import FACTS, facts_to_json

FIRED = "fired"
# A property that constrains named rules reads `fired` only as "<rule id>" in fired.
_NAMED_RULE = re.compile(r"""(?:'[^'\\]*'|"[^"\\]*")\s+in\s+fired\b""")
_NUMBER = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)(?![\w.])")
# Past this many cases a proof would keep an editor waiting for minutes: refuse, never sample.
MAX_CASES = 2_000_000


# The values of facts that a proof does not vary: the defaults, and the first subtype (a required fact).
_BASE_CASE = {
    name: fact.values[0] if fact.required and fact.default is None else fact.default for name, fact in FACTS.items()
}


@dataclass(frozen=True)
class PropertySpec:
    """A safety property as data, the way a guidance version stores it."""

    property_id: str
    statement: str  # the sentence a clinician reads
    condition: str


@dataclass(frozen=True)
class CompiledProperty:
    spec: PropertySpec
    program: object
    variables: tuple  # case facts it reads
    literals: frozenset  # quoted strings: fact values and rule ids
    named_rules: tuple  # rule ids it names, in the order written
    reads_all_rules: bool  # `fired` read other than as "<rule id>" in fired


@dataclass(frozen=True)
class Proof:
    property_id: str
    statement: str
    cases: int  # how many cases were tried (all of them when it holds)
    counterexample: dict | None = None  # case facts as JSON, when it fails
    fired: tuple = ()  # the rules that fired for the counterexample
    missing_rules: tuple = ()  # rule ids the property names that the version does not have
    seconds: float = 0.0  # how long the proof took, measured by the caller (this module reads no clock)

    @property
    def holds(self):
        return self.counterexample is None and not self.missing_rules

    @property
    def counterexample_json(self):
        return json.dumps(self.counterexample) if self.counterexample is not None else ""


def compile_property(spec, *, rule_ids):
    """Compile and check a property against the vocabulary and the version's rule ids."""
    if not spec.statement.strip():
        raise ConditionError("Say in one sentence, for clinicians, what the property guarantees.")
    program, variables, literals = compile_condition(
        spec.condition, names=(FIRED,), values=frozenset(rule_ids), values_hint="a rule id of this version"
    )
    source = spec.condition
    named = tuple(dict.fromkeys(lit for lit in _literals_in_order(source) if lit in set(rule_ids)))
    uses_fired = FIRED in program.variables()
    reads_all = uses_fired and len(re.findall(rf"\b{FIRED}\b", source)) != len(_NAMED_RULE.findall(source))
    return CompiledProperty(
        spec=spec,
        program=program,
        variables=variables,
        literals=frozenset(literals),
        named_rules=named,
        reads_all_rules=reads_all,
    )


def _literals_in_order(source):
    return [a or b for a, b in re.findall(r"""'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)\"""", source)]


def relevant_rules(prop, guidance):
    """The compiled rules whose firing the property can see."""
    if prop.reads_all_rules:
        return guidance.rules
    named = set(prop.named_rules)
    return tuple(rule for rule in guidance.rules if rule.spec.rule_id in named)


def _values(fact, literals, numbers, default):
    """The values of one fact that can make a difference, the default first."""
    if fact.kind in ("enum", "bool"):
        values = fact.values if fact.kind == "enum" else (False, True)
        return (default, *(v for v in values if v != default))
    if fact.kind == "enum_list":
        named = [value for value in fact.values if value in literals]
        unnamed = next((value for value in fact.values if value not in literals), None)
        pool = named + ([unnamed] if unnamed else [])
        return tuple(
            tuple(v for v in fact.values if v in combo)
            for size in range(len(pool) + 1)
            for combo in itertools.combinations(pool, size)
        )
    low, high = fact.minimum, fact.maximum
    points = {low, high}
    for number in numbers:
        if fact.kind == "integer":
            points.update({math.floor(number) - 1, math.floor(number), math.ceil(number), math.ceil(number) + 1})
        else:
            points.update({math.nextafter(number, -math.inf), number, math.nextafter(number, math.inf)})
    cast = int if fact.kind == "integer" else float
    return (None, *sorted(cast(p) for p in points if low <= p <= high))


def case_space(prop, rules):
    """(fact names varied, their value lists): every case that can behave differently."""
    names = [name for name in FACTS if name in prop.variables or any(name in r.variables for r in rules)]
    literals = set(prop.literals).union(*(rule.literals for rule in rules))
    sources = [prop.spec.condition, *(rule.spec.condition for rule in rules)]
    choices = []
    for name in names:
        numbers = {float(n) for source in sources if name in source for n in _NUMBER.findall(source)}
        choices.append(_values(FACTS[name], literals, numbers, _BASE_CASE[name]))
    return names, choices


def case_space_size(prop, guidance):
    _, choices = case_space(prop, relevant_rules(prop, guidance))
    return math.prod(len(values) for values in choices)


def prove(prop, guidance, *, budget=None):
    """Try the property on every case of its space; the first failing case is the counterexample.

    `budget(cases tried)`, if given, is called every 100 cases and may raise to stop the proof (its clock).
    """
    missing = tuple(rule_id for rule_id in prop.named_rules if rule_id not in {r.spec.rule_id for r in guidance.rules})
    rules = relevant_rules(prop, guidance)
    names, choices = case_space(prop, rules)
    total = math.prod(len(values) for values in choices)
    if total > MAX_CASES:
        raise ConditionError(
            f"Property {prop.spec.property_id!r} would need {total:,} cases to prove; name the rules it "
            'constrains ("rule-id" in fired) and the facts it needs, so it can be proven exhaustively.'
        )
    tried = 0
    for combo in itertools.product(*choices):
        tried += 1
        if budget is not None and tried % 100 == 0:
            budget(tried)
        facts = dict(_BASE_CASE, **dict(zip(names, combo, strict=True)))
        fired = [rule.spec.rule_id for rule in rules if condition_holds(rule.program, rule.variables, facts)]
        if not condition_holds(prop.program, prop.variables, facts, {FIRED: fired}):
            return Proof(
                property_id=prop.spec.property_id,
                statement=prop.spec.statement,
                cases=tried,
                counterexample=case_as_input(facts),
                fired=tuple(fired),
                missing_rules=missing,
            )
    return Proof(property_id=prop.spec.property_id, statement=prop.spec.statement, cases=tried, missing_rules=missing)


def case_as_input(facts):
    """Facts as evaluate_case input: JSON, with facts that are not recorded left out (the schema has no null)."""
    return {name: value for name, value in facts_to_json(facts).items() if value is not None}
