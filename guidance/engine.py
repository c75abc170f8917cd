"""The guidance engine: validated case facts + compiled guidance -> recommendations.

Pure: no ORM, request, settings or clock. Rule conditions are CEL expressions
(common-expression-language), compiled once per guidance version and checked
against the case vocabulary before they may be saved.
"""

import difflib
import itertools
import math
import random
import re
import threading
from dataclasses import dataclass, field

import cachetools
import cel

from .facts import CURRENT_EDITION, ENUM_VALUES, FACTS, facts_in_edition, vocabulary
from .interventions import OffersError, check_offers, members
from .kinds import Kind
from .limits import condition_limits_problem

_STRING_LITERAL = re.compile(r"""'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)\"""")
_QUOTED = r"""(?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")"""
# The usual ways a condition ties a quoted value to one fact; each pair found
# must name a value that fact can take (subtype == "flushing" never fires).
_FACT_VALUE_PAIRS = (
    re.compile(rf"\b([a-z_][a-z0-9_]*)\s*(?:==|!=)\s*({_QUOTED})"),
    re.compile(rf"({_QUOTED})\s*(?:==|!=)\s*([a-z_][a-z0-9_]*)\b"),
    re.compile(rf"({_QUOTED})\s+in\s+([a-z_][a-z0-9_]*)\b"),
    re.compile(r"\b([a-z_][a-z0-9_]*)\s+in\s+\[([^\]]*)\]"),
)
_BOUND_NAME = re.compile(r"\.\s*(?:all|exists|exists_one|map|filter)\s*\(\s*([A-Za-z_]\w*)\s*,")


class ConditionError(ValueError):
    """A rule condition that cannot be used; the message is for an editor."""


class RuleOffersError(ConditionError):
    """A rule's offers, about or effect that cannot stand; the message starts with the field's name."""

    @property
    def field(self):
        return str(self).split(":", 1)[0]


def offers_as_pairs(offers):
    """Stored offers ([{"intervention", "intent"}]) as the (intervention, intent) pairs of a RuleSpec.
    A malformed entry becomes a pair that check_offers refuses in words."""
    pairs = []
    for item in offers or ():
        if isinstance(item, dict):
            pairs.append((str(item.get("intervention", "")), str(item.get("intent", ""))))
        else:
            pairs.append((str(item), ""))
    return tuple(pairs)


class EvaluationError(RuntimeError):
    """A rule failed while evaluating a case (never silently skipped)."""


@dataclass(frozen=True)
class RuleSpec:
    """A rule as data, the way a guidance version stores it."""

    rule_id: str
    paragraph: str
    kind: str
    summary: str
    condition: str
    mentions: tuple = ()  # facts shown with the recommendation though not tested
    quote: str = ""  # the words of its paragraph the rule rests on (from guidance v2 on)
    confirm: tuple = ()  # the source's qualifiers no case fact captures, for the clinician to confirm
    # From guidance version 3 on (edition 3): what the line offers, as (intervention, intent) pairs; what a
    # caution is about (intervention or class ids) and its effect (guidance.interventions).
    offers: tuple = ()
    about: tuple = ()
    effect: str = ""


@dataclass(frozen=True)
class Recommendation:
    rule: str
    paragraph: str
    kind: str
    summary: str
    reason: str
    facts: dict = field(default_factory=dict, compare=False)
    quote: str = ""
    confirm: tuple = ()
    offers: tuple = ()  # (intervention, intent) pairs
    about: tuple = ()
    effect: str = ""
    because: tuple = ()  # (fact, value) pairs: the facts that made the rule fire; `reason` is them in words
    edition: int = CURRENT_EDITION

    @property
    def offered(self):
        return tuple(item for item, _ in self.offers)

    @property
    def about_members(self):
        """The interventions a caution is about, a class standing for its members."""
        return members(self.about)

    def as_dict(self):
        """The contract's output line. Quote and confirm come with rules that quote their
        paragraph (every rule from guidance v2 on); version 1 answers as it always did; from
        version 3 on (edition 3) each line also says what it offers, what it is about and why."""
        line = {
            "paragraph": self.paragraph,
            "kind": self.kind,
            "summary": self.summary,
            "rule": self.rule,
            "reason": self.reason,
        }
        if self.quote:
            line.update(quote=self.quote, confirm=list(self.confirm))
        if self.edition >= CURRENT_EDITION:
            line.update(
                offers=[{"intervention": item, "intent": intent} for item, intent in self.offers],
                about=list(self.about),
                effect=self.effect or None,
                because=[
                    {"fact": name, "value": list(value) if isinstance(value, tuple) else value}
                    for name, value in self.because
                ],
            )
        return line


