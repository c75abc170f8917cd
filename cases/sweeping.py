"""Background work that heals: what a stopped worker or a queue that was down left behind is found and done.

A worker killed mid-chunk leaves its django-tasks row RUNNING and its impact
comparison RUNNING for good; an enqueue that failed (Redis down when a
version was published) leaves the marking of the stored cases never queued
(issue 24). `background_sweep` runs every few seconds beside the worker
(manage.py background_worker) and after each `migrate`:

- a database task RUNNING for longer than BACKGROUND_STUCK_AFTER_SECONDS is
  failed (its worker is gone: no chunk takes that long);
- an impact comparison queued or running with no progress for that long is
  queued again (a chunk commits with its progress, so it carries on where it
  stopped and gives the same result);
- the marking of the published version, with cases still pending and no
  progress for that long, is queued again (it runs whole, in one transaction:
  a stopped one wrote nothing, and a second one waits for the first and finds
  it done).

Queueing twice is harmless: both kinds of work lock what they change and skip
what is done.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from guidance.queueing import enqueue_now
from guidance.selectors import guidance_current_uncached

from .impact import IMPACT, impact_chunk
from .marking import MARKING, cases_mark_chunk, cases_pending, marking_progress_at, marking_progress_note
from .models import GuidanceImpact

logger = logging.getLogger(__name__)

WORKER_LOST = "cases.sweeping.WorkerLost"


def background_sweep(*, now=None):
    """Fail stuck tasks, queue again the work without progress; returns what it did, as counts."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.BACKGROUND_STUCK_AFTER_SECONDS)
    failed = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING, started_at__lt=cutoff).update(
        status=TaskResultStatus.FAILED,
        finished_at=now,
        exception_class_path=WORKER_LOST,
        traceback="Its worker stopped while it ran (found by cases.sweeping); the work itself is queued again.",
    )
    impacts = 0
    stalled = GuidanceImpact.objects.filter(
        state__in=[GuidanceImpact.State.QUEUED, GuidanceImpact.State.RUNNING], updated_at__lt=cutoff
    )
    for impact_id in stalled.values_list("pk", flat=True):
        if enqueue_now(impact_chunk, impact_id, what=IMPACT):
            # Counts as progress: queued again once per period, not on every sweep.
            GuidanceImpact.objects.filter(pk=impact_id).update(updated_at=now)
            impacts += 1
    marking = 0
    version = guidance_current_uncached()
    if version is not None and version.published_at and version.published_at < cutoff:
        progress = marking_progress_at(version)
        stalled = (progress is None or progress < cutoff) and cases_pending(version).exists()
        if stalled and enqueue_now(cases_mark_chunk, version.pk, None, what=MARKING):
            marking = 1
            marking_progress_note(version)
    swept = {"tasks_failed": failed, "impacts_queued": impacts, "marking_queued": marking}
    if any(swept.values()):
        logger.warning("background_sweep: %s", ", ".join(f"{key} {value}" for key, value in swept.items()))
    return swept
