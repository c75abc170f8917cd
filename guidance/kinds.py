"""What a recommendation line asks of the clinician: its kind, defined once.

The engine accepts a rule's kind from here, the Rule model offers it as its
choices, pages label and group lines by it (cases.display), the reviewer's
caution column and the dashboard count the kinds that are cautions
(cases.services, cases.rollup), and a CDS Hooks card takes its indicator from
it (interop.cards). The values are the strings rules, stored assessments, the
contract, FHIR codes and the stylesheet's `kind-<value>` classes use, so they
never change. Pure: no Django.
"""

import enum
from dataclasses import dataclass


class LineGroup(enum.StrEnum):
    """Where a page shows a line, in page order; the values are the groups' `group-<value>` classes."""

    SAFETY = "safety"
    SYMPTOM = "symptom"
    SUBTYPE = "subtype"
    INFO = "info"

    @property
    def title(self):
        return _GROUP_TITLES[self]


_GROUP_TITLES = {
    LineGroup.SAFETY: "Safety first",
    LineGroup.SYMPTOM: "Symptom-directed management",
    LineGroup.SUBTYPE: "Subtype-directed management",
    LineGroup.INFO: "Information",
}


class Kind(enum.StrEnum):
    """A line's kind. Code asks its properties (`label`, `group`, `cds_indicator`, `is_caution`)."""

    RECOMMEND = "recommend"
    CONSIDER = "consider"
    CAUTION = "caution"
    INFO = "info"

    @property
    def label(self):
        """The kind in a clinician's words, on every page, card and the Rule's choices."""
        return _TRAITS[self].label

    @property
    def group(self):
        """The group a line of this kind is shown in, or None when its paragraph's section decides
        (symptom- or subtype-directed: cases.display)."""
        return _TRAITS[self].group

    @property
    def cds_indicator(self):
        """The CDS Hooks card indicator of a line of this kind (info, warning or critical)."""
        return _TRAITS[self].cds_indicator

    @property
    def is_caution(self):
        """Whether a line of this kind counts as a caution: its own CDS card, the reviewer's caution
        column, the dashboard's caution rate and the page's count of cautions."""
        return _TRAITS[self].is_caution


@dataclass(frozen=True)
class _Traits:
    label: str
    group: LineGroup | None
    cds_indicator: str
    is_caution: bool


_TRAITS = {
    Kind.RECOMMEND: _Traits("Recommended", None, "info", is_caution=False),
    Kind.CONSIDER: _Traits("Consider", None, "info", is_caution=False),
    Kind.CAUTION: _Traits("Caution", LineGroup.SAFETY, "warning", is_caution=True),
    Kind.INFO: _Traits("Information", LineGroup.INFO, "info", is_caution=False),
}

# The Rule model's choices (value, label): the same list the migrations froze.
KIND_CHOICES = [(kind.value, kind.label) for kind in Kind]


def is_caution(kind):
    """Whether a stored or evaluated line's kind (a string) counts as a caution."""
    return Kind(kind).is_caution
