"""Settings for `make bench` (bench/run.py): the project's own, plus baseline views and a bench database.

BENCH_DATABASE_URL picks the database (default: bench/bench.sqlite3, rebuilt
on each run). DEBUG stays off, as in production.
"""

import os

import dj_database_url

from mastoweb.settings import *  # noqa: F403
from mastoweb.settings import BASE_DIR, TEMPLATES, sqlite_in_wal_mode

DEBUG = False
ROOT_URLCONF = "bench.urls"
TEMPLATES[0]["DIRS"] = [*TEMPLATES[0]["DIRS"], BASE_DIR / "bench" / "templates"]
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
DATABASES = {
    "default": sqlite_in_wal_mode(
        dj_database_url.parse(
            os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{BASE_DIR / 'bench' / 'bench.sqlite3'}",
            conn_max_age=60,
            conn_health_checks=True,
        )
    )
}
# seed_cases writes synthetic patients only in development or here.
SEED_CASES_ALLOWED = True
LOGGING["root"]["level"] = os.environ.get("LOG_LEVEL", "WARNING")  # noqa: F405
