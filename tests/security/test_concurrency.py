"""Two people at once: publishing the same draft, saving the same case.

On PostgreSQL two threads race real transactions, each on its own connection.
The races come in two forms: both released together (whoever wins, exactly one
lands), and one transaction held open while the other is seen waiting on its
lock, then released (the waiting one must be refused, not overwrite). SQLite has
one writer per database and no row locks, so it cannot show either; there only
the one-after-the-other cases run. Run the races with, for example:

    DATABASE_URL=postgres://mastoweb:mastoweb-local-only@127.0.0.1:5432/mastoweb_races \\
        .venv/bin/python -m pytest tests/security/test_concurrency.py
"""

import threading
import time

import pytest
from django.db import connection, connections, transaction
from django.test import Client
from django.urls import reverse

from accounts import roles
from cases import services
from cases.models import Assessment, Case
from cases.services import CaseChangedError
from guidance.models import GuidanceVersion
from guidance.publishing import PublishError, draft_create, draft_publish
from guidance.selectors import guidance_current
from tests.cases.factories import form_data, make_case
from tests.review import approved

from .site_urls import role_user

# Run on PostgreSQL only (tests/conftest.py skips them elsewhere, or deselects them when `make test`
# runs them next on PostgreSQL).
requires_postgres = pytest.mark.postgres_only(
    reason=(
        "SQLite serialises all writers on one database lock and has no row locks, so two transactions "
        "cannot race; set DATABASE_URL to a PostgreSQL database to run the races"
    ),
)
WAIT = 15  # seconds: a bound on every wait, so a broken lock fails the test instead of hanging it


class Worker(threading.Thread):
    """Runs `work()` on its own database connection; keeps what it returned or raised."""

    def __init__(self, work):
        super().__init__(daemon=True)
        self.work, self.result, self.error = work, None, None

    def run(self):
        try:
            self.result = self.work()
        except Exception as exc:  # noqa: BLE001 - the test judges what was raised
            self.error = exc
        finally:
            connections.close_all()

    def outcome(self):
        self.join(WAIT)
        assert not self.is_alive(), "a worker is still running: a lock was never released"
        return self.result, self.error


def run_together(*works):
    """Start the works at the same moment (a barrier) and wait for all."""
    barrier = threading.Barrier(len(works))

    def released(work):
        def run():
            barrier.wait(WAIT)
            return work()

        return run

    workers = [Worker(released(work)) for work in works]
    for worker in workers:
        worker.start()
    return [worker.outcome() for worker in workers]


def wait_until_a_session_waits_for_a_lock():
    """Block until another connection of this database is waiting on a lock (PostgreSQL)."""
    deadline = time.monotonic() + WAIT
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "select count(*) from pg_stat_activity "
                "where datname = current_database() and wait_event_type = 'Lock' and pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.02)
    raise AssertionError("the second transaction never waited for the first one's lock")


def held_then_raced(first, second):
    """Run `first` in a transaction kept open until `second` is seen waiting for its lock, then commit."""
    first_done, release = threading.Event(), threading.Event()

    def hold():
        with transaction.atomic():
            result = first()
            first_done.set()
            assert release.wait(WAIT), "never released"
        return result

    def follow():
        assert first_done.wait(WAIT), "the first transaction never finished its write"
        return second()

    holder, follower = Worker(hold), Worker(follow)
    holder.start()
    follower.start()
    try:
        assert first_done.wait(WAIT)
        wait_until_a_session_waits_for_a_lock()
    finally:
        release.set()
    return holder.outcome(), follower.outcome()


@pytest.fixture
def editors(make_user):
    return [role_user(make_user, name, roles.GUIDANCE_EDITOR, staff=True) for name in ("editor-a", "editor-b")]


def _publisher(draft, user):
    def publish():
        fresh = GuidanceVersion.objects.get(pk=draft.pk)  # as each editor's request would load it
        return draft_publish(draft=fresh, user=user, change_note=f"Published by {user}.", confirm_changes=True)

    return publish


def _published(guideline):
    return list(GuidanceVersion.objects.filter(guideline=guideline, status=GuidanceVersion.Status.PUBLISHED))


# ------------------------------------------------------------------ publishing


@pytest.mark.django_db
def test_publishing_a_draft_twice_one_after_the_other_refuses_the_second(editors, published_version):
    draft = approved(draft_create(guideline=published_version.guideline, user=editors[0]))
    _publisher(draft, editors[0])()
    with pytest.raises(PublishError, match="already published"):
        _publisher(draft, editors[1])()
    assert _published(published_version.guideline) == [GuidanceVersion.objects.get(pk=draft.pk)]


