"""After a guidance version is published, mark the cases whose lines it would change.

A case last assessed under an older version "would change" when re-evaluation
under the new version would show other lines than its latest assessment
(added, removed, reworded, other items to confirm, or their source text
revised), as the
re-evaluation page says (`lines_would_change`).

Which lines a version shows depends only on which of its rules fire, which
depends only on the facts their conditions read; and within a published
(frozen) version a rule's line is the same for every case it fires for. So,
as the impact of a draft does (cases.impact), the cases are grouped in SQL by
the version they were assessed under, how many lines and cautions that
assessment showed, and the values of the facts any rule of either version
reads; each group is compared once: the new version evaluated on the group's
facts against the stored lines of one of its cases. One case stands for its
group because a case's latest assessment was made on its facts as they are
(every write of facts assesses them); with the line and caution counts in the
key as well, a case whose stored lines differ in number (an assessment written
otherwise) is never taken for another.

What is written is small, in one transaction: one narrow CaseWouldChange row
per case that would change (one INSERT ... SELECT that picks the cases by
their group's key in SQL), the dashboard's would-change counts replaced, and
one Marking row that says every case then on an older version was compared
(cases.selectors.marks_annotate reads them back as each case's
checked_version and would_change). The wide case row is never written: with
its fourteen indexes, rewriting a million of them was most of the marking's
time. A case saved meanwhile is assessed under the new version and no longer
on an older one, so the marks do not apply to it; the rollup and the saves
agree through a lock only the last few statements hold (rollup.marks_steady).
A worker that stops writes nothing; queueing the version again starts over
(the comparisons it made are kept by the worker).
"""

import json
import logging
import time
import uuid
from collections import Counter
from datetime import datetime

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Exists
from django.utils import timezone
from django_tasks import task

from core import caches
from guidance import engine
from guidance.evaluation import guidance_compiled
from guidance.facts import FACTS
from guidance.lines import lines_compare, lines_sourced
from guidance.models import GuidanceVersion
from guidance.queueing import enqueue_on_commit
from guidance.selectors import guidance_current, paragraph_texts

from . import rollup, snapshot
from .impact import combination_facts
from .models import Case, CaseWouldChange, Marking
from .selectors import latest_assessment_lines

logger = logging.getLogger(__name__)

# Representative cases read per query (SQLite's limit on parameters stays far away).
READ_BATCH = 1000


def lines_would_change(stored, recommendations, *, texts):
    """Whether `recommendations` (the engine's, with the new version's paragraph texts) differ from the
    stored lines, as a reader sees lines change: the line itself and its source words."""
    return bool(lines_compare(stored, lines_sourced(recommendations, texts)).changes)


def cases_pending(version):
    """The cases last assessed under an older version, while the marking of `version` has not finished."""
    return Case.objects.filter(assessed_version__lt=version.number).filter(
        ~Exists(Marking.objects.filter(version=version.number))
    )


def _conditions_read(versions):
    """The facts any rule's condition of these versions reads, in vocabulary order.

    A version whose rules no longer compile counts as reading every fact:
    its cases are then grouped only with cases of exactly the same facts.
    """
    names = set()
    for version in versions:
        try:
            rules = guidance_compiled(version).rules
        except (engine.ConditionError, engine.EvaluationError):
            return list(FACTS)
        for rule in rules:
            names.update(rule.variables)
    return [name for name in FACTS if name in names]


def _group_key_sql(names):
    """A case's group as one text value in SQL: its version, line and caution counts, then the facts read.

    PostgreSQL writes the row as text (NULL as nothing, text quoted when it must be); SQLite quotes each
    value as an SQL literal (NULL as NULL). Equal keys are equal values, so one GROUP BY makes the groups
    and the same expression finds their cases again.
    """
    quote = connection.ops.quote_name
    fields = ("assessed_version", "line_count", "caution_count", *names)
    columns = [quote(Case._meta.get_field(name).column) for name in fields]
    if connection.vendor == "postgresql":
        return f"ROW({', '.join(columns)})::text"
    return " || ',' || ".join(f"quote({column})" for column in columns)


