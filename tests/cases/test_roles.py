"""Roles on the case pages: clinicians own cases, reviewers read all and change none, editors see none."""

import uuid

import pytest
from django.urls import reverse

from cases.models import Assessment, Case

from .factories import form_data, make_case, publish_revision

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(clinician, published_version):
    return make_case(clinician, label="Clinic 7", subtype="ISM", symptoms=["flushing"], notes="Seen in March")


def _case_pages(case):
    return {
        "detail": reverse("cases:detail", args=[case.pk]),
        "assessment": case.assessments.get().get_absolute_url(),
        "update": reverse("cases:update", args=[case.pk]),
        "reassess": reverse("cases:reassess", args=[case.pk]),
        "review_detail": reverse("cases:review_detail", args=[case.pk]),
    }


def _list_pages():
    return {
        "list": reverse("cases:list"),
        "create": reverse("cases:create"),
        "review": reverse("cases:review"),
        "review_export": reverse("cases:review_export"),
    }


def test_a_guidance_editor_sees_no_case_data(client, editor, case):
    client.force_login(editor)
    for name, url in {**_list_pages(), **_case_pages(case)}.items():
        response = client.get(url)
        assert response.status_code == 403, name
        assert "Clinic 7" not in response.content.decode(), name
    assert client.post(reverse("cases:preview"), form_data(subtype="ISM")).status_code == 403


def test_an_editor_is_refused_alike_whether_or_not_the_case_exists(client, editor, case):
    client.force_login(editor)
    missing = reverse("cases:detail", args=[uuid.uuid4()])
    assert client.get(missing).status_code == client.get(_case_pages(case)["detail"]).status_code == 403


def test_a_clinician_cannot_open_the_review_pages(client, clinician, case):
    client.force_login(clinician)
    assert client.get(reverse("cases:review")).status_code == 403
    assert client.get(reverse("cases:review_export")).status_code == 403
    assert client.get(_case_pages(case)["review_detail"]).status_code == 403


def test_a_reviewer_cannot_create_or_change_a_case(client, reviewer, editor, case):
    publish_revision(user=editor, revise=lambda draft: None)  # a reassessment would now save something
    client.force_login(reviewer)
    pages = _case_pages(case)
    assert client.get(reverse("cases:create")).status_code == 403
    assert client.post(reverse("cases:create"), form_data(label="Reviewer's", subtype="MCL")).status_code == 403
    assert client.post(reverse("cases:preview"), form_data(subtype="ISM")).status_code == 403
    assert client.get(pages["update"]).status_code == 403
    edit = form_data(label="Changed", subtype="MCL")
    edit["lock_version"] = case.lock_version
    assert client.post(pages["update"], edit).status_code == 403
    assert client.post(pages["reassess"]).status_code == 403
    case.refresh_from_db()
    assert (case.label, case.subtype, Case.objects.count(), Assessment.objects.count()) == ("Clinic 7", "ISM", 1, 1)


def test_a_reviewer_reads_any_case_without_an_offer_to_change_it(client, reviewer, editor, case):
    publish_revision(user=editor, revise=lambda draft: None)
    client.force_login(reviewer)
    pages = _case_pages(case)
    for name in ("detail", "assessment", "review_detail"):
        response = client.get(pages[name])
        assert response.status_code == 200, name
        assert "Clinic 7" in response.content.decode()
    detail = client.get(pages["detail"]).content.decode()
    assert pages["update"] not in detail
    assert pages["reassess"] not in detail


def test_the_owner_is_offered_edit_and_reevaluation(client, clinician, editor, case):
    publish_revision(user=editor, revise=lambda draft: None)
    client.force_login(clinician)
    pages = _case_pages(case)
    detail = client.get(pages["detail"]).content.decode()
    assert pages["update"] in detail
    assert pages["reassess"] in detail


def test_a_clinician_gets_404_for_another_clinicians_case_on_every_case_page(client, outsider, case):
    client.force_login(outsider)
    pages = _case_pages(case)
    for name in ("detail", "assessment", "update", "reassess"):
        assert client.get(pages[name]).status_code == 404, name
    assert client.post(pages["reassess"]).status_code == 404


def test_a_user_without_a_role_is_refused_every_case_page(client, make_user, case):
    client.force_login(make_user("nobody"))
    for name, url in {**_list_pages(), **_case_pages(case)}.items():
        assert client.get(url).status_code == 403, name


def test_a_superuser_may_review_every_case(client, make_user, case, settings):
    settings.OTP_REQUIRED = False  # the two-factor step has its own tests
    client.force_login(make_user("root", staff=True, superuser=True))
    assert client.get(reverse("cases:review")).status_code == 200
    assert client.get(_case_pages(case)["review_detail"]).status_code == 200


@pytest.mark.parametrize(
    ("role", "start"),
    [
        ("clinician", "cases:list"),
        ("reviewer", "cases:review"),
        ("editor", "workbench:start"),
    ],
)
def test_home_opens_each_roles_own_page(client, request, role, start):
    client.force_login(request.getfixturevalue(role))
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == reverse(start)


def test_home_asks_a_stranger_to_log_in(client, db):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_navigation_offers_each_role_its_own_pages(client, clinician, reviewer, published_version):
    client.force_login(clinician)
    html = client.get(reverse("guidance:current")).content.decode()
    assert f'href="{reverse("cases:list")}"' in html
    assert f'href="{reverse("cases:review")}"' not in html
    client.force_login(reviewer)
    html = client.get(reverse("guidance:current")).content.decode()
    assert f'href="{reverse("cases:review")}"' in html
    assert f'href="{reverse("cases:list")}"' not in html
