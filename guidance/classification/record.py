"""A classification's criteria as data: a bibliographic record, criteria, the diagnosis and the subtype order.

Pure: no ORM, request, settings or clock. A record is parsed from plain JSON-able
data (guidance/data/classification-who-2022.json) and checked against the case
vocabulary, so a misspelt fact or value fails when the record is loaded, never
while a case is checked. Another classification (ICC 2022, say) is another
record in the same shape; the engine (engine.py) reads any record.

Conditions, the shape a criterion's `when` takes:

- `{"fact": NAME, "is": VALUE}` — an enum fact has this value;
- `{"fact": NAME, "is_not": VALUE}` — an exclusion: the fact does not have this value. When the fact is
  not known, the check still tries both (an unknown is never guessed), but the lists of criteria met
  (`minor`, `b_findings`, ...) count a criterion whose only open question is such an exclusion, as the
  contract's example does (the tryptase minor listed while an associated neoplasm is not known);
- `{"fact": NAME, "op": "<" | "<=" | ">" | ">=", "value": N}` — a number compared;
- `{"all": [...]}`, `{"any": [...]}` — every one, at least one (`{"all": []}` always holds);
- `{"criterion": ID}` — a criterion of the record is met;
- `{"count": ROLE, "at_least": N}` / `{"count": ROLE, "at_most": N}` — how many criteria of a role are met.
"""

import hashlib
import json
import math
from dataclasses import dataclass

from ..facts import FACTS

OPS = ("<", "<=", ">", ">=")
ROLES = ("major", "minor", "B", "C")


class RecordError(ValueError):
    """A record that cannot be used; the message names where."""


@dataclass(frozen=True)
class Test:
    fact: str
    op: str  # "is", "is_not" or one of OPS
    value: object


@dataclass(frozen=True)
class All:
    parts: tuple


@dataclass(frozen=True)
class Any:
    parts: tuple


@dataclass(frozen=True)
class Criterion:
    """A reference to a criterion's `when` (by id)."""

    criterion: str


@dataclass(frozen=True)
class Count:
    role: str
    at_least: int | None = None
    at_most: int | None = None


@dataclass(frozen=True)
class CriterionSpec:
    criterion_id: str
    role: str
    label: str
    words: str  # the criterion in our own words, citing the record
    when: object
    confirm: str = ""  # what no fact captures, for the clinician to confirm (e.g. "due to mast-cell infiltration")


@dataclass(frozen=True)
class SubtypeRule:
    subtype: str
    words: str
    when: object
    rules_out: str  # said when this subtype's condition holds and a later subtype was recorded; "{finding}"
    needs: str  # said when its condition fails for the recorded subtype; "{finding}" names what fails


@dataclass(frozen=True)
class ClassificationRecord:
    system: str  # "WHO 2022"
    version: int
    record: dict  # the bibliographic record, with where the thresholds were checked
    outcomes: tuple  # every answer, in the order `possible` lists them
    not_sm: str
    criteria: tuple  # CriterionSpec
    diagnosis: object
    diagnosis_words: str
    diagnosis_not_met: str
    subtypes: tuple  # SubtypeRule, in the order they are tried; the last always holds
    properties: tuple = ()  # what must hold for every case, as data (proofs.py proves them)

    @property
    def citation(self):
        r = self.record
        return (
            f"{r['authors']} {r['title']}. {r['journal']} {r['year']};{r['volume']}({r['issue']}):{r['pages']}. "
            f"doi:{r['doi']}"
        )

    def criterion(self, criterion_id):
        return next(c for c in self.criteria if c.criterion_id == criterion_id)

    def role(self, role):
        return tuple(c for c in self.criteria if c.role == role)


def _condition(data, where):
    if not isinstance(data, dict):
        raise RecordError(f"{where}: a condition must be an object.")
    if "all" in data or "any" in data:
        kind = "all" if "all" in data else "any"
        parts = data[kind]
        if not isinstance(parts, list):
            raise RecordError(f"{where}: {kind!r} takes a list.")
        built = tuple(_condition(part, f"{where}.{kind}[{i}]") for i, part in enumerate(parts))
        return All(built) if kind == "all" else Any(built)
    if "criterion" in data:
        return Criterion(data["criterion"])
    if "count" in data:
        if data["count"] not in ROLES:
            raise RecordError(f"{where}: {data['count']!r} is not a role ({', '.join(ROLES)}).")
        return Count(data["count"], data.get("at_least"), data.get("at_most"))
    name = data.get("fact")
    fact = FACTS.get(name)
    if fact is None:
        raise RecordError(f"{where}: {name!r} is not a case fact.")
    for op in ("is", "is_not"):
        if op in data:
            if not fact.is_enum or data[op] not in fact.values or data[op] == "unknown":
                raise RecordError(f"{where}: {data[op]!r} is not a known value of {name}.")
            return Test(name, op, data[op])
    if data.get("op") not in OPS or not fact.is_numeric:
        raise RecordError(f"{where}: compare a number fact with one of {', '.join(OPS)}.")
    value = data.get("value")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RecordError(f"{where}: compare {name} with a number.")
    low = fact.minimum if fact.minimum is not None else -math.inf
    high = fact.maximum if fact.maximum is not None else math.inf
    if not low <= value <= high:
        raise RecordError(
            f"{where}: {fact.label} {data['op']} {value:g} is not a threshold a case can reach: "
            f"{fact.label} is recorded between {low:g} and {high:g}{' ' + fact.unit if fact.unit else ''}."
        )
    return Test(name, data["op"], float(value))


