"""What a guidance line can offer: the intervention vocabulary (../shared/spec/evaluation-contract.md, "Interventions").

Pure: no ORM, request, settings or clock. Declared once here, like the case
facts (guidance.facts): rules name these ids in `offers` and `about`, safety
properties speak of them, and every label a clinician reads comes from here.

Each intervention may carry a WHO ATC code. A code is given only where the ATC
index has one that fits the intervention as the source names it, with where it
was checked (`atc_checked`); procedures and "whatever treats the associated
neoplasm" have none. See docs/interventions.md for the sources.
"""

import enum
from dataclasses import dataclass

from .kinds import Kind

ATC_SYSTEM = "http://www.whocc.no/atc"


class Intent(enum.StrEnum):
    """What a line asks of an intervention it offers."""

    START = "start"  # begin it
    MAXIMISE = "maximise"  # raise the dose of something already in use (the source's "maximized doses")
    CONTINUE = "continue"  # keep what works

    @property
    def label(self):
        return {"start": "start", "maximise": "maximise the dose", "continue": "continue"}[self.value]


class Effect(enum.StrEnum):
    """What a caution does to the interventions it is about."""

    WITHHOLD = "withhold"  # do not start it now
    QUALIFY = "qualify"  # only under the condition the caution states
    ENSURE = "ensure"  # must be in place (e.g. epinephrine at hand)

    @property
    def label(self):
        return {"withhold": "hold", "qualify": "only if", "ensure": "make sure"}[self.value]


class InterventionClass(enum.StrEnum):
    ANTI_MEDIATOR = "anti-mediator"
    ANTI_MEDIATOR_BIOLOGIC = "anti-mediator-biologic"
    EMERGENCY = "emergency"
    NSAID = "nsaid"
    GASTRIC = "gastric"
    GLUCOCORTICOID = "glucocorticoid"
    BONE = "bone"
    CYTOREDUCTIVE = "cytoreductive"
    TKI = "tki"
    TRANSPLANT = "transplant"
    IMMUNOTHERAPY = "immunotherapy"
    AHN = "ahn"

    @property
    def label(self):
        return CLASS_LABELS[self]


CLASS_LABELS = {
    InterventionClass.ANTI_MEDIATOR: "anti-mediator therapy",
    InterventionClass.ANTI_MEDIATOR_BIOLOGIC: "anti-mediator biologic",
    InterventionClass.EMERGENCY: "emergency treatment",
    InterventionClass.NSAID: "NSAIDs",
    InterventionClass.GASTRIC: "acid suppression",
    InterventionClass.GLUCOCORTICOID: "glucocorticoids",
    InterventionClass.BONE: "bone health",
    InterventionClass.CYTOREDUCTIVE: "cytoreductive therapy",
    InterventionClass.TKI: "tyrosine kinase inhibitors",
    InterventionClass.TRANSPLANT: "transplantation",
    InterventionClass.IMMUNOTHERAPY: "immunotherapy",
    InterventionClass.AHN: "treatment of the associated neoplasm",
}


@dataclass(frozen=True, kw_only=True)
class Intervention:
    id: str
    label: str
    classes: tuple
    response_fact: str = ""  # the case fact that records whether it failed ("unresponsive")
    atc: str = ""  # WHO ATC code, where the index has one that fits
    atc_name: str = ""  # the index's own name for that code
    atc_checked: str = ""  # where the code was checked

    @property
    def class_labels(self):
        return tuple(c.label for c in self.classes)


_C = InterventionClass

