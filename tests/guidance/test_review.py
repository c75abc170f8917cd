"""Two people to publish: submit, a second editor approves or returns it, only then publish."""

import pytest

from accounts import roles
from audit.models import AuditEvent
from guidance.audit_names import GuidanceAction
from guidance.models import GuidanceVersion, Paragraph, Rule, SafetyProperty
from guidance.publishing import (
    PublishError,
    draft_approve,
    draft_create,
    draft_fingerprint,
    draft_publish,
    draft_return,
    draft_review_refresh,
    draft_review_status,
    draft_submit,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def colleague(make_user):
    return make_user("colleague", staff=True, groups=[roles.GUIDANCE_EDITOR])


@pytest.fixture
def third_editor(make_user):
    return make_user("third", staff=True, groups=[roles.GUIDANCE_EDITOR])


@pytest.fixture
def draft(published_version, editor, colleague, third_editor):
    # The editors held their role before the draft began, as an approver must have (test_two_people.py).
    return draft_create(guideline=published_version.guideline, user=editor)


def edit_a_rule(draft, user, summary="Reworded by an editor"):
    rule = Rule.objects.get(version=draft, rule_id="venom-immunotherapy")
    rule.summary = summary
    rule._history_user = user
    rule.save()


def publish(draft, user):
    return draft_publish(draft=draft, user=user, change_note="Reviewed change.", confirm_changes=True)


def audited(action, draft):
    return list(AuditEvent.objects.filter(action=action, object_id=str(draft.pk)).order_by("pk"))


def test_editors_hold_the_approve_permission(colleague):
    assert colleague.has_perm("guidance.approve_guidanceversion")


def test_a_draft_that_was_not_approved_cannot_be_published(draft, editor):
    with pytest.raises(PublishError, match="has not been approved"):
        publish(draft, editor)
    draft_submit(draft=draft, user=editor)
    with pytest.raises(PublishError, match="has not been approved"):
        publish(draft, editor)
    assert GuidanceVersion.objects.get(pk=draft.pk).is_draft


def test_a_second_editor_approves_and_then_anyone_allowed_publishes(draft, editor, colleague):
    draft_submit(draft=draft, user=editor)
    draft_approve(draft=draft, user=colleague)

    published = publish(draft, editor)

    assert (published.status, published.submitted_by, published.approved_by, published.published_by) == (
        "published",
        editor,
        colleague,
        editor,
    )


def test_an_editor_cannot_approve_their_own_submission(draft, editor):
    draft_submit(draft=draft, user=editor)
    with pytest.raises(PublishError, match="Nobody approves their own change"):
        draft_approve(draft=draft, user=editor)
    assert GuidanceVersion.objects.get(pk=draft.pk).review_state == "submitted"


def test_the_last_editor_to_change_it_cannot_approve_even_if_someone_else_submitted(draft, colleague, third_editor):
    edit_a_rule(draft, colleague)
    draft_submit(draft=draft, user=third_editor)

    with pytest.raises(PublishError, match="Nobody approves their own change"):
        draft_approve(draft=draft, user=colleague)
    with pytest.raises(PublishError, match="Nobody approves their own change"):
        draft_approve(draft=draft, user=third_editor)


def test_a_superuser_is_bound_too(draft, make_user):
    boss = make_user("boss", staff=True, superuser=True)
    edit_a_rule(draft, boss)
    with pytest.raises(PublishError, match="has not been approved"):
        publish(draft, boss)
    draft_submit(draft=draft, user=boss)
    with pytest.raises(PublishError, match="Nobody approves their own change"):
        draft_approve(draft=draft, user=boss)


def test_someone_without_the_permission_cannot_approve(draft, editor, make_user):
    reader = make_user("reader", staff=True, perms=["guidance.view_guidanceversion"])
    draft_submit(draft=draft, user=editor)
    with pytest.raises(PublishError, match="may not review"):
        draft_approve(draft=draft, user=reader)


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(
            lambda d: Rule.objects.filter(version=d, rule_id="venom-immunotherapy").update(condition="false"),
            id="a rule condition, by a bulk update",
        ),
        pytest.param(
            lambda d: (
                Paragraph.objects.filter(version=d)
                .filter(pk=Paragraph.objects.filter(version=d, rules__isnull=True).first().pk)
                .update(text="Other words, no rule quotes them.")
            ),
            id="a paragraph's text",
        ),
        pytest.param(lambda d: SafetyProperty.objects.filter(version=d).update(statement="Weaker."), id="a property"),
        pytest.param(lambda d: GuidanceVersion.objects.filter(pk=d.pk).update(title="Retitled"), id="the title"),
        pytest.param(
            lambda d: Rule.objects.filter(version=d, rule_id="venom-immunotherapy").delete(), id="a deleted rule"
        ),
    ],
)
def test_any_change_after_approval_voids_it(draft, editor, colleague, change):
    draft_submit(draft=draft, user=editor)
    draft_approve(draft=draft, user=colleague)

    change(draft)

    assert draft_review_status(GuidanceVersion.objects.get(pk=draft.pk)).state == "void"
    with pytest.raises(PublishError, match="changed after it was approved"):
        publish(draft, editor)


