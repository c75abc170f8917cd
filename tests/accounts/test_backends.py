"""The permission backend answers as Django's ModelBackend does, in one query."""

import pytest
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission

from accounts import roles
from accounts.backends import ModelBackendOneQuery

pytestmark = pytest.mark.django_db


def _fresh(user):
    # A user as a new request loads it: no permissions read yet.
    return type(user).objects.get(pk=user.pk)


def _both(user):
    return ModelBackend().get_all_permissions(_fresh(user)), ModelBackendOneQuery().get_all_permissions(_fresh(user))


@pytest.mark.parametrize("role", [role.name for role in roles.ROLES])
def test_each_role_has_what_model_backend_gives(make_user, role):
    user = make_user("someone", groups=[role])
    django_answer, ours = _both(user)
    assert django_answer and ours == django_answer


def test_own_and_group_permissions_together_and_apart(make_user):
    own_only = make_user("own-only", perms=["cases.view_case", "cases.add_case"])
    group_only = make_user("group-only", groups=[roles.REVIEWER])
    both = make_user("both", groups=[roles.REVIEWER], perms=["cases.add_case", "cases.view_case"])
    nothing = make_user("nothing")
    for user in (own_only, group_only, both, nothing):
        django_answer, ours = _both(user)
        assert ours == django_answer, user.username
    assert ModelBackendOneQuery().get_all_permissions(_fresh(nothing)) == set()
    assert "cases.add_case" in ModelBackendOneQuery().get_all_permissions(_fresh(both))
    assert "cases.review_all_cases" in ModelBackendOneQuery().get_all_permissions(_fresh(both))


def test_superuser_has_every_permission_and_inactive_user_none(make_user):
    root = make_user("root")
    root.is_superuser = True
    root.save()
    assert ModelBackendOneQuery().get_all_permissions(_fresh(root)) == {
        f"{p.content_type.app_label}.{p.codename}" for p in Permission.objects.select_related("content_type")
    }
    gone = make_user("gone", groups=[roles.REVIEWER])
    gone.is_active = False
    gone.save()
    assert ModelBackendOneQuery().get_all_permissions(_fresh(gone)) == set()
    assert not _fresh(gone).has_perm("cases.view_case")


def test_one_query_per_request_and_none_for_the_next_check(make_user, django_assert_num_queries):
    user = _fresh(make_user("reviewer-1", groups=[roles.REVIEWER], perms=["cases.add_case"]))
    with django_assert_num_queries(1):
        assert user.has_perm("cases.review_all_cases")
        assert user.has_perm("cases.add_case")
        assert not user.has_perm("guidance.change_rule")


def test_a_role_taken_away_counts_at_the_next_request(make_user):
    user = make_user("leaving", groups=[roles.REVIEWER])
    assert _fresh(user).has_perm("cases.review_all_cases")
    user.groups.remove(Group.objects.get(name=roles.REVIEWER))
    assert not _fresh(user).has_perm("cases.review_all_cases")


def test_settings_use_it_in_place_of_model_backend(settings):
    assert "accounts.backends.ModelBackendOneQuery" in settings.AUTHENTICATION_BACKENDS
    assert "django.contrib.auth.backends.ModelBackend" not in settings.AUTHENTICATION_BACKENDS
