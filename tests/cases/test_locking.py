"""Optimistic locking on case saves: a save from an outdated form is refused, nothing is lost.

These run on any database one save after another; tests/security/test_concurrency.py
races two transactions on PostgreSQL.
"""

import re

import pytest
from django.db import connection
from django.urls import reverse

from cases.models import Assessment, Case
from cases.services import CaseChangedError, case_update
from guidance.facts import FACTS

from .factories import form_data, input_tag, make_case

pytestmark = pytest.mark.django_db


def _edit_url(case):
    return reverse("cases:update", args=[case.pk])


def _loaded_form(client, case):
    """What the edit page posts back when submitted as loaded: the fields plus its hidden lock_version."""
    html = client.get(_edit_url(case)).content.decode()
    return int(re.search(r'value="(\d+)"', input_tag(html, "lock_version")).group(1))


def _edit(case, *, lock_version, **changes):
    """The edit form as posted: the case as it was loaded, with these changes."""
    values = {"label": case.label, "notes": case.notes, **{name: getattr(case, name) for name in FACTS}}
    data = form_data(**{**values, **changes})
    data["lock_version"] = lock_version
    return data


def test_the_edit_form_carries_the_version_it_was_loaded_at(client, clinician, published_version):
    case = make_case(clinician)
    case_update(case=case, user=clinician, label=case.label, facts={"subtype": "SSM"})
    client.force_login(clinician)
    assert _loaded_form(client, case) == 1


def test_a_save_from_an_outdated_form_is_refused_showing_what_differs(client, clinician, published_version):
    case = make_case(clinician, label="Clinic 7", subtype="ISM", venom_allergy="no", notes="Seen in March.")
    client.force_login(clinician)
    seen = _loaded_form(client, case)  # tab one opens the form
    other_tab = _edit(case, lock_version=seen, label="Clinic 7", subtype="ASM", symptoms=["ascites"])
    other_tab["notes"] = "Seen in March. Ascites since."
    assert client.post(_edit_url(case), other_tab).status_code == 302  # tab two saves first

    mine = _edit(case, lock_version=seen, label="Clinic 7b", subtype="ISM", venom_allergy="yes")
    mine["notes"] = "Seen in March."
    response = client.post(_edit_url(case), mine)

    assert response.status_code == 409
    case.refresh_from_db()
    assert (case.label, case.subtype, case.symptoms, case.venom_allergy) == ("Clinic 7", "ASM", ["ascites"], "no")
    assert case.lock_version == seen + 1
    assert case.assessments.count() == 2  # the first and tab two's; none for the refused save
    differences = {d.name: (d.yours, d.saved) for d in response.context["conflict"].differences}
    assert differences == {
        "label": ("Clinic 7b", "Clinic 7"),
        "subtype": ("Indolent systemic mastocytosis (ISM)", "Aggressive systemic mastocytosis (ASM)"),
        "symptoms": ("None (asymptomatic)", "Ascites"),
        "venom_allergy": ("Yes", "No"),
        "notes": ("Seen in March.", "Seen in March. Ascites since."),
    }
    html = response.content.decode()
    assert 'id="edit-conflict"' in html
    row = re.search(r'<tr data-field="label">.*?</tr>', html, re.S).group(0)
    assert "Clinic 7b" in row
    assert "Clinic 7<" in row


def test_the_refused_input_stays_in_the_form_with_the_saved_version_offered(client, clinician, published_version):
    case = make_case(clinician, label="Clinic 8", subtype="ISM")
    client.force_login(clinician)
    seen = _loaded_form(client, case)
    case_update(case=Case.objects.get(pk=case.pk), user=clinician, label="Clinic 8", facts={"subtype": "SSM"})

    mine = _edit(case, lock_version=seen, label="Clinic 8 (mine)", subtype="MCL", serum_tryptase_ng_ml="212.5")
    mine["notes"] = "Typed with care."
    html = client.post(_edit_url(case), mine).content.decode()

    assert 'value="Clinic 8 (mine)"' in html
    assert '<option value="MCL" selected>' in html
    assert 'value="212.5"' in html
    assert re.search(r'name="notes"[^>]*>\s*Typed with care\.</textarea>', html)
    assert 'value="1"' in input_tag(html, "lock_version")
    # The preview shows the recommendations for their input, not the saved case's.
    assert 'data-paragraph="mast-cell-leukemia"' in html


def test_saving_again_from_the_refusal_replaces_the_saved_case(client, clinician, published_version):
    case = make_case(clinician, label="Clinic 9", subtype="ISM")
    client.force_login(clinician)
    seen = _loaded_form(client, case)
    case_update(case=Case.objects.get(pk=case.pk), user=clinician, label="Clinic 9", facts={"subtype": "SSM"})
    mine = _edit(case, lock_version=seen, label="Clinic 9", subtype="ASM")
    refused = client.post(_edit_url(case), mine)
    offered = int(re.search(r'value="(\d+)"', input_tag(refused.content.decode(), "lock_version")).group(1))

    response = client.post(_edit_url(case), {**mine, "lock_version": offered})

    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.subtype, case.lock_version) == ("ASM", 2)
    assert case.assessments.first().facts["subtype"] == "ASM"


