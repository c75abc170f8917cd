import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command

from accounts.roles import CLINICIAN, GUIDANCE_EDITOR, REVIEWER, ROLES, ROLES_BY_NAME
from cases.management.commands.demo_setup import DEMO_ROLES
from cases.models import Assessment, Case

pytestmark = pytest.mark.django_db


def test_the_role_groups_exist_with_their_permissions():
    for role in ROLES:
        group = Group.objects.get(name=role.name)
        held = set(group.permissions.values_list("content_type__app_label", "codename"))
        assert held == set(role.permissions), role.name
    assert ("cases", "review_all_cases") in ROLES_BY_NAME[REVIEWER].permissions


def test_demo_setup_refuses_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("demo_setup")
    assert not get_user_model().objects.exists()


def test_demo_setup_puts_users_in_their_groups_and_makes_demo_cases_once(settings, published_version, capsys):
    settings.DEBUG = True
    call_command("demo_setup")
    call_command("demo_setup")

    users = get_user_model().objects
    assert users.get(username="clinician").groups.filter(name=CLINICIAN).exists()
    assert users.get(username="reviewer").groups.filter(name=REVIEWER).exists()
    assert users.get(username="editor").groups.filter(name=GUIDANCE_EDITOR).exists()
    assert users.get(username="clinician").has_perm("cases.add_case")
    assert users.get(username="reviewer").has_perm("cases.review_all_cases")
    cases = Case.objects.filter(created_by__username="clinician")
    assert cases.count() >= 3
    assert Assessment.objects.filter(case__in=cases).count() == cases.count()
    assert "mastoweb-demo" in capsys.readouterr().out


def test_demo_setup_makes_a_user_for_every_role_staff_as_its_role_says(settings, published_version):
    settings.DEBUG = True
    assert set(DEMO_ROLES.values()) == set(ROLES_BY_NAME)
    users = get_user_model().objects
    # A demo user whose staff flag disagrees with its role's declaration is put right on the next run.
    users.create_user(username="editor", password="x", is_staff=False)
    call_command("demo_setup")

    for username, role_name in DEMO_ROLES.items():
        user = users.get(username=username)
        assert list(user.groups.values_list("name", flat=True)) == [role_name]
        assert user.is_staff is ROLES_BY_NAME[role_name].staff, username
        assert not user.is_superuser
    admin = users.get(username="admin")
    assert admin.is_staff and admin.is_superuser
    assert users.get(username="clinician").check_password("mastoweb-demo")
