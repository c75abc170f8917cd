"""A classification record's properties, proven over every case that can behave differently.

Pure: no ORM, request, settings or clock. The properties are data of the record
(`properties` in its file), each of a kind this module knows how to prove:

- `role-rules-out`: a criterion of `role` met for certain rules out `subtypes`;
- `not-met-claims-no-subtype`: when the diagnosis is not met for certain, the only answer is not-SM;
- `never-empty`: every case leaves at least one answer;
- `unknown-never-narrows`: a fact not known allows every answer that any of its values allows.

The cases are the engine's own states (engine.py): each atom met, not met or undecided, each shared fact
known in one of its regions or not known. Criteria of one role that the record only counts, and that the
engine keeps as whole atoms, are interchangeable, so a state says how many of them are met and how many
are undecided instead of which. Proven exhaustively: every state with every value known, and every state
with one value not known, where the answer must be exactly the union of the answers of its values (so
the search is exact there and the properties hold). How facts fold into atoms is proven the same way,
for every combination of the facts of each atom, each known or not.
"""

import itertools
from dataclasses import dataclass

from ..facts import FACTS
from .engine import EITHER, MET, NOT_MET, UNKNOWN, Atom
from .record import All, Any, Criterion

KINDS = ("role-rules-out", "not-met-claims-no-subtype", "never-empty", "unknown-never-narrows")


@dataclass(frozen=True)
class RecordProperty:
    property_id: str
    statement: str
    kind: str
    role: str = ""
    subtypes: tuple = ()


@dataclass(frozen=True)
class Proof:
    property_id: str
    statement: str
    cases: int
    counterexample: str = ""  # the state that breaks it, in words, when it fails

    @property
    def holds(self):
        return not self.counterexample


def properties_from_data(data):
    found = []
    for item in data:
        if item["kind"] not in KINDS:
            raise ValueError(
                f"properties.{item['id']}: {item['kind']!r} is not a kind of property ({', '.join(KINDS)})."
            )
        found.append(
            RecordProperty(
                property_id=item["id"],
                statement=item["statement"],
                kind=item["kind"],
                role=item.get("role", ""),
                subtypes=tuple(item.get("subtypes", ())),
            )
        )
    return tuple(found)


class _Space:
    """The engine's states, with interchangeable atoms grouped."""

    def __init__(self, classifier):
        self.c = classifier
        record = classifier.record
        named = {
            ref.criterion for tree in (record.diagnosis, *(r.when for r in record.subtypes)) for ref in _refs(tree)
        }
        self.groups = []  # lists of atom indices that are interchangeable
        grouped = set()
        for role in dict.fromkeys(c.role for c in record.criteria):
            members = [
                classifier.criterion_trees[c.criterion_id].index
                for c in record.role(role)
                if isinstance(classifier.criterion_trees[c.criterion_id], Atom) and c.criterion_id not in named
            ]
            if len(members) > 1:
                self.groups.append(members)
                grouped.update(members)
        self.singles = [i for i in range(len(classifier.atoms)) if i not in grouped]
        self.shared_points = [classifier.points[name] for name in classifier.shared]

    def dims(self):
        """Each dimension: (kind, where, decided values, the undecided value)."""
        dims = [("atom", i) for i in self.singles]
        dims += [("group", g) for g in range(len(self.groups))]
        dims += [("shared", i) for i in range(len(self.shared_points))]
        return dims

    def decided_values(self, dim):
        kind, where = dim
        if kind == "atom":
            return [MET, NOT_MET]
        if kind == "group":
            size = len(self.groups[where])
            return [(met, 0) for met in range(size + 1)]
        return list(self.shared_points[where])

    def undecided_values(self, dim):
        """The values of this dimension with something not known (each with its decided fillings)."""
        kind, where = dim
        if kind == "atom":
            return [(EITHER, [MET, NOT_MET])]
        if kind == "group":
            size = len(self.groups[where])
            found = []
            for undecided in range(1, size + 1):
                for met in range(size - undecided + 1):
                    fillings = [(met + k, 0) for k in range(undecided + 1)]
                    found.append(((met, undecided), fillings))
            return found
        return [(None, list(self.shared_points[where]))]

    def state(self, assignment):
        codes = [NOT_MET] * len(self.c.atoms)
        shared = [None] * len(self.shared_points)
        for (kind, where), value in assignment.items():
            if kind == "atom":
                codes[where] = value
            elif kind == "group":
                met, undecided = value
                for n, index in enumerate(self.groups[where]):
                    codes[index] = MET if n < met else EITHER if n < met + undecided else NOT_MET
            else:
                shared[where] = value
        return tuple(codes), tuple(shared)


