"""The audit trail is a hash chain, and `manage.py verify_audit` finds the first broken link.

A change is planted the only way left once the triggers refuse it: by lifting
them first, as the tables' owner could (inside the test's transaction, so the
triggers come back with the rollback).
"""

import io
import itertools
import threading

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections

from audit.chain import GENESIS, event_content, link_hash
from audit.models import AuditEvent
from audit.services import audit_record
from cases.audit_names import CaseAction

from .test_concurrency import WAIT, requires_postgres

TABLE = AuditEvent._meta.db_table


def planted(sql, *params):
    """Run `sql` on the trail with its append-only triggers lifted."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # ALTER TABLE waits for no deferred check
            cursor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER USER")
            cursor.execute(sql, params)
            cursor.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER USER")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        else:
            cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [TABLE])
            triggers = cursor.fetchall()
            for name, _ in triggers:
                cursor.execute(f"DROP TRIGGER {name}")
            cursor.execute(sql, params)
            for _, create in triggers:
                cursor.execute(create)


def verify():
    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    return out.getvalue()


@pytest.fixture
def trail(db, clinician):
    return [audit_record(actor=clinician, action=CaseAction.CASE_VIEWED, case_id=f"case-{n}", when=n) for n in range(5)]


def test_each_event_names_the_one_before_and_hashes_its_own_content(trail):
    events = list(AuditEvent.objects.order_by("pk"))
    assert events[0].previous_hash == GENESIS
    for before, event in itertools.pairwise(events):
        assert event.previous_hash == before.hash
        assert event.hash == link_hash(before.hash, event_content(event))


def test_an_event_hashes_the_same_read_back_as_when_written(trail):
    for event in trail:
        assert event_content(AuditEvent.objects.get(pk=event.pk)) == event_content(event)


def test_verify_audit_passes_on_a_whole_trail(trail):
    assert "Audit trail whole" in verify()


def test_verify_audit_names_the_first_changed_event_and_fails(trail):
    target = trail[2]
    planted(f"UPDATE {TABLE} SET details = %s WHERE id = %s", '{"case_id": "someone-else"}', target.pk)  # noqa: S608
    with pytest.raises(CommandError, match=rf"broken at event {target.pk} .*content was changed"):
        verify()


def test_verify_audit_finds_an_event_removed_from_the_middle(trail):
    planted(f"DELETE FROM {TABLE} WHERE id = %s", trail[1].pk)  # noqa: S608
    with pytest.raises(CommandError, match=rf"broken at event {trail[2].pk} .*removed or inserted"):
        verify()


def test_verify_audit_finds_a_rehashed_event_by_its_successor(trail):
    # Rewriting an event and its own hash still leaves the next event naming the old hash.
    target = trail[2]
    target.details = {"case_id": "someone-else"}
    forged = link_hash(target.previous_hash, event_content(target))
    sql = f"UPDATE {TABLE} SET details = %s, hash = %s WHERE id = %s"  # noqa: S608 - our own table
    planted(sql, '{"case_id": "someone-else"}', forged, target.pk)
    with pytest.raises(CommandError, match=rf"broken at event {trail[3].pk} "):
        verify()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@requires_postgres
def test_concurrent_writers_never_chain_to_the_same_event(clinician):
    """The writers' events form one chain, each linked to the event before it.

    Only the events written from here on are checked: the trail this test starts with is the
    harness's restore of the migrated database (serialized_rollback), which inserts old events
    with their old ids and hashes while restoring a role's permissions records a new event
    (accounts.signals), so that start is two chains, as any loaddata into a non-empty trail is.
    """
    writers, each = 6, 15
    barrier = threading.Barrier(writers)
    errors = []
    start = AuditEvent.objects.order_by("-pk").first()

    def write(n):
        try:
            barrier.wait(WAIT)
            for k in range(each):
                audit_record(actor=None, action=CaseAction.CASE_VIEWED, writer=n, k=k)
        except Exception as exc:  # noqa: BLE001 - the test reports it
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT * 2)
    assert not errors
    written = list(AuditEvent.objects.filter(pk__gt=start.pk).order_by("pk"))
    assert len(written) == writers * each
    expected = set(itertools.product(range(writers), range(each)))
    assert {(e.details["writer"], e.details["k"]) for e in written} == expected
    previous = [start.hash] + [e.hash for e in written[:-1]]
    assert len({e.previous_hash for e in written}) == len(written), "two events chained to the same predecessor"
    for event, before in zip(written, previous, strict=True):
        assert event.previous_hash == before, f"event {event.pk} does not chain to the event before it"
        assert event.hash == link_hash(before, event_content(event))


def test_a_fresh_database_migrated_and_loaded_has_a_whole_chain(scratch_database_url):
    from tests.conftest import manage

    manage(scratch_database_url, "migrate", "--no-input")
    manage(scratch_database_url, "load_guidance")
    assert "Audit trail whole: 4 events" in manage(scratch_database_url, "verify_audit")


AWKWARD_DETAILS = {
    "case_id": "café-№5 ∑ 👩‍⚕️",
    "note": "50% \"quoted\" 'single' back\\slash\nnew line; DROP TABLE x; --",
    "nested": {"b": [1, 2.5, None, True], "a": "z"},
}


def test_an_event_of_any_text_hashes_as_link_hash_says_and_verifies(db, clinician):
    # On PostgreSQL the database hashes the event (audit.chain._PG_APPEND): its bytes must be link_hash's.
    events = [
        audit_record(actor=clinician, action=CaseAction.CASE_VIEWED, **AWKWARD_DETAILS),
        audit_record(actor=None, action=CaseAction.CASE_VIEWED, case_id=""),
    ]
    for event in events:
        stored = AuditEvent.objects.get(pk=event.pk)
        assert (stored.previous_hash, stored.hash) == (event.previous_hash, event.hash)
        assert stored.hash == link_hash(stored.previous_hash, event_content(stored))
    assert events[1].previous_hash == events[0].hash
    assert "Audit trail whole" in verify()


@requires_postgres
def test_postgresql_writes_an_event_in_one_round_trip(db, clinician):
    from django.test.utils import CaptureQueriesContext

    audit_record(actor=clinician, action=CaseAction.CASE_VIEWED, case_id="before")
    with CaptureQueriesContext(connection) as queries:
        audit_record(actor=clinician, action=CaseAction.CASE_VIEWED, case_id="one")
    assert len(queries.captured_queries) == 1
    assert queries.captured_queries[0]["sql"].startswith("SELECT pg_advisory_xact_lock(")


@requires_postgres
def test_a_database_hash_unlike_link_hash_is_refused_and_its_transaction_cannot_commit(db, clinician, monkeypatch):
    # The database hashes link_hash's own bytes, so only a changed link_hash can tell them apart: the check stands.
    from django.db import transaction

    from audit import chain

    monkeypatch.setattr(chain, "link_hash", lambda previous, content: "0" * 64)
    with transaction.atomic():
        with pytest.raises(chain.ChainHashMismatchError):
            audit_record(actor=clinician, action=CaseAction.CASE_VIEWED, case_id="refused")
        # A caller that caught it and went on cannot commit the event.
        assert transaction.get_rollback()
    assert not AuditEvent.objects.filter(details__case_id="refused").exists()


def test_several_statements_in_one_message_only_where_psycopg_3_binds_on_the_client(settings):
    from audit.chain import _one_message

    class Connection:
        def __init__(self, vendor, **options):
            self.vendor, self.settings_dict = vendor, {"OPTIONS": options}

    assert _one_message(Connection("postgresql"))
    assert not _one_message(Connection("postgresql", server_side_binding=True))
    assert not _one_message(Connection("sqlite"))
