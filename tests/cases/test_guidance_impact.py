"""The impact of a guidance draft on every stored case: grouped, counted, resumable."""

import itertools
import random
from types import SimpleNamespace

import pytest

from cases import impact
from cases.models import Case, GuidanceImpact
from guidance import engine, publishing
from guidance.facts import SYMPTOMS
from guidance.models import Rule
from tests.cases.factories import make_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(published_version, editor):
    draft = publishing.draft_create(guideline=published_version.guideline, user=editor)
    Rule.objects.filter(version=draft, rule_id="calcium-and-vitamin-d").update(condition='"fracture" in symptoms')
    Rule.objects.filter(version=draft, rule_id="venom-immunotherapy").update(summary="Venom immunotherapy, reworded")
    Rule.objects.filter(version=draft, rule_id="subtype-unknown").delete()
    return draft


@pytest.fixture
def seeded_cases(clinician):
    """Sixty cases over a spread of facts, some sharing a combination."""
    rng = random.Random(11)
    symptoms = list(SYMPTOMS)
    for _ in range(60):
        make_case(
            clinician,
            subtype=rng.choice(["ISM", "SSM", "ASM", "unknown"]),
            symptoms=sorted(rng.sample(symptoms, rng.randint(0, 3)), key=symptoms.index),
            antihistamine_response=rng.choice(["not_tried", "unresponsive"]),
            venom_allergy=rng.random() < 0.3,
            hct_eligible=rng.choice(["yes", "unknown"]),
        )
    return Case.objects.count()


def brute_force(old, new):
    """Every case evaluated on its own under both versions: (cases changed, per-rule counts)."""
    texts = {v.pk: dict(v.paragraphs.values_list("slug", "text")) for v in (old, new)}
    changed, per_rule = 0, {}
    for case in Case.objects.all():
        before = impact._line_keys(engine.evaluate(case.facts, publishing.guidance_compiled(old)), texts[old.pk])
        after = impact._line_keys(engine.evaluate(case.facts, publishing.guidance_compiled(new)), texts[new.pk])
        kinds = {
            "added": set(after) - set(before),
            "removed": set(before) - set(after),
            "changed": {r for r in set(before) & set(after) if before[r] != after[r]},
        }
        if any(kinds.values()):
            changed += 1
        for kind, rules in kinds.items():
            for rule in rules:
                per_rule.setdefault(rule, {"added": 0, "removed": 0, "changed": 0})[kind] += 1
    return changed, per_rule


def test_the_counts_equal_a_brute_force_comparison_of_every_case(
    draft, published_version, seeded_cases, editor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        result = impact.impact_start(version=draft, user=editor)
    result.refresh_from_db()

    changed, per_rule = brute_force(published_version, draft)
    assert result.state == "done"
    assert result.cases_total == seeded_cases
    assert (result.cases_changed, result.per_rule) == (changed, per_rule)
    assert changed > 0
    assert set(per_rule) >= {"venom-immunotherapy", "calcium-and-vitamin-d"}
    assert sum(c["count"] for c in result.combinations) == changed


def test_each_combination_is_evaluated_once_not_each_case(
    draft, published_version, seeded_cases, editor, monkeypatch, django_capture_on_commit_callbacks
):
    calls = []
    real = impact.impact_of_combination
    monkeypatch.setattr(impact, "impact_of_combination", lambda *a, **k: calls.append(a[1]) or real(*a, **k))

    with django_capture_on_commit_callbacks(execute=True):
        result = impact.impact_start(version=draft, user=editor)

    result.refresh_from_db()
    assert len(calls) == len(result.groups) < seeded_cases
    keys = [repr(values) for values in calls]
    assert len(keys) == len(set(keys))


def test_it_holds_no_case_data_beyond_fact_combinations(
    draft, seeded_cases, editor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        result = impact.impact_start(version=draft, user=editor)
    result.refresh_from_db()

    for combination in result.combinations:
        assert set(combination) == {"facts", "count", "added", "removed", "changed"}
        assert set(combination["facts"]) == set(result.facts_read)
    assert "label" not in result.facts_read and "notes" not in result.facts_read


def test_the_job_resumes_after_a_worker_stops_between_chunks(
    draft, published_version, seeded_cases, editor, monkeypatch
):
    # The worker "stops" after its first chunk: nothing queues the next one.
    monkeypatch.setattr(impact, "CHUNK_GROUPS", 7)
    enqueued = []
    monkeypatch.setattr(impact, "impact_chunk", SimpleNamespace(enqueue=enqueued.append))
    result = impact.impact_start(version=draft, user=editor)
    impact.impact_work(result.pk)  # the one chunk the worker did before it stopped
    result.refresh_from_db()
    assert (result.state, result.groups_done) == ("running", 7)
    monkeypatch.undo()

    for _ in itertools.count():  # a restarted worker: resume, chunk after chunk
        if not impact.impact_work(result.pk, chunk=7):
            break
    result.refresh_from_db()

    changed, per_rule = brute_force(published_version, draft)
    assert result.state == "done"
    assert (result.cases_changed, result.per_rule) == (changed, per_rule)


def test_a_chunk_that_fails_midway_leaves_no_partial_counts(draft, seeded_cases, editor, monkeypatch):
    enqueued = []
    monkeypatch.setattr(impact, "impact_chunk", SimpleNamespace(enqueue=enqueued.append))
    result = impact.impact_start(version=draft, user=editor)
    calls = []

    def crash_on_third(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt  # the worker is killed in the middle of the chunk
        return ("x",), (), ()

    monkeypatch.setattr(impact, "impact_of_combination", crash_on_third)
    with pytest.raises(KeyboardInterrupt):
        impact.impact_work(result.pk)

    stored = GuidanceImpact.objects.get(pk=result.pk)
    assert (stored.groups_done, stored.cases_changed, stored.per_rule) == (0, 0, {})
