"""After a guidance version is published, mark the cases whose lines it would change.

A case last assessed under an older version "would change" when re-evaluation
under the new version would show other lines than its latest assessment
(added, removed, reworded, other items to confirm, or their source text
revised), as the
re-evaluation page says (`lines_would_change`).

Which lines a version shows depends only on which of its rules fire, which
depends only on the facts their conditions read; and within a published
(frozen) version a rule's line is the same for every case it fires for. So
the cases are grouped by the version they were assessed under, how many lines
and cautions that assessment showed, and the values of the facts any rule of
either version reads; each group is compared once: the new version evaluated
on the group's facts against the stored lines of one of its cases. One case
stands for its group because a case's latest assessment was made on its
facts as they are (every write of facts assesses them); with the line and
caution counts in the key as well, a case whose stored lines differ in number
(an assessment written otherwise) is never taken for another.

The work goes in chunks of CHUNK_CASES cases, in the order they last changed;
one transaction and one django-tasks task each: the grouped comparison, one
UPDATE per outcome (on PostgreSQL the ids go as one array; elsewhere 1,000 ids
a statement), and the dashboard's rollup moved to match, for the cases the
UPDATE wrote (a case reassessed meanwhile is left alone). What is left is simply
the cases not yet compared (`checked_version`), so a worker that stops loses
at most its chunk, and queueing the version again carries on from there.
"""

import logging
import time
import uuid
from collections import Counter
from datetime import datetime

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Q
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
from .models import Case
from .selectors import latest_assessment_lines

logger = logging.getLogger(__name__)

CHUNK_CASES = 5000
# Case ids per UPDATE statement (SQLite's limit on parameters stays far away).
UPDATE_BATCH = 1000


def lines_would_change(stored, recommendations, *, texts):
    """Whether `recommendations` (the engine's, with the new version's paragraph texts) differ from the
    stored lines, as a reader sees lines change: the line itself and its source words."""
    return bool(lines_compare(stored, lines_sourced(recommendations, texts)).changes)


