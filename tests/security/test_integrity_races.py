"""Races of publishing with editing, saving and marking, on PostgreSQL (two real connections).

- An edit still open when a publish checks the draft commits first, and voids the
  approval: the publish is refused. An edit begun during a publish waits for it and
  finds the version frozen. Either way the published content is the approved content.
- A case saved while a publish commits is dated before it, under the old version;
  one that began before the publish but saves after it is assessed under the new one.
- Saves go ahead while the marking (cases.marking) compares; a save of an older case waits only
  for the marking's last statements, and the dashboard's counts stay equal to a rebuild.

SQLite has one writer at a time and no row locks; these need DATABASE_URL=postgres://….
"""

import threading
import time

import pytest

from accounts import roles
from cases import marking, services
from cases.models import Assessment, Case
from cases.selectors import marks_annotate
from guidance.models import FrozenVersionError, GuidanceVersion, Rule
from guidance.publishing import PublishError, draft_create, draft_fingerprint
from tests.cases.factories import make_case
from tests.cases.test_rollup import kept, rebuilt
from tests.review import approved

from .site_urls import role_user
from .test_concurrency import WAIT, Worker, _publisher, held_then_raced, requires_postgres

pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True), requires_postgres]


@pytest.fixture
def editors(make_user):
    return [role_user(make_user, name, roles.GUIDANCE_EDITOR, staff=True) for name in ("editor-a", "editor-b")]


@pytest.fixture
def owner(make_user):
    return role_user(make_user, "race-owner", roles.CLINICIAN)


@pytest.fixture
def draft(editors, published_version):
    return approved(draft_create(guideline=published_version.guideline, user=editors[0]))


def _editor(draft, user, summary="Slipped in after approval"):
    def edit():
        rule = Rule.objects.get(version_id=draft.pk, rule_id="venom-immunotherapy")
        rule.summary = summary
        rule._history_user = user
        rule.save()

    return edit


# ---------------------------------------------------------------- an edit and a publish


def test_an_edit_open_when_the_publish_checks_the_draft_makes_the_publish_refuse(editors, draft):
    (_, edit_error), (published, publish_error) = held_then_raced(
        _editor(draft, editors[0]), _publisher(draft, editors[1])
    )

    assert edit_error is None, edit_error
    assert isinstance(publish_error, PublishError), (published, publish_error)
    assert "changed after it was approved" in str(publish_error)
    assert GuidanceVersion.objects.get(pk=draft.pk).status == GuidanceVersion.Status.DRAFT


def test_an_edit_begun_during_a_publish_waits_and_finds_the_version_frozen(editors, draft):
    (published, publish_error), (_, edit_error) = held_then_raced(
        _publisher(draft, editors[1]), _editor(draft, editors[0])
    )

    assert publish_error is None, publish_error
    assert isinstance(edit_error, FrozenVersionError), edit_error
    published = GuidanceVersion.objects.get(pk=draft.pk)
    assert published.status == GuidanceVersion.Status.PUBLISHED
    assert draft_fingerprint(published) == published.approved_fingerprint


# ---------------------------------------------------------------- a case save and a publish


def test_a_save_open_when_a_publish_begins_is_dated_before_it_under_the_old_version(
    editors, draft, owner, published_version
):
    (case, save_error), (_, publish_error) = held_then_raced(
        lambda: make_case(owner, subtype="ASM"), _publisher(draft, editors[1])
    )

    assert save_error is None and publish_error is None, (save_error, publish_error)
    assessment = Assessment.objects.get(case=case)
    published = GuidanceVersion.objects.get(pk=draft.pk)
    assert assessment.guidance_version_id == published_version.pk
    assert assessment.created_at < published.published_at


def test_a_save_that_read_the_old_version_before_a_publish_is_assessed_under_the_new_one(
    editors, draft, owner, published_version, monkeypatch
):
    # A request reads the published version, then is held up while a publish commits, then saves
    # (the review found assessments under the old version dated 27-37 ms after the publish).
    read, published_meanwhile = threading.Event(), threading.Event()
    current = services.guidance_for_assessment

    def read_then_held_up():
        version = current()
        read.set()
        assert published_meanwhile.wait(WAIT), "the publish never finished"
        return version

    monkeypatch.setattr(services, "guidance_for_assessment", read_then_held_up)
    saver = Worker(lambda: make_case(owner, subtype="ASM"))
    saver.start()
    assert read.wait(WAIT)
    _publisher(draft, editors[1])()
    published_meanwhile.set()
    case, error = saver.outcome()

    assert error is None, error
    assessment = Assessment.objects.get(case=case)
    published = GuidanceVersion.objects.get(pk=draft.pk)
    assert assessment.guidance_version_id == published.pk
    assert assessment.created_at > published.published_at


