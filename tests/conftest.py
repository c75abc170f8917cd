"""Shared fixtures: a user for each role plus an outsider, and the guidance."""

from pathlib import Path

import pytest

from mastoweb import roles

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Users are made in almost every test; the real hasher is slow on purpose.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def make_user(django_user_model):
    def make(username, *, staff=False, superuser=False, perms=(), groups=()):
        user = django_user_model.objects.create_user(
            username=username, password="correct-horse-battery-staple", is_staff=staff, is_superuser=superuser
        )
        if groups:
            from django.contrib.auth.models import Group

            user.groups.add(*Group.objects.filter(name__in=groups))
            assert user.groups.count() == len(set(groups)), f"unknown role group in {groups}"
        if perms:
            from django.contrib.auth.models import Permission

            for perm in perms:
                app_label, codename = perm.split(".")
                user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
        return user

    return make


@pytest.fixture
def editor(make_user):
    """A guidance editor: staff in the Guidance editor group, and its permissions given directly too."""
    perms = [
        f"guidance.{action}_{model}"
        for model in ("guidanceversion", "section", "paragraph", "rule", "safetyproperty", "regressioncase")
        for action in ("add", "change", "delete", "view")
    ] + ["guidance.publish_guidanceversion", "guidance.view_guideline"]
    return make_user("editor", staff=True, perms=perms, groups=[roles.GUIDANCE_EDITOR])


@pytest.fixture
def clinician(make_user):
    return make_user("clinician", groups=[roles.CLINICIAN])


@pytest.fixture
def outsider(make_user):
    """Another clinician: the owner of nothing the tests' clinician made."""
    return make_user("outsider", groups=[roles.CLINICIAN])


@pytest.fixture
def reviewer(make_user):
    return make_user("reviewer", groups=[roles.REVIEWER])


@pytest.fixture
def published_version(db):
    """The published guidance version after migrate (version 2)."""
    from guidance.publishing import guidance_current

    return guidance_current()


@pytest.fixture
def version_one(db):
    """Guidance version 1, retired by version 2 and still answering as it did."""
    from guidance.selectors import guidance_version_by_number

    return guidance_version_by_number(number=1)


def pytest_collection_modifyitems(config, items):
    """Browser tests run last.

    Playwright keeps an event loop running in the main thread for the rest of
    the session; Django then takes any later ORM call there for async code and
    refuses it. Running them last keeps every other test out of that loop.
    """
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)
