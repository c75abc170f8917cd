"""The background worker heals (issue 24): restarted when it exits; what a killed one left is done, unattended.

The real database worker (django-tasks' db_worker) runs here on a scratch
SQLite database; the RQ tests need a redis-server on the machine (the `redis_url` fixture, tests/conftest.py).
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

from tests.conftest import free_port

MANAGE = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py")]
needs_redis = pytest.mark.skipif(
    shutil.which("redis-server") is None,
    reason="no redis-server on this machine (Debian: apt-get install redis-server); .ci/run installs it",
)


def manage(env, *args, timeout=300):
    result = subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
        [*MANAGE, *args], env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert result.returncode == 0, f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def shell(env, code):
    return json.loads(manage(env, "shell", "--no-imports", "-c", code).strip().splitlines()[-1])


def scratch(tmp_path, **extra):
    env = dict(
        os.environ,
        DATABASE_URL=f"sqlite:///{tmp_path / 'worker.sqlite3'}",
        DJANGO_SETTINGS_MODULE="mastoweb.settings",
        PYTHONPATH=str(settings.BASE_DIR),
        BACKGROUND_STUCK_AFTER_SECONDS="0",
        **extra,
    )
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "load_guidance", "-v0")
    return env


def test_the_supervisor_restarts_a_worker_that_exits(tmp_path):
    env = scratch(tmp_path)
    quits = f"{sys.executable} -c 'import sys; sys.exit(3)'"
    out = subprocess.run(  # noqa: S603
        [*MANAGE, "background_worker", "--worker", quits, "--max-starts", "3", "--first-delay", "0.1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert out.stdout.count("worker started") == 3
    assert out.stderr.count("worker exited with 3") == 3
    assert "restarting in 0.1 s" in out.stderr and "restarting in 0.2 s" in out.stderr  # waits longer each time


def test_the_supervisor_stops_its_worker_on_sigterm(tmp_path):
    env = scratch(tmp_path)
    sleeper = f"{sys.executable} -c 'import time; time.sleep(120)'"
    with subprocess.Popen(  # noqa: S603
        [*MANAGE, "background_worker", "--worker", sleeper], env=env, stdout=subprocess.PIPE, text=True
    ) as process:  # closes its stdout pipe when done
        line = process.stdout.readline()
        assert "worker started" in line
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0


# What a worker killed with kill -9 mid-chunk leaves: its task RUNNING, the impact RUNNING part-way, no one to
# carry on; and a publish whose enqueue failed: cases never compared.
LEAVE_IT_KILLED = """
import json
from datetime import timedelta
from django.contrib.auth import get_user_model
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from cases import impact
from cases.models import GuidanceImpact
from guidance.models import Rule
from guidance.publishing import draft_create
from guidance.selectors import guidance_current
from tests.cases.factories import make_case

user = get_user_model().objects.create_user("worker-clinician")
for n, symptoms in enumerate([["fracture"], ["osteoporosis"], ["osteoporosis", "fracture"], [], ["flushing"]] * 4):
    make_case(user, subtype="ISM", symptoms=symptoms, venom_allergy=n % 3 == 0)
draft = draft_create(guideline=guidance_current().guideline, user=user)
Rule.objects.filter(version=draft, rule_id="calcium-and-vitamin-d").update(condition='"fracture" in symptoms')
run = impact.impact_start(version=draft, user=user)
impact.impact_work(run.pk, chunk=1)  # one chunk done, then the worker died
task = DBTaskResult.objects.get(status=TaskResultStatus.READY)
DBTaskResult.objects.filter(pk=task.pk).update(
    status=TaskResultStatus.RUNNING, started_at=timezone.now() - timedelta(minutes=5)
)
GuidanceImpact.objects.filter(pk=run.pk).update(updated_at=timezone.now() - timedelta(minutes=5))
run.refresh_from_db()
print(json.dumps({"state": run.state, "done": run.groups_done, "groups": len(run.groups)}))
"""

READ_IT = """
import json
from django_tasks_db.models import DBTaskResult
from cases.models import Case, GuidanceImpact
run = GuidanceImpact.objects.get()
osteoporosis_only = sum(1 for c in Case.objects.all() if "osteoporosis" in c.symptoms and "fracture" not in c.symptoms)
print(json.dumps({"state": run.state, "changed": run.cases_changed, "expected": osteoporosis_only,
                  "tasks": sorted(t.status for t in DBTaskResult.objects.all())}))
