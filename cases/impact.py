"""What a guidance draft would change for every stored case, computed in the background.

Cases are grouped in SQL by the distinct combination of the facts either
version's rules read (their conditions and the facts their lines mention);
each combination is evaluated once under both versions and counted as many
times as cases share it. The work is cut into chunks of CHUNK_GROUPS
combinations, one django-tasks task each; every chunk commits its results
with the progress, so a worker that stops loses at most the chunk it was
on, and `impact_resume` carries on from there.
"""

import logging

from django.db import transaction
from django.db.models import Count
from django_tasks import task

from guidance import engine
from guidance.evaluation import guidance_compiled
from guidance.facts import FACTS, validate_case
from guidance.lines import lines_compare, lines_sourced
from guidance.models import GuidanceVersion
from guidance.publishing import draft_fingerprint
from guidance.queueing import enqueue_on_commit
from guidance.selectors import guidance_current, paragraph_texts

from .models import Case, GuidanceImpact

logger = logging.getLogger(__name__)

CHUNK_GROUPS = 1000
IMPACT = "the impact of a draft on the stored cases"


def facts_read(*versions):
    """The facts any rule of these versions reads or mentions, in vocabulary order."""
    names = set()
    for version in versions:
        for rule in guidance_compiled(version).rules:
            names.update(rule.variables)
            names.update(rule.spec.mentions)
    return [name for name in FACTS if name in names]


def combination_facts(names, values):
    """Valid facts for a combination: the grouped facts as stored, every other fact at its default."""
    data = {name: value for name, value in zip(names, values, strict=True) if value is not None}
    data.setdefault("subtype", "unknown")
    return validate_case(data)


def impact_of_combination(names, values, *, old, new, old_texts, new_texts):
    """(added, removed, changed) rule ids for one combination of facts; old and new are compiled guidance."""
    facts = combination_facts(names, values)
    before = lines_sourced(engine.evaluate(facts, old), old_texts) if old else []
    after = lines_sourced(engine.evaluate(facts, new), new_texts)
    return lines_compare(before, after).rules


@transaction.atomic
def impact_start(*, version, user=None):
    """Group the stored cases and queue the comparison of `version` with the published version."""
    against = guidance_current(slug=version.guideline.slug)
    try:
        names = facts_read(*(v for v in (against, version) if v is not None))
    except (engine.ConditionError, engine.EvaluationError) as exc:
        # A draft whose rules cannot run has no impact to compute: say why on the page.
        return GuidanceImpact.objects.create(
            version=version,
            against=against if against != version else None,
            fingerprint=draft_fingerprint(version),
            state=GuidanceImpact.State.FAILED,
            error=f"A rule cannot be used: {exc}",
            created_by=user,
        )
    rows = Case.objects.values_list(*names).annotate(n=Count("pk")).order_by(*names) if names else []
    groups = [[*row[:-1], row[-1]] for row in rows]
    if not names:
        groups = [[Case.objects.count()]] if Case.objects.exists() else []
    impact = GuidanceImpact.objects.create(
        version=version,
        against=against if against != version else None,
        fingerprint=draft_fingerprint(version),
        facts_read=names,
        groups=groups,
        cases_total=sum(group[-1] for group in groups),
        created_by=user,
    )
    enqueue_on_commit(impact_chunk, impact.pk, what=IMPACT)
    return impact


def impact_resume(*, impact):
    """Queue the rest of an unfinished comparison (after a worker stopped)."""
    if impact.state in (GuidanceImpact.State.QUEUED, GuidanceImpact.State.RUNNING):
        enqueue_on_commit(impact_chunk, impact.pk, what=IMPACT)
    return impact


def impact_latest(*, version):
    return GuidanceImpact.objects.filter(version=version).order_by("-created_at", "-pk").first()


@task()
def impact_chunk(impact_id):
    """Compare the next CHUNK_GROUPS combinations, commit them with the progress, queue the next chunk."""
    more = impact_work(impact_id)
    if more:
        enqueue_on_commit(impact_chunk, impact_id, what=IMPACT)


def impact_work(impact_id, *, chunk=None):
    """One chunk, in one transaction; True when combinations remain."""
    chunk = chunk or CHUNK_GROUPS
    with transaction.atomic():
        impact = GuidanceImpact.objects.select_for_update().filter(pk=impact_id).first()
        if impact is None or impact.state in (GuidanceImpact.State.DONE, GuidanceImpact.State.FAILED):
            return False
        new = GuidanceVersion.objects.select_related("guideline").get(pk=impact.version_id)
        old = (
            GuidanceVersion.objects.select_related("guideline").get(pk=impact.against_id) if impact.against_id else None
        )
        start, names = impact.groups_done, impact.facts_read
        try:
            # A draft is compiled afresh on every call (only frozen versions are cached): once per chunk here.
            old_compiled = guidance_compiled(old) if old else None
            new_compiled = guidance_compiled(new)
            old_texts, new_texts = paragraph_texts(version=old), paragraph_texts(version=new)
            for group in impact.groups[start : start + chunk]:
                values, count = group[:-1], group[-1]
                added, removed, changed = impact_of_combination(
                    names, values, old=old_compiled, new=new_compiled, old_texts=old_texts, new_texts=new_texts
                )
                if not (added or removed or changed):
                    continue
                impact.cases_changed += count
                for kind, rules in (("added", added), ("removed", removed), ("changed", changed)):
                    for rule in rules:
                        counts = impact.per_rule.setdefault(rule, {"added": 0, "removed": 0, "changed": 0})
                        counts[kind] += count
                impact.combinations.append(
                    {
                        "facts": dict(zip(names, values, strict=True)),
                        "count": count,
                        "added": added,
                        "removed": removed,
                        "changed": changed,
                    }
                )
        except (engine.ConditionError, engine.EvaluationError, ValueError) as exc:
            impact.state, impact.error = GuidanceImpact.State.FAILED, str(exc)
            impact.save()
            return False
        impact.groups_done = min(start + chunk, len(impact.groups))
        impact.state = GuidanceImpact.State.DONE if impact.groups_done >= len(impact.groups) else "running"
        impact.save()
        return impact.state != GuidanceImpact.State.DONE
