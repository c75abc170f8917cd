"""The workbench is outside the admin's URLs but behind the admin's door; the admin keeps only Django's own pages."""

from urllib.parse import quote

import pytest
from django.contrib import admin
from django.contrib.admin import AdminSite, ModelAdmin
from django.contrib.admin.sites import all_sites
from django.urls import URLPattern, get_resolver, reverse

from guidance import publishing
from guidance.models import GuidanceVersion

pytestmark = pytest.mark.django_db

# The pages Django's ModelAdmin.get_urls gives every model (the unnamed one redirects an old change URL).
DJANGOS_OWN = ("changelist", "add", "history", "delete", "change")
PROJECT = ("mastoweb", "accounts", "audit", "guidance", "cases", "interop")


def _model_admins():
    admin.site.name  # noqa: B018 - the default site is made on first use
    sites = list(all_sites)
    assert admin.site._wrapped in sites
    return [(site, model, model_admin) for site in sites for model, model_admin in site._registry.items()]


def _get_urls_from(model_admin):
    """The class whose get_urls the model admin uses: Django's ModelAdmin, or a package's (auth's UserAdmin)."""
    return next(cls for cls in type(model_admin).__mro__ if "get_urls" in vars(cls))


def test_no_model_admin_of_the_project_adds_urls():
    for site, _, model_admin in _model_admins():
        assert type(site).get_urls is AdminSite.get_urls, type(site).__name__
        origin = _get_urls_from(model_admin)
        assert origin.__module__.partition(".")[0] not in PROJECT, f"{origin.__qualname__} overrides get_urls"


def test_every_admin_url_is_djangos_own():
    """Django's ModelAdmin pages for each model; only a package's own model admin (auth's users: the
    password page; django-otp's devices: the QR code) adds its own pages."""
    for _, model, model_admin in _model_admins():
        if _get_urls_from(model_admin) is not ModelAdmin:
            assert model._meta.app_label not in PROJECT, model
            continue
        prefix = f"{model._meta.app_label}_{model._meta.model_name}_"
        names = {pattern.name for pattern in model_admin.urls if pattern.name}
        assert names <= {prefix + own for own in DJANGOS_OWN}, f"{model.__name__}: {sorted(names)}"


def _workbench_paths(draft):
    """The path of every workbench URL, from the URL conf (a URL added later is checked too)."""
    resolver = next(r for r in get_resolver().url_patterns if getattr(r, "namespace", None) == "workbench")
    rule = draft.rules.get(rule_id="venom-immunotherapy")
    values = {"version_pk": draft.pk, "rule_pk": rule.pk, "paragraph_pk": rule.paragraph_id}
    paths = []
    for pattern in resolver.url_patterns:
        assert isinstance(pattern, URLPattern) and pattern.name, pattern
        params = pattern.pattern.converters
        paths.append(reverse(f"workbench:{pattern.name}", kwargs={name: values[name] for name in params}))
    return paths


@pytest.fixture
def draft(published_version, editor):
    return publishing.draft_create(guideline=published_version.guideline, user=editor)


def _as_the_admin_refuses(client, path, method):
    """What the admin answers a person it does not let in: its login page, to come back here."""
    response = getattr(client, method)(path)
    return response.status_code == 302 and response["Location"] == f"{reverse('admin:login')}?next={quote(path)}"


@pytest.mark.parametrize("method", ["get", "post"])
def test_the_workbench_refuses_whom_the_admin_refuses(client, make_user, editor, draft, method, settings):
    settings.OTP_REQUIRED = True
    paths = _workbench_paths(draft)
    assert len(paths) >= 12
    admin_page = reverse("admin:guidance_guidanceversion_changelist")

    # No one signed in; a signed-in clinician (not staff); an editor (staff) who has not passed the
    # two-factor step in this session; a staff account switched off.
    inactive = make_user("switched-off", staff=True)
    inactive.is_active = False
    inactive.save()
    for who in (None, make_user("not-staff"), editor, inactive):
        client.logout()
        if who is not None:
            client.force_login(who)
        assert _as_the_admin_refuses(client, admin_page, method), who
        for path in paths:
            assert _as_the_admin_refuses(client, path, method), f"{who}: {method.upper()} {path}"
    # Nothing was done on their behalf: still the one draft, unsubmitted.
    assert GuidanceVersion.objects.filter(status=GuidanceVersion.Status.DRAFT).get() == draft
    assert GuidanceVersion.objects.get(pk=draft.pk).review_state == draft.review_state


def test_past_the_two_factor_step_the_editor_is_let_in(client, editor, draft, login_two_factor, settings):
    settings.OTP_REQUIRED = True
    login_two_factor(client, editor)
    for path in _workbench_paths(draft):
        response = client.get(path)
        assert response.status_code in (200, 302, 405), path
        assert not response.get("Location", "").startswith(reverse("admin:login")), path
