"""The check's answer for one case: the contract's `classification`, the findings panel and the notice.

Pure: no ORM, request, settings or clock.
"""

from dataclasses import dataclass

from ..facts import FACTS
from .engine import UNKNOWN, _holds, is_unknown
from .record import All, Any, Count, Criterion, Test, facts_read

NOTICE_ID = "subtype-check"


@dataclass(frozen=True)
class CriterionStatus:
    criterion_id: str
    role: str
    label: str
    words: str
    met: bool | None  # None: the unknown facts decide it
    listed: bool  # counted in the lists of criteria met: met, or met unless a fact not known excludes it
    missing: tuple  # facts it reads that are not known


@dataclass(frozen=True)
class Reason:
    """One sentence of the notice: why the recorded subtype does not fit, and the criterion it rests on."""

    cites: str  # a criterion id, a subtype or "diagnosis"
    text: str


@dataclass(frozen=True)
class Classification:
    system: str
    record_version: int
    citation: str
    doi_url: str
    criteria: tuple  # CriterionStatus, in the record's order
    sm_criteria_met: bool | None
    possible: tuple
    supports: str | None
    undecided_by: tuple
    recorded: str
    agrees_with_recorded: bool | None
    reasons: tuple  # Reason, when the recorded subtype does not fit
    not_sm: str

    def _ids(self, role):
        return [c.criterion_id for c in self.criteria if c.role == role and c.listed]

    @property
    def major(self):
        values = [c.met for c in self.criteria if c.role == "major"]
        return True if True in values else None if None in values else False

    def by_role(self, role):
        return [c for c in self.criteria if c.role == role]

    def as_json(self):
        """The contract's `classification` object."""
        return {
            "system": self.system,
            "sm_criteria_met": self.sm_criteria_met,
            "major": self.major,
            "minor": self._ids("minor"),
            "b_findings": self._ids("B"),
            "c_findings": self._ids("C"),
            "possible": list(self.possible),
            "supports": self.supports,
            "undecided_by": list(self.undecided_by),
            "agrees_with_recorded": self.agrees_with_recorded,
        }

    @property
    def needs_notice(self):
        """The recorded subtype does not fit, or none is recorded and the findings leave one answer."""
        return self.agrees_with_recorded is False or (self.recorded == UNKNOWN and self.supports is not None)

    @property
    def proposal(self):
        """The subtype the clinician may apply from the notice (a subtype, never not-SM), or None."""
        if self.needs_notice and self.supports is not None and self.supports != self.not_sm:
            return self.supports
        return None

    @property
    def heading(self):
        if self.agrees_with_recorded is False:
            return f"The recorded subtype {self.recorded} does not fit the findings ({self.system})."
        return f"No subtype is recorded; the findings ({self.system}) leave one answer."

    @property
    def closing(self):
        if self.supports == self.not_sm:
            return "The SM criteria are not met by the findings recorded: check the diagnosis."
        if self.supports is not None:
            return f"The findings support {self.supports}."
        missing = [FACTS[name].short_label.lower() for name in self.undecided_by]
        return f"The findings allow {_listed(self.possible)}; knowing {_listed(missing)} would narrow it."

    def notice(self):
        """The `subtype-check` notice, or None when the recorded subtype fits (or nothing can be said yet)."""
        if not self.needs_notice:
            return None
        return {
            "id": NOTICE_ID,
            "text": " ".join([self.heading, *(r.text for r in self.reasons), self.closing]),
            "system": self.system,
            "recorded": self.recorded,
            "possible": list(self.possible),
            "supports": self.supports,
            "findings": [{"cites": r.cites, "text": r.text} for r in self.reasons],
        }


def _listed(items):
    items = [str(i) for i in items]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def classify(facts, classifier):
    """The check for validated facts under one record (a `Classifier`); the same facts get the same answer."""
    key = tuple(sorted((name, tuple(value) if isinstance(value, list) else value) for name, value in facts.items()))
    with classifier.answers_lock:
        answer = classifier.answers.get(key)
    if answer is None:  # answers are immutable (frozen dataclasses of tuples): one computed twice is harmless
        answer = _classify(facts, classifier)
        with classifier.answers_lock:
            classifier.answers[key] = answer
    return answer


