"""How recommendations and facts are shown to a clinician.

The live preview and the management page show the same lines: the snapshot an
assessment stores is built here, and both pages group it here, so what was
shown is what was saved.
"""

import hashlib
from dataclasses import dataclass, field, replace

from guidance.classification.check import classify
from guidance.engine import rule_because
from guidance.facts import FACTS, CaseValidationError, validate_case
from guidance.facts import Group as FactGroup
from guidance.interventions import Effect, Intent, label_of
from guidance.kinds import Kind, LineGroup, is_caution
from guidance.lines import lines_compare
from guidance.markdown import render_markdown
from guidance.presentation import KEY_FACTS, SYMPTOM_SECTION  # data (guidance/data), checked at publish
from guidance.quotes import mark_quote, quote_anchor


@dataclass(frozen=True)
class Group:
    key: str
    title: str
    lines: list = field(default_factory=list)


@dataclass(frozen=True)
class Line:
    """One recommendation as shown, with the source paragraph it cites.

    `quote` and `confirm` are None on lines stored before guidance v2 (format 1
    of cases.snapshot): they were not part of what was shown then.
    """

    rule: str
    paragraph: str
    kind: str
    summary: str
    reason: str
    facts: dict
    paragraph_title: str
    paragraph_text: str
    section: str
    quote: str | None = None
    confirm: tuple | None = None
    # From guidance version 3 on: what the line offers ((intervention, intent) pairs), what a caution is
    # about and its effect (guidance.interventions). Empty on lines of older versions.
    offers: tuple = ()
    about: tuple = ()
    effect: str = ""
    # The facts that made it fire, as the engine's (fact, value) pairs (a list fact's value a tuple). None on
    # a line stored before snapshot format 4 until lines_with_because derives it from the version's rule.
    because: tuple | None = None

    @property
    def because_to_derive(self):
        """Stored in format 2 or 3: its `because` is its version's rule's to give (lines_with_because)."""
        return self.because is None and self.quote is not None

    @property
    def offers_attr(self):
        """The ids of what it offers, for data-offers."""
        return " ".join(item for item, _ in self.offers)

    @property
    def about_attr(self):
        return " ".join(self.about)

    @property
    def offers_shown(self):
        """What it offers in a clinician's words: ("start", "H1 antihistamines") pairs."""
        return [(Intent(intent).label, label_of(item)) for item, intent in self.offers]

    @property
    def effect_shown(self):
        """A caution's effect and what it is about, in words: ("hold", "aspirin, ...")."""
        if not self.effect:
            return None
        return Effect(self.effect).label, ", ".join(label_of(item) for item in self.about)

    @property
    def group(self):
        """Its kind's group, else symptom- or subtype-directed by the section of the paragraph it cites."""
        if Kind(self.kind).group is not None:
            return Kind(self.kind).group
        return LineGroup.SYMPTOM if self.section == SYMPTOM_SECTION else LineGroup.SUBTYPE

    @property
    def kind_label(self):
        return Kind(self.kind).label

    @property
    def paragraph_html(self):
        """The source paragraph, with the words the rule rests on marked."""
        html = render_markdown(self.paragraph_text)
        return mark_quote(html, self.quote) if self.quote else html

    @property
    def anchor(self):
        """Where the source link lands on the guidance page: the quoted sentence, else the paragraph."""
        return quote_anchor(self.paragraph, self.paragraph_text, self.quote) if self.quote else self.paragraph

    @property
    def reason_shown(self):
        """Which facts made the line fire, in the form's words (reason_in_words of its `because`).

        A line stored before guidance v2 (snapshot format 1, no quote) reads back exactly as it was shown;
        so does a line whose `because` cannot be known or said (the engine's stored reason, as it is).
        """
        if self.quote is None or not self.because:
            return self.reason
        return reason_in_words(self.because) or self.reason

    @property
    def key_facts(self):
        return [fact_shown(name, self.facts[name]) for name in KEY_FACTS if name in (self.facts or {})]


