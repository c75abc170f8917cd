"""The review steps on the publish screen: submit, approve or return, and an edit that voids an approval."""

import pytest
from django.urls import reverse

from accounts import roles
from audit.models import AuditEvent
from guidance import publishing
from guidance.audit_names import GuidanceAction
from guidance.models import GuidanceVersion
from tests.guidance.test_admin import inline_form, messages_of, post_data

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_two_factor_step(settings):
    settings.OTP_REQUIRED = False  # the admin's two-factor step has its own tests


@pytest.fixture
def colleague(make_user):
    return make_user("colleague", staff=True, groups=[roles.GUIDANCE_EDITOR])


@pytest.fixture
def draft(published_version, editor):
    return publishing.draft_create(guideline=published_version.guideline, user=editor)


def url(name, draft):
    """A workbench page of the draft, or its admin change form ("change")."""
    prefix = "admin:guidance_guidanceversion_" if name == "change" else "workbench:"
    return reverse(f"{prefix}{name}", args=[draft.pk])


def state(draft):
    return GuidanceVersion.objects.get(pk=draft.pk).review_state


def test_the_publish_screen_offers_submit_and_no_publish_button_until_approved(client, editor, draft):
    client.force_login(editor)
    html = client.get(url("publish", draft)).content.decode()

    assert f"Submit v{draft.number} for review" in html
    assert f'value="Publish v{draft.number}"' not in html


def test_an_editor_submits_and_cannot_approve_their_own_draft(client, editor, draft):
    client.force_login(editor)
    response = client.post(url("review_submit", draft))
    assert response.url == url("publish", draft)
    assert state(draft) == "submitted"

    response = client.post(url("review_approve", draft))

    assert any("Nobody approves their own change" in m for m in messages_of(response))
    assert state(draft) == "submitted"


def test_a_colleague_approves_and_the_publish_button_appears(client, editor, colleague, draft):
    publishing.draft_submit(draft=draft, user=editor)
    client.force_login(colleague)
    page = client.get(url("publish", draft)).content.decode()
    assert f"Approve v{draft.number} as it stands" in page

    client.post(url("review_approve", draft))

    assert state(draft) == "approved"
    html = client.get(url("publish", draft)).content.decode()
    assert "Approved by colleague" in html
    assert f'value="Publish v{draft.number}"' in html


def test_a_colleague_returns_it_with_a_comment_shown_to_the_authors(client, editor, colleague, draft):
    publishing.draft_submit(draft=draft, user=editor)
    client.force_login(colleague)

    client.post(url("review_return", draft), {"comment": "The quote is cut short."})

    assert state(draft) == "returned"
    client.force_login(editor)
    assert "The quote is cut short." in client.get(url("change", draft)).content.decode()


def test_someone_without_the_approve_permission_is_refused(client, make_user, editor, draft):
    publishing.draft_submit(draft=draft, user=editor)
    reader = make_user(
        "reader", staff=True, perms=["guidance.view_guidanceversion", "guidance.publish_guidanceversion"]
    )
    client.force_login(reader)

    assert client.post(url("review_approve", draft)).status_code == 403
    assert state(draft) == "submitted"


def test_saving_a_changed_rule_in_the_admin_voids_the_approval(client, editor, colleague, draft):
    publishing.draft_submit(draft=draft, user=editor)
    publishing.draft_approve(draft=draft, user=colleague)
    client.force_login(editor)
    page = client.get(url("change", draft))
    data = post_data(page)
    index, _ = inline_form(page, "rules", rule_id="venom-immunotherapy")
    data[f"rules-{index}-summary"] = "Changed after approval"

    response = client.post(url("change", draft), data)

    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    assert any("no longer stands" in m for m in messages_of(response))
    assert state(draft) == "editing"
    assert AuditEvent.objects.filter(action=GuidanceAction.GUIDANCE_REVIEW_VOIDED, object_id=str(draft.pk)).exists()
    response = client.post(url("publish", draft), {"change_note": "Try anyway", "confirm_changes": "on"})
    assert GuidanceVersion.objects.get(pk=draft.pk).is_draft
    assert any("has not been approved" in m for m in messages_of(response))


def test_the_published_page_names_who_wrote_approved_and_published(client, editor, colleague, draft):
    publishing.draft_submit(draft=draft, user=editor)
    publishing.draft_approve(draft=draft, user=colleague)
    publishing.draft_publish(draft=draft, user=colleague, change_note="Reviewed.")
    client.force_login(editor)

    html = client.get(reverse("guidance:current")).content.decode()

    assert "Written by editor; approved by colleague" in html
    assert "published by colleague." in html


def test_the_drafts_author_sees_waiting_for_a_second_editor_not_an_approve_button(client, editor, colleague, draft):
    publishing.draft_submit(draft=draft, user=editor)
    client.force_login(editor)
    html = client.get(url("publish", draft)).content.decode()

    assert f"Approve v{draft.number} as it stands" not in html
    assert "Return with this comment" not in html
    assert '<button type="button" disabled>Waiting for a second editor</button>' in html

    client.force_login(colleague)
    html = client.get(url("publish", draft)).content.decode()
    assert f"Approve v{draft.number} as it stands" in html
    assert "Waiting for a second editor" not in html


def test_an_editor_lands_on_the_drafts_workbench_in_one_step(client, editor, draft):
    client.force_login(editor)
    start = client.get(reverse("home"), follow=True)

    assert start.redirect_chain[-1][0] == url("version", draft)
    assert start.status_code == 200
    html = client.get(reverse("guidance:current")).content.decode()
    assert f'href="{reverse("workbench:start")}">Guidance workbench</a>' in html


def test_without_a_draft_an_editor_lands_on_the_versions_to_create_one(client, editor, published_version):
    client.force_login(editor)
    start = client.get(reverse("home"), follow=True)

    assert start.redirect_chain[-1][0] == reverse("admin:guidance_guidanceversion_changelist")
    assert "Create draft" in start.content.decode() or "create-draft" in start.content.decode()


def test_a_version_published_by_the_setup_says_so_not_a_dash(client, editor, published_version):
    client.force_login(editor)
    html = client.get(reverse("admin:guidance_guidanceversion_change", args=[published_version.pk])).content.decode()

    assert "Mastoweb&#x27;s setup (loaded from the guidance data it ships with), not an editor" in html
