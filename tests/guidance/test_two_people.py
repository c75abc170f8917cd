"""Two people to publish means two: the three ways one person published alone, each refused.

1. The approval excluded only the last person who changed the draft: `editor`
   changed a rule, `editor2` touched a section title and submitted, and
   `editor` approved his own change.
2. A superuser made a second account (`puppet`), gave it the editor role and
   approved with it. Now accounts, roles, flags, passwords and two-factor
   devices are events of our own trail, and an approver's must predate the
   draft's first change.
3. An edit slipping into a publish on PostgreSQL: tests/security/test_integrity_races.py.
"""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser, Group, Permission
from django.test import Client, RequestFactory
from django.urls import reverse

from accounts import roles
from accounts.audit_names import AccountAction
from audit.context import AuditContextMiddleware
from audit.models import AuditEvent
from guidance.models import Rule, Section
from guidance.publishing import (
    PublishError,
    draft_approve,
    draft_create,
    draft_publish,
    draft_submit,
)

pytestmark = pytest.mark.django_db
User = get_user_model()


@pytest.fixture
def editor2(make_user):
    return make_user("editor2", staff=True, groups=[roles.GUIDANCE_EDITOR])


@pytest.fixture
def editor3(make_user):
    return make_user("editor3", staff=True, groups=[roles.GUIDANCE_EDITOR])


@pytest.fixture
def draft(published_version, editor, editor2, editor3):
    return draft_create(guideline=published_version.guideline, user=editor)


def in_a_request_of(user, work):
    """Run `work` as audit's middleware serves a request of `user`'s (who acts, for the trail)."""
    request = RequestFactory().post("/", REMOTE_ADDR="192.0.2.1")
    request.user = user
    AuditContextMiddleware(lambda request: work())(request)


def change_rule(draft, user, summary="Reworded by an editor"):
    rule = Rule.objects.get(version=draft, rule_id="venom-immunotherapy")
    rule.summary = summary
    rule._history_user = user
    rule.save()


def change_section_title(draft, user):
    section = Section.objects.filter(version=draft).first()
    section.title += "."
    section._history_user = user
    section.save()


# ---------------------------------------------------------------- 1. everyone who changed it


def test_an_editor_whose_change_another_submitted_cannot_approve_it(draft, editor, editor2):
    change_rule(draft, editor)
    change_section_title(draft, editor2)
    draft_submit(draft=draft, user=editor2)
    with pytest.raises(PublishError, match="Nobody approves their own change"):
        draft_approve(draft=draft, user=editor)


def test_a_third_editor_who_changed_nothing_approves_it(draft, editor, editor2, editor3):
    change_rule(draft, editor)
    change_section_title(draft, editor2)
    draft_submit(draft=draft, user=editor2)
    assert draft_approve(draft=draft, user=editor3).approved_by == editor3


def test_changes_an_earlier_approval_covered_do_not_bar_their_author(draft, editor, editor2):
    change_rule(draft, editor)
    draft_submit(draft=draft, user=editor)
    draft_approve(draft=draft, user=editor2)
    # editor2 changes it after approving (the approval is void), and resubmits: editor's change was approved
    # by editor2 already, and editor2's own change is new to editor.
    change_section_title(draft, editor2)
    draft_submit(draft=draft, user=editor2)
    assert draft_approve(draft=draft, user=editor).approved_by == editor


def test_creating_a_draft_is_not_a_change_that_bars_its_creator(draft, editor, editor2):
    change_rule(draft, editor2)
    draft_submit(draft=draft, user=editor2)
    assert draft_approve(draft=draft, user=editor).approved_by == editor


# ---------------------------------------------------------------- 2. an approver of long standing


def test_an_account_made_after_the_draft_began_cannot_approve_it(draft, editor, make_user):
    change_rule(draft, editor)
    draft_submit(draft=draft, user=editor)
    puppet = make_user("puppet", staff=True, groups=[roles.GUIDANCE_EDITOR])
    with pytest.raises(PublishError, match="set up or changed after this draft was begun"):
        draft_approve(draft=draft, user=puppet)


def test_an_existing_user_given_the_editor_role_after_the_draft_began_cannot_approve_it(draft, editor, clinician):
    change_rule(draft, editor)
    draft_submit(draft=draft, user=editor)
    clinician.groups.add(Group.objects.get(name=roles.GUIDANCE_EDITOR))
    with pytest.raises(PublishError, match="set up or changed"):
        draft_approve(draft=draft, user=User.objects.get(pk=clinician.pk))


def test_a_user_made_superuser_after_the_draft_began_cannot_approve_it(draft, editor, clinician):
    change_rule(draft, editor)
    draft_submit(draft=draft, user=editor)
    clinician.is_superuser = clinician.is_staff = True
    clinician.save()
    with pytest.raises(PublishError, match="set up or changed"):
        draft_approve(draft=draft, user=clinician)