def test_a_change_after_submission_must_be_submitted_again_before_approval(draft, editor, colleague):
    draft_submit(draft=draft, user=editor)
    edit_a_rule(draft, editor)

    with pytest.raises(PublishError, match="submitted again"):
        draft_approve(draft=draft, user=colleague)


def test_a_saved_edit_withdraws_the_approval_and_says_so_in_the_audit_trail(draft, editor, colleague):
    draft_submit(draft=draft, user=editor)
    draft_approve(draft=draft, user=colleague)
    edit_a_rule(draft, editor)

    refreshed = draft_review_refresh(draft=draft, user=editor)

    assert (refreshed.review_state, refreshed.approved_by) == ("editing", None)
    (voided,) = audited(GuidanceAction.GUIDANCE_REVIEW_VOIDED, draft)
    assert (voided.actor, voided.details["voided"]) == (editor, "approved")


def test_an_unchanged_draft_keeps_its_approval_after_a_refresh(draft, editor, colleague):
    draft_submit(draft=draft, user=editor)
    draft_approve(draft=draft, user=colleague)

    assert draft_review_refresh(draft=draft, user=editor).review_state == "approved"
    assert audited(GuidanceAction.GUIDANCE_REVIEW_VOIDED, draft) == []


def test_a_returned_draft_carries_the_comment_and_must_be_submitted_again(draft, editor, colleague):
    draft_submit(draft=draft, user=editor)
    with pytest.raises(PublishError, match="comment is required"):
        draft_return(draft=draft, user=colleague, comment="  ")

    draft_return(draft=draft, user=colleague, comment="The quote does not support 'always'.")

    stored = GuidanceVersion.objects.get(pk=draft.pk)
    assert (stored.review_state, stored.review_comment) == ("returned", "The quote does not support 'always'.")
    with pytest.raises(PublishError, match="not waiting for review"):
        draft_approve(draft=draft, user=colleague)


def test_review_steps_are_not_recorded_as_edits(draft, editor, colleague):
    before = draft_fingerprint(draft)
    draft_submit(draft=draft, user=editor)
    draft_approve(draft=draft, user=colleague)

    assert draft_fingerprint(draft) == before
    assert audited(GuidanceAction.GUIDANCE_DRAFT_EDITED, draft) == []


def test_every_step_is_audited_with_who_wrote_approved_and_published(draft, editor, colleague):
    draft_submit(draft=draft, user=editor)
    draft_return(draft=draft, user=colleague, comment="Please quote the whole sentence.")
    edit_a_rule(draft, editor)
    draft_submit(draft=draft, user=editor)
    draft_approve(draft=draft, user=colleague)
    publish(draft, colleague)

    submitted = audited(GuidanceAction.GUIDANCE_SUBMITTED, draft)
    (returned,) = audited(GuidanceAction.GUIDANCE_RETURNED, draft)
    (approval,) = audited(GuidanceAction.GUIDANCE_APPROVED, draft)
    (published,) = audited(GuidanceAction.GUIDANCE_PUBLISHED, draft)
    assert [e.actor for e in submitted] == [editor, editor]
    assert submitted[-1].details["last_changed_by"] == editor.pk
    assert returned.actor == colleague
    assert "quote" not in str(returned.details)  # the comment stays on the draft
    assert (approval.actor, approval.details["submitted_by"]) == (colleague, editor.pk)
    assert (published.actor, published.details["approved_by"], published.details["last_changed_by"]) == (
        colleague,
        colleague.pk,
        editor.pk,
    )
    assert published.details["fingerprint"] == submitted[-1].details["fingerprint"]