# ---------------------------------------------------------------- saves and the marking


def test_saves_go_ahead_while_the_marking_holds_its_lock(editors, draft, owner, monkeypatch, settings):
    # The marking queued by the publish is held back here, to run it by hand.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    for subtype in ("ISM", "SSM", "ASM"):
        make_case(owner, subtype=subtype)
    _publisher(draft, editors[1])()
    version = GuidanceVersion.objects.get(pk=draft.pk)
    assert marking.cases_pending(version).count() == 3

    holding, release = threading.Event(), threading.Event()
    compare = marking.Comparison._compare

    def held(self, key_sql, groups):  # inside the marking's transaction, after its lock
        holding.set()
        assert release.wait(WAIT), "never released"
        return compare(self, key_sql, groups)

    monkeypatch.setattr(marking.Comparison, "_compare", held)
    marker = Worker(lambda: marking.Comparison(version).mark())
    marker.start()
    try:
        assert holding.wait(WAIT), "the marking never reached its comparison"
        started = time.monotonic()
        savers = [Worker(lambda subtype=subtype: make_case(owner, subtype=subtype)) for subtype in ("MCL", "ISM")]
        for saver in savers:
            saver.start()
        for saver in savers:
            saver.join(5)
        waited = time.monotonic() - started
        assert not any(saver.is_alive() for saver in savers), "a save waited for the marking's lock"
        assert all(saver.error is None for saver in savers), [saver.error for saver in savers]
    finally:
        release.set()
    result, error = marker.outcome()
    assert error is None, error
    assert result[0] == 3  # the three older cases compared; the two new ones are under the new version
    assert waited < 5


@pytest.mark.parametrize("point", ["before its lock", "holding its lock"])
def test_a_case_saved_while_the_marking_finishes_is_counted_once(
    editors, published_version, owner, monkeypatch, settings, point
):
    """The marking replaces the would-change counts; a save moves a case's counts by its state before and
    after. Before the marking's last statements the save goes ahead; during them it waits for their commit.
    Either way the rollup equals a rebuild."""
    # The marking queued by the publish is held back here, to run it by hand.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    draft = draft_create(guideline=published_version.guideline, user=editors[0])
    Rule.objects.filter(version=draft, rule_id="calcium-and-vitamin-d").update(condition='"fracture" in symptoms')
    changing = make_case(owner, subtype="ISM", symptoms=["osteoporosis"])
    make_case(owner, subtype="ISM", symptoms=["fracture"])
    _publisher(approved(draft), editors[1])()
    version = GuidanceVersion.objects.get(pk=draft.pk)

    holding, release = threading.Event(), threading.Event()

    def held(original):
        def hold(*args, **kwargs):
            result = original(*args, **kwargs)
            holding.set()
            assert release.wait(WAIT), "never released"
            return result

        return hold

    if point == "before its lock":
        monkeypatch.setattr(marking.Comparison, "_write", held(marking.Comparison._write))
    else:
        monkeypatch.setattr(marking.rollup, "marks_replace", held(marking.rollup.marks_replace))
    marker = Worker(lambda: marking.Comparison(version).mark())
    marker.start()
    try:
        assert holding.wait(WAIT), "the marking never got there"
        saver = Worker(lambda: services.case_reassess(case=Case.objects.get(pk=changing.pk), user=owner))
        saver.start()
        saver.join(2)
        assert saver.is_alive() is (point == "holding its lock")
    finally:
        release.set()
    assert marker.outcome() == ((2, 1), None)
    assert saver.outcome()[1] is None

    case = marks_annotate(Case.objects.filter(pk=changing.pk)).get()
    assert (case.assessed_version, case.checked_version, case.would_change) == (4, 4, False)
    assert kept() == rebuilt()
