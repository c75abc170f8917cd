"""Background work heals (issue 24): a queue that is down costs no request, and the sweeper finds the work again."""

from datetime import timedelta

import pytest
import redis
from django.urls import reverse
from django.utils import timezone
from django_tasks.backends.immediate import ImmediateBackend
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from cases import impact, marking
from cases.models import Case, GuidanceImpact
from cases.sweeping import WORKER_LOST, background_sweep
from guidance import publishing
from guidance.models import Rule
from tests.cases.factories import make_case, publish_revision
from tests.review import approved

pytestmark = pytest.mark.django_db


@pytest.fixture
def queue_down(monkeypatch):
    """Every enqueue fails as with Redis stopped (tests queue on the immediate backend); `.undo()` brings it back."""

    def refuse(*args, **kwargs):
        raise redis.exceptions.ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(ImmediateBackend, "enqueue", refuse)
    return monkeypatch


def narrow(draft):
    Rule.objects.filter(version=draft, rule_id="calcium-and-vitamin-d").update(condition='"fracture" in symptoms')


def later():
    """A sweep after the work has been still for longer than BACKGROUND_STUCK_AFTER_SECONDS."""
    return timezone.now() + timedelta(hours=1)


def test_the_marking_a_failed_enqueue_lost_is_queued_again(clinician, editor, published_version, queue_down, caplog):
    for symptoms in [["osteoporosis"], ["fracture"], []]:
        make_case(clinician, subtype="ISM", symptoms=symptoms)
    version = publish_revision(user=editor, revise=narrow)
    assert marking.cases_pending(version).count() == 3

    assert background_sweep() == {"tasks_failed": 0, "impacts_queued": 0, "marking_queued": 0}  # too soon to tell
    with caplog.at_level("WARNING"):
        assert background_sweep(now=later())["marking_queued"] == 0  # the queue is still down: tried again later
    assert "enqueue_failed: the comparison of stored cases not queued" in caplog.text

    queue_down.undo()
    assert background_sweep(now=later())["marking_queued"] == 1  # the immediate backend ran it
    assert marking.cases_pending(version).count() == 0
    assert background_sweep(now=later())["marking_queued"] == 0  # nothing pending: nothing queued


def test_a_marking_that_moves_on_is_left_alone(clinician, editor, published_version):
    make_case(clinician, subtype="ISM", symptoms=["osteoporosis"])
    version = publish_revision(user=editor, revise=narrow)
    marking.marking_progress_note(version)
    assert background_sweep(now=timezone.now() + timedelta(seconds=10))["marking_queued"] == 0


def running_task(*, started_at):
    return DBTaskResult.objects.create(
        status=TaskResultStatus.RUNNING,
        started_at=started_at,
        args_kwargs={"args": [1], "kwargs": {}},
        task_path="cases.impact.impact_chunk",
        backend_name="default",
        queue_name="default",
        run_after=started_at,
        exception_class_path="",
        traceback="",
    )


def test_a_task_its_killed_worker_left_running_is_failed(db):
    stuck = running_task(started_at=timezone.now() - timedelta(hours=2))
    working = running_task(started_at=timezone.now())
    assert background_sweep()["tasks_failed"] == 1
    stuck.refresh_from_db()
    working.refresh_from_db()
    assert (stuck.status, stuck.exception_class_path) == (TaskResultStatus.FAILED, WORKER_LOST)
    assert working.status == TaskResultStatus.RUNNING


@pytest.fixture
def draft_with_cases(published_version, editor, clinician):
    for n, symptoms in enumerate([["fracture"], ["osteoporosis"], ["osteoporosis", "fracture"], []] * 3):
        make_case(clinician, subtype="ISM", symptoms=symptoms, venom_allergy=n % 2 == 0)
    draft = publishing.draft_create(guideline=published_version.guideline, user=editor)
    narrow(draft)
    return draft


def test_an_impact_left_queued_or_running_is_queued_again_and_finishes_alike(draft_with_cases, editor, queue_down):
    left = impact.impact_start(version=draft_with_cases, user=editor)  # its enqueue would fail: the queue is down
    GuidanceImpact.objects.filter(pk=left.pk).update(state=GuidanceImpact.State.RUNNING)
    queue_down.undo()
    assert background_sweep()["impacts_queued"] == 0  # it may still be running
    assert background_sweep(now=later())["impacts_queued"] == 1
    left.refresh_from_db()
    assert left.state == GuidanceImpact.State.DONE

    clean = impact.impact_start(version=draft_with_cases, user=editor)
    while impact.impact_work(clean.pk):
        pass
    clean.refresh_from_db()
    assert (left.cases_changed, left.per_rule) == (clean.cases_changed, clean.per_rule)
    assert left.cases_changed == Case.objects.filter(symptoms=["osteoporosis"]).count() > 0


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_publishing_with_the_queue_down_says_it_is_queued_to_retry(
    client, editor, published_version, queue_down, settings
):
    """It committed, then answered 500, and the marking was never queued (issue 24)."""
    settings.OTP_REQUIRED = False  # the admin's two-factor step has its own tests
    draft = publishing.draft_create(guideline=published_version.guideline, user=editor)
    narrow(draft)
    approved(draft)
    client.force_login(editor)
    response = client.post(
        reverse("workbench:publish", args=[draft.pk]),
        {"change_note": "Narrower calcium", "confirm_changes": "on"},
        follow=True,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert f"Guidance v{draft.number} is published" in html
    assert "Published; the comparison of stored cases is queued to retry." in html