def lines_from_recommendations(recommendations, *, paragraphs):
    """Engine recommendations as lines, with the paragraphs they cite (slug -> paragraph with its section,
    as guidance.selectors.paragraphs_by_slug reads them)."""
    lines = []
    for rec in recommendations:
        paragraph = paragraphs.get(rec.paragraph)
        lines.append(
            Line(
                rule=rec.rule,
                paragraph=rec.paragraph,
                kind=rec.kind,
                summary=rec.summary,
                reason=rec.reason,
                facts={name: list(v) if isinstance(v, tuple) else v for name, v in rec.facts.items()},
                paragraph_title=paragraph.title if paragraph else "",
                paragraph_text=paragraph.text if paragraph else "",
                section=paragraph.section.slug if paragraph else "",
                quote=rec.quote,
                confirm=tuple(rec.confirm),
                offers=tuple(rec.offers),
                about=tuple(rec.about),
                effect=rec.effect,
                because=tuple(rec.because),
            )
        )
    return lines


def lines_with_because(lines, compiled):
    """Lines stored before snapshot format 4 (no `because`) given the `because` their version's rule gives
    for the facts they stored: `compiled` is that version, which never changes (guidance.evaluation.
    guidance_compiled), so this is what the engine said then. Format 1 lines read back as shown and keep
    none; a line whose rule or facts do not match the version keeps none, and shows its stored reason."""
    rules = {rule.spec.rule_id: rule for rule in compiled.rules}
    return [_with_because(line, rules.get(line.rule)) for line in lines]


def _with_because(line, rule):
    if not line.because_to_derive or rule is None or set(rule.shown) != set(line.facts):
        return line
    facts = {name: tuple(value) if isinstance(value, list) else value for name, value in line.facts.items()}
    return replace(line, because=rule_because(rule, facts, rule.shown))


def recommendation_groups(lines):
    """Safety first, then symptom-directed, subtype-directed, information; empty groups left out."""
    groups = {group: Group(group.value, group.title) for group in LineGroup}
    for line in lines:
        groups[line.group].lines.append(line)
    return [group for group in groups.values() if group.lines]


@dataclass(frozen=True)
class FactShown:
    name: str
    label: str
    value: str


def fact_shown(name, value):
    """A fact under its full label, its value as the form says it (Fact.words_in_full)."""
    fact = FACTS[name]
    return FactShown(name=name, label=fact.label, value=fact.words_in_full(value))


def reason_in_words(because):
    """Which facts made a line fire, from its `because` ((fact, value) pairs), in the form's words and the
    vocabulary's order: "Antihistamines: unresponsive · Antileukotrienes: not tried" (Fact.readback). Of a list
    fact, the items the rule tested. None when it names a fact the vocabulary does not know."""
    values = dict(because)
    if not values.keys() <= FACTS.keys():
        return None
    return " · ".join(fact.readback(values[name]) for name, fact in FACTS.items() if name in values)


@dataclass(frozen=True)
class Glance:
    """A management page at one glance: how many cautions, actions and notes, and which cautions."""

    cautions: list
    actions: int
    notes: int
    # From guidance v3 on: what to start, maximise, continue, hold, do only if, make sure of; each a
    # (words, [(intervention label, the line's rule id)]) pair, in that order, empty ones left out.
    plan: list = field(default_factory=list)


_PLAN = (
    *((intent.label, "offers", intent.value) for intent in Intent),
    *((effect.label, "about", effect.value) for effect in Effect),
)


def lines_glance(lines):
    cautions = [line for line in lines if is_caution(line.kind)]
    notes = sum(1 for line in lines if line.kind == Kind.INFO)
    plan = []
    for words, field_name, value in _PLAN:
        if field_name == "offers":
            items = [(label_of(item), line.rule) for line in lines for item, intent in line.offers if intent == value]
        else:
            items = [(label_of(item), line.rule) for line in cautions if line.effect == value for item in line.about]
        if items:
            plan.append((words, items))
    return Glance(cautions=cautions, actions=len(lines) - len(cautions) - notes, notes=notes, plan=plan)


def facts_line(facts):
    """Every fact of a case in a few words each ("Antihistamines: unresponsive"), in the form's order.

    Findings not known are left out: the findings panel lists what is still missing."""
    shown = []
    for name, fact in FACTS.items():
        value = facts.get(name, fact.default)
        if fact.group is FactGroup.FINDINGS and value in (None, "unknown"):
            continue
        shown.append(FactShown(name=name, label=fact.short_label, value=fact.words(value)))
    return shown


def facts_shown(facts):
    """Every fact of a case, in vocabulary order, in words."""
    return [fact_shown(name, facts.get(name, fact.default)) for name, fact in FACTS.items()]


@dataclass(frozen=True)
class FactChange:
    name: str
    label: str
    before: str
    after: str


