"""Run the background worker under supervision: restarted whenever it exits, with the sweeper beside it.

    python manage.py background_worker

The worker is django-tasks' for the configured backend: `db_worker` for the
database backend, `rqworker` for RQ on Redis. Either exits when its database
or Redis goes away (a PostgreSQL restart, a Redis stop); this command starts
it again, waiting a little longer after each quick exit (up to a minute), and
for as long as it takes. Every --sweep-every seconds it runs the sweeper
(cases.sweeping), which fails tasks a killed worker left RUNNING and queues
again the work that made no progress. An unreachable database only skips a
sweep. SIGTERM or SIGINT stops the worker, then this command.
"""

import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import DatabaseError, close_old_connections, connections

from cases.sweeping import background_sweep

MANAGE = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py")]
MAX_DELAY = 60
HEALTHY_RUN = 60  # seconds: a worker that ran this long before exiting is restarted at once


def worker_command():
    if "rq" in settings.TASKS["default"]["BACKEND"].lower():
        return [*MANAGE, "rqworker", "--job-class", "django_tasks_rq.Job", "default"]
    return [*MANAGE, "db_worker", "--no-reload"]


class Command(BaseCommand):
    help = "Run the background worker, restarting it whenever it exits, with the sweeper beside it."

    def add_arguments(self, parser):
        parser.add_argument("--sweep-every", type=float, default=30.0, help="Seconds between sweeps (default 30).")
        parser.add_argument("--worker", help="The worker's command line (default: the configured backend's).")
        parser.add_argument("--max-starts", type=int, default=0, help="Stop after this many starts (tests; 0: never).")
        parser.add_argument("--first-delay", type=float, default=1.0, help="Seconds before the first restart.")

    def handle(self, *args, sweep_every, worker, max_starts, first_delay, **options):
        command = shlex.split(worker) if worker else worker_command()
        stopping = []

        def stop(signum, frame):
            stopping.append(signum)

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        delay, starts, last_sweep = first_delay, 0, 0.0
        while not stopping:
            starts += 1
            started = time.monotonic()
            process = subprocess.Popen(command)  # noqa: S603 - our own manage.py, or the operator's command
            self.stdout.write(f"background_worker: worker started (pid {process.pid}): {shlex.join(command)}")
            while process.poll() is None and not stopping:
                if time.monotonic() - last_sweep >= sweep_every:
                    last_sweep = time.monotonic()
                    self.sweep()
                time.sleep(0.2)
            if stopping:
                process.terminate()
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
                break
            ran = time.monotonic() - started
            delay = first_delay if ran >= HEALTHY_RUN else min(MAX_DELAY, delay * 2 if starts > 1 else delay)
            self.stderr.write(
                f"background_worker: worker exited with {process.returncode} after {ran:.0f} s; "
                f"restarting in {delay:g} s"
            )
            if max_starts and starts >= max_starts:
                break
            deadline = time.monotonic() + delay
            while time.monotonic() < deadline and not stopping:
                time.sleep(0.2)
        self.stdout.write("background_worker: stopped")

    def sweep(self):
        close_old_connections()
        try:
            background_sweep()
        except DatabaseError as exc:
            self.stderr.write(f"background_worker: sweep skipped, the database is unavailable ({type(exc).__name__})")
            for connection in connections.all():
                connection.close_if_unusable_or_obsolete()
        except Exception as exc:  # noqa: BLE001 - Redis down: the sweep queues nothing now, and tries again
            self.stderr.write(f"background_worker: sweep failed ({type(exc).__name__}); trying again later")