def test_a_role_given_the_approve_permission_after_the_draft_began_bars_its_members(draft, editor, clinician):
    change_rule(draft, editor)
    draft_submit(draft=draft, user=editor)
    Group.objects.get(name=roles.CLINICIAN).permissions.add(Permission.objects.get(codename="approve_guidanceversion"))
    with pytest.raises(PublishError, match="set up or changed"):
        draft_approve(draft=draft, user=User.objects.get(pk=clinician.pk))


def test_an_editor_whose_password_someone_else_set_after_the_draft_began_cannot_approve_it(
    draft, editor, editor2, admin_user
):
    change_rule(draft, editor)
    draft_submit(draft=draft, user=editor)
    editor2.set_password("a new one chosen by the administrator")
    in_a_request_of(admin_user, editor2.save)
    with pytest.raises(PublishError, match="set up or changed"):
        draft_approve(draft=draft, user=editor2)


def test_an_editor_who_changes_their_own_password_may_still_approve(draft, editor, editor2):
    change_rule(draft, editor)
    draft_submit(draft=draft, user=editor)
    editor2.set_password("my own new password")
    in_a_request_of(editor2, editor2.save)
    assert draft_approve(draft=draft, user=editor2).approved_by == editor2


def test_a_password_rehashed_at_the_users_own_login_does_not_bar_them(draft, editor, editor2):
    # Django re-hashes a password it has just checked when its hasher changed; nobody is signed in yet.
    change_rule(draft, editor)
    draft_submit(draft=draft, user=editor)
    editor2.set_password("correct-horse-battery-staple")
    in_a_request_of(AnonymousUser(), lambda: editor2.save(update_fields=["password"]))
    assert draft_approve(draft=draft, user=editor2).approved_by == editor2


def test_a_password_set_from_a_shell_bars_its_user(draft, editor, editor2):
    change_rule(draft, editor)
    draft_submit(draft=draft, user=editor)
    editor2.set_password("set by whoever holds the server")
    editor2.save()
    with pytest.raises(PublishError, match="set up or changed"):
        draft_approve(draft=draft, user=editor2)


def test_an_editor_given_a_device_by_someone_else_after_the_draft_began_cannot_approve_it(
    draft, editor, editor2, totp_device
):
    change_rule(draft, editor)
    draft_submit(draft=draft, user=editor)
    totp_device(editor2)  # outside any request of editor2's: set up by someone else
    with pytest.raises(PublishError, match="set up or changed"):
        draft_approve(draft=draft, user=editor2)


def test_an_editor_of_long_standing_approves(draft, editor, editor2):
    change_rule(draft, editor)
    draft_submit(draft=draft, user=editor)
    approved = draft_approve(draft=draft, user=editor2)
    published = draft_publish(draft=approved, user=editor, change_note="Reviewed.", confirm_changes=True)
    assert (published.approved_by, published.published_by) == (editor2, editor)


# ---------------------------------------------------------------- what the trail records


def actions_about(user):
    return list(
        AuditEvent.objects.filter(object_type="auth.user", object_id=str(user.pk))
        .order_by("pk")
        .values_list("action", "actor_username", "details")
    )


def test_the_admin_records_a_new_user_and_their_role_in_our_trail(admin_user, login_two_factor):
    client = Client()
    login_two_factor(client, admin_user)
    add = reverse("admin:auth_user_add")
    response = client.post(
        add,
        {
            "username": "puppet",
            "password1": "x-Very-long-pass-1",
            "password2": "x-Very-long-pass-1",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    puppet = User.objects.get(username="puppet")
    editors = Group.objects.get(name=roles.GUIDANCE_EDITOR)
    change = reverse("admin:auth_user_change", args=[puppet.pk])
    response = client.post(
        change,
        {
            "username": "puppet",
            "is_active": "on",
            "is_staff": "on",
            "groups": [editors.pk],
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
            "initial-date_joined_0": "2026-01-01",
            "initial-date_joined_1": "00:00:00",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    recorded = actions_about(puppet)
    assert [action for action, _, _ in recorded] == [
        AccountAction.USER_CREATED,
        AccountAction.USER_CHANGED,
        AccountAction.ROLE_GRANTED,
    ]
    assert {actor for _, actor, _ in recorded} == {admin_user.username}
    assert recorded[1][2]["changed"] == ["is_staff"]
    assert recorded[2][2] == {"roles": [roles.GUIDANCE_EDITOR], "approval_restarts": True}


def test_roles_removed_and_devices_removed_are_recorded(editor2, totp_device):
    device = totp_device(editor2)
    device.delete()
    editor2.groups.clear()
    assert [action for action, _, _ in actions_about(editor2)][-3:] == [
        AccountAction.TWO_FACTOR_DEVICE_ADDED,
        AccountAction.TWO_FACTOR_DEVICE_REMOVED,
        AccountAction.ROLE_REMOVED,
    ]


def test_a_role_granted_from_the_group_side_is_recorded_per_user(clinician, outsider):
    Group.objects.get(name=roles.REVIEWER).user_set.add(clinician, outsider)
    for user in (clinician, outsider):
        action, _, details = actions_about(user)[-1]
        assert (action, details["roles"], details["approval_restarts"]) == (
            AccountAction.ROLE_GRANTED,
            [roles.REVIEWER],
            False,
        )
