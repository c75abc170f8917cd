# ruff: noqa: N999 - gunicorn looks for this file name
"""gunicorn settings: `gunicorn -c mastoweb/gunicorn.conf.py` (see docs/deploy.md).

Environment: PORT (8000), BIND (overrides 127.0.0.1:$PORT, e.g. a private
address when the reverse proxy is on another host), WEB_CONCURRENCY (workers,
default 2 per core), GUNICORN_TIMEOUT (30 s), GUNICORN_MAX_REQUESTS (10000),
FORWARDED_ALLOW_IPS (addresses of the reverse proxy whose X-Forwarded-* headers
are trusted; 127.0.0.1).
"""

import os

wsgi_app = "mastoweb.wsgi:application"

bind = os.environ.get("BIND") or f"127.0.0.1:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY") or 2 * (os.cpu_count() or 1))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
# Recycle workers now and then so a slow leak cannot grow without bound; not
# often, as a fresh worker's first requests are slow (GUNICORN_MAX_REQUESTS=0: never).
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "10000"))
max_requests_jitter = max_requests // 10
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

# JSON lines: access log on stdout (method, path, status, duration only), errors on stderr.
logger_class = "mastoweb.logging.GunicornLogger"
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").strip().lower()

# gunicorn's control socket sits at one path per user: several instances on a
# host (or a bench run beside `make serve`) would fight over it, and we use
# signals (HUP to reload, TERM to stop) instead.
control_socket_disable = True
