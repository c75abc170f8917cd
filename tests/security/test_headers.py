"""Response headers and markup that keep pages from running foreign code or being cached."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def csp(response):
    """The Content-Security-Policy header as {directive: [sources]}."""
    policy = {}
    for part in response["Content-Security-Policy"].split(";"):
        name, *sources = part.split()
        policy[name] = sources
    return policy


def test_it_sends_a_policy_that_allows_only_our_own_scripts(client):
    policy = csp(client.get(reverse("login")))
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]


def test_the_policy_covers_signed_in_pages_too(client, clinician, published_version):
    client.force_login(clinician)
    response = client.get(reverse("guidance:current"))
    assert response.status_code == 200
    policy = csp(response)
    for directive in ("script-src", "default-src", "style-src"):
        assert "'unsafe-inline'" not in policy[directive]
        assert "'unsafe-eval'" not in policy[directive]


def test_pages_have_no_inline_script_or_style(client, clinician, published_version):
    client.force_login(clinician)
    html = client.get(reverse("guidance:current")).content.decode()
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert scripts, "the page should load htmx and our script"
    assert all("src=" in tag for tag in scripts)
    assert "<style" not in html
    assert not re.search(r"\sstyle=", html)
    assert not re.search(r"\son[a-z]+=", html)


def test_htmx_is_told_not_to_inject_its_indicator_style(client):
    html = client.get(reverse("login")).content.decode()
    assert """<meta name="htmx-config" content='{"includeIndicatorStyles":false}'>""" in html


def test_our_templates_have_no_inline_script_or_style():
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text()
        if re.search(r"<script\b(?![^>]*\bsrc=)[^>]*>", text) or re.search(r"<style\b|\sstyle=|\son[a-z]+=", text):
            offenders.append(str(path.relative_to(TEMPLATES)))
    assert offenders == []


def test_signed_in_pages_are_not_stored_by_caches(client, clinician, published_version):
    client.force_login(clinician)
    response = client.get(reverse("guidance:current"))
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"no-store", "private"} <= cache_control


def test_it_refuses_framing_and_limits_the_referrer(client):
    response = client.get(reverse("login"))
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_static_files_are_served_without_cors_headers(client, settings):
    """whitenoise sent Access-Control-Allow-Origin: * on /static/; only CDS Hooks routes send CORS (issue 24)."""
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True
    response = client.get("/static/css/mastoweb.css")
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response