@dataclass(frozen=True)
class CompiledRule:
    spec: RuleSpec
    program: object
    variables: tuple  # fact names the condition reads, in vocabulary order
    literals: frozenset  # enum values the condition names

    @property
    def shown(self):
        """The facts its recommendation shows: those it reads, then those it mentions."""
        return self.variables + tuple(name for name in self.spec.mentions if name not in self.variables)


@dataclass(frozen=True)
class CompiledGuidance:
    slug: str
    version: int
    title: str
    rules: tuple
    variables: tuple  # every fact some rule reads: the only ones put in a context
    # Every fact a recommendation can depend on (read or mentioned): the cache key.
    key_facts: tuple = ()
    cache: "EvaluationCache | None" = field(default=None, compare=False, repr=False)
    edition: int = CURRENT_EDITION  # the case vocabulary its rules read (guidance.facts.vocabulary)

    @property
    def facts(self):
        return vocabulary(self.edition)


class EvaluationCache:
    """A frozen version's evaluations, kept by the values of the facts the rules read or mention.

    Two cases equal on those facts get equal recommendations (the engine reads
    nothing else), so a frozen version's answers can be reused. Only frozen
    versions get one (compile_guidance(cache_size=...)); a draft never does.
    It lives and dies with its CompiledGuidance, which guidance.evaluation keeps
    in the per-process cache registry (core.caches). Bounded (cachetools): whole
    cases least recently used first out, a rule's outcome and line first in first out.
    """

    def __init__(self, size):
        self.size = size
        self._entries = cachetools.LRUCache(maxsize=size)
        self._lock = threading.Lock()
        self.hits = self.misses = 0
        # One rule's outcome and line depend only on the few facts it reads and shows:
        # far fewer distinct values than whole cases, so a miss above reuses most of them.
        self.lines = _FirstInFirstOut(size)
        self.outcomes = _FirstInFirstOut(size * 4)

    def get(self, key):
        with self._lock:  # a read moves the key to the front of the LRU order
            found = self._entries.get(key)
            if found is None:
                self.misses += 1
                return None
            self.hits += 1
            return found

    def put(self, key, value):
        with self._lock:
            self._entries[key] = value

    def __len__(self):
        return len(self._entries)


class _FirstInFirstOut(cachetools.FIFOCache):
    """At most `size` entries, the oldest forgotten first; reads do no bookkeeping and take no lock,
    writes take one (two evictions at once would drop the same oldest key twice)."""

    def __init__(self, size):
        super().__init__(maxsize=size)
        self._lock = threading.Lock()

    def __setitem__(self, key, value):
        with self._lock:
            super().__setitem__(key, value)


# A condition is dry-run against every combination of the values of the facts
# it reads (a gate such as omalizumab_response == "unresponsive" must not hide a
# comparison with a missing tryptase). Past this many combinations a fixed,
# seeded selection stands in for the full product.
_MAX_SAMPLES = 4096


def _sample_values(fact, literals):
    """The values of one fact worth trying in a dry run."""
    if fact.is_enum:
        return fact.values
    if fact.is_bool:
        return (False, True)
    if fact.is_enum_list:
        named = [value for value in fact.values if value in literals]
        if len(named) <= 6:
            subsets = [combo for size in range(len(named) + 1) for combo in itertools.combinations(named, size)]
        else:
            subsets = [(), *((v,) for v in named), *(tuple(n for n in named if n != v) for v in named)]
        return (*subsets, fact.values)
    if fact.is_number:
        return (None, float(fact.minimum), 20.5, float(fact.maximum))
    return (None, int(fact.minimum), 50, int(fact.maximum))


def _sample_facts(names, literals, facts=FACTS):
    """Valid cases to dry-run a new condition against, varying the facts it reads."""
    base = {name: fact.default for name, fact in facts.items()}
    choices = [_sample_values(facts[name], literals) for name in names]
    if math.prod(len(values) for values in choices) <= _MAX_SAMPLES:
        combos = itertools.product(*choices)
    else:
        rng = random.Random(0)
        combos = (tuple(rng.choice(values) for values in choices) for _ in range(_MAX_SAMPLES))
    for combo in combos:
        yield dict(base, **dict(zip(names, combo, strict=True)))


def _context(facts, names, extra=None):
    context = dict(extra or {})
    for name in names:
        value = facts[name]
        context[name] = list(value) if isinstance(value, tuple) else value
    return cel.Context(context)


def condition_holds(program, names, facts, extra=None):
    """Whether a compiled condition reading the facts `names` (and the variables in `extra`) is true for the facts."""
    return program.execute(_context(facts, names, extra)) is True


def _edition_of(specs):
    """A version's edition when the caller does not say: lines that say what they offer are edition 3."""
    return CURRENT_EDITION if any(spec.offers or spec.about or spec.effect for spec in specs) else 2