INTERVENTIONS = {
    item.id: item
    for item in (
        Intervention(
            id="h1-antihistamine",
            label="H1 antihistamines",
            classes=(_C.ANTI_MEDIATOR,),
            response_fact="antihistamine_response",
            atc="R06A",
            atc_name="Antihistamines for systemic use",
            atc_checked="WHO ATC/DDD index, R06A group page (atcddd.fhi.no/atc_ddd_index/?code=R06AA01)",
        ),
        Intervention(
            id="h2-antihistamine",
            label="H2 antihistamines",
            classes=(_C.ANTI_MEDIATOR,),
            response_fact="antihistamine_response",
            atc="A02BA",
            atc_name="H2-receptor antagonists",
            atc_checked="WHO ATC/DDD index, A02BA group (atcddd.fhi.no/atc_ddd_index/?code=A02BA51)",
        ),
        Intervention(
            id="antileukotriene",
            label="antileukotriene agents",
            classes=(_C.ANTI_MEDIATOR,),
            response_fact="antileukotriene_response",
            atc="R03DC",
            atc_name="Leukotriene receptor antagonists",
            atc_checked=(
                "WHO ATC/DDD index text naming R03DC (atcddd.fhi.no/atc_ddd_index/?code=R06AA01); group list "
                "on rxreasoner.com/atccodes/R03DC"
            ),
        ),
        Intervention(
            id="omalizumab",
            label="omalizumab (anti-IgE)",
            classes=(_C.ANTI_MEDIATOR_BIOLOGIC,),
            response_fact="omalizumab_response",
            atc="R03DX05",
            atc_name="omalizumab",
            atc_checked="ATC mirror rxreasoner.com/atccodes/R03DX05 (WHO hierarchy)",
        ),
        Intervention(
            id="epinephrine-autoinjector",
            label="injectable epinephrine",
            classes=(_C.EMERGENCY,),
            atc="C01CA24",
            atc_name="epinephrine",
            atc_checked="ATC mirror rxreasoner.com/atccodes/C01CA; an injectable adrenaline SmPC giving C01CA24",
        ),
        Intervention(
            id="aspirin",
            label="aspirin",
            classes=(_C.NSAID,),
            atc="N02BA01",
            atc_name="acetylsalicylic acid",
            atc_checked=(
                "WHO ATC/DDD index B01AC and N02BA texts "
                "(whocc.no/atc_ddd_index/?code=B01AC11&showdescription=yes): N02BA01 for non-antithrombotic use"
            ),
        ),
        Intervention(
            id="cromolyn-oral",
            label="oral cromolyn sodium",
            classes=(_C.ANTI_MEDIATOR,),
            atc="A07EB01",
            atc_name="cromoglicic acid",
            atc_checked="ATC mirror rxreasoner.com/atccodes/A07EB (oral cromoglicate; other routes have other codes)",
        ),
        Intervention(
            id="ppi",
            label="proton pump inhibitors",
            classes=(_C.GASTRIC,),
            atc="A02BC",
            atc_name="Proton pump inhibitors",
            atc_checked=(
                "ATC mirror rxreasoner.com/atccodes/A02BC; WHO Essential Medicines List entry for omeprazole (A02BC01)"
            ),
        ),
        Intervention(
            id="glucocorticoid-oral",
            label="oral glucocorticoids",
            classes=(_C.GLUCOCORTICOID,),
            atc="H02AB",
            atc_name="Glucocorticoids",
            atc_checked="WHO ATC/DDD index, H02 text (whocc.no/atc_ddd_index/?code=H02CA02)",
        ),
        Intervention(
            id="calcium-vitamin-d",
            label="calcium and vitamin D",
            classes=(_C.BONE,),
            atc="A12AX",
            atc_name="Calcium, combinations with vitamin D and/or other drugs",
            atc_checked=(
                "WHO ATC/DDD index, A12A text (whocc.no/atc_ddd_index/?code=A12A): calcium with vitamin D in A12AX"
            ),
        ),
        Intervention(
            id="pamidronate",
            label="pamidronate",
            classes=(_C.BONE,),
            atc="M05BA03",
            atc_name="pamidronic acid",
            atc_checked="WHO ATC/DDD index (whocc.no/atc_ddd_index/?code=M05BA03)",
        ),
        # The source says "interferon-alfa" without naming a product: the index codes each product
        # (natural L03AB01, alfa-2a L03AB04, alfa-2b L03AB05, pegylated L03AB10/11) and its group L03AB
        # holds every interferon, so no code fits (docs/interventions.md).
        Intervention(id="interferon-alfa", label="interferon-alfa", classes=(_C.CYTOREDUCTIVE,)),
        Intervention(
            id="cladribine",
            label="cladribine",
            classes=(_C.CYTOREDUCTIVE,),
            atc="L01BB04",
            atc_name="cladribine",
            atc_checked=(
                "HL7 Europe FHIR value set citing the WHO index (L01BB04); WHO L04AA text on oral cladribine (L04AA40)"
            ),
        ),
        Intervention(
            id="midostaurin",
            label="midostaurin",
            classes=(_C.CYTOREDUCTIVE, _C.TKI),
            atc="L01EX10",
            atc_name="midostaurin",
            atc_checked=(
                "WHO ATC/DDD index L01EX group (atcddd.fhi.no/atc_ddd_index/?code=L01EX11); Rydapt SmPC "
                "(FASS) giving L01EX10"
            ),
        ),
        Intervention(
            id="imatinib",
            label="imatinib",
            classes=(_C.CYTOREDUCTIVE, _C.TKI),
            atc="L01EA01",
            atc_name="imatinib",
            atc_checked=(
                "WHO ATC/DDD index L01E (whocc.no/atc_ddd_index/?code=L01E); imatinib SmPC (pharmacum.eu) "
                "giving L01EA01"
            ),
        ),
        Intervention(
            id="tki",
            label="a tyrosine kinase inhibitor chosen by KIT status",
            classes=(_C.CYTOREDUCTIVE, _C.TKI),
            atc="L01E",
            atc_name="Protein kinase inhibitors",
            atc_checked=(
                "WHO ATC/DDD index L01E (whocc.no/atc_ddd_index/?code=L01E): the narrowest group holding "
                "every TKI used in SM"
            ),
        ),
        Intervention(id="hct", label="hematopoietic cell transplantation", classes=(_C.TRANSPLANT,)),
        Intervention(
            id="venom-immunotherapy",
            label="venom immunotherapy",
            classes=(_C.IMMUNOTHERAPY,),
            atc="V01AA07",
            atc_name="insects",
            atc_checked="WHO-structured ATC code data (V01AA07 insects); not seen on a WHO page: medium confidence",
        ),
        Intervention(
            id="ahn-directed-therapy",
            label="treatment of the associated hematologic neoplasm",
            classes=(_C.AHN,),
        ),
    )
}

