"""Evaluation: a version's rules compiled (cached for frozen versions) and run on a case's facts.

Published and retired versions never change, so their compiled rules, with
the engine's evaluation cache, are kept in this process (core.caches, nothing
to invalidate), keyed by what the version's content is (GuidanceVersion.content_key):
a primary key alone can come back for another version after a rolled-back
transaction or a restore. A draft is compiled afresh on every call.
"""

from dataclasses import dataclass

from core import caches

from . import engine, properties
from .classification import classify_case
from .notices import notices_for

# Frozen versions compiled, each with its evaluations: a site has a handful of versions.
_compiled = caches.lru("guidance.compiled", size=8)
# Distinct fact combinations kept per frozen version; about 2 kB each, so a few tens of MB at most.
EVALUATION_CACHE_SIZE = 20_000


def guidance_compiled(version):
    """Compiled rules of a version: cached when frozen, compiled afresh for a draft."""
    key = version.content_key
    if version.is_frozen and (found := _compiled.get(key)) is not None:
        return found
    compiled = engine.compile_guidance(
        slug=version.guideline.slug,
        version=version.number,
        title=version.title,
        rules=version.rule_specs(),
        # Frozen versions answer equal facts equally for ever: keep their answers. A draft never.
        cache_size=EVALUATION_CACHE_SIZE if version.is_frozen else 0,
        edition=version.edition,
    )
    if version.is_frozen:
        _compiled[key] = compiled
    return compiled


def guidance_evaluate(*, facts, version):
    """Recommendations for validated facts under a guidance version."""
    return engine.evaluate(facts, guidance_compiled(version))


def guidance_notices(*, facts, lines, version):
    """The product's notices for a case evaluated under a version (none before version 3)."""
    if not version.declares_offers:
        return []
    return notices_for(facts, lines, read=guidance_compiled(version).variables)


def evaluation_as_json(*, facts, version):
    """The evaluate_case contract's output object (from version 3 on, with the notices)."""
    lines = guidance_evaluate(facts=facts, version=version)
    output = {
        "guidance": {"slug": version.guideline.slug, "version": version.number, "title": version.title},
        "recommendations": [r.as_dict() for r in lines],
    }
    if version.declares_offers:
        output["notices"] = guidance_notices(facts=facts, lines=lines, version=version)
    subtype_check_add(output, facts=facts)
    return output


def subtype_check_add(output, *, facts):
    """The subtype check (WHO 2022) on every evaluation, whatever the guidance version: the contract's
    `classification`, and its `subtype-check` notice appended to `notices` when the recorded subtype
    does not fit the findings (or none is recorded and the findings leave one answer)."""
    check = classify_case(facts)
    output["classification"] = check.as_json()
    notices = output.setdefault("notices", [])
    notice = check.notice()
    if notice is not None:
        notices.append(notice)


@dataclass(frozen=True)
class PropertyForCase:
    property_id: str
    statement: str
    holds: bool


def properties_for_case(*, facts, version):
    """Whether each of the version's safety properties holds for this one case (validated facts)."""
    compiled = guidance_compiled(version)
    rule_ids = [rule.spec.rule_id for rule in compiled.rules]
    results = []
    for spec in version.property_specs():
        prop = properties.compile_property(spec, rule_ids=rule_ids, edition=version.edition)
        holds = properties.holds_for_case(prop, compiled, facts)
        results.append(PropertyForCase(spec.property_id, spec.statement, holds))
    return results
