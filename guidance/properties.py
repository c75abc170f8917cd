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

from core import caches

from .engine import ConditionError, compile_condition, condition_holds, rule_because
from .facts import CURRENT_EDITION, FACTS, facts_in_edition, facts_to_json
from .interventions import ABOUT_IDS, INTERVENTIONS, Effect, Intent, failed, members
from .kinds import Kind
from .notices import ADULT_AGE, Notice, given_facts, has_a_way_forward, notices_given

FIRED = "fired"
# From edition 3 on a property also reads what the lines offer (see line_context):
LINE_NAMES = (
    "lines",
    "offered",
    "started",
    "withheld",
    "qualified",
    "ensured",
    "about_because",
    "failed",
    "notices",
    "unused",
    "given",
    "read",
    "way_forward",
)
# ...and, checked for each intervention, that intervention and its classes.
EACH_NAMES = ("i", "i_classes")
_READ_LINES = frozenset({"lines", "offered", "started", "withheld", "qualified", "ensured", "about_because", "notices"})
_READ_GIVEN = frozenset({"given", "unused"})
_RESPONSE_FACTS = tuple(dict.fromkeys(i.response_fact for i in INTERVENTIONS.values() if i.response_fact))
# A property that constrains named rules reads `fired` only as "<rule id>" in fired.
_NAMED_RULE = re.compile(r"""(?:'[^'\\]*'|"[^"\\]*")\s+in\s+fired\b""")
_NUMBER = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)(?![\w.])")
# Functions that tell strings apart other than by equality with a literal: where a condition uses one,
# values it does not name are no longer interchangeable, and every subset is tried.
_STRING_FUNCTIONS = re.compile(r"\.(?:startsWith|endsWith|contains|matches|size)\s*\(|[<>]=?\s*[\"']|[\"']\s*[<>]")
# Past this many partial cases explored a proof would keep an editor waiting for minutes: refuse,
# never sample.
MAX_STATES = 2_000_000
# Words a property of edition 3 may quote besides rule ids and fact values.
_LINE_WORDS = frozenset(
    {*ABOUT_IDS, *(n.value for n in Notice), *FACTS, *(i.value for i in Intent), *(e.value for e in Effect)}
    | {kind.value for kind in Kind}
)
_DRY_RUN = {
    "i": "h1-antihistamine",
    "i_classes": ["anti-mediator"],
    "way_forward": False,
    "about_because": {item: [] for item in INTERVENTIONS},
}


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
    each_intervention: bool = False  # checked once for each intervention `i` (edition 3 on)


@dataclass(frozen=True)
class CompiledProperty:
    spec: PropertySpec
    program: object
    variables: tuple  # case facts it reads
    literals: frozenset  # quoted strings: fact values and rule ids
    named_rules: tuple  # rule ids it names, in the order written
    reads_all_rules: bool  # `fired` read other than as "<rule id>" in fired
    edition: int = CURRENT_EDITION
    reads: frozenset = frozenset()  # the line variables it reads (LINE_NAMES)
    named_interventions: tuple = ()  # interventions it names (a class for its members)


@dataclass(frozen=True)
class Proof:
    property_id: str
    statement: str
    cases: int  # how many cases were tried (all of them when it holds)
    counterexample: dict | None = None  # case facts as JSON, when it fails
    fired: tuple = ()  # the rules that fired for the counterexample
    missing_rules: tuple = ()  # rule ids the property names that the version does not have
    seconds: float = 0.0  # how long the proof took, measured by the caller (this module reads no clock)
    intervention: str = ""  # for a property checked for each intervention: the one it fails for

    @property
    def holds(self):
        return self.counterexample is None and not self.missing_rules

    @property
    def counterexample_json(self):
        return json.dumps(self.counterexample) if self.counterexample is not None else ""