def cases_pending(version):
    """The cases last assessed under an older version and not yet compared with `version`."""
    return Case.objects.filter(assessed_version__lt=version.number).filter(
        Q(checked_version__lt=version.number) | Q(checked_version=None)
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


def _group(assessed_version, values):
    """A group's key: the version assessed under, its lines and cautions, then the facts (lists as tuples)."""
    return (assessed_version, *(tuple(value) if isinstance(value, list) else value for value in values))


# Any constant: the advisory lock namespace of the marking (PostgreSQL), beside the version's id.
_MARKING_LOCK = 230_002


def _marking_lock(version):
    """One chunk at a time for a version, until the transaction ends: two runs never count a case's
    move twice in the rollup.

    An advisory lock, not a lock on the version's row: every case save refers to that row (its
    assessment's foreign key takes KEY SHARE, and cases.services holds it FOR SHARE), so a row
    lock here would make every save wait for a whole chunk. SQLite has one writer at a time.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_MARKING_LOCK, version.pk])


def _cases_write(rows, changes, number):
    """Mark the chunk's cases as compared with version `number`, each with whether its lines would change.

    One UPDATE per outcome on PostgreSQL (the ids as one array parameter), per outcome and
    UPDATE_BATCH cases elsewhere. A case reassessed meanwhile is under this version now: left
    alone. Returns the ids of the cases left alone (the rollup does not move them).
    """
    ids = {True: [], False: []}
    for row, flag in zip(rows, changes, strict=True):
        ids[flag].append(row[0])
    written = 0
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(Case._meta.db_table)
        with connection.cursor() as cursor:
            for flag, chosen in ids.items():
                if chosen:
                    cursor.execute(
                        f"UPDATE {table} SET checked_version = %s, would_change = %s"  # noqa: S608 - model name
                        " WHERE id = ANY(%s::uuid[]) AND assessed_version < %s",
                        [number, flag, chosen, number],
                    )
                    written += cursor.rowcount
    else:
        for flag, chosen in ids.items():
            for start in range(0, len(chosen), UPDATE_BATCH):
                batch = chosen[start : start + UPDATE_BATCH]
                written += Case.objects.filter(pk__in=batch, assessed_version__lt=number).update(
                    checked_version=number, would_change=flag
                )
    if written == len(rows):
        return set()
    left = set()
    for start in range(0, len(rows), UPDATE_BATCH):
        batch = [row[0] for row in rows[start : start + UPDATE_BATCH]]
        left.update(Case.objects.filter(pk__in=batch, assessed_version__gte=number).values_list("pk", flat=True))
    return left


class Comparison:
    """Comparing cases with one published version; remembers every group it has compared."""

    def __init__(self, version):
        self.version = version
        self.compiled = guidance_compiled(version)
        self.texts = paragraph_texts(version=version)
        assessed = cases_pending(version).order_by().values("assessed_version").distinct()
        older = GuidanceVersion.objects.filter(guideline_id=version.guideline_id, number__in=assessed)
        self.names = _conditions_read([version, *older.select_related("guideline")])
        self.outcomes = {}  # group -> would change
        self.seconds = Counter()  # where the time goes: reading, comparing, writing

    def chunk(self, *, after=None, size=None):
        """Compare and mark the next `size` pending cases after the cursor `after`, in one transaction.

        Cases go in the order they were last changed (the index the reviewer's list
        walks), so a chunk moves few of the dashboard's day counts. Returns (cases
        compared, of which would change, the cursor after them or None when none were left).
        """
        size = size or CHUNK_CASES
        number = self.version.number
        clock = time.perf_counter()
        with transaction.atomic():
            _marking_lock(self.version)
            pending = cases_pending(self.version).order_by("updated_at", "pk")
            if after is not None:
                # The first condition alone is what lets the index start at the cursor.
                pending = pending.filter(updated_at__gte=after[0]).filter(
                    Q(updated_at__gt=after[0]) | Q(updated_at=after[0], pk__gt=after[1])
                )
            # The day as the rollup counts it, in SQL: no time zone conversion per case here.
            pending = pending.annotate(marking_day=rollup.day_of("updated_at"))
            state = ("marking_day", "subtype", "assessed_version", "checked_version", "would_change")
            columns = ("pk", "updated_at", *state, "line_count", "caution_count", *self.names)
            rows = list(pending.values_list(*columns)[:size])
            if not rows:
                return 0, 0, None
            clock = self._lap("reading", clock)
            keys = [_group(row[4], row[7:]) for row in rows]
            groups = {}
            for key, row in zip(keys, rows, strict=True):
                groups.setdefault(key, row[0])
            self._compare([(group, pk) for group, pk in groups.items() if group not in self.outcomes])
            changes = [self.outcomes[key] for key in keys]
            clock = self._lap("comparing", clock)
            left = _cases_write(rows, changes, number)
            states = Counter((*row[2:7], flag) for row, flag in zip(rows, changes, strict=True) if row[0] not in left)
            moved = Counter()
            for (day, subtype, assessed, checked, was, flag), n in states.items():
                moved[(day, subtype, "version", rollup.version_key(assessed, checked, was))] -= n
                moved[(day, subtype, "version", rollup.version_key(assessed, number, flag))] += n
            rollup.rollup_apply(moved)
        self._lap("writing", clock)
        return len(rows), sum(changes), (rows[-1][1], rows[-1][0])

    def _lap(self, part, started):
        now = time.perf_counter()
        self.seconds[part] += now - started
        return now

    def _compare(self, groups):
        """Compare each new group once: its facts under the new version, against one case's stored lines."""
        if not groups:
            return
        stored = dict(
            Case.objects.filter(pk__in=[pk for _, pk in groups])
            .annotate(assessed_lines=latest_assessment_lines())
            .values_list("pk", "assessed_lines")
        )
        for group, pk in groups:
            facts = combination_facts(self.names, group[3:])
            self.outcomes[group] = lines_would_change(
                snapshot.from_dict(stored[pk] or []), engine.evaluate(facts, self.compiled), texts=self.texts
            )


# The worker's one comparison, with the version it marks cases for (a new version replaces it).
_kept = caches.lru("cases.marking.comparison", size=1)


def _comparison_for(version):
    """The worker's comparison with a published version, kept from chunk to chunk (the version is frozen)."""
    comparison = _kept.get(version.content_key)
    if comparison is None:
        comparison = _kept[version.content_key] = Comparison(version)
    return comparison


def cases_mark(*, version, size=None, comparison=None):
    """Compare every pending case with `version` now, chunk after chunk: (compared, would change)."""
    comparison = comparison or Comparison(version)
    checked = changing = 0
    after = None
    while True:
        done, changed, after = comparison.chunk(after=after, size=size)
        if after is None:
            return checked, changing
        checked, changing = checked + done, changing + changed


def cases_mark_later(*, version, after=None):
    """Queue the comparison of the pending cases with `version`, once the current transaction commits.

    A queue that is down fails nothing: the sweeper (cases.sweeping) queues it again.
    """
    cursor = [after[0].isoformat(), str(after[1])] if after else None
    enqueue_on_commit(cases_mark_chunk, version.pk, cursor, what=MARKING)


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
    """Compare the next chunk of cases with a published version; queue the next chunk if cases remain.

    `after` is the cursor the previous chunk ended at, as text; without it the chunk starts from
    the first case still pending.
    """
    version = GuidanceVersion.objects.select_related("guideline").filter(pk=version_id).first()
    if version is None or version != guidance_current(slug=version.guideline.slug):
        return  # a newer version was published meanwhile: its own run compares the cases
    cursor = (datetime.fromisoformat(after[0]), uuid.UUID(after[1])) if after else None
    checked, changing, last = _comparison_for(version).chunk(after=cursor)
    marking_progress_note(version)
    if last is not None:
        logger.info("Guidance v%s: %s more cases compared, %s would change.", version.number, checked, changing)
        cases_mark_later(version=version, after=last)
