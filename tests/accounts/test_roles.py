"""Roles are declared once (accounts.roles): groups, start page and navigation follow from the declaration."""

import ast
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from accounts import roles
from accounts.navigation import section_of

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent.parent


def _held(group):
    return set(group.permissions.values_list("content_type__app_label", "codename"))


def test_after_migrate_each_role_group_holds_exactly_its_declared_permissions():
    for role in roles.ROLES:
        assert _held(Group.objects.get(name=role.name)) == set(role.permissions), role.name


def test_ensuring_the_roles_again_repairs_a_group_and_changes_nothing_else():
    reviewer = Group.objects.get(name=roles.REVIEWER)
    reviewer.permissions.add(Permission.objects.get(codename="delete_case"))
    Group.objects.get(name=roles.CLINICIAN).delete()
    before = {group.pk: _held(group) for group in Group.objects.exclude(name=roles.REVIEWER)}

    roles.ensure_roles(sender=None, apps=apps)
    roles.ensure_roles(sender=None, apps=apps)

    assert _held(reviewer) == set(roles.ROLES_BY_NAME[roles.REVIEWER].permissions)
    assert _held(Group.objects.get(name=roles.CLINICIAN)) == set(roles.ROLES_BY_NAME[roles.CLINICIAN].permissions)
    assert {pk: held for pk, held in before.items() if Group.objects.filter(pk=pk).exists()} == before
    assert Group.objects.filter(name__in=[role.name for role in roles.ROLES]).count() == len(roles.ROLES)


def test_a_declared_permission_that_does_not_exist_stops_migrate(monkeypatch):
    typo = roles.Role("Typist", permissions=(("cases", "add_cases"),), start_page="home")
    monkeypatch.setattr(roles, "ROLES", (*roles.ROLES, typo))
    with pytest.raises(Permission.DoesNotExist):
        roles.ensure_roles(sender=None, apps=apps)


def test_no_migration_imports_role_code():
    importers = []
    for path in ROOT.glob("*/migrations/*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            if any(name.split(".")[0] == "accounts" for name in names):
                importers.append(str(path.relative_to(ROOT)))
    assert importers == []


def test_each_role_starts_at_its_declared_page(client, each_role):
    role = roles.ROLES_BY_NAME[each_role.groups.get().name]
    client.force_login(each_role)
    assert client.get(reverse("home"))["Location"] == reverse(role.start_page)


def test_each_role_sees_its_declared_links_then_everyones(client, each_role, published_version, settings):
    settings.OTP_REQUIRED = False  # the two-factor step has its own tests
    role = roles.ROLES_BY_NAME[each_role.groups.get().name]
    client.force_login(each_role)
    response = client.get(reverse("guidance:current"))
    assert response.context["nav_links"] == [*role.navigation, *roles.EVERYONE_NAVIGATION]


def test_a_user_with_no_role_starts_at_the_guidance_and_sees_only_everyones_links(client, make_user, published_version):
    client.force_login(make_user("nobody"))
    assert client.get(reverse("home"))["Location"] == reverse(roles.DEFAULT_START_PAGE)
    assert client.get(reverse("guidance:current")).context["nav_links"] == list(roles.EVERYONE_NAVIGATION)


@pytest.mark.parametrize(
    ("view_name", "link"),
    [
        ("cases:list", roles.CASES),
        ("cases:detail", roles.CASES),
        ("cases:review", roles.REVIEW),
        ("cases:review_detail", roles.REVIEW),
        ("cases:dashboard_csv", roles.REVIEW),
        ("guidance:current", roles.GUIDANCE),
        ("audit:list", None),
        ("home", None),
        (None, None),
    ],
)
def test_the_current_section_is_the_declared_one(view_name, link):
    assert section_of(view_name) == link


def test_the_page_marks_its_section_as_current(client, reviewer, published_version):
    client.force_login(reviewer)
    html = client.get(reverse("cases:review")).content.decode()
    assert f'class="nav-link active" aria-current="page" href="{reverse("cases:review")}"' in html
    assert html.count('aria-current="page"') == 1