def compile_property(spec, *, rule_ids, edition=CURRENT_EDITION):
    """Compile and check a property against the vocabulary and the version's rule ids."""
    if not spec.statement.strip():
        raise ConditionError("Say in one sentence, for clinicians, what the property guarantees.")
    lines = edition >= CURRENT_EDITION
    if spec.each_intervention and not lines:
        raise ConditionError("Only a version written for guidance version 3 on can check a property per intervention.")
    names = (FIRED, *(LINE_NAMES if lines else ()), *(EACH_NAMES if spec.each_intervention else ()))
    values = frozenset(rule_ids) | (_LINE_WORDS if lines else frozenset())
    program, variables, literals = compile_condition(
        spec.condition,
        names=names,
        values=values,
        values_hint="a rule id of this version" + (", an intervention, class, notice or fact name" if lines else ""),
        samples=_DRY_RUN,
    )
    source = spec.condition
    named = tuple(dict.fromkeys(lit for lit in _literals_in_order(source) if lit in set(rule_ids)))
    uses_fired = FIRED in program.variables()
    reads_all = uses_fired and len(re.findall(rf"\b{FIRED}\b", source)) != len(_NAMED_RULE.findall(source))
    reads = frozenset(program.variables()) & frozenset(LINE_NAMES)
    return CompiledProperty(
        spec=spec,
        program=program,
        variables=variables,
        literals=frozenset(literals),
        named_rules=named,
        reads_all_rules=reads_all,
        edition=edition,
        reads=reads,
        named_interventions=members(lit for lit in literals if lit in ABOUT_IDS) if lines else (),
    )


def _literals_in_order(source):
    return [a or b for a, b in re.findall(r"""'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)\"""", source)]


def _concerns(rule):
    """The interventions a rule's line offers or is about."""
    return {item for item, _ in rule.spec.offers} | set(members(rule.spec.about))


def relevant_rules(prop, guidance, intervention=None):
    """The compiled rules whose lines the property can see.

    A property sees the rules it names ("id" in fired). From edition 3 on, one that reads the lines
    sees the lines that offer, or are about, the interventions it names (a class standing for its
    members) and, checked for each intervention, that intervention; naming none, it sees every line,
    as it does when it reads the notices (nothing-further-in-source weighs every line)."""
    if prop.reads_all_rules:
        return guidance.rules
    if _way_forward_is_free(prop):
        return ()
    named = set(prop.named_rules)
    if prop.reads & _READ_LINES:
        concerned = set(prop.named_interventions) | ({intervention} if intervention else set())
        if "notices" in prop.reads or "way_forward" in prop.reads or not concerned:
            return guidance.rules
        return tuple(rule for rule in guidance.rules if rule.spec.rule_id in named or _concerns(rule) & concerned)
    return tuple(rule for rule in guidance.rules if rule.spec.rule_id in named)


_MEMBERSHIP = re.compile(
    r"""(?:["'][^"']*["']\s+in\s+(\w+)\b)|(?:\b(\w+)\.exists\(\s*(\w+)\s*,\s*\3\s+in\s+\[[^\[\]]*\]\s*\))"""
)
_LIST_LITERAL = re.compile(r"\[([^\[\]]*)\]")


def _signature(value, sources):
    """Where a value is quoted: None when it stands anywhere but inside a list literal (then it is
    told apart from every other value), else which list literals of which conditions hold it."""
    quoted = re.compile(rf"""(["']){re.escape(value)}\1""")
    places = []
    for index, source in enumerate(sources):
        lists = _LIST_LITERAL.findall(source)
        inside = sum(len(quoted.findall(body)) for body in lists)
        if len(quoted.findall(source)) != inside:
            return None
        places.append((index, tuple(bool(quoted.search(body)) for body in lists)))
    return tuple(places)


def _list_values(fact, literals, default, sources):
    """The values of a list fact worth trying. A CEL condition tells list items apart only by the words
    it quotes: items that every condition quotes only inside the same list literals (s in ["a", "b"])
    are interchangeable, so each such group is tried with 0, 1, ... of them present; an item quoted
    anywhere else is tried present and absent; the items no condition names as none or one."""
    named = [value for value in fact.values if value in literals]
    unnamed = next((value for value in fact.values if value not in literals), None)
    groups = []
    by_signature = {}
    symmetric = not any(_STRING_FUNCTIONS.search(source) or "][" in source for source in sources)
    for value in named:
        signature = _signature(value, sources) if symmetric else None
        if signature is None:
            groups.append([value])
        else:
            by_signature.setdefault(signature, []).append(value)
    groups += by_signature.values()
    groups.append([unnamed] if unnamed else [])
    per_group = [[tuple(group[:count]) for count in range(len(group) + 1)] for group in groups]
    values = []
    for combo in itertools.product(*per_group):
        chosen = {item for part in combo for item in part}
        values.append(tuple(v for v in fact.values if v in chosen))
    values.sort(key=lambda v: v != default)
    return tuple(values)