def _classify(facts, classifier):
    record = classifier.record
    state = classifier.state(facts)
    bits = classifier.possible_bits(state)
    possible = tuple(classifier.outcomes_of(bits))
    undecided = []
    for name in classifier.reads:
        if not is_unknown(facts, name):
            continue
        for point in classifier.points[name]:
            if classifier.possible_bits(classifier.state({**facts, name: point})) != bits:
                undecided.append(name)
                break
    not_sm = record.not_sm
    if not_sm not in possible:
        sm_met = True
    elif possible == (not_sm,):
        sm_met = False
    else:
        sm_met = None
    recorded = facts["subtype"]
    agrees = None if recorded == UNKNOWN else recorded in possible
    criteria = tuple(
        CriterionStatus(
            criterion_id=c.criterion_id,
            role=c.role,
            label=c.label,
            words=c.words,
            met=classifier.criterion_value(c.criterion_id, facts),
            listed=classifier.criterion_value(c.criterion_id, facts, exclusions_open=False) is True,
            missing=tuple(n for n in facts_read(c.when, record) if is_unknown(facts, n)),
        )
        for c in record.criteria
    )
    reasons = ()
    if agrees is False:
        reasons = tuple(_reasons(facts, classifier, recorded, possible))
    return Classification(
        system=record.system,
        record_version=record.version,
        citation=record.citation,
        doi_url=record.record["url"],
        criteria=criteria,
        sm_criteria_met=sm_met,
        possible=possible,
        supports=possible[0] if len(possible) == 1 else None,
        undecided_by=tuple(undecided),
        recorded=recorded,
        agrees_with_recorded=agrees,
        reasons=reasons,
        not_sm=not_sm,
    )


# Why the recorded subtype does not fit ----------------------------------------------------------------


def finding_words(name, value):
    """A fact's value as a clinician says it: "Platelets 62 (unit)", "Skin lesions: absent"."""
    fact = FACTS[name]
    if fact.is_enum:
        return fact.short_label if value == "yes" else fact.readback(value)
    return f"{fact.short_label} {fact.words(value)}"


def _value3(cond, facts, classifier):
    """Three-valued, exactly over the fillings of the facts the condition reads (criteria included)."""
    names = facts_read(cond, classifier.record)
    seen = {_eval_filled(cond, filled, classifier) for filled in classifier.fillings(facts, names)}
    return seen.pop() if len(seen) == 1 else None


def _eval_filled(cond, facts, classifier):
    if isinstance(cond, Test):
        return _holds(cond, facts[cond.fact])
    if isinstance(cond, All):
        return all(_eval_filled(p, facts, classifier) for p in cond.parts)
    if isinstance(cond, Any):
        return any(_eval_filled(p, facts, classifier) for p in cond.parts)
    if isinstance(cond, Criterion):
        return _eval_filled(classifier.record.criterion(cond.criterion).when, facts, classifier)
    met = sum(_eval_filled(c.when, facts, classifier) for c in classifier.record.role(cond.role))
    return (cond.at_least is None or met >= cond.at_least) and (cond.at_most is None or met <= cond.at_most)


def _findings(cond, facts, classifier, want, confirm=""):
    """(words, criterion id, confirm) for the known facts that make `cond` come out `want` for certain."""
    record = classifier.record
    if isinstance(cond, Test):
        if is_unknown(facts, cond.fact) or _holds(cond, facts[cond.fact]) is not want:
            return []
        if cond.op == "is_not" and want:
            return []  # an absence that lets a criterion count is not a finding worth naming
        return [(finding_words(cond.fact, facts[cond.fact]), None, confirm)]
    if isinstance(cond, All | Any):
        found = []
        for part in cond.parts:
            if _value3(part, facts, classifier) is want:
                found += _findings(part, facts, classifier, want, confirm)
        return found
    if isinstance(cond, Criterion):
        spec = record.criterion(cond.criterion)
        return [(w, spec.criterion_id, c) for w, _, c in _findings(spec.when, facts, classifier, want, spec.confirm)]
    # A count comes out `want` through the criteria met for certain (too many or enough), never through absences.
    found = []
    for spec in record.role(cond.role):
        if classifier.criterion_value(spec.criterion_id, facts) is True:
            found += [
                (w, spec.criterion_id, c) for w, _, c in _findings(spec.when, facts, classifier, True, spec.confirm)
            ]
    return found


def _sentences(template, findings, cites):
    if "{finding}" not in template:
        return [Reason(cites, template)] if template else []
    return [Reason(crit or cites, template.format(finding=words, confirm=confirm)) for words, crit, confirm in findings]


def _reasons(facts, classifier, recorded, possible):
    record = classifier.record
    if _value3(record.diagnosis, facts, classifier) is False:
        yield Reason("diagnosis", record.diagnosis_not_met)
        return
    found = False
    for rule in record.subtypes:
        holds = _value3(rule.when, facts, classifier)
        if rule.subtype == recorded:
            if holds is False:
                wants_findings = not (isinstance(rule.when, Count) and rule.when.at_least is not None)
                findings = _findings(rule.when, facts, classifier, False) if wants_findings else []
                for reason in _sentences(rule.needs, findings, rule.subtype):
                    found = True
                    yield reason
            break
        if holds is True:
            for reason in _sentences(rule.rules_out, _findings(rule.when, facts, classifier, True), rule.subtype):
                found = True
                yield reason
    if not found:
        yield Reason(
            "possible", f"Whatever the facts not yet known turn out to be, the findings allow only {_listed(possible)}."
        )
