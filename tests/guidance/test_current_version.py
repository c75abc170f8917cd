"""The current guidance version: read once per process, and read afresh by every process after a publish."""

import os
import subprocess

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from guidance import selectors
from guidance.models import GuidanceVersion
from guidance.publishing import draft_create, draft_publish
from guidance.selectors import CURRENT_KEY, guidance_current
from tests.conftest import MANAGE, manage
from tests.review import approved

pytestmark = pytest.mark.django_db

# A cache outside the database's transactions, as Redis or memcached would be.
LOCAL_MEMORY = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


def publish_next(published_version, editor):
    draft = approved(draft_create(guideline=published_version.guideline, user=editor))
    return draft_publish(draft=draft, user=editor, change_note="Reworded", confirm_changes=True)


def test_a_repeated_lookup_reads_only_the_token(published_version):
    with CaptureQueriesContext(connection) as captured:
        current = guidance_current()

    assert current == published_version
    assert [q["sql"] for q in captured.captured_queries if "guidance_" in q["sql"]] == []
    assert len(captured.captured_queries) == 1  # the token, from the cache table


def test_another_process_reads_the_new_version_after_a_publish(
    published_version, editor, django_capture_on_commit_callbacks
):
    elsewhere = dict(selectors.process_held)  # what a process that served a page before the publish holds
    with django_capture_on_commit_callbacks(execute=True):
        publish_next(published_version, editor)
    selectors.process_held.clear()
    selectors.process_held.update(elsewhere)

    assert guidance_current().number == 4


def test_the_publishing_transaction_reads_the_new_version_before_it_commits(published_version, editor):
    guidance_current()
    publish_next(published_version, editor)  # the test's transaction stays open: nothing is committed

    assert guidance_current().number == 4


@override_settings(CACHES=LOCAL_MEMORY)
def test_a_version_read_before_the_publish_commits_is_read_again_once_it_has(
    published_version, editor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        publish_next(published_version, editor)
        # Another process, before the commit: the cache already has the new token, the database the old version.
        selectors.process_held[published_version.guideline.slug] = (cache.get(CURRENT_KEY), published_version)

    assert guidance_current().number == 4


def test_a_lost_token_makes_the_process_read_afresh(published_version):
    guidance_current()
    GuidanceVersion.objects.filter(pk=published_version.pk).update(title="Changed by hand")
    cache.delete(CURRENT_KEY)

    assert guidance_current().title == "Changed by hand"


def test_each_caller_gets_its_own_copy(published_version):
    guidance_current().title = "Scribbled on"

    assert guidance_current().title == published_version.title


READER = """
import sys
from guidance.selectors import guidance_current
print(guidance_current().number, flush=True)
sys.stdin.readline()
print(guidance_current().number, flush=True)
"""

PUBLISHER = """
from django.contrib.auth import get_user_model
from guidance.publishing import draft_create, draft_publish
from guidance.selectors import guidance_current
from tests.review import approved
editor = get_user_model().objects.create_user("publisher")
draft = approved(draft_create(guideline=guidance_current().guideline, user=editor))
draft_publish(draft=draft, user=editor, change_note="Published from another process", confirm_changes=True)
"""


def test_a_publish_in_one_process_is_read_at_once_by_another(scratch_database_url):
    """Real processes on a real database: a SQLite file or a PostgreSQL database, as the suite's."""
    manage(scratch_database_url, "migrate", "--noinput")
    manage(scratch_database_url, "load_guidance")
    env = dict(os.environ, DATABASE_URL=scratch_database_url, DJANGO_SETTINGS_MODULE="mastoweb.settings")
    # As a context manager, so its pipes are closed once it is killed (an open one is a ResourceWarning).
    with subprocess.Popen(  # noqa: S603 - our own manage.py with fixed arguments
        [*MANAGE, "shell", "--no-imports", "-c", READER],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as reader:
        try:
            assert reader.stdout.readline().strip() == "3"
            manage(scratch_database_url, "shell", "--no-imports", "-c", PUBLISHER)
            reader.stdin.write("\n")
            reader.stdin.flush()

            assert reader.stdout.readline().strip() == "4"
        finally:
            reader.kill()


def test_the_frozen_versions_and_their_rules_are_read_once_per_token(published_version, editor):
    from guidance.models import Rule

    selectors.rules_newest_wording()
    selectors.version_numbers_frozen()
    with CaptureQueriesContext(connection) as captured:
        wording = selectors.rules_newest_wording()
        numbers = selectors.version_numbers_frozen()
    assert [q["sql"] for q in captured.captured_queries if "guidance_" in q["sql"]] == []
    assert numbers[0] == published_version.number

    def reword(draft):
        rule = Rule.objects.filter(version=draft).order_by("rule_id").first()
        rule.summary = "Reworded by the next version."
        rule.save()
        return rule.rule_id

    draft = draft_create(guideline=published_version.guideline, user=editor)
    rule_id = reword(draft)
    draft_publish(draft=approved(draft), user=editor, change_note="Reworded", confirm_changes=True)

    assert selectors.version_numbers_frozen()[0] == published_version.number + 1
    assert selectors.rules_newest_wording()[rule_id][1] == "Reworded by the next version."
    assert wording[rule_id][1] != "Reworded by the next version."
    selectors.rules_newest_wording()[rule_id] = "changed by a caller"
    assert selectors.rules_newest_wording()[rule_id][1] == "Reworded by the next version."