def compile_rule(spec, edition=None):
    """Compile and check one rule; raise ConditionError with an editor's message.

    From edition 3 on, a rule must also say what it offers (or, a caution, what it is about and
    its effect): OffersError, a ConditionError, names the field."""
    if spec.kind not in tuple(Kind):
        raise ConditionError(f"Kind {spec.kind!r} is not one of {', '.join(Kind)}.")
    edition = _edition_of([spec]) if edition is None else edition
    facts = vocabulary(edition)
    for name in spec.mentions:
        if name not in facts:
            raise ConditionError(f"Mentioned fact {name!r} is not a case fact; known facts are {', '.join(facts)}.")
    for item in spec.confirm:
        if not isinstance(item, str) or not item.strip():
            raise ConditionError("Each item to confirm is a phrase of the source, such as 'prominent flushing'.")
    if edition >= CURRENT_EDITION:
        try:
            check_offers(kind=spec.kind, offers=spec.offers, about=spec.about, effect=spec.effect)
        except OffersError as exc:
            raise RuleOffersError(str(exc)) from None
    elif spec.offers or spec.about or spec.effect:
        raise RuleOffersError("offers: a version written before guidance version 3 cannot say what lines offer.")
    program, variables, literals = compile_condition(spec.condition, facts=facts)
    return CompiledRule(spec=spec, program=program, variables=variables, literals=frozenset(literals))


def cel_parses(source):
    """Whether the condition is valid CEL at all (its facts and values unchecked): a syntax error is explained
    in words by guidance.conditions, the engine's other refusals speak for themselves."""
    if condition_limits_problem(source):
        return False
    try:
        cel.compile(source)
    except (ValueError, RuntimeError):
        return False
    return True


def compile_condition(source, *, names=(), values=frozenset(), values_hint="", facts=FACTS, samples=None):
    """Compile a CEL condition over the case facts and check it against the vocabulary.

    `names` are further variables it may read (a safety property reads `fired`);
    `values` further quoted strings it may name (a property names rule ids), and
    `values_hint` says what those are in the error for a misspelt one; `facts` is the vocabulary
    (an older edition's for an older version), `samples` the values its extra names take in the dry run.
    Returns (program, the facts it reads in vocabulary order, the quoted strings).
    """
    source = source.strip()
    if problem := condition_limits_problem(source):
        raise ConditionError(problem)
    if not source:
        raise ConditionError('The condition is empty; write a CEL expression such as subtype == "ASM".')
    try:
        program = cel.compile(source)
    except (ValueError, RuntimeError) as exc:
        raise ConditionError(f"The condition is not valid CEL: {exc}") from None

    bound = set(_BOUND_NAME.findall(source))
    referenced = set(program.variables())
    known = [*facts, *names]
    unknown = sorted(referenced - set(known) - bound)
    if unknown:
        hints = [_did_you_mean(name, known) for name in unknown]
        raise ConditionError(
            "Unknown fact name "
            + ", ".join(f"{n!r}{h}" for n, h in zip(unknown, hints, strict=True))
            + f". Known facts: {', '.join(known)}."
        )
    literals = {a or b for a, b in _STRING_LITERAL.findall(source)}
    allowed = ENUM_VALUES | {v for fact in facts.values() for v in fact.values} | set(values)
    misspelt = sorted(literals - allowed)
    if misspelt:
        hints = [_did_you_mean(value, allowed) for value in misspelt]
        raise ConditionError(
            "Unknown value "
            + ", ".join(f"{v!r}{h}" for v, h in zip(misspelt, hints, strict=True))
            + ": a quoted value must be one the case facts can take"
            + (f" or {values_hint}." if values_hint else ".")
        )
    _check_values_fit_facts(source, facts)
    variables = tuple(name for name in facts if name in referenced)
    extra = {name: (samples or {}).get(name, []) for name in names if name in referenced}
    for case in _sample_facts(variables, literals, facts):
        try:
            result = program.execute(_context(case, variables, extra))
        except Exception as exc:  # noqa: BLE001 - the CEL runtime raises several types
            raise ConditionError(
                f"The condition fails for a valid case ({_describe(case, variables)}): {exc}"
            ) from None
        if not isinstance(result, bool):
            raise ConditionError(f"The condition must give true or false, but gave {result!r}.")
    return program, variables, literals


def _check_values_fit_facts(source, facts=FACTS):
    for pattern in _FACT_VALUE_PAIRS:
        for first, second in pattern.findall(source):
            name, quoted = (first, second) if first in facts else (second, first)
            fact = facts.get(name)
            if fact is None or not fact.choices:
                continue
            for a, b in _STRING_LITERAL.findall(quoted):
                value = a or b
                if value not in fact.choices:
                    raise ConditionError(
                        f"{value!r} is not a value of {name}{_did_you_mean(value, fact.values)}; "
                        f"use one of {', '.join(fact.values)}."
                    )


