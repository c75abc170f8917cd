"""Marking the cases a newly published version would change: grouped, equal to case by case, resumable."""

import io
import random

import pytest
from django.core.management import call_command

from cases import marking, snapshot
from cases.marking import cases_mark
from cases.models import Case
from cases.selectors import latest_assessment_lines
from cases.services import case_reassess
from core import caches
from guidance import engine
from guidance.evaluation import guidance_evaluate
from guidance.facts import SYMPTOMS
from guidance.models import Paragraph, Rule

from .factories import make_case, publish_revision
from .test_review import _revise_for_some
from .test_rollup import kept, rebuilt

pytestmark = pytest.mark.django_db


def case_by_case(version):
    """The comparison as it was before grouping: every pending case evaluated on its own.

    {case id: would change} for the cases last assessed under an older version and not yet compared.
    """
    texts = dict(Paragraph.objects.filter(version=version).values_list("slug", "text"))
    expected = {}
    for case in marking.cases_pending(version).annotate(assessed_lines=latest_assessment_lines()):
        new_keys = {
            (r.rule, r.paragraph, r.kind, r.summary, texts.get(r.paragraph, ""), r.quote, tuple(r.confirm))
            for r in guidance_evaluate(facts=case.facts, version=version)
        }
        old_keys = {
            (
                line.rule,
                line.paragraph,
                line.kind,
                line.summary,
                line.paragraph_text,
                line.quote or "",
                line.confirm or (),
            )
            for line in snapshot.from_dict(case.assessed_lines or [])
        }
        expected[case.pk] = new_keys != old_keys
    return expected


def _revise_v4(draft):
    """The review tests' v4 (a new line for pruritus, the osteoporosis text revised); calcium only after a fracture."""
    _revise_for_some(draft)
    Rule.objects.filter(version=draft, rule_id="calcium-and-vitamin-d").update(condition='"fracture" in symptoms')


def _revise_v5(draft):
    """Venom immunotherapy reworded, the unknown-subtype line gone, emollients only for ISM."""
    Rule.objects.filter(version=draft, rule_id="venom-immunotherapy").update(summary="Venom immunotherapy, reworded")
    Rule.objects.filter(version=draft, rule_id="subtype-unknown").delete()
    Rule.objects.filter(version=draft, rule_id="pruritus-emollients").update(
        condition='"pruritus" in symptoms && subtype == "ISM"'
    )


@pytest.fixture
def seeded(clinician, editor, published_version):
    """Ninety cases over a spread of facts, assessed under v3 and (a third of them) v4; v5 published last."""
    rng = random.Random(7)
    symptoms = list(SYMPTOMS)
    cases = [
        make_case(
            clinician,
            subtype=rng.choice(["ISM", "SSM", "ASM", "unknown"]),
            symptoms=sorted(rng.sample(symptoms, rng.randint(0, 3)), key=symptoms.index),
            antihistamine_response=rng.choice(["not_tried", "unresponsive", "responsive"]),
            venom_allergy=rng.choice(["yes", "no", "unknown"]),
            serum_tryptase_ng_ml=rng.choice([None, 12.0, 25.0, 240.0]),
            hct_eligible=rng.choice(["yes", "unknown"]),
        )
        for _ in range(90)
    ]
    # Published inside the test's transaction: nothing is compared until asked.
    publish_revision(user=editor, revise=_revise_v4)
    for case in cases[::3]:
        case_reassess(case=Case.objects.get(pk=case.pk), user=clinician)
    return publish_revision(user=editor, revise=_revise_v5)


def _flags(version):
    return dict(Case.objects.filter(checked_version=version.number).values_list("pk", "would_change"))


def test_the_grouped_marking_equals_the_case_by_case_comparison(seeded):
    expected = case_by_case(seeded)
    assert len(expected) == 90  # every case is on v3 or v4
    assert 0 < sum(expected.values()) < 90  # some change, some do not

    # Small chunks, so groups straddle them.
    assert cases_mark(version=seeded, size=7) == (90, sum(expected.values()))

    assert _flags(seeded) == expected
    assert not marking.cases_pending(seeded).exists()
    assert kept() == rebuilt()
    assert cases_mark(version=seeded) == (0, 0)  # nothing left to compare


def test_each_combination_is_evaluated_once(seeded, monkeypatch):
    calls = []
    evaluate = engine.evaluate
    monkeypatch.setattr(
        marking.engine, "evaluate", lambda facts, compiled: calls.append(facts) or evaluate(facts, compiled)
    )
    comparison = marking.Comparison(seeded)
    keys = set()
    for case in marking.cases_pending(seeded).values_list(
        "assessed_version", "line_count", "caution_count", *comparison.names
    ):
        keys.add(tuple(tuple(v) if isinstance(v, list) else v for v in case))

    assert marking.cases_mark(version=seeded, size=1000) == (90, sum(_flags(seeded).values()))
    assert len(calls) == len(keys) < 90


