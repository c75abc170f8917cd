"""mastoweb.production: refuses to start without a secret, local-serve override, health checks."""

import importlib
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

SECRET = "x" * 64


@pytest.fixture
def load_production(monkeypatch):
    def load(**env):
        for name in ("SECRET_KEY", "SECURE_SSL_REDIRECT"):
            monkeypatch.delenv(name, raising=False)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        monkeypatch.delitem(sys.modules, "mastoweb.production", raising=False)
        return importlib.import_module("mastoweb.production")

    yield load
    sys.modules.pop("mastoweb.production", None)


def test_it_refuses_to_start_without_a_real_secret_key(load_production):
    with pytest.raises(ImproperlyConfigured):
        load_production(SECRET_KEY="short")


def test_it_redirects_to_https_and_uses_the_compressed_manifest(load_production):
    from mastoweb import settings as base

    production = load_production(SECRET_KEY=SECRET)

    assert base.STORAGES["staticfiles"]["BACKEND"] != production.STORAGES["staticfiles"]["BACKEND"]

    assert production.DEBUG is False
    assert production.SECURE_SSL_REDIRECT is True
    assert production.SESSION_COOKIE_SECURE is True
    assert production.STORAGES["staticfiles"]["BACKEND"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"


def test_it_keeps_sessions_in_the_database(load_production):
    production = load_production(SECRET_KEY=SECRET)

    assert getattr(production, "SESSION_ENGINE", "django.contrib.sessions.backends.db") == (
        "django.contrib.sessions.backends.db"
    )


def test_it_lets_local_serve_turn_the_https_redirect_off(load_production):
    assert load_production(SECRET_KEY=SECRET, SECURE_SSL_REDIRECT="false").SECURE_SSL_REDIRECT is False


def test_it_answers_health_checks_over_plain_http(load_production, client, settings, published_version):
    production = load_production(SECRET_KEY=SECRET)
    settings.SECURE_SSL_REDIRECT = production.SECURE_SSL_REDIRECT
    settings.SECURE_REDIRECT_EXEMPT = production.SECURE_REDIRECT_EXEMPT

    assert client.get("/healthz").status_code == 200
    assert client.get("/guidance/").status_code == 301
