"""The subtype check: validated case facts + a classification record -> what the findings allow.

Pure: no ORM, request, settings or clock. Unknown facts are never guessed:
`possible` is every answer (a subtype, or not-SM) that some filling-in of the
unknown facts gives, computed exactly.

How, without trying every filling-in of twenty facts: a number matters only
through the side of each threshold it falls on, so one value per region stands
for all (`points`). Facts that only one criterion (or one leaf of a subtype
rule) reads are folded into an "atom" whose possible truth values are found by
trying the few fillings of those facts; atoms read disjoint facts, so any mix
of their truth values is reachable. The facts read in several places (tryptase,
hereditary alpha-tryptasemia, an associated neoplasm) stay as they are. A
search then tries atom values and shared facts, cutting a branch as soon as a
three-valued (Kleene) reading shows it can add nothing new.
"""

import functools
import itertools
import math
import threading
from dataclasses import dataclass

from cachetools import LRUCache

from ..facts import FACTS
from .record import ROLES, All, Any, Count, Criterion, Test, facts_read

UNKNOWN = "unknown"
# An atom's truth values: met in every filling-in, in none, or in some.
MET, NOT_MET, EITHER = 1, 2, 3


def is_unknown(facts, name):
    value = facts[name]
    return value is None or value == UNKNOWN


def _holds(test, value):
    if test.op == "is":
        return value == test.value
    if test.op == "is_not":
        return value != test.value
    if test.op == "<":
        return value < test.value
    if test.op == "<=":
        return value <= test.value
    if test.op == ">":
        return value > test.value
    return value >= test.value


@dataclass(frozen=True)
class Atom:
    index: int


ANSWERS_KEPT = 4096