# A class id stands for its members wherever a caution names it in `about`.
CLASS_MEMBERS = {c.value: tuple(i.id for i in INTERVENTIONS.values() if c in i.classes) for c in InterventionClass}
# Ids a rule may name in `about`: an intervention or a class.
ABOUT_IDS = frozenset(INTERVENTIONS) | frozenset(CLASS_MEMBERS)


def members(ids):
    """The interventions the ids stand for (a class for its members), in vocabulary order."""
    wanted = set()
    for item in ids:
        wanted.update(CLASS_MEMBERS.get(item, ()))
        if item in INTERVENTIONS:
            wanted.add(item)
    return tuple(i for i in INTERVENTIONS if i in wanted)


def plan_in_words(offers=(), about=(), effect=""):
    """What a line offers, or what a caution does to what it is about, in the vocabulary's words."""
    if offers:
        return "; ".join(f"{Intent(intent).label} {label_of(item)}" for item, intent in offers)
    if effect and about:
        return f"{Effect(effect).label}: " + ", ".join(label_of(item) for item in about)
    return "nothing (information)"


def label_of(item):
    """An intervention's or a class's words."""
    if item in INTERVENTIONS:
        return INTERVENTIONS[item].label
    return InterventionClass(item).label


def failed(facts):
    """The interventions whose response fact the case records as unresponsive."""
    return tuple(
        i.id for i in INTERVENTIONS.values() if i.response_fact and facts.get(i.response_fact) == "unresponsive"
    )


class OffersError(ValueError):
    """A rule's offers, about or effect that cannot stand; the message is for an editor."""


def check_offers(*, kind, offers, about, effect):
    """Check what a rule says it offers or is about against its kind and the vocabulary.

    `offers` is a sequence of (intervention, intent) pairs, `about` of ids. Raises
    OffersError naming the field ("offers", "about", "effect") in a sentence.
    """
    for item, intent in offers:
        if item not in INTERVENTIONS:
            raise OffersError(f"offers: {item!r} is not an intervention; known ones are {', '.join(INTERVENTIONS)}.")
        if intent not in set(Intent):
            raise OffersError(f"offers: the intent for {item!r} must be one of {', '.join(Intent)}, not {intent!r}.")
    ids = [item for item, _ in offers]
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:
        raise OffersError(f"offers: {', '.join(repeated)} is offered more than once by this line.")
    for item in about:
        if item not in ABOUT_IDS:
            raise OffersError(
                f"about: {item!r} is neither an intervention nor a class; use an intervention id or one of "
                f"{', '.join(CLASS_MEMBERS)}."
            )
    if effect and effect not in set(Effect):
        raise OffersError(f"effect: must be one of {', '.join(Effect)}, not {effect!r}.")
    if kind in (Kind.RECOMMEND, Kind.CONSIDER):
        if not offers:
            raise OffersError("offers: a recommend or consider line must say what it offers (an intervention).")
        if about or effect:
            raise OffersError("about: only a caution is about interventions and has an effect.")
    elif kind == Kind.CAUTION:
        if offers:
            raise OffersError("offers: a caution offers nothing; say what it is about instead.")
        if not about:
            raise OffersError("about: a caution must say which interventions or classes it concerns.")
        if not effect:
            raise OffersError("effect: a caution must say whether it withholds, qualifies or ensures.")
    elif offers or about or effect:
        raise OffersError("offers: an information line offers nothing and is about nothing.")