@pytest.mark.parametrize("attempt", range(3))  # a race can go either way: run it a few times
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@requires_postgres
def test_two_editors_publishing_at_once_make_one_published_version(attempt, editors, published_version):
    draft = approved(draft_create(guideline=published_version.guideline, user=editors[0]))

    outcomes = run_together(_publisher(draft, editors[0]), _publisher(draft, editors[1]))

    published = [result for result, error in outcomes if error is None]
    refused = [error for result, error in outcomes if error is not None]
    assert len(published) == 1, outcomes
    assert len(refused) == 1 and isinstance(refused[0], PublishError), outcomes
    assert "already published" in str(refused[0])
    assert _published(published_version.guideline) == [GuidanceVersion.objects.get(pk=draft.pk)]
    assert GuidanceVersion.objects.get(pk=published_version.pk).status == GuidanceVersion.Status.RETIRED
    assert guidance_current().published_by == published[0].published_by


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@requires_postgres
def test_a_publish_waiting_on_another_is_refused_once_that_one_commits(editors, published_version):
    draft = approved(draft_create(guideline=published_version.guideline, user=editors[0]))

    (first, first_error), (second, second_error) = held_then_raced(
        _publisher(draft, editors[0]), _publisher(draft, editors[1])
    )

    assert first_error is None and first.published_by == editors[0]
    assert isinstance(second_error, PublishError), (second, second_error)
    assert "already published" in str(second_error)
    current = guidance_current()
    assert (current.pk, current.published_by, current.change_note) == (
        draft.pk,
        editors[0],
        f"Published by {editors[0]}.",
    )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@requires_postgres
def test_two_editors_creating_a_draft_at_once_make_one_draft(editors, published_version):
    def create(user):
        return lambda: draft_create(guideline=published_version.guideline, user=user)

    outcomes = run_together(create(editors[0]), create(editors[1]))

    errors = [error for _, error in outcomes if error is not None]
    assert len(errors) == 1 and isinstance(errors[0], PublishError), outcomes
    assert GuidanceVersion.objects.filter(status=GuidanceVersion.Status.DRAFT).count() == 1


# ------------------------------------------------------------------ saving a case


@pytest.fixture
def owner(make_user):
    return role_user(make_user, "race-owner", roles.CLINICIAN)


def _saver(case_id, user, subtype, notes):
    # Each save starts from the case as its form was loaded, and both forms were loaded before either save:
    # loaded inside the worker, a busy machine could run one save whole before the other loads, and both land.
    loaded = Case.objects.get(pk=case_id)

    def save():
        return services.case_update(case=loaded, user=user, label=loaded.label, facts={"subtype": subtype}, notes=notes)

    return save


@pytest.mark.django_db
def test_two_saves_of_a_case_one_after_the_other_from_one_version_refuse_the_second(owner, published_version):
    case = make_case(owner, subtype="ISM")
    first, second = Case.objects.get(pk=case.pk), Case.objects.get(pk=case.pk)
    services.case_update(case=first, user=owner, label=case.label, facts={"subtype": "ASM"}, notes="first")
    with pytest.raises(CaseChangedError):
        services.case_update(case=second, user=owner, label=case.label, facts={"subtype": "MCL"}, notes="second")
    saved = Case.objects.get(pk=case.pk)
    assert (saved.subtype, saved.notes, saved.lock_version) == ("ASM", "first", 1)


@pytest.mark.parametrize("attempt", range(3))
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@requires_postgres
def test_two_saves_of_a_case_at_once_write_one_and_refuse_the_other(attempt, owner, published_version):
    case = make_case(owner, subtype="ISM")

    outcomes = run_together(_saver(case.pk, owner, "ASM", "one"), _saver(case.pk, owner, "MCL", "two"))

    saved_by = [result for result, error in outcomes if error is None]
    refused = [error for result, error in outcomes if error is not None]
    assert len(saved_by) == 1 and len(refused) == 1, outcomes
    assert isinstance(refused[0], CaseChangedError), outcomes
    saved = Case.objects.get(pk=case.pk)
    assert (saved.subtype, saved.notes, saved.lock_version) == (saved_by[0].subtype, saved_by[0].notes, 1)
    assert refused[0].saved.lock_version == 1
    assert Assessment.objects.filter(case=case).count() == 2  # the first, and the one save that landed


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@requires_postgres
def test_a_save_waiting_on_another_is_refused_once_that_one_commits(owner, published_version):
    case = make_case(owner, subtype="ISM")

    (_, first_error), (second, second_error) = held_then_raced(
        _saver(case.pk, owner, "ASM", "first"), _saver(case.pk, owner, "MCL", "second")
    )

    assert first_error is None, first_error
    assert isinstance(second_error, CaseChangedError), (second, second_error)
    assert (second_error.saved.subtype, second_error.saved.notes) == ("ASM", "first")
    assert {d.name for d in second_error.differences} == {"subtype", "notes"}
    saved = Case.objects.get(pk=case.pk)
    assert (saved.subtype, saved.notes, saved.lock_version) == ("ASM", "first", 1)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@requires_postgres
def test_two_browsers_saving_a_case_at_once_get_one_save_and_one_refusal(owner, published_version):
    case = make_case(owner, label="Race clinic", subtype="ISM")
    url = reverse("cases:update", args=[case.pk])
    browsers = [Client(), Client()]
    for browser in browsers:
        browser.force_login(owner)

    def post(browser, subtype):
        data = {**form_data(label="Race clinic", subtype=subtype), "lock_version": 0}
        return lambda: browser.post(url, data).status_code

    outcomes = run_together(post(browsers[0], "ASM"), post(browsers[1], "MCL"))

    assert [error for _, error in outcomes] == [None, None]
    assert sorted(status for status, _ in outcomes) == [302, 409]
    saved = Case.objects.get(pk=case.pk)
    assert saved.lock_version == 1
    assert saved.subtype == ("ASM" if outcomes[0][0] == 302 else "MCL")