def _in_keys_sql(key_sql):
    """SQL true for a case whose group key is among one parameter's keys (an array; JSON on SQLite)."""
    if connection.vendor == "postgresql":
        return f"{key_sql} = ANY(%s::text[])"
    return f"{key_sql} IN (SELECT value FROM json_each(%s))"  # noqa: S608 - column names


def _keys_parameter(keys):
    return list(keys) if connection.vendor == "postgresql" else json.dumps(list(keys))


# Any constant: the advisory lock namespace of the marking (PostgreSQL), beside the version's id.
_MARKING_LOCK = 230_002


def _marking_lock(version):
    """One marking at a time for a version, until the transaction ends: two runs never record it twice.

    An advisory lock, not a lock on the version's row: every case save refers to that row (its
    assessment's foreign key takes KEY SHARE, and cases.services holds it FOR SHARE), so a row
    lock here would make every save wait for the whole marking. SQLite has one writer at a time.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_MARKING_LOCK, version.pk])


class Comparison:
    """Comparing cases with one published version; remembers every group it has compared."""

    def __init__(self, version):
        self.version = version
        self.compiled = guidance_compiled(version)
        self.texts = paragraph_texts(version=version)
        assessed = cases_pending(version).order_by().values("assessed_version").distinct()
        older = GuidanceVersion.objects.filter(guideline_id=version.guideline_id, number__in=assessed)
        self.names = _conditions_read([version, *older.select_related("guideline")])
        self.outcomes = {}  # group key -> would change
        self.seconds = Counter()  # where the time goes: reading, comparing, writing

    def mark(self):
        """Compare every pending case with the version and record the marking, in one transaction.

        Returns (cases compared, of which would change); (0, 0) when the marking had finished.
        """
        number = self.version.number
        clock = time.perf_counter()
        with transaction.atomic():
            _marking_lock(self.version)
            if Marking.objects.filter(version=number).exists():
                return 0, 0
            key_sql = _group_key_sql(self.names)
            groups = self._groups(key_sql)
            clock = self._lap("reading", clock)
            self._compare(key_sql, [(key, pk) for key, _, pk in groups if key not in self.outcomes])
            clock = self._lap("comparing", clock)
            changing = self._write(key_sql, [key for key, _, _ in groups if self.outcomes[key]])
            compared = sum(n for _, n, _ in groups)
            # The counts, with the saves held off (a save moves a case's counts by its state before and after).
            rollup.marks_replace(rollup.marks_rows(Case.objects.all(), version=number))
            Marking.objects.create(version=number, cases=compared, changing=changing)
        self._lap("writing", clock)
        return compared, changing

    def _lap(self, part, started):
        now = time.perf_counter()
        self.seconds[part] += now - started
        return now

    def _groups(self, key_sql):
        """[(group key, cases, one case's id)] of the cases on an older version, grouped in SQL."""
        table = connection.ops.quote_name(Case._meta.db_table)
        first = "min(CAST(id AS text))" if connection.vendor == "postgresql" else "min(id)"
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {key_sql}, count(*), {first} FROM {table}"  # noqa: S608 - model names
                " WHERE assessed_version < %s GROUP BY 1",
                [self.version.number],
            )
            return [(key, n, uuid.UUID(str(pk))) for key, n, pk in cursor.fetchall()]

    def _representatives(self, key_sql, groups):
        """{group key: (its facts' values, the stored lines)} from one case of each group still on an older version.

        Such a case is as it was grouped: any write of its facts assesses it under the new version. When
        the case picked was saved meanwhile, another case of the group stands for it (none left: no entry).
        """
        number = self.version.number
        found = {}
        by_pk = {pk: key for key, pk in groups}
        pks = list(by_pk)
        for start in range(0, len(pks), READ_BATCH):
            rows = (
                Case.objects.filter(pk__in=pks[start : start + READ_BATCH], assessed_version__lt=number)
                .annotate(assessed_lines=latest_assessment_lines())
                .values_list("pk", "assessed_lines", *self.names)
            )
            for pk, lines, *values in rows:
                found[by_pk[pk]] = (values, lines)
        table = connection.ops.quote_name(Case._meta.db_table)
        for key, _ in groups:
            if key in found:
                continue
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT id FROM {table} WHERE assessed_version < %s AND {key_sql} = %s LIMIT 1",  # noqa: S608
                    [number, key],
                )
                row = cursor.fetchone()
            if row is not None:
                found.update(self._representatives(key_sql, [(key, uuid.UUID(str(row[0])))]))
        return found

    def _compare(self, key_sql, groups):
        """Compare each new group once: its facts under the new version, against one case's stored lines."""
        if not groups:
            return
        stored = self._representatives(key_sql, groups)
        for key, _ in groups:
            if key not in stored:
                self.outcomes[key] = False  # every case of the group was saved meanwhile: none is left to mark
                continue
            values, lines = stored[key]
            facts = combination_facts(self.names, values)
            self.outcomes[key] = lines_would_change(
                snapshot.from_dict(lines or []), engine.evaluate(facts, self.compiled), texts=self.texts
            )

    def _write(self, key_sql, keys):
        """One CaseWouldChange row for each case still on an older version in these groups; how many.

        The marks of older markings go: only the newest finished marking's are read.
        """
        number = self.version.number
        CaseWouldChange.objects.exclude(version=number).delete()
        if not keys:
            return 0
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {quote(CaseWouldChange._meta.db_table)} ({quote('case_id')}, {quote('version')})"  # noqa: S608
                f" SELECT id, %s FROM {quote(Case._meta.db_table)}"
                f" WHERE assessed_version < %s AND {_in_keys_sql(key_sql)} ON CONFLICT DO NOTHING",
                [number, number, _keys_parameter(keys)],
            )
            return cursor.rowcount


