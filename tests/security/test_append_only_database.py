"""Audit events, assessments and feedback are append-only in the database, not only in Python.

Every way of changing or deleting a stored row is tried on each table: raw SQL
(UPDATE, DELETE, and TRUNCATE on PostgreSQL), and the ORM's routes around the
model (the base manager, a plain QuerySet, `_raw_delete`). Each must raise and
leave the row as it was. Run on SQLite by default and on PostgreSQL when
DATABASE_URL points at one (`make test-postgres`).
"""

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.models import QuerySet

from audit.append_only import AppendOnlyError
from audit.models import AuditEvent
from audit.services import audit_record
from cases.audit_names import CaseAction
from cases.models import Assessment, RecommendationFeedback
from cases.services import feedback_record
from tests.cases.factories import make_case

pytestmark = pytest.mark.django_db
REFUSED = (AppendOnlyError, DatabaseError)


@pytest.fixture
def rows(clinician, published_version):
    # Antihistamines not yet failed: guidance v3 shows the H1 line this feedback is about.
    case = make_case(clinician, subtype="ISM", symptoms=["flushing"])
    assessment = case.assessments.get()
    feedback = feedback_record(
        assessment=assessment,
        rule="h1-for-cutaneous-symptoms",
        user=clinician,
        outcome=RecommendationFeedback.Outcome.ACCEPTED,
    )
    event = audit_record(actor=clinician, action=CaseAction.CASE_VIEWED, obj=case)
    return {AuditEvent: event, Assessment: assessment, RecommendationFeedback: feedback}


# A column each table has, and a value it does not hold.
CHANGES = {
    AuditEvent: ("action", "login"),
    Assessment: ("created_at", "2000-01-01 00:00:00+00:00"),
    RecommendationFeedback: ("rule", "venom-immunotherapy"),
}
MODELS = list(CHANGES)


def stored(model, pk):
    """The row as the database holds it, read past any manager."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {model._meta.db_table} WHERE id = %s", [pk])  # noqa: S608 - our table names
        return cursor.fetchone()


def refused(attempt):
    """Run `attempt` in a savepoint (a refused statement spoils the transaction on PostgreSQL); it must raise."""
    with pytest.raises(REFUSED), transaction.atomic():
        attempt()


def raw(sql, *params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_the_database_refuses_an_update_in_sql(rows, model):
    row = rows[model]
    before = stored(model, row.pk)
    column, value = CHANGES[model]
    sql = f"UPDATE {model._meta.db_table} SET {column} = %s WHERE id = %s"  # noqa: S608 - our own names
    refused(lambda: raw(sql, value, row.pk))
    assert stored(model, row.pk) == before


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_the_database_refuses_a_delete_in_sql(rows, model):
    row = rows[model]
    sql = f"DELETE FROM {model._meta.db_table} WHERE id = %s"  # noqa: S608 - our own names
    refused(lambda: raw(sql, row.pk))
    assert stored(model, row.pk) is not None


@pytest.mark.postgres_only(reason="TRUNCATE is PostgreSQL's; SQLite has none")
@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_postgresql_refuses_a_truncate(rows, model):
    row = rows[model]
    refused(lambda: raw(f"TRUNCATE {model._meta.db_table} CASCADE"))
    assert stored(model, row.pk) is not None


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_the_base_manager_refuses_to_update(rows, model):
    row = rows[model]
    before = stored(model, row.pk)
    column, value = CHANGES[model]
    refused(lambda: model._base_manager.filter(pk=row.pk).update(**{column: value}))
    assert stored(model, row.pk) == before


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_a_plain_queryset_refuses_to_update_or_delete(rows, model):
    row = rows[model]
    before = stored(model, row.pk)
    column, value = CHANGES[model]
    refused(lambda: QuerySet(model=model).filter(pk=row.pk).update(**{column: value}))
    refused(lambda: QuerySet(model=model).filter(pk=row.pk).delete())
    assert stored(model, row.pk) == before


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_a_raw_delete_is_refused(rows, model):
    row = rows[model]
    refused(lambda: model.objects.filter(pk=row.pk)._raw_delete(connection.alias))
    refused(lambda: QuerySet(model=model).filter(pk=row.pk)._raw_delete(connection.alias))
    assert stored(model, row.pk) is not None


def test_an_insert_is_still_allowed(rows, clinician):
    count = AuditEvent.objects.count()
    audit_record(actor=clinician, action=CaseAction.CASE_VIEWED)
    assert AuditEvent.objects.count() == count + 1


def test_events_are_recorded_one_at_a_time(clinician):
    # bulk_create would skip the chain's lock and hash.
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.bulk_create([AuditEvent(action=CaseAction.CASE_VIEWED, actor_username="x")])
