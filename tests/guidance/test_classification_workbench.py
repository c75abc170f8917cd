"""The classification record's workbench: staff past the two-factor step, guidance editors only; a bad
threshold refused in a sentence naming it, what was typed kept; a draft breaking a property refused at
submit with the counterexample; approved and published by a second editor; the public page shows it."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts import roles
from guidance.classification_publishing import classification_draft_create, classification_draft_submit
from guidance.models import ClassificationVersion

pytestmark = pytest.mark.django_db

OVERVIEW = reverse("classification_workbench:overview")


@pytest.fixture
def editor2(make_user):
    return make_user("editor2", staff=True, groups=[roles.GUIDANCE_EDITOR])


def edit_url(number):
    return reverse("classification_workbench:edit", args=[number])


def test_signed_out_staff_without_the_second_factor_and_non_editors_are_refused(
    client, editor, clinician, make_user, login_two_factor
):
    assert client.get(OVERVIEW).status_code == 302  # to sign in

    client.force_login(editor)  # password only: the second factor first
    response = client.get(OVERVIEW)
    assert response.status_code == 302 and "/login/" in response.url  # the admin's login sends to the second factor

    client.force_login(clinician)  # not staff
    assert client.get(OVERVIEW).status_code in (302, 403)
    assert client.post(reverse("classification_workbench:create_draft")).status_code in (302, 403)
    assert not ClassificationVersion.objects.filter(status="draft").exists()

    staff_not_editor = make_user("staff", staff=True)
    login_two_factor(client, staff_not_editor)
    assert client.get(OVERVIEW).status_code == 403
    assert client.post(reverse("classification_workbench:create_draft")).status_code == 403


def test_an_editor_drafts_and_a_bad_threshold_is_refused_naming_it_with_the_input_kept(
    client, editor, login_two_factor
):
    login_two_factor(client, editor)
    assert client.get(OVERVIEW).status_code == 200

    response = client.post(reverse("classification_workbench:create_draft"))
    assert response.status_code == 302 and response.url == edit_url(2)
    page = client.get(edit_url(2))
    assert page.status_code == 200
    fields = {f["name"]: f["value"] for f in page.context["fields"] + page.context["words"]}
    name = next(
        n
        for n in fields
        if n.startswith("t-criteria-C1-")
        and "Platelets" in next(f["label"] for f in page.context["fields"] if f["name"] == n)
    )
    assert fields[name] == "100"

    response = client.post(edit_url(2), {**fields, name: "-5", "w-major": "Reworded by the editor."})

    assert response.status_code == 400
    html = response.content.decode()
    assert "Platelets &lt; -5 is not a threshold a case can reach" in html
    assert "criteria.C1" in html
    assert 'value="-5"' in html and "Reworded by the editor." in html  # nothing typed is lost
    assert ClassificationVersion.objects.get(number=2).data["criteria"][0]["words"] != "Reworded by the editor."

    response = client.post(edit_url(2), {**fields, name: "fifty"})
    assert response.status_code == 400
    assert "&#x27;fifty&#x27; is not a number" in response.content.decode()

    response = client.post(edit_url(2), {**fields, name: "50"})
    assert response.status_code == 302
    criteria = {c["id"]: c for c in ClassificationVersion.objects.get(number=2).data["criteria"]}
    assert {"fact": "platelets_10e9_l", "op": "<", "value": 50} in criteria["C1"]["when"]["any"]


def test_bad_json_is_refused_and_kept(client, editor, login_two_factor):
    login_two_factor(client, editor)
    classification_draft_create(user=editor)

    response = client.post(edit_url(2), {"record_json": '{"system": "WHO 2022",'})

    assert response.status_code == 400
    assert "not valid JSON" in response.content.decode()
    assert "{&quot;system&quot;: &quot;WHO 2022&quot;," in response.content.decode()


def test_a_draft_breaking_a_property_is_refused_at_submit_with_the_counterexample(client, editor, login_two_factor):
    login_two_factor(client, editor)
    draft = classification_draft_create(user=editor)
    data = draft.data
    next(s for s in data["subtypes"] if s["subtype"] == "ASM")["when"] = {"count": "C", "at_least": 2}
    import json

    assert client.post(edit_url(2), {"record_json": json.dumps(data)}).status_code == 302

    response = client.post(reverse("classification_workbench:submit", args=[2]), follow=True)

    html = response.content.decode()
    assert "A C-finding recorded for certain rules out ISM, SSM and BMM. Counterexample:" in html
    assert ClassificationVersion.objects.get(number=2).status == "draft"


def test_the_author_cannot_publish_a_second_editor_does_and_the_public_page_shows_it(
    client, editor, editor2, login_two_factor
):
    second = Client()
    login_two_factor(second, editor2)  # their sign-in set up before the draft was begun
    login_two_factor(client, editor)
    draft = classification_draft_create(user=editor)
    classification_draft_submit(draft=draft, user=editor)
    page = client.get(OVERVIEW)
    assert "Nobody approves their own change" in page.content.decode()
    response = client.post(reverse("classification_workbench:publish", args=[2]), {"change_note": "n"}, follow=True)
    assert "Nobody approves their own change" in response.content.decode()
    assert ClassificationVersion.objects.get(number=2).status == "in_review"

    client = second
    assert "Approve and publish v2" in client.get(OVERVIEW).content.decode()
    response = client.post(
        reverse("classification_workbench:publish", args=[2]), {"change_note": "Reviewed"}, follow=True
    )
    assert "record v2 is published" in response.content.decode()
    assert ClassificationVersion.objects.get(number=2).status == "published"
    assert ClassificationVersion.objects.get(number=1).status == "retired"

    public = client.get(reverse("guidance:classification")).content.decode()
    assert "record version 2" in public
