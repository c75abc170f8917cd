"""Two people to publish, for tests that publish: submit a draft and have a second editor approve it."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from accounts import roles
from guidance import publishing


def second_editor(username="second-editor"):
    """An editor who has not touched the draft: the one who approves it."""
    user, created = get_user_model().objects.get_or_create(username=username, defaults={"is_staff": True})
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
