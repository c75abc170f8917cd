"""Two people to publish, for tests that publish: submit a draft and have a second editor approve it."""

from contextlib import contextmanager

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models.signals import m2m_changed, post_save

from accounts import roles, signals
from guidance import publishing

User = get_user_model()


@contextmanager
def _an_editor_from_before_the_trail():
    """Accounts made here leave no audit events, like those of editors who held the role before
    the trail recorded accounts: so one made after a draft began may still approve it. Tests of that
    rule (tests/guidance/test_two_people.py) make their users the way an administrator does."""
    receivers = [
        (post_save, signals.record_user_access, User, "audit_user_after"),
        (m2m_changed, signals.record_roles, User.groups.through, "audit_user_groups"),
    ]
    for signal, _, sender, uid in receivers:
        signal.disconnect(sender=sender, dispatch_uid=uid)
    try:
        yield
    finally:
        for signal, receiver, sender, uid in receivers:
            signal.connect(receiver, sender=sender, dispatch_uid=uid)


def second_editor(username="second-editor"):
    """An editor who has not touched the draft and held the role before it began: the one who approves it."""
    with _an_editor_from_before_the_trail():
        user, created = User.objects.get_or_create(username=username, defaults={"is_staff": True})
        if created:
            user.groups.add(Group.objects.get(name=roles.GUIDANCE_EDITOR))
    return user


def approved(draft, *, author=None, reviewer=None):
    """The draft, submitted by its author (default: who created it) and approved by a second editor."""
    author = author or draft.created_by or second_editor("draft-author")
    publishing.draft_submit(draft=draft, user=author)
    publishing.draft_approve(draft=draft, user=reviewer or second_editor())
    draft.refresh_from_db()
    return draft
