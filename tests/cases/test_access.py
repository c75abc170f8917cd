import uuid

import pytest
from django.urls import reverse

from cases.models import Case

from .factories import form_data, make_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(clinician, published_version):
    return make_case(clinician, label="Clinic 1", subtype="ISM", symptoms=["flushing"])


def _case_urls(case):
    return {
        "detail": reverse("cases:detail", args=[case.pk]),
        "update": reverse("cases:update", args=[case.pk]),
        "reassess": reverse("cases:reassess", args=[case.pk]),
        "assessment": case.assessments.get().get_absolute_url(),
    }


def test_every_case_page_requires_login(client, case):
    urls = [reverse("cases:list"), reverse("cases:create"), *_case_urls(case).values()]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url
    assert client.post(reverse("cases:preview"), form_data(subtype="ISM")).status_code == 302


def test_another_clinician_gets_404_as_if_the_case_did_not_exist(client, outsider, case):
    client.force_login(outsider)
    missing = reverse("cases:detail", args=[uuid.uuid4()])
    assert client.get(missing).status_code == 404
    for name, url in _case_urls(case).items():
        response = client.get(url)
        assert response.status_code == 404, name
        assert "Clinic 1" not in response.content.decode()


def test_another_clinician_cannot_change_the_case(client, outsider, case):
    client.force_login(outsider)
    response = client.post(reverse("cases:update", args=[case.pk]), form_data(label="Taken", subtype="MCL"))
    assert response.status_code == 404
    case.refresh_from_db()
    assert (case.label, case.subtype, case.assessments.count()) == ("Clinic 1", "ISM", 1)


def test_a_reviewer_reads_every_case_but_changes_none(client, reviewer, case):
    client.force_login(reviewer)
    urls = _case_urls(case)
    detail = client.get(urls["detail"])
    assert detail.status_code == 200
    assert urls["update"] not in detail.content.decode()
    assert client.get(urls["assessment"]).status_code == 200
    # The role may change no case at all: refused before any case is looked up.
    assert client.get(urls["update"]).status_code == 403
    assert client.post(urls["update"], form_data(subtype="MCL")).status_code == 403
    assert client.post(urls["reassess"]).status_code == 403


def test_the_case_list_shows_only_ones_own_cases(client, clinician, outsider, case):
    make_case(outsider, label="Someone else's")
    client.force_login(clinician)
    html = client.get(reverse("cases:list")).content.decode()
    assert "Clinic 1" in html
    assert "Someone else" not in html
    assert Case.objects.count() == 2
