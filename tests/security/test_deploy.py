"""Production settings pass Django's deployment checks; error pages give nothing away."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]


def run_with_production_settings(*args, **env):
    # Not this test run's own switches (the browser tests allow async-unsafe calls).
    inherited = {
        name: value
        for name, value in os.environ.items()
        if name not in {"DJANGO_ALLOW_ASYNC_UNSAFE", "DEBUG", "OTP_REQUIRED", "SECURE_SSL_REDIRECT"}
    }
    environment = {
        **inherited,
        "DJANGO_SETTINGS_MODULE": "mastoweb.production",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "example.org",
        **env,
    }
    return subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, "manage.py", *args], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )


def test_the_deployment_checks_pass_without_a_warning():
    result = run_with_production_settings("check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_always_requires_two_factor_login():
    result = run_with_production_settings(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.OTP_REQUIRED, settings.DEBUG)",
        OTP_REQUIRED="false",
        DEBUG="true",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].split() == ["True", "False"]


@pytest.mark.django_db
@pytest.mark.urls("tests.security.urls")
def test_the_500_page_shows_no_traceback_and_needs_no_database(django_assert_num_queries):
    client = Client(raise_request_exception=False)
    with django_assert_num_queries(0):
        response = client.get("/boom/")
    html = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong" in html
    for leak in ("Traceback", "RuntimeError", "secret-internal-detail", "hunter2", "mastoweb/"):
        assert leak not in html


@pytest.mark.django_db
def test_the_404_page_uses_the_site_layout(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html
    assert "skip-link" in html
