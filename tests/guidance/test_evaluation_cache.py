"""The evaluation cache of a frozen version gives exactly what the engine gives without it; drafts never use one."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guidance import engine
from guidance.evaluation import guidance_compiled, guidance_evaluate
from guidance.facts import FACTS, validate_case
from guidance.loading import read_rules, read_version_two
from guidance.models import Rule
from guidance.publishing import draft_create
from tests.conftest import SPEC

V2_RULES, _, _ = read_version_two()
VERSIONS = {
    1: read_rules(),
    2: V2_RULES,
}


def _both(number, size=64):
    rules = VERSIONS[number]
    plain = engine.compile_guidance(slug="s", version=number, title="t", rules=rules)
    cached = engine.compile_guidance(slug="s", version=number, title="t", rules=rules, cache_size=size)
    return plain, cached


def _as_dicts(recommendations):
    return [(r.as_dict(), r.facts) for r in recommendations]


VIGNETTE_CASES = [
    json.loads(path.read_text())["case"]
    for folder in ("vignettes", "vignettes-v2")
    for path in sorted((SPEC / folder).glob("*.json"))
    if "error" not in json.loads(path.read_text())["expect"]
]


@pytest.mark.parametrize("number", [1, 2])
def test_every_vignette_gets_the_same_lines_with_and_without_the_cache_twice_over(number):
    plain, cached = _both(number)
    for case in VIGNETTE_CASES * 2:  # the second round is served from the cache
        facts = validate_case(case)
        assert _as_dicts(engine.evaluate(facts, cached)) == _as_dicts(engine.evaluate(facts, plain))
    assert cached.cache.hits >= len(VIGNETTE_CASES)  # the whole second round


def _enum(name):
    return st.sampled_from(FACTS[name].values)


CASES = st.fixed_dictionaries(
    {
        "subtype": _enum("subtype"),
        "symptoms": st.sets(_enum("symptoms")).map(sorted),
        "antihistamine_response": _enum("antihistamine_response"),
        "antileukotriene_response": _enum("antileukotriene_response"),
        "omalizumab_response": _enum("omalizumab_response"),
        "nsaid_tolerance": _enum("nsaid_tolerance"),
        "venom_allergy": st.booleans(),
        "kit_d816v": _enum("kit_d816v"),
        "hct_eligible": _enum("hct_eligible"),
    },
    optional={
        "serum_tryptase_ng_ml": st.floats(min_value=0, max_value=100000),
        "age_years": st.integers(min_value=0, max_value=120),
    },
)
# A tiny cache, so entries are evicted and recomputed while hypothesis explores.
PLAIN, CACHED = _both(2, size=8)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(CASES, min_size=1, max_size=6))
def test_any_cases_get_the_same_lines_with_and_without_the_cache(cases):
    for case in cases + cases:
        facts = validate_case(case)
        assert _as_dicts(engine.evaluate(facts, CACHED)) == _as_dicts(engine.evaluate(facts, PLAIN))


def test_the_cache_keeps_at_most_its_size_forgetting_the_least_recently_used_case():
    plain, cached = _both(2, size=2)
    first, second, third = (validate_case({"subtype": subtype}) for subtype in ("ISM", "ASM", "SSM"))
    for facts in (first, second, first, third):  # `first` read again: `second` is the least recently used
        engine.evaluate(facts, cached)
    assert (len(cached.cache), cached.cache.hits, cached.cache.misses) == (2, 1, 3)

    engine.evaluate(first, cached)
    engine.evaluate(second, cached)
    assert (cached.cache.hits, cached.cache.misses) == (2, 4)
    assert len(cached.cache.lines) <= 2 and len(cached.cache.outcomes) <= 8
    assert _as_dicts(engine.evaluate(second, cached)) == _as_dicts(engine.evaluate(second, plain))


def test_a_cached_answer_cannot_be_changed_by_its_caller():
    _, cached = _both(2)
    facts = validate_case({"subtype": "ASM"})
    first = engine.evaluate(facts, cached)
    first.clear()
    assert engine.evaluate(facts, cached)


@pytest.mark.django_db
def test_a_frozen_version_is_cached_and_a_draft_never(published_version, editor):
    assert guidance_compiled(published_version).cache is not None
    draft = draft_create(guideline=published_version.guideline, user=editor)
    assert guidance_compiled(draft).cache is None

    facts = validate_case({"subtype": "ISM", "venom_allergy": True})
    fired = [r.rule for r in guidance_evaluate(facts=facts, version=draft)]
    assert fired == ["epinephrine-for-venom-allergy", "venom-immunotherapy"]
    rule = Rule.objects.get(version=draft, rule_id="venom-immunotherapy")
    rule.summary = "Venom immunotherapy (edited in the draft)"
    rule.save()
    assert line_of(guidance_evaluate(facts=facts, version=draft)).summary == "Venom immunotherapy (edited in the draft)"
    # The published version still answers from its own rules.
    assert line_of(guidance_evaluate(facts=facts, version=published_version)).summary != rule.summary


def line_of(lines, rule_id="venom-immunotherapy"):
    (line,) = [line for line in lines if line.rule == rule_id]
    return line