def _values(fact, literals, numbers, default, sources=()):
    """The values of one fact that can make a difference, the default first."""
    if fact.is_enum or fact.is_bool:
        values = fact.values if fact.is_enum else (False, True)
        return (default, *(v for v in values if v != default))
    if fact.is_enum_list:
        return _list_values(fact, literals, default, sources)
    low, high = fact.minimum, fact.maximum
    points = {low, high}
    for number in numbers:
        if fact.is_integer:
            points.update({math.floor(number) - 1, math.floor(number), math.ceil(number), math.ceil(number) + 1})
        else:
            points.update({math.nextafter(number, -math.inf), number, math.nextafter(number, math.inf)})
    cast = int if fact.is_integer else float
    return (None, *sorted(cast(p) for p in points if low <= p <= high))


def _given_only(fact, default):
    """A fact the property reads only through `given`: its default, and one value that is not."""
    if fact.is_enum:
        return (default, *[v for v in fact.values if v != default][:1])
    if fact.is_enum_list:
        return (default, fact.values[:1])
    if fact.is_bool:
        return (default, not default)
    return (default, fact.minimum if default is None else None)


def case_space(prop, rules, guidance=None):
    """(fact names varied, their value lists): every case that can behave differently."""
    read = set(prop.variables).union(*(r.variables for r in rules))
    if "failed" in prop.reads or ("notices" in prop.reads and not _way_forward_is_free(prop)):
        read.update(_RESPONSE_FACTS)
    if "notices" in prop.reads:
        read.add("age_years")
    given_only = set(FACTS) - read if prop.reads & (_READ_GIVEN | {"notices"}) else set()
    if guidance is not None and "given" not in prop.reads:
        # The notices see of a fact the version's rules read nothing but the lines: only the facts no rule
        # reads can change them (facts-not-used), so the others keep their defaults.
        given_only -= set(guidance.variables)
    literals = set(prop.literals).union(*(rule.literals for rule in rules))
    # Facts seen only as names in `given` and `unused` (and through the notices) that the property does
    # not quote are interchangeable, but for whether the version's rules read them (`read`): one axis per
    # such group tries none, the first, the first two, ... of them given.
    indexed = re.search(r"\b(?:given|unused|read)\s*\[", prop.spec.condition)
    variables = set(guidance.variables) if guidance is not None else set()
    groups = {}
    for name in FACTS:
        if name in given_only and name not in literals and not indexed:
            groups.setdefault(name in variables, []).append(name)
    alike = {name for group in groups.values() for name in group}
    names = [name for name in FACTS if name in read or (name in given_only and name not in alike)]
    sources = [prop.spec.condition, *(rule.spec.condition for rule in rules)]
    if "notices" in prop.reads:
        sources.append("age_years < 18.0")
    choices = []
    for name in names:
        if name in given_only:
            choices.append(_given_only(FACTS[name], _BASE_CASE[name]))
            continue
        numbers = {float(n) for source in sources if name in source for n in _NUMBER.findall(source)}
        choices.append(_values(FACTS[name], literals, numbers, _BASE_CASE[name], sources))
    for group in groups.values():
        pairs = [_given_only(FACTS[name], _BASE_CASE[name]) for name in group]
        names.append(tuple(group))
        choices.append(
            tuple(tuple(p[1] if k < count else p[0] for k, p in enumerate(pairs)) for count in range(len(pairs) + 1))
        )
    return names, choices


def case_space_size(prop, guidance):
    total = 0
    for intervention in _instances(prop):
        _, choices = case_space(prop, relevant_rules(prop, guidance, intervention), guidance)
        total += math.prod(len(values) for values in choices)
    return total


def _instances(prop):
    return tuple(INTERVENTIONS) if prop.spec.each_intervention else (None,)