def _references(condition):
    if isinstance(condition, All | Any):
        for part in condition.parts:
            yield from _references(part)
    elif isinstance(condition, Criterion | Count):
        yield condition


def record_from_data(data):
    """Parse and check a record; raise RecordError naming what is wrong (a missing part too)."""
    if not isinstance(data, dict):
        raise RecordError("The record must be an object (a JSON {...}).")
    try:
        return _record_from_data(data)
    except KeyError as exc:
        raise RecordError(f"{exc.args[0]!r} is missing: every criterion, subtype and the diagnosis need it.") from None
    except (TypeError, AttributeError, IndexError) as exc:
        raise RecordError(f"The record is not in the shape of a classification record ({exc}).") from None


def _record_from_data(data):
    criteria = tuple(
        CriterionSpec(
            criterion_id=c["id"],
            role=c["role"],
            label=c["label"],
            words=c["words"],
            when=_condition(c["when"], f"criteria.{c['id']}"),
            confirm=c.get("confirm", ""),
        )
        for c in data["criteria"]
    )
    ids = [c.criterion_id for c in criteria]
    if len(set(ids)) != len(ids):
        raise RecordError("criteria: each criterion id must be given once.")
    for c in criteria:
        if c.role not in ROLES:
            raise RecordError(f"criteria.{c.criterion_id}: {c.role!r} is not a role ({', '.join(ROLES)}).")
        if any(True for _ in _references(c.when)):
            raise RecordError(f"criteria.{c.criterion_id}: a criterion reads facts, not other criteria.")
    diagnosis = _condition(data["diagnosis"]["when"], "diagnosis")
    subtypes = tuple(
        SubtypeRule(
            subtype=s["subtype"],
            words=s["words"],
            when=_condition(s["when"], f"subtypes.{s['subtype']}"),
            rules_out=s["rules_out"],
            needs=s["needs"],
        )
        for s in data["subtypes"]
    )
    outcomes = tuple(data["outcomes"])
    for ref in (r for cond in (diagnosis, *(s.when for s in subtypes)) for r in _references(cond)):
        if isinstance(ref, Criterion) and ref.criterion not in ids:
            raise RecordError(f"{ref.criterion!r} is not a criterion of the record.")
    if subtypes[-1].when != All(()):
        raise RecordError('subtypes: the last subtype must always hold (`{"all": []}`), so every case has one.')
    if {s.subtype for s in subtypes} | {data["not_sm"]} != set(outcomes):
        raise RecordError("outcomes: list every subtype and the not-SM answer once.")
    return ClassificationRecord(
        system=data["system"],
        version=data["version"],
        record=dict(data["record"]),
        outcomes=outcomes,
        not_sm=data["not_sm"],
        criteria=criteria,
        diagnosis=diagnosis,
        diagnosis_words=data["diagnosis"]["words"],
        diagnosis_not_met=data["diagnosis"]["not_met"],
        subtypes=subtypes,
        properties=tuple(data.get("properties", ())),
    )


def facts_read(condition, record):
    """The case facts a condition reads, through the criteria it names or counts, in vocabulary order."""
    found = set()

    def walk(cond):
        if isinstance(cond, Test):
            found.add(cond.fact)
        elif isinstance(cond, All | Any):
            for part in cond.parts:
                walk(part)
        elif isinstance(cond, Criterion):
            walk(record.criterion(cond.criterion).when)
        elif isinstance(cond, Count):
            for c in record.role(cond.role):
                walk(c.when)

    walk(condition)
    return tuple(name for name in FACTS if name in found)


def record_fingerprint(data):
    """SHA-256 of a record's data written canonically: equal content, equal fingerprint, wherever it is stored."""
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()