class Classifier:
    """One record, ready to check cases (build once per record: `classifier_for`)."""

    def __init__(self, record):
        self.record = record
        self.bit = {outcome: 1 << i for i, outcome in enumerate(record.outcomes)}
        conditions = [record.diagnosis, *(rule.when for rule in record.subtypes), *(c.when for c in record.criteria)]
        read = {name for cond in conditions for name in facts_read(cond, record)}
        self.reads = tuple(name for name in FACTS if name in read)
        self.points = {name: self._points(name) for name in self.reads}
        self._atoms = []  # (condition, facts it reads)
        owners = self._owners()
        self.criterion_trees = {
            c.criterion_id: self._fold(c.when, owners, ("criterion", c.criterion_id)) for c in record.criteria
        }
        self.diagnosis_tree = self._fold(record.diagnosis, owners, ("diagnosis",))
        self.subtype_trees = tuple(self._fold(rule.when, owners, ("subtype", rule.subtype)) for rule in record.subtypes)
        self.atoms = tuple(self._atoms)
        self.shared = tuple(name for name in self.reads if len(owners[name]) > 1)
        self._position = {name: i for i, name in enumerate(self.shared)}
        self._role_trees = {
            role: tuple(self.criterion_trees[c.criterion_id] for c in record.role(role)) for role in ROLES
        }
        # A test of a shared fact that is not known: true, false, or undecided over the fact's regions.
        self._unknown_truth = {}
        for test in (t for name in self.shared for t in self._tests(name)):
            seen = {_holds(test, p) for p in self.points[test.fact]}
            self._unknown_truth[test] = seen.pop() if len(seen) == 1 else None
        self._possible = functools.lru_cache(maxsize=65_536)(self._possible_uncached)
        # The check's answers for facts already checked (check.classify): kept with the classifier, which
        # is kept by its record's content fingerprint, so an answer never outlives its criteria.
        self.answers = LRUCache(maxsize=ANSWERS_KEPT)
        self.answers_lock = threading.Lock()

    # Building ------------------------------------------------------------------------------------

    def _tests(self, name):
        def walk(cond):
            if isinstance(cond, Test):
                if cond.fact == name:
                    yield cond
            elif isinstance(cond, All | Any):
                for part in cond.parts:
                    yield from walk(part)

        conditions = [self.record.diagnosis, *(r.when for r in self.record.subtypes)]
        conditions += [c.when for c in self.record.criteria]
        return [t for cond in conditions for t in walk(cond)]

    def _points(self, name):
        """One value of the fact per region its tests tell apart (every value of an enum but `unknown`)."""
        fact = FACTS[name]
        if fact.is_enum:
            return tuple(v for v in fact.values if v != UNKNOWN)
        tests = self._tests(name)
        candidates = {float(fact.minimum), float(fact.maximum)}
        for test in tests:
            for p in (math.nextafter(test.value, -math.inf), test.value, math.nextafter(test.value, math.inf)):
                if fact.minimum <= p <= fact.maximum:
                    candidates.add(p)
        by_region = {}
        for p in sorted(candidates):
            by_region.setdefault(tuple(_holds(t, p) for t in tests), p)
        return tuple(by_region.values())

    def _owners(self):
        """For each fact, the places that read it: a criterion, the diagnosis, or a subtype rule."""
        owners = {name: set() for name in self.reads}

        def direct(cond, owner):
            if isinstance(cond, Test):
                owners.setdefault(cond.fact, set()).add(owner)
            elif isinstance(cond, All | Any):
                for part in cond.parts:
                    direct(part, owner)

        for c in self.record.criteria:
            direct(c.when, ("criterion", c.criterion_id))
        direct(self.record.diagnosis, ("diagnosis",))
        for rule in self.record.subtypes:
            direct(rule.when, ("subtype", rule.subtype))
        return owners

    def _fold(self, cond, owners, owner):
        """The condition with each largest part that reads only facts of this owner made an atom."""
        if isinstance(cond, Criterion | Count):
            return cond
        names = self._leaf_facts(cond)
        if names and all(owners[name] == {owner} for name in names):
            self._atoms.append((cond, tuple(n for n in self.reads if n in names)))
            return Atom(len(self._atoms) - 1)
        if isinstance(cond, All | Any):
            return type(cond)(tuple(self._fold(part, owners, owner) for part in cond.parts))
        return cond

    def _leaf_facts(self, cond):
        if isinstance(cond, Test):
            return {cond.fact}
        if isinstance(cond, All | Any) and cond.parts:
            if any(isinstance(p, Criterion | Count) for p in cond.parts):
                return set()
            parts = [self._leaf_facts(p) for p in cond.parts]
            return set().union(*parts) if all(parts) else set()
        return set()

    # Facts -> the search's state -----------------------------------------------------------------

    def fillings(self, facts, names):
        """Every filling-in of the unknown ones among `names`: dicts of name -> value."""
        choices = [self.points[n] if is_unknown(facts, n) else (facts[n],) for n in names]
        for combo in itertools.product(*choices):
            yield dict(zip(names, combo, strict=True))

    def state(self, facts):
        """What the search needs from the facts: each atom's truth values, and the shared facts."""
        codes = []
        for cond, names in self.atoms:
            seen = 0
            for filled in self.fillings(facts, names):
                seen |= MET if _eval2(cond, filled) else NOT_MET
                if seen == EITHER:
                    break
            codes.append(seen)
        shared = tuple(None if is_unknown(facts, n) else facts[n] for n in self.shared)
        return tuple(codes), shared

    # Three-valued reading and the search ---------------------------------------------------------

    def _eval3(self, tree, state):
        codes, shared = state
        if isinstance(tree, Atom):
            code = codes[tree.index]
            return True if code == MET else False if code == NOT_MET else None
        if isinstance(tree, Test):
            value = shared[self._position[tree.fact]]
            if value is not None:
                return _holds(tree, value)
            return self._unknown_truth[tree]
        if isinstance(tree, All):
            undecided = False
            for part in tree.parts:
                value = self._eval3(part, state)
                if value is False:
                    return False
                undecided = undecided or value is None
            return None if undecided else True
        if isinstance(tree, Any):
            undecided = False
            for part in tree.parts:
                value = self._eval3(part, state)
                if value is True:
                    return True
                undecided = undecided or value is None
            return None if undecided else False
        if isinstance(tree, Criterion):
            return self._eval3(self.criterion_trees[tree.criterion], state)
        met = unknown = 0
        for part in self._role_trees[tree.role]:
            value = self._eval3(part, state)
            met += value is True
            unknown += value is None
        verdicts = []
        if tree.at_least is not None:
            verdicts.append(True if met >= tree.at_least else False if met + unknown < tree.at_least else None)
        if tree.at_most is not None:
            verdicts.append(True if met + unknown <= tree.at_most else False if met > tree.at_most else None)
        return False if False in verdicts else None if None in verdicts else True

    def bounds(self, state):
        """The answers the three-valued reading cannot rule out (a superset of `possible`), as bits."""
        found = 0
        diagnosed = self._eval3(self.diagnosis_tree, state)
        if diagnosed is not True:
            found |= self.bit[self.record.not_sm]
        if diagnosed is not False:
            for rule, tree in zip(self.record.subtypes, self.subtype_trees, strict=True):
                holds = self._eval3(tree, state)
                if holds is not False:
                    found |= self.bit[rule.subtype]
                if holds is True:
                    break
        return found

    def _answer3(self, index, state):
        """Three-valued: is the answer at `index` of the record's outcomes the one for this state?"""
        diagnosed = self._eval3(self.diagnosis_tree, state)
        outcome = self.record.outcomes[index]
        if outcome == self.record.not_sm:
            return None if diagnosed is None else not diagnosed
        value = diagnosed
        for rule, tree in zip(self.record.subtypes, self.subtype_trees, strict=True):
            holds = self._eval3(tree, state)
            if rule.subtype == outcome:
                return _and3(value, holds)
            value = _and3(value, None if holds is None else not holds)
            if value is False:
                return False
        return False  # pragma: no cover - every outcome is a subtype or not-SM (checked on load)

    def _reachable(self, index, state):
        """Whether some filling-in gives that answer: a search that stops at the first state deciding it,
        branching on a value inside the first part of the answer that is still undecided."""
        stack = [state]
        while stack:
            current = stack.pop()
            value = self._answer3(index, current)
            if value is True:
                return True
            if value is None:
                stack.extend(self._branches(current, self._undecided_in(index, current)))
        return False

    def _undecided_in(self, index, state):
        outcome = self.record.outcomes[index]
        trees = [self.diagnosis_tree]
        if outcome != self.record.not_sm:
            for rule, tree in zip(self.record.subtypes, self.subtype_trees, strict=True):
                trees.append(tree)
                if rule.subtype == outcome:
                    break
        for tree in trees:
            if self._eval3(tree, state) is None:
                return self._first_undecided(tree, state)
        raise AssertionError("an undecided answer has an undecided part")  # pragma: no cover

    def _first_undecided(self, tree, state):
        """An atom index or ("shared", position) that leaves this undecided tree undecided."""
        if isinstance(tree, Atom):
            return tree.index
        if isinstance(tree, Test):
            return ("shared", self.shared.index(tree.fact))
        if isinstance(tree, Criterion):
            return self._first_undecided(self.criterion_trees[tree.criterion], state)
        parts = tree.parts if isinstance(tree, All | Any) else self._role_trees[tree.role]
        for part in parts:
            if self._eval3(part, state) is None:
                return self._first_undecided(part, state)
        raise AssertionError("an undecided tree has an undecided part")  # pragma: no cover

    def _possible_uncached(self, state):
        bound = self.bounds(state)
        found = 0
        for index, outcome in enumerate(self.record.outcomes):
            bit = self.bit[outcome]
            if bound & bit and (bound == bit or self._reachable(index, state)):
                found |= bit
        return found

    def _branches(self, state, where):
        codes, shared = state
        if isinstance(where, tuple):
            i = where[1]
            return [(codes, (*shared[:i], p, *shared[i + 1 :])) for p in self.points[self.shared[i]]]
        i = where
        return [((*codes[:i], MET, *codes[i + 1 :]), shared), ((*codes[:i], NOT_MET, *codes[i + 1 :]), shared)]

    def possible_bits(self, state):
        return self._possible(state)

    def outcomes_of(self, bits):
        return [o for o in self.record.outcomes if bits & self.bit[o]]

    # Per criterion, exactly -----------------------------------------------------------------------

    def criterion_value(self, criterion_id, facts, *, exclusions_open=True):
        """True when met in every filling-in of the unknown facts it reads, False in none, None otherwise.

        With `exclusions_open=False` a fact the criterion reads only as an exclusion (`is_not`) and that
        is not known is taken as not excluding: what the lists of criteria met show."""
        spec = self.record.criterion(criterion_id)
        names = facts_read(spec.when, self.record)
        if not exclusions_open:
            facts = dict(facts)
            for name, excluded in _exclusions_only(spec.when).items():
                if is_unknown(facts, name):
                    facts[name] = next(p for p in self.points[name] if p not in excluded)
        seen = {_eval2(spec.when, filled) for filled in self.fillings(facts, names)}
        return seen.pop() if len(seen) == 1 else None


def _exclusions_only(cond):
    """Facts a condition reads only through `is_not` tests, each with the values they exclude."""
    tests = []

    def walk(c):
        if isinstance(c, Test):
            tests.append(c)
        elif isinstance(c, All | Any):
            for part in c.parts:
                walk(part)

    walk(cond)
    found = {}
    for test in tests:
        found.setdefault(test.fact, set()).add(test.value if test.op == "is_not" else None)
    return {name: values for name, values in found.items() if None not in values}


def _and3(a, b):
    return False if a is False or b is False else None if a is None or b is None else True


def _eval2(cond, facts):
    """A condition over facts that are all known (criteria never nest, so no Criterion or Count here)."""
    if isinstance(cond, Test):
        return _holds(cond, facts[cond.fact])
    if isinstance(cond, All):
        return all(_eval2(p, facts) for p in cond.parts)
    return any(_eval2(p, facts) for p in cond.parts)
