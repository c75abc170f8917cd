"""Notices: statements of the product about a case, shown apart from the guidance lines.

Pure: no ORM, request, settings or clock. A notice is never the source's
word: it says what the product did or could not do with the case (a fact it
did not use, a patient the source does not speak of, no further option in the
source). Each is {"id", "text", ...} in the evaluate_case output
(../shared/spec/evaluation-contract.md, "What a line carries from version 3 on").
"""

import enum

from .facts import FACTS, Group
from .interventions import Intent, failed


class Notice(enum.StrEnum):
    FACTS_NOT_USED = "facts-not-used"
    OUTSIDE_SOURCE_SCOPE = "outside-source-scope"
    NOTHING_FURTHER_IN_SOURCE = "nothing-further-in-source"
    SUBTYPE_CHECK = "subtype-check"


ADULT_AGE = 18
# Facts no management rule reads that the subtype check (WHO 2022, guidance.classification) reads all the
# same: the text of facts-not-used says so.
SUBTYPE_CHECK_READS = frozenset(
    name for name, fact in FACTS.items() if fact.group == Group.FINDINGS or name == "serum_tryptase_ng_ml"
)


def given_facts(facts):
    """The facts the case gives a value other than the default (the required subtype always counts)."""
    given = []
    for name, fact in FACTS.items():
        value = facts.get(name, fact.default)
        if fact.required or value != fact.default:
            given.append(name)
    return tuple(given)


def facts_not_used(facts, read):
    """Facts given a value that no management rule of the version reads."""
    return tuple(name for name in given_facts(facts) if name not in read)


def has_a_way_forward(lines, facts):
    """Whether some line offers something that has not failed, or something to maximise."""
    gone = set(failed(facts))
    return any(intent == Intent.MAXIMISE or item not in gone for line in lines for item, intent in line.offers)


def notices_for(facts, lines, *, read):
    """The notices for validated facts and the lines of a version whose rules read the facts `read`."""
    return notices_given(facts, way_forward=has_a_way_forward(lines, facts), read=read)


def notices_given(facts, *, way_forward, read):
    """The notices, knowing whether some line offers a way forward (has_a_way_forward)."""
    notices = []
    unused = facts_not_used(facts, read)
    if unused:
        words = ", ".join(FACTS[name].label.lower() for name in unused)
        checked = [name for name in unused if name in SUBTYPE_CHECK_READS]
        elsewhere = ""
        if checked:
            which = "they are" if len(checked) == len(unused) else "the findings and tryptase are"
            elsewhere = f" ({which.capitalize()} read by the subtype check against the WHO 2022 criteria.)"
        notices.append(
            {
                "id": Notice.FACTS_NOT_USED.value,
                "text": f"Recorded but not used by this guidance's management lines: {words}.{elsewhere}",
                "facts": list(unused),
            }
        )
    age = facts.get("age_years")
    if age is not None and age < ADULT_AGE:
        notices.append(
            {
                "id": Notice.OUTSIDE_SOURCE_SCOPE.value,
                "text": (
                    f"The patient is {age} years old. The source guidance does not say that it applies to "
                    "children: use these lines with paediatric expertise."
                ),
                "age_years": age,
            }
        )
    if facts.get("symptoms") and not way_forward:
        notices.append(
            {
                "id": Notice.NOTHING_FURTHER_IN_SOURCE.value,
                "text": (
                    "The source guidance offers nothing further for these symptoms that has not already "
                    "failed. This is the product's statement, not the source's."
                ),
            }
        )
    return notices
