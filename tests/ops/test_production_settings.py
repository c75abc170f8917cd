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


# Caches every process and every instance sees alike: sessions are read through the
# cache, and the current guidance version's token lives in it.
SHARED_CACHES = {"django.core.cache.backends.db.DatabaseCache", "django.core.cache.backends.redis.RedisCache"}


def test_it_keeps_sessions_in_the_database(load_production):
    production = load_production(SECRET_KEY=SECRET)

    assert getattr(production, "SESSION_ENGINE", "django.contrib.sessions.backends.db") in {
        "django.contrib.sessions.backends.db",
        "django.contrib.sessions.backends.cached_db",
    }


def test_its_cache_is_shared_by_every_process_and_instance(load_production):
    production = load_production(SECRET_KEY=SECRET)

    assert production.CACHES["default"]["BACKEND"] in SHARED_CACHES


def test_it_lets_local_serve_turn_the_https_redirect_off(load_production):
    assert load_production(SECRET_KEY=SECRET, SECURE_SSL_REDIRECT="false").SECURE_SSL_REDIRECT is False


def test_it_answers_health_checks_over_plain_http(load_production, client, settings, published_version):
    production = load_production(SECRET_KEY=SECRET)
    settings.SECURE_SSL_REDIRECT = production.SECURE_SSL_REDIRECT
    settings.SECURE_REDIRECT_EXEMPT = production.SECURE_REDIRECT_EXEMPT

    assert client.get("/healthz").status_code == 200
    assert client.get("/guidance/").status_code == 301


def test_it_keeps_templates_compiled_between_requests(load_production):
    """Django's cached loader, behind django-template-partials' loader (which puts itself in front at start-up)."""
    from django.template import Engine

    template_settings = load_production(SECRET_KEY=SECRET).TEMPLATES[0]
    engine = Engine(
        dirs=template_settings["DIRS"],
        app_dirs=template_settings.get("APP_DIRS", False),
        loaders=template_settings["OPTIONS"].get("loaders"),
    )

    chain, loaders = [], engine.template_loaders
    while loaders:
        chain.append(type(loaders[0]).__module__)
        loaders = getattr(loaders[0], "loaders", [])
    assert "django.template.loaders.cached" in chain
