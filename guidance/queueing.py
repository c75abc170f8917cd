"""Queueing background work once the transaction commits, so that a queue that is down costs no request.

Publishing with Redis down committed, then answered 500, and the marking of
the stored cases was never queued (issue 24). Here a failed enqueue is
logged and remembered for the request (`enqueue_failures`), never raised: the
work it stood for is found again by the sweeper (cases.sweeping), which
re-queues anything without progress, so nothing is lost and no one clicks.
"""

import logging
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import transaction

logger = logging.getLogger(__name__)

_failures = ContextVar("enqueue_failures", default=None)


def enqueue_now(task, *args, what):
    """Queue `task(*args)`; on failure log it and return False (the sweeper queues it again)."""
    try:
        task.enqueue(*args)
    except Exception as exc:  # noqa: BLE001 - Redis, the database, a broken backend: all mean "not queued"
        logger.warning("enqueue_failed: %s not queued (%s); the sweeper will queue it again", what, type(exc).__name__)
        failures = _failures.get()
        if failures is not None:
            failures.append(what)
        return False
    return True


def enqueue_on_commit(task, *args, what):
    """Queue `task(*args)` once the current transaction commits, as enqueue_now does."""
    transaction.on_commit(lambda: enqueue_now(task, *args, what=what))


@contextmanager
def enqueue_failures():
    """The work whose enqueue failed inside the block (e.g. a publish), so the page can say it is queued to retry."""
    failures = []
    token = _failures.set(failures)
    try:
        yield failures
    finally:
        _failures.reset(token)
