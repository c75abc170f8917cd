"""cases/0018 moves the marking's state out of the case row: what was marked stays marked, and counted alike."""

from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from cases.models import DashboardCount
from cases.rollup import rollup_rebuild

BEFORE = [("cases", "0017_case_notes_length_cap")]
AFTER = [("cases", "0018_marks_out_of_the_case_row")]
DAY = date(2026, 3, 14)


def _migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)
    return executor.loader.project_state(target).apps


def _versions():
    """The rollup's version and would-change counts, as kept."""
    return {
        (row.period, row.metric, row.key): row.count
        for row in DashboardCount.objects.filter(metric__in=("version", "would_change")).exclude(count=0)
    }


@pytest.fixture
def at_0017():
    """The database at cases/0017 during the test, at the newest migration after it."""
    yield _migrate(BEFORE)
    _migrate(_latest())


def _latest():
    return [key for key in MigrationExecutor(connection).loader.graph.leaf_nodes() if key[0] == "cases"]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("finished", [True, False])
def test_the_marks_move_out_of_the_case_row(at_0017, finished):
    user = get_user_model().objects.create_user("migrating")
    old = at_0017
    case = old.get_model("cases", "Case")
    counts = old.get_model("cases", "DashboardCount")
    states = [(3, 4, True), (3, 4, False), (4, 4, False)] if finished else [(3, 4, True), (3, None, False)]
    made = [
        case.objects.create(
            label=f"case {n}",
            subtype="unknown",
            created_by_id=user.pk,
            assessed_version=a,
            checked_version=c,
            would_change=w,
        )
        for n, (a, c, w) in enumerate(states)
    ]
    case.objects.update(updated_at=f"{DAY}T12:00:00Z")
    for a, c, w in states:
        for period, day in (("D", DAY), ("M", DAY.replace(day=1))):
            row, _ = counts.objects.get_or_create(
                period=period, day=day, subtype="unknown", metric="version", key=f"{a}:{c or ''}:{int(w)}"
            )
            counts.objects.filter(pk=row.pk).update(count=row.count + 1)

    new = _migrate(AFTER)

    marking = new.get_model("cases", "Marking")
    marks = new.get_model("cases", "CaseWouldChange")
    if finished:
        assert list(marking.objects.values_list("version", "cases", "changing")) == [(4, 2, 1)]
        assert list(marks.objects.values_list("case_id", "version")) == [(made[0].pk, 4)]
        assert _versions() == {
            **{(period, "version", "3"): 2 for period in "DM"},
            **{(period, "version", "4"): 1 for period in "DM"},
            **{(period, "would_change", "4"): 1 for period in "DM"},
        }
    else:  # a marking under way: it runs again, its cases not yet compared
        assert not marking.objects.exists()
        assert not marks.objects.exists()
        assert _versions() == {(period, "version", "3"): 2 for period in "DM"}
    kept = _versions()
    rollup_rebuild()
    assert _versions() == kept  # counted as the rollup now counts them
