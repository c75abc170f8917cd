"""A link may fill in the new-case form (a CDS Hooks card opens Mastoweb this way); nothing is saved by it."""

import pytest

from cases.models import Case
from tests.cases.factories import form_data, input_tag

pytestmark = pytest.mark.django_db


def test_the_facts_in_the_link_are_filled_in(client, clinician):
    client.force_login(clinician)
    response = client.get(
        "/cases/new/?subtype=ASM&symptoms=flushing&symptoms=malabsorption&kit_d816v=positive"
        "&serum_tryptase_ng_ml=42.5&venom_allergy=yes"
    )
    form = response.context["form"]
    assert form.initial == {
        "subtype": "ASM",
        "symptoms": ["flushing", "malabsorption"],
        "kit_d816v": "positive",
        "serum_tryptase_ng_ml": "42.5",
        "venom_allergy": "yes",
    }
    html = response.content.decode()
    assert '<option value="ASM" selected>' in html
    assert 'value="flushing"' in html and "checked" in html
    assert "checked" in input_tag(html, "venom_allergy", "yes")
    assert "checked" not in input_tag(html, "venom_allergy", "unknown")
    assert not Case.objects.exists()


@pytest.mark.parametrize(("given", "ticked"), [("true", "yes"), ("false", "no"), ("unknown", "unknown")])
def test_a_link_made_while_venom_allergy_was_a_tick_box_still_fills_it(client, clinician, given, ticked):
    client.force_login(clinician)
    response = client.get(f"/cases/new/?subtype=ISM&venom_allergy={given}")

    assert response.context["form"].initial["venom_allergy"] == ticked
    assert "checked" in input_tag(response.content.decode(), "venom_allergy", ticked)


def test_names_that_are_not_facts_are_ignored(client, clinician):
    client.force_login(clinician)
    form = client.get("/cases/new/?label=From+the+EHR&notes=x&created_by=1").context["form"]
    assert form.initial == {}


def test_a_value_from_the_link_is_checked_when_saved_like_any_typed_value(client, clinician):
    client.force_login(clinician)
    form = client.get("/cases/new/?subtype=indolent").context["form"]
    assert form.initial == {"subtype": "indolent"}  # shown unselected; saving needs a real choice
    response = client.post("/cases/new/", form_data(subtype="indolent"))
    assert response.status_code == 200
    assert "subtype" in response.context["form"].errors