def _way_forward_is_free(prop):
    """A property that reads whether some line offers a way forward (way_forward, and the
    nothing-further-in-source notice built from it) but no line itself, nor `fired`, is proven for
    both answers with every case of what else it reads: a superset of the cases the rules can give,
    so what holds there holds for every case (no-dead-end is such a property)."""
    uses = set(prop.program.variables())
    return "way_forward" in uses and not (uses & ({FIRED} | (_READ_LINES - {"notices"})))


def line_context(facts, fired_rules, guidance, way_forward=None):
    """What an edition-3 property reads of the lines for a case (current-edition facts):

    - `lines`: one map per line: rule, kind, offers and started (intervention ids), about (ids, a
      class with its members), maximised, effect ("" when none) and because (the facts it shows);
    - `offered` / `started`: the ids offered (any intent) / to start, one entry per line that offers them;
    - `withheld` / `qualified` / `ensured`: the interventions some caution with that effect is about;
    - `about_because`: for every intervention, the facts named in the `because` of the cautions about it;
    - `failed`: the interventions whose response fact is unresponsive;
    - `notices`: the notice ids; `unused`: the facts the facts-not-used notice names;
    - `given`: the facts the case gives a value other than the default; `read`: the facts the rules read;
    - `way_forward`: whether some line offers something that has not failed, or to maximise."""
    lines = []
    for rule in fired_rules:
        spec = rule.spec
        lines.append(
            {
                "rule": spec.rule_id,
                "kind": spec.kind,
                "offers": [item for item, _ in spec.offers],
                "started": [item for item, intent in spec.offers if intent == Intent.START],
                "maximised": [item for item, intent in spec.offers if intent == Intent.MAXIMISE],
                "about": list(dict.fromkeys([*spec.about, *members(spec.about)])),
                "effect": spec.effect or "",
                "because": [name for name, _ in rule_because(rule, facts, rule.shown)],
            }
        )
    if way_forward is None:
        way_forward = has_a_way_forward([_Line(rule.spec.offers) for rule in fired_rules], facts)
    notices = notices_given(facts, way_forward=way_forward, read=guidance.variables)
    about_because = {item: [] for item in INTERVENTIONS}
    by_effect = {effect.value: [] for effect in Effect}
    for line in lines:
        if line["effect"]:
            for item in line["about"]:
                if item in about_because:
                    about_because[item].extend(line["because"])
                    by_effect[line["effect"]].append(item)
    return {
        "lines": lines,
        "withheld": by_effect[Effect.WITHHOLD],
        "qualified": by_effect[Effect.QUALIFY],
        "ensured": by_effect[Effect.ENSURE],
        "about_because": about_because,
        "offered": [item for line in lines for item in line["offers"]],
        "started": [item for line in lines for item in line["started"]],
        "failed": list(failed(facts)),
        "notices": [notice["id"] for notice in notices],
        # What the facts-not-used notice names, as shown: the property checks the notice, not a recount.
        "unused": next((n["facts"] for n in notices if n["id"] == Notice.FACTS_NOT_USED), []),
        "given": list(given_facts(facts)),
        "read": list(guidance.variables),
        "way_forward": way_forward,
    }


@dataclass(frozen=True)
class _Line:
    offers: tuple


def prove(prop, guidance, outcomes=None, *, budget=None):
    """Try the property on every case of its space; the first failing case is the counterexample.

    `outcomes` may be shared by the proofs of one version's properties: what each rule gave for
    what its condition can tell apart of a case, so no rule runs twice for the same. `budget(states)`,
    if given, is called every 100 partial cases explored and may raise to stop the proof (its clock)."""
    outcomes = {} if outcomes is None else outcomes
    missing = tuple(rule_id for rule_id in prop.named_rules if rule_id not in {r.spec.rule_id for r in guidance.rules})
    tried = 0
    free = (False, True) if _way_forward_is_free(prop) else (None,)
    for intervention, way_forward in itertools.product(_instances(prop), free):
        rules = relevant_rules(prop, guidance, intervention)
        names, choices = case_space(prop, rules, guidance)
        found = _search(prop, guidance, rules, names, choices, intervention, outcomes, way_forward, budget)
        tried += found[0]
        if found[1] is not None:
            facts, _ = found[1]
            # Every rule of the version that fires for the counterexample, not only those the property sees.
            view = facts_in_edition(facts, guidance.edition)
            fired = [r.spec.rule_id for r in guidance.rules if condition_holds(r.program, r.variables, view)]
            return Proof(
                property_id=prop.spec.property_id,
                statement=prop.spec.statement,
                cases=tried,
                counterexample=case_as_input(facts),
                fired=tuple(fired),
                missing_rules=missing,
                intervention=intervention or "",
            )
    return Proof(property_id=prop.spec.property_id, statement=prop.spec.statement, cases=tried, missing_rules=missing)


