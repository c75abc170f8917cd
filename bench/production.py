"""Settings for the bench's gunicorn: mastoweb.production, as `make serve` runs it, on the bench database.

bench/run.py sets SECRET_KEY (shared with its own process, which makes the
session cookies), SECURE_SSL_REDIRECT=false as `make serve` does, and collects
static files for the manifest storage first.
"""

from mastoweb.production import *  # noqa: F403

from .settings import ALLOWED_HOSTS, DATABASES, LOGGING, ROOT_URLCONF, TEMPLATES  # noqa: F401 - the bench's own
