"""Mastoweb settings, read from the environment.

Development defaults are safe for a laptop; production (DEBUG off) refuses to
start without a real SECRET_KEY.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", default=False)
# Development default only: mastoweb.production refuses to start without one.
SECRET_KEY = os.environ.get("SECRET_KEY") or "dev-only-insecure-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# Where EHRs and FHIR readers reach this app: CDS Hooks tokens must name
# PUBLIC_BASE_URL + the service path as their audience, and every link in a
# card or a FHIR export starts with it.
PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "mastoweb.apps.MastowebAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "template_partials",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "simple_history",
    "django_tasks",
    "django_tasks_db",
    "mastoweb.apps.MastowebConfig",
    "accounts",
    "audit",
    "guidance",
    "cases",
    "interop",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # The request for audit events recorded below the views (user and address).
    "audit.context.AuditContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.SessionLimitsMiddleware",
    "accounts.middleware.TwoFactorRequiredMiddleware",
    "accounts.middleware.NoStoreMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "mastoweb.urls"
WSGI_APPLICATION = "mastoweb.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "guidance.context_processors.footer_guidance",
                "accounts.navigation.navigation",
            ],
        },
    },
]


def sqlite_in_wal_mode(database):
    """SQLite with a write-ahead log: readers (the other gunicorn workers) never wait for a
    writer, and a commit (each case view writes its audit event) syncs the log once rather
    than the rollback journal and the database. Synchronous stays FULL: a commit survives a
    power cut. The mode is kept in the file; setting it again at connection is a no-op.

    Each transaction takes the write lock when it begins (BEGIN IMMEDIATE), and a writer
    waits up to SQLITE_BUSY_TIMEOUT seconds for it. A transaction that read first and
    asked for the lock later could not wait (SQLite answers "database is locked" at once,
    as its snapshot is stale): the probe saw 18 such 500s under load (issue 24).
    docs/deploy.md says at what write load PostgreSQL is the answer instead.
    """
    if database["ENGINE"] == "django.db.backends.sqlite3":
        options = database.setdefault("OPTIONS", {})
        options["init_command"] = "PRAGMA journal_mode=WAL"
        options["transaction_mode"] = "IMMEDIATE"
        options["timeout"] = float(os.environ.get("SQLITE_BUSY_TIMEOUT", "20"))
    return database


DATABASES = {
    "default": sqlite_in_wal_mode(
        dj_database_url.config(
            default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
            conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
            conn_health_checks=True,
        )
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# /healthz answers 503 when less than this is free beside a SQLite database file.
HEALTH_MIN_FREE_DISK_MB = int(os.environ.get("HEALTH_MIN_FREE_DISK_MB", "200"))

# Shared by every process and instance, as the token that tells them the
# current guidance version changed must be (guidance/selectors.py): the
# database (table mastoweb_cache, made by migrate), not Django's per-process
# local-memory default.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "mastoweb_cache",
        # Sessions live here too (below): room for every open one before entries are culled.
        "OPTIONS": {"MAX_ENTRIES": 50_000},
    },
    # Derived drawings (the dashboard's SVG charts, keyed by a hash of their data): each process
    # keeps its own, as a miss only redraws; a shared cache would cost a query per chart.
    "charts": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "mastoweb-charts",
        "OPTIONS": {"MAX_ENTRIES": 500},
    },
    # Rendered fragments that are the same HTML for the same key (a filter bar for its values): per process too.
    "fragments": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "mastoweb-fragments",
        "OPTIONS": {"MAX_ENTRIES": 2000},
    },
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# django-axes checks for a lockout before any password is compared; it needs the
# request, so tests log in with force_login, not client.login.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.ModelBackendOneQuery",
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Third-party front-end code comes from the npm registry (package-lock.json),
# installed into node_modules by `make install` and served under its own prefix.
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("bootstrap", BASE_DIR / "node_modules" / "bootstrap" / "dist"),
]
# whitenoise sends Access-Control-Allow-Origin: * on every static file by default; only the
# CDS Hooks endpoints send CORS headers (interop/cors.py), and nothing needs our files cross-origin.
WHITENOISE_ALLOW_ALL_ORIGINS = False
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env_bool("STATIC_MANIFEST")
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# Background work (django-tasks; django.tasks from Django 6): the impact of a
# guidance draft on the stored cases. Embedded default: the database backend,
# worked by `manage.py db_worker`, which `manage.py background_worker` runs and
# restarts (`make run`). Scale-out: RQ on Redis (docs/deploy.md). Tests use the immediate backend (tests/conftest.py).
TASKS = {"default": {"BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend")}}
# Work with no progress for this long is taken for lost (its worker was killed, or its
# enqueue failed) and queued again by the sweeper (cases/sweeping.py), which
# `manage.py background_worker` runs beside the worker.
BACKGROUND_STUCK_AFTER_SECONDS = int(os.environ.get("BACKGROUND_STUCK_AFTER_SECONDS", "300"))
# Scale-out: TASKS_BACKEND=django_tasks_rq.RQBackend with REDIS_URL; workers run
# `manage.py rqworker --job-class django_tasks_rq.Job default`.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    INSTALLED_APPS.append("django_rq")
    RQ_QUEUES = {"default": {"URL": REDIS_URL}}

# ---------------------------------------------------------------- security
# CDS Hooks clients' keys published at a JWKS URL (interop/jwks.py): cached for
# JWKS_CACHE_SECONDS, refetched for an unknown kid at most once per
# JWKS_REFETCH_SECONDS per client, each fetch cut off at JWKS_DEADLINE_SECONDS in
# all. Loopback, private and link-local addresses are refused unless
# JWKS_ALLOW_PRIVATE_ADDRESSES (development and tests only); JWKS_CA_FILE trusts
# a hospital's own certificate authority besides the system's.
JWKS_CACHE_SECONDS = int(os.environ.get("JWKS_CACHE_SECONDS", "3600"))
JWKS_REFETCH_SECONDS = int(os.environ.get("JWKS_REFETCH_SECONDS", "60"))
JWKS_DEADLINE_SECONDS = float(os.environ.get("JWKS_DEADLINE_SECONDS", "3"))
JWKS_ALLOW_PRIVATE_ADDRESSES = env_bool("JWKS_ALLOW_PRIVATE_ADDRESSES", default=False)
JWKS_CA_FILE = os.environ.get("JWKS_CA_FILE", "")

# Sessions end after SESSION_IDLE_TIMEOUT seconds without a request and
# SESSION_ABSOLUTE_TIMEOUT after login (accounts.middleware.SessionLimitsMiddleware,
# which says why on the login page). The stored session lives to the absolute
# limit so the middleware can tell an idle session from no session.
SESSION_IDLE_TIMEOUT = int(os.environ.get("SESSION_IDLE_TIMEOUT", 30 * 60))
SESSION_ABSOLUTE_TIMEOUT = int(os.environ.get("SESSION_ABSOLUTE_TIMEOUT", 12 * 60 * 60))
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_TIMEOUT
SESSION_EXPIRE_AT_BROWSER_CLOSE = True  # shared ward computers
# Stored in the database and read through the shared cache: one primary-key read of
# the cache table instead of the ORM's session query and a signature check on every
# request; writes go to both, and logout removes both, for every process at once.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# Refusals before anyone is identified (a login that must wait, a CDS Hooks call with a
# bad token) are recorded once per window and key, with the count of the window before
# (audit.services.audit_record_refusal): a flood cannot grow the append-only trail a row each.
AUDIT_REFUSAL_WINDOW_SECONDS = int(os.environ.get("AUDIT_REFUSAL_WINDOW_SECONDS", "60"))

# Reverse proxies in front of the app that append to X-Forwarded-For; 0 trusts
# none and uses REMOTE_ADDR (audit.ip.client_ip, for the audit trail and axes).
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))

# Login throttling: locked per username *and* address, so one user's typos do
# not lock out a whole hospital behind one address, and nobody elsewhere can
# lock a colleague out. A success clears the count.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# ...and per username across every address, which a spray from many addresses
# slips past: after LOGIN_USERNAME_FAILURE_LIMIT failed logins for one username
# within LOGIN_USERNAME_WINDOW, each further attempt for it waits until
# LOGIN_USERNAME_COOLOFF after the latest failure (accounts/login_throttling.py).
# A short wait, not a lockout: it holds a spray to a few guesses a minute per
# username while the real user, told how long, waits seconds at most.
LOGIN_USERNAME_FAILURE_LIMIT = int(os.environ.get("LOGIN_USERNAME_FAILURE_LIMIT", "20"))
LOGIN_USERNAME_WINDOW = timedelta(minutes=int(os.environ.get("LOGIN_USERNAME_WINDOW_MINUTES", "15")))
LOGIN_USERNAME_COOLOFF = timedelta(seconds=int(os.environ.get("LOGIN_USERNAME_COOLOFF_SECONDS", "30")))
# A known client of a username (its browser logged in as it, or its address did,
# within LOGIN_KNOWN_CLIENT_DAYS) skips that wait: a spray cannot keep the real user out.
LOGIN_KNOWN_CLIENT_DAYS = int(os.environ.get("LOGIN_KNOWN_CLIENT_DAYS", "90"))
AXES_VERBOSE = False  # its start-up banner would pollute every management command's stderr
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "audit.ip.client_ip"

# Two-factor login (TOTP) for staff and superusers (accounts/twofactor.py). On
# unless a development machine (DEBUG=true) sets OTP_REQUIRED=false for the demo
# users; mastoweb.production always requires it.
OTP_REQUIRED = env_bool("OTP_REQUIRED", default=True) or not DEBUG
OTP_TOTP_ISSUER = "Mastoweb"
# Wrong codes: the first OTP_FREE_FAILURES cost nothing, so a slip, or a stranger
# holding a staff password, does not hold up the right code; from then on each
# wrong code doubles the wait, starting at OTP_BACKOFF_SECONDS, and the page says
# how long it is. accounts/twofactor.py applies this to the failure count
# django-otp keeps on the device; django-otp's own throttle, which makes even
# the right code wait after a single wrong one, is off (factor 0).
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_FREE_FAILURES = 3
OTP_BACKOFF_SECONDS = 1
# ...up to a cap, so a stolen password cannot keep the real user out for long; at
# OTP_ALERT_FAILURES wrong codes in a row the audit trail and the log raise an alert.
OTP_BACKOFF_MAX_SECONDS = 300
OTP_ALERT_FAILURES = 10

# Content Security Policy (django-csp 4): our own origin only, no inline script
# or style anywhere. Bootstrap draws some form controls with data: SVG images.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"

# Field-level history of guidance is for reading: changes go through a draft.
SIMPLE_HISTORY_REVERT_DISABLED = True

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# The safety properties of one guidance version, all together, may try at most
# PROOF_BUDGET_CASES cases and take PROOF_BUDGET_SECONDS (guidance.publishing.guidance_prove):
# the publish screen proves them in its request, which must end before gunicorn's timeout.
PROOF_BUDGET_CASES = int(os.environ.get("PROOF_BUDGET_CASES", "2000000"))
PROOF_BUDGET_SECONDS = float(os.environ.get("PROOF_BUDGET_SECONDS", "15"))

# The guideline this installation serves, and the source it was built from.
GUIDANCE_SLUG = "sm-management"

# JSON lines (mastoweb/logging.py: no query strings, request bodies or exception
# messages, so no case facts or notes); LOG_FORMAT=text for plain lines.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "mastoweb.logging.JsonFormatter"},
        "text": {"()": "mastoweb.logging.TextFormatter", "format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": os.environ.get("LOG_FORMAT") or ("text" if DEBUG else "json"),
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO").strip().upper()},
}
