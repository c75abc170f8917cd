"""Scale-out: the impact job through django-tasks' RQ backend, against a real Redis and an RQ worker process.

Against REDIS_URL, or a throwaway redis-server the `redis_url` fixture starts (tests/conftest.py); a
scratch database is shared by the process that queues and the worker.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

MANAGE = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py")]

QUEUE_IT = """
import json
from django.contrib.auth import get_user_model
from django.db import transaction
from cases.impact import impact_start
from guidance.models import Rule
from guidance.publishing import draft_create
from guidance.selectors import guidance_current
from tests.cases.factories import make_case

user = get_user_model().objects.create_user("rq-clinician")
for n, symptoms in enumerate([["fracture"], ["osteoporosis"], ["osteoporosis", "fracture"], [], ["flushing"]] * 4):
    make_case(user, subtype="ISM", symptoms=symptoms, venom_allergy=n % 3 == 0)
draft = draft_create(guideline=guidance_current().guideline, user=user)
Rule.objects.filter(version=draft, rule_id="calcium-and-vitamin-d").update(condition='"fracture" in symptoms')
with transaction.atomic():
    run = impact_start(version=draft, user=user)
print(json.dumps({"id": run.pk, "state": run.state}))
"""

READ_IT = """
import json
from cases.models import Case, GuidanceImpact
run = GuidanceImpact.objects.get()
osteoporosis_only = sum(1 for c in Case.objects.all() if "osteoporosis" in c.symptoms and "fracture" not in c.symptoms)
print(json.dumps({"state": run.state, "changed": run.cases_changed, "expected": osteoporosis_only,
                  "per_rule": run.per_rule}))
"""


def manage(env, *args):
    result = subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
        [*MANAGE, *args], env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def migrated_scratch_database(tmp_path, redis_url):
    """The environment of a process that queues on Redis, with its scratch database migrated and the guidance loaded."""
    env = dict(
        os.environ,
        DATABASE_URL=f"sqlite:///{tmp_path / 'rq.sqlite3'}",
        DJANGO_SETTINGS_MODULE="mastoweb.settings",
        TASKS_BACKEND="django_tasks_rq.RQBackend",
        REDIS_URL=redis_url,
        PYTHONPATH=str(settings.BASE_DIR),
    )
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "load_guidance", "-v0")
    return env


def test_the_impact_job_runs_on_an_rq_worker_against_redis(tmp_path, redis_url):
    env = migrated_scratch_database(tmp_path, redis_url)
    manage(env, "rqstats")  # Redis answers
    queued = json.loads(manage(env, "shell", "--no-imports", "-c", QUEUE_IT).strip().splitlines()[-1])
    assert queued["state"] == "queued"

    manage(env, "rqworker", "--burst", "--job-class", "django_tasks_rq.Job", "default")

    done = json.loads(manage(env, "shell", "--no-imports", "-c", READ_IT).strip().splitlines()[-1])
    assert done["state"] == "done"
    assert done["changed"] == done["expected"] > 0
    assert done["per_rule"]["calcium-and-vitamin-d"]["removed"] == done["expected"]


PUBLISH_IT = """
import json
from django.contrib.auth import get_user_model
from cases.models import Case
from cases.selectors import marks_annotate
from guidance.models import Rule
from guidance.selectors import guidance_current
from tests.cases.factories import make_case, publish_revision

was = guidance_current().number
user = get_user_model().objects.create_user("rq-clinician")
for symptoms in [["fracture"], ["osteoporosis"], ["osteoporosis", "fracture"], [], ["flushing"]] * 4:
    make_case(user, subtype="ISM", symptoms=symptoms)
narrow = lambda draft: Rule.objects.filter(version=draft, rule_id="calcium-and-vitamin-d").update(
    condition='"fracture" in symptoms'
)
version = publish_revision(user=user, revise=narrow)  # committed: the marking is queued on Redis
checked = marks_annotate(Case.objects.all()).filter(checked_version=version.number).count()
print(json.dumps({"was": was, "number": version.number, "checked": checked}))
"""

READ_MARKS = """
import json
from cases.models import Case
from cases.selectors import marks_annotate
print(json.dumps(sorted([c.symptoms, c.checked_version, c.would_change] for c in marks_annotate(Case.objects.all()))))
"""


def test_the_marking_after_a_publish_runs_on_an_rq_worker_against_redis(tmp_path, redis_url):
    env = migrated_scratch_database(tmp_path, redis_url)
    published = json.loads(manage(env, "shell", "--no-imports", "-c", PUBLISH_IT).strip().splitlines()[-1])
    assert published["number"] == published["was"] + 1
    assert published["checked"] == 0  # left to the worker

    manage(env, "rqworker", "--burst", "--job-class", "django_tasks_rq.Job", "default")

    marks = json.loads(manage(env, "shell", "--no-imports", "-c", READ_MARKS).strip().splitlines()[-1])
    assert len(marks) == 20
    # Only osteoporosis without a fracture loses the calcium line.
    assert marks == sorted([symptoms, published["number"], symptoms == ["osteoporosis"]] for symptoms, *_ in marks)
