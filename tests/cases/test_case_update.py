import pytest
from django.urls import reverse

from cases.models import Assessment

from .factories import form_data, make_case, shown_recommendations

pytestmark = pytest.mark.django_db


def test_the_form_comes_filled_in_with_its_preview(client, clinician, published_version):
    case = make_case(clinician, label="Clinic 3", subtype="ASM", symptoms=["malabsorption"], kit_d816v="positive")
    client.force_login(clinician)
    response = client.get(reverse("cases:update", args=[case.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'value="Clinic 3"' in html
    assert '<option value="ASM" selected>' in html
    assert f'action="{reverse("cases:update", args=[case.pk])}"' in html
    assert ("aggressive-sm", "recommend") in shown_recommendations(html)


def test_editing_saves_a_new_assessment_and_keeps_the_old_one(client, clinician, published_version):
    case = make_case(clinician, subtype="ISM", symptoms=["flushing"])
    first = case.assessments.get()
    client.force_login(clinician)
    data = form_data(label=case.label, subtype="ISM", symptoms=["flushing"], venom_allergy="yes")
    data["lock_version"] = case.lock_version
    response = client.post(reverse("cases:update", args=[case.pk]), data)

    assert response.status_code == 302
    case.refresh_from_db()
    assert case.venom_allergy == "yes"
    assert case.lock_version == 1
    assert case.assessments.count() == 2
    latest = case.assessments.first()
    assert latest != first
    assert "venom-immunotherapy" in [line.rule for line in latest.lines]
    first_again = Assessment.objects.get(pk=first.pk)
    assert first_again.facts == first.facts
    assert first_again.recommendations == first.recommendations
    assert "venom-immunotherapy" not in [line.rule for line in first_again.lines]


def test_a_refused_edit_changes_nothing(client, clinician, published_version):
    case = make_case(clinician, subtype="ISM")
    client.force_login(clinician)
    data = {**form_data(subtype="ISM", age_years="121"), "lock_version": case.lock_version}
    response = client.post(reverse("cases:update", args=[case.pk]), data)
    assert response.status_code == 200
    assert "age_years" in response.context["form"].errors
    assert 'value="121"' in response.content.decode()
    case.refresh_from_db()
    assert case.age_years is None
    assert case.assessments.count() == 1