def assessments_comparison(*, before, after):
    """Two assessments of a case side by side: the facts that changed (old -> new, in words) and the lines'
    comparison (guidance.lines), as re-evaluation counts it."""
    facts = []
    for name, fact in FACTS.items():
        old = fact_shown(name, before.facts.get(name, fact.default))
        new = fact_shown(name, after.facts.get(name, fact.default))
        if old.value != new.value:
            facts.append(FactChange(name=name, label=fact.label, before=old.value, after=new.value))
    return {"facts": facts, "lines": lines_compare(before.lines, after.lines)}


def _count(number, noun):
    return f"{number} {noun}{'' if number == 1 else 's'}"


@dataclass(frozen=True)
class ChangeSummary:
    """What re-evaluation would change, in a few words, and whether it changes anything."""

    text: str
    changes: bool

    def __str__(self):
        return self.text


NO_CHANGE = ChangeSummary("No change", changes=False)


def changes_summary(changes):
    """What re-evaluation would change, in a few words: "Would change: +1 caution, \u22121 line" or "No change".

    A changed line counts as reworded, as offering something else, and as having its items to confirm
    changed, when it is so (each that holds); as having only its source text revised when it reads the
    same, offers the same and asks the same checks.
    """
    parts = []
    for sign, lines in (("+", changes.added), ("\u2212", changes.removed)):
        cautions = sum(1 for line in lines if is_caution(line.kind))
        if cautions:
            parts.append(f"{sign}{_count(cautions, 'caution')}")
        if len(lines) - cautions:
            parts.append(f"{sign}{_count(len(lines) - cautions, 'line')}")
    if changes.reworded:
        parts.append(f"{len(changes.reworded)} reworded")
    if changes.plan_changed:
        offered = len(changes.plan_changed)
        parts.append(f"what {_count(offered, 'line')} offer{'s' if offered == 1 else ''} changed")
    if changes.confirm_changed:
        parts.append(f"items to confirm of {_count(len(changes.confirm_changed), 'line')} changed")
    if changes.source_revised_only:
        parts.append(f"source text of {_count(len(changes.source_revised_only), 'line')} revised")
    return ChangeSummary(f"Would change: {', '.join(parts)}", changes=True) if parts else NO_CHANGE


@dataclass(frozen=True)
class FieldDifference:
    """One field where a refused edit differs from the case as saved: both values in words."""

    name: str
    label: str
    yours: str
    saved: str


def case_differences(case, *, label, facts, notes):
    """The fields where this input differs from the saved case, compared as they are shown."""
    differences = []
    for name, yours in (("label", label), *facts.items(), ("notes", notes)):
        saved = getattr(case, name)
        if name in FACTS:
            yours, saved = fact_shown(name, yours), fact_shown(name, saved)
            if yours.value != saved.value:
                differences.append(FieldDifference(name, yours.label, yours.value, saved.value))
        elif yours != saved:
            field_label = case._meta.get_field(name).verbose_name.capitalize()
            differences.append(FieldDifference(name, field_label, yours, saved))
    return differences


def subtype_check(facts, classifier):
    """The subtype check of saved or typed facts under a classifier (the published record's: the caller
    looks it up, guidance.classification.classifier_for); None when they are not valid facts."""
    try:
        return classify(validate_case(dict(facts)), classifier)
    except CaseValidationError:
        return None


@dataclass(frozen=True)
class FindingsPanel:
    """The findings panel of a case page: each criterion with its status, the counts, what is missing."""

    check: object
    groups: list  # (title, [CriterionStatus])
    b_met: int
    c_met: int
    missing: list  # labels of the facts that would narrow the answer

    @property
    def anything_known(self):
        """Some criterion is decided: the panel then says something worth printing."""
        return any(c.met is not None for _, criteria in self.groups for c in criteria)

    @property
    def cache_key(self):
        """The panel's HTML is the same for the same panel (templates/cases/case_detail.html caches it by this):
        a hash of everything it shows, the check's every criterion, count and citation included."""
        return hashlib.sha256(repr(self).encode()).hexdigest()


FINDINGS_GROUPS = (("major", "Major criterion"), ("minor", "Minor criteria"), ("B", "B-findings"), ("C", "C-findings"))


def findings_panel(check):
    if check is None:
        return None
    return FindingsPanel(
        check=check,
        groups=[(title, check.by_role(role)) for role, title in FINDINGS_GROUPS],
        b_met=sum(1 for c in check.by_role("B") if c.met is True),
        c_met=sum(1 for c in check.by_role("C") if c.met is True),
        missing=[FACTS[name].label for name in check.undecided_by],
    )
