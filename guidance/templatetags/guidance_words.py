"""Case facts in a clinician's words on the editors' pages (a counterexample, a tried case)."""

from django import template

from guidance.facts import FACTS, facts_in_words

register = template.Library()


@register.filter
def case_in_words(facts):
    """{"venom_allergy": false, ...} as "Venom allergy: no · ..."; only the vocabulary's facts."""
    return facts_in_words({name: value for name, value in (facts or {}).items() if name in FACTS})