def _search(prop, guidance, rules, names, choices, intervention, shared, way_forward=None, budget=None):
    """(cases covered, (facts, fired rule ids) of a case the property fails for, or None).

    Every case of the space is covered, none sampled, but not each one separately: the facts are
    fixed one at a time, each rule is run as soon as the facts it reads are fixed, and two partial
    cases that agree on what fired and on everything still to be read (the facts a later rule or
    the property reads; of the others only what the notices, `failed` and `given` see of them)
    lead to the same outcomes, so the second is not explored again."""
    order = sorted(names, key=lambda name: -sum(name in rule.variables for rule in rules))
    position = {name: k for k, name in enumerate(order)}
    values = dict(zip(names, choices, strict=True))
    decided = [[] for _ in order]  # the rules run once the fact at this depth is fixed
    constant = 0
    for bit, rule in enumerate(rules):
        if rule.variables:
            decided[max(position[v] for v in rule.variables)].append((bit, rule))
        elif condition_holds(rule.program, (), {}):
            constant |= 1 << bit
    readers = {
        name: [(max(position[v] for v in r.variables), r.spec.condition) for r in rules if name in r.variables]
        for name in order
    }
    keep = [_kept(prop, order, depth, readers) for depth in range(len(order))]
    extra = {}
    if intervention:
        extra = {"i": intervention, "i_classes": [c.value for c in INTERVENTIONS[intervention].classes]}
    rule_keys = [tuple((v, _rule_projection(rule, v)) for v in rule.variables) for rule in rules]
    seen, answered = set(), set()
    leaf_keep = keep[-1] if order else []
    outcomes = [shared.setdefault(rule.spec.rule_id, {}) for rule in rules]
    facts = dict(_BASE_CASE)
    stack = [(0, constant, None)]
    while stack:
        depth, mask, assignment = stack.pop()
        if assignment is not None:
            facts.update(assignment)
        if depth == len(order):
            # The property sees what fired, the facts it reads and (through notices, failed, given)
            # the projections the last depth keeps: the same key, the same answer.
            key = (mask, *(project(facts[n]) for n, project in leaf_keep))
            if key in answered:
                continue
            answered.add(key)
            fired_rules = [rule for bit, rule in enumerate(rules) if mask >> bit & 1]
            fired = [rule.spec.rule_id for rule in fired_rules]
            context = {FIRED: fired, **extra}
            if prop.reads:
                context.update(line_context(facts, fired_rules, guidance, way_forward))
            if not condition_holds(prop.program, prop.variables, facts_in_edition(facts, prop.edition), context):
                return math.prod(len(v) for v in choices), ({n: facts[n] for n in FACTS}, fired)
            continue
        name = order[depth]
        for value in reversed(values[name]):
            facts[name] = value
            if isinstance(name, tuple):  # several facts on one axis (case_space)
                facts.update(zip(name, value, strict=True))
            new = mask
            if decided[depth]:
                view = facts_in_edition(facts, guidance.edition)
                for bit, rule in decided[depth]:
                    key = tuple(project(view[v]) for v, project in rule_keys[bit])
                    hit = outcomes[bit].get(key)
                    if hit is None:
                        hit = outcomes[bit][key] = condition_holds(rule.program, rule.variables, view)
                    if hit:
                        new |= 1 << bit
            state = (depth, new, *(project(facts[n]) for n, project in keep[depth]))
            if state in seen:
                continue
            seen.add(state)
            if budget is not None and len(seen) % 100 == 0:
                budget(len(seen))
            if len(seen) > MAX_STATES:
                raise ConditionError(
                    f"Property {prop.spec.property_id!r} would need more than {MAX_STATES:,} partial cases to "
                    'prove; name the rules it constrains ("rule-id" in fired), or the interventions it concerns, '
                    "and the facts it needs, so it can be proven exhaustively."
                )
            stack.append((depth + 1, new, _prefix(facts, order[: depth + 1])))
    return math.prod(len(v) for v in choices), None


