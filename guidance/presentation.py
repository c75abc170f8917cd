"""What the case pages and the reviewer dashboard name of the guidance: data, checked at publish.

Three things outside the guidance's text name parts of it: the key facts shown
on each line whose rule reads them, the section whose recommendations are
symptom-directed (cases.display), and the dashboard's questions, which count
cases shown named rules (cases.rollup, cases.dashboard). They are data
(`data/presentation.json`), not code in cases, and `presentation_problems`
says in sentences what of them a version does not have. Publishing refuses
such a draft (guidance.publishing.draft_publish), and a system check
(mastoweb.W003) says so of the published version: a rule renamed or deleted
would otherwise empty a dashboard question without a word. Pure: no Django.
"""

import json
from dataclasses import dataclass
from pathlib import Path

PRESENTATION_FILE = Path(__file__).resolve().parent / "data" / "presentation.json"


@dataclass(frozen=True)
class DashboardQuestion:
    """A share the dashboard answers: of the cases matching `base` (reviewer-list filters), those also
    matching `extra`; `described` is the question in the chart's description."""

    key: str
    title: str
    denominator: str
    numerator: str
    described: str
    base: dict
    extra: dict

    def named(self, filter_name):
        """The values its filters give `filter_name` ("rule", "symptom"), base first."""
        return [value for filters in (self.base, self.extra) for name, value in filters.items() if name == filter_name]


@dataclass(frozen=True)
class Presentation:
    key_facts: tuple
    symptom_section: str
    questions: tuple


def presentation_load(path=PRESENTATION_FILE):
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return Presentation(
        key_facts=tuple(data["key_facts"]["facts"]),
        symptom_section=data["symptom_section"]["slug"],
        questions=tuple(DashboardQuestion(**question) for question in data["dashboard_questions"]["questions"]),
    )


PRESENTATION = presentation_load()
KEY_FACTS = PRESENTATION.key_facts
SYMPTOM_SECTION = PRESENTATION.symptom_section
DASHBOARD_QUESTIONS = PRESENTATION.questions


def presentation_problems(*, rule_ids, section_slugs, facts, presentation=None):
    """What of the presentation a version does not have, a sentence each; empty when it has it all.

    `rule_ids` and `section_slugs` are the version's, `facts` the vocabulary its rules read
    (guidance.facts.vocabulary of its edition).
    """
    presentation = presentation or PRESENTATION
    rule_ids, section_slugs = set(rule_ids), set(section_slugs)
    symptoms = set(facts["symptoms"].choices) if "symptoms" in facts else set()
    problems = []
    for question in presentation.questions:
        named = f'The dashboard question "{question.title}" counts'
        for rule in question.named("rule"):
            if rule not in rule_ids:
                problems.append(f"{named} the rule {rule}, which the version does not have.")
        for symptom in question.named("symptom"):
            if symptom not in symptoms:
                problems.append(f"{named} the symptom {symptom}, which is not a symptom.")
    for name in presentation.key_facts:
        if name not in facts:
            problems.append(f"The key fact {name}, shown on each line that reads it, is not a case fact.")
    if presentation.symptom_section not in section_slugs:
        problems.append(
            f"The symptom section {presentation.symptom_section}, whose lines are symptom-directed, "
            "is not a section of the version."
        )
    return problems