"""


def test_what_a_killed_database_worker_left_is_finished_by_the_sweeper_and_the_real_worker(tmp_path):
    env = scratch(tmp_path)
    left = shell(env, LEAVE_IT_KILLED)
    assert left["state"] == "running" and 0 < left["done"] < left["groups"]

    out = manage(env, "shell", "--no-imports", "-c", "from cases.sweeping import background_sweep as s; print(s())")
    assert "'tasks_failed': 1" in out and "'impacts_queued': 1" in out
    manage(env, "db_worker", "--batch", "--no-startup-delay", "--no-reload", timeout=120)

    done = shell(env, READ_IT)
    assert done["state"] == "done"
    assert done["changed"] == done["expected"] > 0
    assert "FAILED" in done["tasks"] and "RUNNING" not in done["tasks"] and "READY" not in done["tasks"]


PUBLISH_IT = """
import json
from django.contrib.auth import get_user_model
from guidance.models import Rule
from guidance.queueing import enqueue_failures
from guidance.selectors import guidance_current
from tests.cases.factories import make_case, publish_revision

was = guidance_current().number
user = get_user_model().objects.create_user("rq-clinician")
for symptoms in [["fracture"], ["osteoporosis"], ["osteoporosis", "fracture"], [], ["flushing"]] * 4:
    make_case(user, subtype="ISM", symptoms=symptoms)
narrow = lambda draft: Rule.objects.filter(version=draft, rule_id="calcium-and-vitamin-d").update(
    condition='"fracture" in symptoms'
)
with enqueue_failures() as failed:
    version = publish_revision(user=user, revise=narrow)  # Redis is down: committed, the enqueue fails
print(json.dumps({"published_next": version.number == was + 1, "not_queued": failed}))
"""

READ_MARKS = """
import json
from cases.marking import cases_pending
from guidance.selectors import guidance_current
print(json.dumps({"pending": cases_pending(guidance_current()).count()}))
"""


@needs_redis
def test_a_publish_while_redis_is_down_is_compared_once_it_is_back(tmp_path, redis_url):
    env = scratch(tmp_path, TASKS_BACKEND="django_tasks_rq.RQBackend", REDIS_URL=redis_url)
    down = dict(env, REDIS_URL="redis://127.0.0.1:1/0")  # nothing listens there
    published = shell(down, PUBLISH_IT)
    assert published == {"published_next": True, "not_queued": ["the comparison of stored cases"]}
    assert shell(env, READ_MARKS) == {"pending": 20}

    out = manage(env, "shell", "--no-imports", "-c", "from cases.sweeping import background_sweep as s; print(s())")
    assert "'marking_queued': 1" in out
    manage(env, "rqworker", "--burst", "--job-class", "django_tasks_rq.Job", "default")
    assert shell(env, READ_MARKS) == {"pending": 0}


@needs_redis
def test_the_supervised_rq_worker_survives_a_redis_restart_and_a_kill(tmp_path):
    """Redis stops and starts again, and the worker is killed with kill -9: the work is still done, unattended."""
    port = free_port()  # a Redis of this test's own, stopped and started again
    redis = ["redis-server", "--port", str(port), "--save", "", "--appendonly", "no"]
    server = subprocess.Popen(redis, stdout=subprocess.DEVNULL)  # noqa: S603
    time.sleep(0.5)
    env = scratch(tmp_path, TASKS_BACKEND="django_tasks_rq.RQBackend", REDIS_URL=f"redis://127.0.0.1:{port}/0")
    supervisor = subprocess.Popen(  # noqa: S603
        [*MANAGE, "background_worker", "--first-delay", "0.5", "--sweep-every", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert "worker started" in supervisor.stdout.readline()
        time.sleep(3)
        server.terminate()
        server.wait(10)
        time.sleep(3)  # the sweeps meanwhile fail quietly; the worker waits or exits and is started again
        server = subprocess.Popen(redis, stdout=subprocess.DEVNULL)  # noqa: S603
        time.sleep(2)
        children = subprocess.run(  # noqa: S603 - the worker the supervisor runs now
            ["/usr/bin/pgrep", "-P", str(supervisor.pid)], capture_output=True, text=True, check=True
        )
        os.kill(int(children.stdout.split()[0]), signal.SIGKILL)
        published = shell(env, PUBLISH_IT)
        assert published["not_queued"] == []
        deadline = time.monotonic() + 90
        while shell(env, READ_MARKS)["pending"] and time.monotonic() < deadline:
            time.sleep(1)
        assert shell(env, READ_MARKS) == {"pending": 0}
    finally:
        supervisor.send_signal(signal.SIGTERM)
        errors = supervisor.communicate(timeout=30)[1]
        server.terminate()
        server.wait(10)
    assert "worker exited with -9" in errors
