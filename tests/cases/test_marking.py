"""Marking the cases a newly published version would change: grouped, equal to case by case, all or nothing."""

import io
import random

import pytest
from django.core.management import call_command

from cases import marking, snapshot
from cases.marking import cases_mark
from cases.models import Case, CaseWouldChange, Marking
from cases.selectors import latest_assessment_lines, marks_annotate
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
    """{case id: would change} of the cases compared with `version`, as every page reads them."""
    cases = marks_annotate(Case.objects.all()).filter(checked_version=version.number)
    return dict(cases.values_list("pk", "would_change"))


def test_the_grouped_marking_equals_the_case_by_case_comparison(seeded):
    expected = case_by_case(seeded)
    assert len(expected) == 90  # every case is on v3 or v4
    assert 0 < sum(expected.values()) < 90  # some change, some do not

    assert cases_mark(version=seeded) == (90, sum(expected.values()))

    assert _flags(seeded) == expected
    assert not marking.cases_pending(seeded).exists()
    assert kept() == rebuilt()
    assert cases_mark(version=seeded) == (0, 0)  # nothing left to compare
    # Written: one row for the marking and one narrow row per case that would change, no case row.
    assert Marking.objects.get().changing == CaseWouldChange.objects.count() == sum(expected.values())


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

    assert marking.cases_mark(version=seeded) == (90, sum(_flags(seeded).values()))
    assert len(calls) == len(keys) < 90


def test_a_marking_that_fails_half_way_writes_nothing_and_queued_again_finishes(seeded):
    expected = case_by_case(seeded)
    comparison = marking.Comparison(seeded)
    comparison.texts = None  # the comparison breaks once the flags are about to be decided
    with pytest.raises(AttributeError):
        comparison.mark()
    assert marking.cases_pending(seeded).count() == 90
    assert not Marking.objects.exists()
    assert not CaseWouldChange.objects.exists()

    # Queued again (as the next publish, a migrate, the sweeper or the command does), it runs whole.
    marking.cases_mark_chunk.enqueue(seeded.pk)
    assert _flags(seeded) == expected
    assert kept() == rebuilt()


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
    assert not Marking.objects.exists()
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


def test_the_background_run_is_one_task(seeded, django_capture_on_commit_callbacks):
    expected = case_by_case(seeded)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        marking.cases_mark_later(version=seeded)
    assert len(callbacks) == 1
    assert _flags(seeded) == expected
    assert kept() == rebuilt()


def test_a_case_reassessed_while_the_cases_are_compared_keeps_its_new_assessment(seeded, clinician, monkeypatch):
    changing = next(pk for pk, flag in case_by_case(seeded).items() if flag)
    compare = marking.Comparison._compare

    def reassess_meanwhile(self, key_sql, groups):
        compare(self, key_sql, groups)
        case_reassess(case=Case.objects.get(pk=changing), user=clinician)

    monkeypatch.setattr(marking.Comparison, "_compare", reassess_meanwhile)
    marking.cases_mark(version=seeded)

    case = marks_annotate(Case.objects.filter(pk=changing)).get()
    assert (case.assessed_version, case.checked_version, case.would_change) == (5, 5, False)
    assert kept() == rebuilt()  # the rollup counts it as it stands


def test_cases_written_after_the_marking_are_on_the_new_version(seeded, clinician):
    expected = case_by_case(seeded)
    marking.cases_mark(version=seeded)
    changing = next(pk for pk, flag in expected.items() if flag)
    case_reassess(case=Case.objects.get(pk=changing), user=clinician)
    created = make_case(clinician, subtype="ISM", symptoms=["pruritus"])

    flags = _flags(seeded)
    assert flags == {**expected, changing: False, created.pk: False}
    assert marks_annotate(Case.objects.filter(pk=changing)).get().assessed_version == seeded.number
    assert kept() == rebuilt()


def test_the_representative_of_a_group_saved_meanwhile_gives_way_to_another(seeded, clinician, monkeypatch):
    expected = case_by_case(seeded)
    groups = marking.Comparison._groups

    def first_saved(self, key_sql):
        found = groups(self, key_sql)
        _, _, pk = next(group for group in found if group[1] > 1)
        case_reassess(case=Case.objects.get(pk=pk), user=clinician)
        expected.pop(pk)
        return found

    monkeypatch.setattr(marking.Comparison, "_groups", first_saved)
    marking.cases_mark(version=seeded)
    flags = _flags(seeded)
    assert {pk: flags[pk] for pk in expected} == expected
    assert kept() == rebuilt()


def test_a_worker_keeps_its_comparison_from_run_to_run_until_told_to_forget_it(seeded, monkeypatch):
    built, evaluated = [], []

    class Counted(marking.Comparison):
        def __init__(self, version):
            built.append(version.pk)
            super().__init__(version)

    evaluate = engine.evaluate
    monkeypatch.setattr(
        marking.engine, "evaluate", lambda facts, compiled: evaluated.append(1) or evaluate(facts, compiled)
    )
    monkeypatch.setattr(marking, "Comparison", Counted)
    write = Counted._write
    monkeypatch.setattr(Counted, "_write", lambda self, key_sql, keys: 1 / 0)
    marking.cases_mark_chunk.enqueue(seeded.pk)  # the task fails (the immediate backend records it)
    assert not Marking.objects.exists()
    compared = len(evaluated)
    monkeypatch.setattr(Counted, "_write", write)
    marking.cases_mark_chunk.enqueue(seeded.pk)
    assert built == [seeded.pk]
    assert len(evaluated) == compared > 0  # every group was compared in the run that failed
    assert Marking.objects.filter(version=seeded.number).exists()
    caches.forget_all()
    marking.cases_mark_chunk.enqueue(seeded.pk)
    assert built == [seeded.pk, seeded.pk]