def _rule_projection(rule, name):
    return _projection(rule.spec.condition, name)


@caches.memo("guidance.properties.projection", size=4096)
def _projection(source, name):
    """What a condition can tell apart of a fact's value: of a list, per group of items it quotes
    alike (see _list_values) how many are present; of anything else, the value."""
    fact = FACTS[name]
    if not fact.is_enum_list or _STRING_FUNCTIONS.search(source) or "][" in source:
        return _same
    groups = {}
    for value in fact.values:
        signature = _signature(value, [source])
        key = ("alone", value) if signature is None else signature
        groups.setdefault(key, []).append(value)
    where = {value: index for index, members_ in enumerate(groups.values()) for value in members_}
    width = len(groups)
    # A condition that reads the list only as "x" in list and list.exists(s, s in [...]) sees whether
    # each group is present, and nothing of the items it does not quote.
    membership_only = not re.search(rf"\b{name}\b", _MEMBERSHIP.sub("", source))
    quoted = {index for value, index in where.items() if f'"{value}"' in source or f"'{value}'" in source}

    def project(value):
        counts = [0] * width
        for item in value:
            counts[where[item]] += 1
        if membership_only:
            return tuple(counts[index] > 0 for index in sorted(quoted))
        return tuple(counts)

    return project


def _prefix(facts, names):
    prefix = {}
    for name in names:
        prefix[name] = facts[name]
        if isinstance(name, tuple):
            prefix.update(zip(name, facts[name], strict=True))
    return prefix


def _kept(prop, order, depth, readers):
    """What a partial case fixed up to `depth` must keep of each fixed fact: (name, projection) pairs.
    Of a fact a rule still to run or the property reads: what those conditions can tell apart of it;
    of the others, what the notices, `failed` and `given` see of them (or nothing)."""
    derived = prop.reads & {"given", "unused", "notices", "failed"}
    kept = []
    for name in order[: depth + 1]:
        if isinstance(name, tuple):  # the alike facts of case_space: how many are given is all there is
            kept.append((name, _same))
            continue
        sources = [source for at, source in readers[name] if at > depth]
        if name in prop.variables:
            sources.append(prop.spec.condition)
        projections = tuple(_projection(source, name) for source in sources)
        default = _BASE_CASE[name]
        response = name in _RESPONSE_FACTS and bool(derived & {"failed", "notices"})

        def project(value, projections=projections, default=default, response=response, age=name == "age_years"):
            seen = tuple(p(value) for p in projections)
            if not derived:
                return seen
            return (
                seen,
                value != default,
                response and value == "unresponsive",
                age and value is not None and value < ADULT_AGE,
            )

        if projections or derived:
            kept.append((name, project))
    return kept


def _same(value):
    return value


def holds_for_case(prop, guidance, facts):
    """Whether the property holds for one case (validated, current-edition facts)."""
    view = facts_in_edition(facts, guidance.edition)
    fired_rules = [rule for rule in guidance.rules if condition_holds(rule.program, rule.variables, view)]
    for intervention in _instances(prop):
        context = {FIRED: [rule.spec.rule_id for rule in fired_rules]}
        if intervention:
            context.update(i=intervention, i_classes=[c.value for c in INTERVENTIONS[intervention].classes])
        if prop.reads:
            context.update(line_context(facts, fired_rules, guidance))
        if not condition_holds(prop.program, prop.variables, facts_in_edition(facts, prop.edition), context):
            return False
    return True


def case_as_input(facts):
    """Facts as evaluate_case input: JSON, with facts that are not recorded left out (the schema has no null)."""
    return {name: value for name, value in facts_to_json(facts).items() if value is not None}