def test_the_refusal_says_so_when_the_input_matches_the_saved_case(client, clinician, published_version):
    case = make_case(clinician, label="Clinic 10", subtype="ISM")
    client.force_login(clinician)
    seen = _loaded_form(client, case)
    case_update(case=Case.objects.get(pk=case.pk), user=clinician, label="Clinic 10", facts={"subtype": "ASM"})

    response = client.post(_edit_url(case), _edit(case, lock_version=seen, label="Clinic 10", subtype="ASM"))

    assert response.status_code == 409
    assert response.context["conflict"].differences == []
    assert "Your input is the same as the case as saved now." in response.content.decode()


def test_the_refusal_page_has_a_bounded_number_of_queries(
    client, clinician, published_version, django_assert_max_num_queries
):
    case = make_case(clinician, subtype="ISM", symptoms=["flushing", "diarrhea"])
    client.force_login(clinician)
    case_update(case=Case.objects.get(pk=case.pk), user=clinician, label=case.label, facts={"subtype": "SSM"})
    # 10, the role permissions (user and group), and the case as the dashboard's rollup counts it (row and
    # lines), read before the conditional write that is refused here; on PostgreSQL also the shared lock
    # that keeps a marking from finishing under the save (cases.rollup.marks_steady).
    with django_assert_max_num_queries(15 if connection.vendor == "postgresql" else 14):
        response = client.post(_edit_url(case), _edit(case, lock_version=0, subtype="ASM"))
    assert response.status_code == 409


@pytest.mark.parametrize(
    ("posted", "status"),
    [
        pytest.param("5", 409, id="ahead-of-the-saved-version"),
        pytest.param("-1", 200, id="negative"),
        pytest.param("one", 200, id="not-a-number"),
        pytest.param("", 200, id="blank"),
        pytest.param(None, 200, id="missing"),
        pytest.param("1e3", 200, id="exponent"),
        pytest.param("99999999999999999999", 200, id="beyond-the-column"),
    ],
)
def test_a_forged_lock_version_never_saves(client, clinician, published_version, posted, status):
    case = make_case(clinician, label="Clinic 11", subtype="ISM")
    client.force_login(clinician)
    data = _edit(case, lock_version=posted, label="Forged", subtype="MCL")
    if posted is None:
        del data["lock_version"]

    response = client.post(_edit_url(case), data)

    assert response.status_code == status
    if status == 200:
        assert list(response.context["form"].errors) == ["lock_version"]
        assert "reload the case" in response.content.decode()
    case.refresh_from_db()
    assert (case.label, case.subtype, case.lock_version) == ("Clinic 11", "ISM", 0)
    assert case.assessments.count() == 1


def test_posted_owner_status_and_ids_are_ignored_on_edit(client, clinician, outsider, published_version):
    case = make_case(clinician, label="Clinic 12", subtype="ISM")
    other = make_case(outsider, label="Not yours", subtype="ISM")
    client.force_login(clinician)
    data = _edit(case, lock_version=0, label="Clinic 12", subtype="SSM")
    data.update(
        created_by=outsider.pk,
        owner=outsider.pk,
        user=outsider.pk,
        status="published",
        id=str(other.pk),
        pk=str(other.pk),
        case=str(other.pk),
        created_at="2001-01-01T00:00:00Z",
        updated_at="2001-01-01T00:00:00Z",
        guidance_version="99",
    )

    assert client.post(_edit_url(case), data).status_code == 302

    case.refresh_from_db()
    assert (case.subtype, case.created_by, case.lock_version) == ("SSM", clinician, 1)
    assert case.created_at.year > 2001
    assert case.assessments.first().guidance_version == published_version
    assert case.assessments.first().created_by == clinician
    other.refresh_from_db()
    assert (other.label, other.subtype, other.lock_version) == ("Not yours", "ISM", 0)


def test_the_service_writes_one_of_two_saves_from_the_same_version(clinician, published_version):
    case = make_case(clinician, label="Clinic 13", subtype="ISM")
    first, second = Case.objects.get(pk=case.pk), Case.objects.get(pk=case.pk)

    case_update(case=first, user=clinician, label="Clinic 13", facts={"subtype": "ASM"})
    with pytest.raises(CaseChangedError) as refused:
        case_update(case=second, user=clinician, label="Clinic 13", facts={"subtype": "MCL"}, notes="late")

    saved = Case.objects.get(pk=case.pk)
    assert (saved.subtype, saved.notes, saved.lock_version) == ("ASM", "", 1)
    assert refused.value.saved.lock_version == 1
    assert [d.name for d in refused.value.differences] == ["subtype", "notes"]
    assert Assessment.objects.filter(case=case).count() == 2


def test_the_service_takes_the_version_the_edit_started_from(clinician, published_version):
    case = make_case(clinician, subtype="ISM")
    case_update(case=case, user=clinician, label=case.label, facts={"subtype": "SSM"})
    fresh = Case.objects.get(pk=case.pk)  # loaded at version 1, but the edit began at 0
    with pytest.raises(CaseChangedError):
        case_update(case=fresh, user=clinician, label=case.label, facts={"subtype": "ASM"}, lock_version=0)
    assert Case.objects.get(pk=case.pk).subtype == "SSM"