# The worker's one comparison, with the version it marks cases for (a new version replaces it).
_kept = caches.lru("cases.marking.comparison", size=1)


def _comparison_for(version):
    """The worker's comparison with a published version, kept from chunk to chunk (the version is frozen)."""
    comparison = _kept.get(version.content_key)
    if comparison is None:
        comparison = _kept[version.content_key] = Comparison(version)
    return comparison


def cases_mark(*, version, comparison=None):
    """Compare every pending case with `version` now: (compared, would change)."""
    return (comparison or Comparison(version)).mark()


def cases_mark_later(*, version):
    """Queue the comparison of the pending cases with `version`, once the current transaction commits.

    A queue that is down fails nothing: the sweeper (cases.sweeping) queues it again.
    """
    enqueue_on_commit(cases_mark_chunk, version.pk, None, what=MARKING)


MARKING = "the comparison of stored cases"
_PROGRESS = "cases.marking.progress:{}"


def marking_progress_note(version):
    """The marking of `version` moved on now (the sweeper re-queues a marking that does not)."""
    cache.set(_PROGRESS.format(version.pk), timezone.now().isoformat(), timeout=None)


def marking_progress_at(version):
    """When the marking of `version` last moved on (or was queued again), or None."""
    value = cache.get(_PROGRESS.format(version.pk))
    return datetime.fromisoformat(value) if value else None


@task()
def cases_mark_chunk(version_id, after=None):
    """Compare the pending cases with a published version, all of them in one run.

    The name and `after` (the cursor of the chunks the marking once went in; ignored) stay, so
    tasks queued before still run.
    """
    version = GuidanceVersion.objects.select_related("guideline").filter(pk=version_id).first()
    if version is None or version != guidance_current(slug=version.guideline.slug):
        return  # a newer version was published meanwhile: its own run compares the cases
    checked, changing = _comparison_for(version).mark()
    marking_progress_note(version)
    if checked:
        logger.info("Guidance v%s: %s cases compared, %s would change.", version.number, checked, changing)