def compile_guidance(*, slug, version, title, rules, cache_size=0, edition=None):
    """Compile a version's rules; `cache_size` > 0 keeps that many evaluations (frozen versions only).
    `edition` is the version's (GuidanceVersion.edition); left out, rules that say what they offer
    make it 3, others 2."""
    edition = _edition_of(rules) if edition is None else edition
    compiled = tuple(compile_rule(spec, edition) for spec in rules)
    needed = {name for rule in compiled for name in rule.variables}
    shown = needed | {name for rule in compiled for name in rule.spec.mentions}
    return CompiledGuidance(
        slug=slug,
        version=version,
        title=title,
        rules=compiled,
        variables=tuple(name for name in FACTS if name in needed),
        key_facts=tuple(name for name in FACTS if name in shown),
        cache=EvaluationCache(cache_size) if cache_size > 0 else None,
        edition=edition,
    )


def evaluate(facts, guidance):
    """Return the recommendations that fire for these (validated) facts, in rule order."""
    facts = facts_in_edition(facts, guidance.edition)
    if guidance.cache is None:
        return _evaluate(facts, guidance)
    key = tuple(facts[name] for name in guidance.key_facts)
    found = guidance.cache.get(key)
    if found is None:
        found = tuple(_evaluate(facts, guidance))
        guidance.cache.put(key, found)
    return list(found)


def _evaluate(facts, guidance):
    cache = guidance.cache
    context = None
    fired = []
    for rule in guidance.rules:
        # A rule's outcome depends only on the facts it reads: with a cache, each
        # distinct combination of those is run through CEL once.
        key = (rule.spec.rule_id, *(facts[name] for name in rule.variables)) if cache is not None else None
        hit = cache.outcomes.get(key) if cache is not None else None
        if hit is None:
            if context is None:
                context = _context(facts, guidance.variables)
            hit = _run(rule, context)
            if cache is not None:
                cache.outcomes[key] = hit
        if hit:
            fired.append(_recommendation(rule, facts, cache, guidance.edition))
    return fired


def rule_fires(rule, facts, guidance):
    """Whether one compiled rule of the guidance fires for validated (current-edition) facts."""
    return condition_holds(rule.program, rule.variables, facts_in_edition(facts, guidance.edition))


def _run(rule, context):
    try:
        return rule.program.execute(context) is True
    except Exception as exc:  # noqa: BLE001 - the CEL runtime raises several types
        raise EvaluationError(f"Rule {rule.spec.rule_id!r} failed for this case: {exc}") from None


def _recommendation(rule, facts, cache=None, edition=CURRENT_EDITION):
    shown = rule.shown
    if cache is not None:
        key = (rule.spec.rule_id, *(facts[name] for name in shown))
        found = cache.lines.get(key)
        if found is None:
            found = cache.lines[key] = _recommendation(rule, facts, edition=edition)
        return found
    because = rule_because(rule, facts, shown)
    return Recommendation(
        rule=rule.spec.rule_id,
        paragraph=rule.spec.paragraph,
        kind=rule.spec.kind,
        summary=rule.spec.summary,
        reason=reason_words(because, vocabulary(edition)),
        facts={name: facts[name] for name in shown},
        quote=rule.spec.quote,
        confirm=rule.spec.confirm,
        offers=rule.spec.offers,
        about=rule.spec.about,
        effect=rule.spec.effect,
        because=because,
        edition=edition,
    )


def rule_because(rule, facts, names):
    """The facts that made the rule fire, as (fact, value) pairs: of a list fact, the items the
    rule names that are present (or all that are present when it names none)."""
    because = []
    for name in names:
        value = facts[name]
        if isinstance(value, tuple):
            value = tuple(item for item in value if item in rule.literals) or value
        because.append((name, value))
    return tuple(because)


def reason_words(because, facts=FACTS):
    """A line's `because` in the words of its `reason` (the one place reasons are worded)."""
    parts = []
    for name, value in because:
        fact = facts[name]
        if fact.is_enum_list:
            if value:
                parts.append(", ".join(item.replace("_", " ") for item in value) + " present")
            else:
                parts.append(f"no {name.replace('_', ' ')}")
        elif fact.is_bool:
            parts.append(f"{name} = {'true' if value else 'false'}")
        elif value is None:
            parts.append(f"{name} not recorded")
        else:
            parts.append(f"{name} = {value:g}" if isinstance(value, float) else f"{name} = {value}")
    return "; ".join(parts)


def _describe(facts, names):
    return ", ".join(f"{name}={facts[name]!r}" for name in names) or "any case"


def _did_you_mean(word, candidates):
    close = difflib.get_close_matches(word, list(candidates), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""