def _refs(tree):
    if isinstance(tree, All | Any):
        for part in tree.parts:
            yield from _refs(part)
    elif isinstance(tree, Criterion):
        yield tree


def describe(classifier, state):
    """A state in words for a counterexample: each atom's facts and whether met, each shared fact."""
    codes, shared = state
    words = {MET: "met", NOT_MET: "not met", EITHER: "not known"}
    parts = [f"{'/'.join(names)}: {words[code]}" for (_, names), code in zip(classifier.atoms, codes, strict=True)]
    parts += [
        f"{name} = {'not known' if value is None else value}"
        for name, value in zip(classifier.shared, shared, strict=True)
    ]
    return "; ".join(parts)


def prove_record(classifier, properties):
    """Prove each property; return one Proof per property, in order."""
    space = _Space(classifier)
    record = classifier.record
    bit = classifier.bit
    not_sm = bit[record.not_sm]
    dims = space.dims()
    failures = {p.property_id: "" for p in properties}
    cases = 0

    def check(state, possible):
        for prop in properties:
            if failures[prop.property_id]:
                continue
            broken = False
            if prop.kind == "never-empty":
                broken = possible == 0
            elif prop.kind == "not-met-claims-no-subtype":
                broken = classifier._eval3(classifier.diagnosis_tree, state) is False and possible != not_sm
            elif prop.kind == "role-rules-out":
                certain = any(
                    classifier._eval3(classifier.criterion_trees[c.criterion_id], state) is True
                    for c in record.role(prop.role)
                )
                broken = certain and any(possible & bit[s] for s in prop.subtypes)
            if broken:
                failures[prop.property_id] = describe(classifier, state)

    decided_dims = [space.decided_values(d) for d in dims]
    for combo in itertools.product(*decided_dims):
        state = space.state(dict(zip(dims, combo, strict=True)))
        cases += 1
        check(state, classifier.possible_bits(state))
    narrows = [p for p in properties if p.kind == "unknown-never-narrows"]
    for i, dim in enumerate(dims):
        others = dims[:i] + dims[i + 1 :]
        for combo in itertools.product(*(space.decided_values(d) for d in others)):
            assignment = dict(zip(others, combo, strict=True))
            for value, fillings in space.undecided_values(dim):
                state = space.state({**assignment, dim: value})
                cases += 1
                possible = classifier.possible_bits(state)
                check(state, possible)
                union = 0
                for filling in fillings:
                    union |= classifier.possible_bits(space.state({**assignment, dim: filling}))
                for prop in narrows:
                    if possible != union and not failures[prop.property_id]:
                        failures[prop.property_id] = describe(classifier, state)
    cases += _prove_folding(classifier, narrows, failures)
    return [Proof(p.property_id, p.statement, cases, failures[p.property_id]) for p in properties]


def _prove_folding(classifier, narrows, failures):
    """Through the engine's own reading of facts (`state`): each atom is met / not met / undecided exactly as
    the fillings of its facts say, for every combination of its facts, each known or not."""
    base = {name: classifier.points[name][0] for name in classifier.reads}
    tried = 0
    for index, (_, names) in enumerate(classifier.atoms):
        options = [(*classifier.points[n], _unknown_value(n)) for n in names]
        for combo in itertools.product(*options):
            facts = {**base, **dict(zip(names, combo, strict=True))}
            tried += 1
            union = 0
            for filled in classifier.fillings(facts, names):
                union |= classifier.state({**facts, **filled})[0][index]
            if classifier.state(facts)[0][index] != union:
                for prop in narrows:
                    failures[prop.property_id] = failures[prop.property_id] or f"{'/'.join(names)} = {combo}"
    return tried


def _unknown_value(name):
    return UNKNOWN if FACTS[name].is_enum else None