def test_a_stopped_worker_loses_at_most_its_chunk_and_the_run_carries_on(seeded):
    expected = case_by_case(seeded)
    done, _, last = marking.Comparison(seeded).chunk(size=20)
    assert (done, marking.cases_pending(seeded).count()) == (20, 70)

    # A chunk that fails half way writes nothing.
    comparison = marking.Comparison(seeded)
    comparison.texts = None  # the comparison breaks once the flags are about to be decided
    with pytest.raises(AttributeError):
        comparison.chunk(size=20)
    assert marking.cases_pending(seeded).count() == 70

    # Queued again (as the next publish, a migrate or the command does), it finishes the rest.
    marking.cases_mark_chunk.enqueue(seeded.pk)
    assert _flags(seeded) == expected
    assert kept() == rebuilt()
    assert last is not None


def test_publishing_queues_the_marking_once_committed(
    clinician, editor, published_version, django_capture_on_commit_callbacks
):
    pruritus = make_case(clinician, subtype="SSM", symptoms=["pruritus"])
    flushing = make_case(clinician, subtype="ISM", symptoms=["flushing"])
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        version = publish_revision(user=editor, revise=_revise_v4)
    assert callbacks  # the comparison waited for the commit
    assert _flags(version) == {pruritus.pk: True, flushing.pk: False}


def test_a_chunk_queued_for_a_version_no_longer_current_leaves_the_cases_to_the_newer_one(seeded, editor):
    newer = publish_revision(user=editor, revise=lambda draft: None)
    marking.cases_mark_chunk.enqueue(seeded.pk)
    assert Case.objects.filter(checked_version__gte=seeded.number).count() == 0
    marking.cases_mark_chunk.enqueue(newer.pk)
    assert not marking.cases_pending(newer).exists()


def test_the_command_marks_now_or_queues_for_the_workers(seeded, django_capture_on_commit_callbacks):
    expected = case_by_case(seeded)
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("check_cases_against_guidance", "--background", stdout=out)
    assert "Queued the comparison of 90 cases with guidance v5." in out.getvalue()
    assert _flags(seeded) == expected  # the immediate backend ran it
    out = io.StringIO()
    call_command("check_cases_against_guidance", stdout=out)
    assert "Compared 0 cases with guidance v5" in out.getvalue()


def test_the_background_run_goes_chunk_by_chunk_each_task_queueing_the_next(
    seeded, monkeypatch, django_capture_on_commit_callbacks
):
    expected = case_by_case(seeded)
    monkeypatch.setattr(marking, "CHUNK_CASES", 7)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        marking.cases_mark_later(version=seeded)
    assert len(callbacks) == 90 // 7 + 2  # the first, one after each full chunk, and the one that finds none left
    assert _flags(seeded) == expected
    assert kept() == rebuilt()


def test_a_case_reassessed_while_its_chunk_is_compared_keeps_its_new_assessment(seeded, clinician, monkeypatch):
    changing = next(pk for pk, flag in case_by_case(seeded).items() if flag)
    compare = marking.Comparison._compare

    def reassess_meanwhile(self, groups):
        compare(self, groups)
        case_reassess(case=Case.objects.get(pk=changing), user=clinician)

    monkeypatch.setattr(marking.Comparison, "_compare", reassess_meanwhile)
    marking.cases_mark(version=seeded, size=1000)

    case = Case.objects.get(pk=changing)
    assert (case.assessed_version, case.checked_version, case.would_change) == (5, 5, False)
    assert kept() == rebuilt()  # the rollup moved only the cases the marking wrote


def test_a_worker_keeps_its_comparison_from_chunk_to_chunk_until_told_to_forget_it(seeded, monkeypatch):
    built = []

    class Counted(marking.Comparison):
        def __init__(self, version):
            built.append(version.pk)
            super().__init__(version)

    monkeypatch.setattr(marking, "Comparison", Counted)
    monkeypatch.setattr(marking, "CHUNK_CASES", 7)
    marking.cases_mark_chunk.enqueue(seeded.pk)
    marking.cases_mark_chunk.enqueue(seeded.pk)
    assert built == [seeded.pk]
    assert Case.objects.filter(checked_version=seeded.number).count() == 14
    caches.forget_all()
    marking.cases_mark_chunk.enqueue(seeded.pk)
    assert built == [seeded.pk, seeded.pk]
