"""CDS Hooks and the subtype check: Hb, platelets and neutrophils read from prefetch (units checked),
and a warning card when the coded subtype does not fit the findings (WHO 2022)."""

import datetime

import pytest

from interop.mapping import prefetch_facts
from interop.models import LOCAL_FACTS, LOINC, CdsCard
from interop.selectors import code_mappings

from .cds_checks import card_problems
from .fhir_data import bundle, coding, condition, observation, patient, patient_view

pytestmark = pytest.mark.django_db
SERVICE = "/cds-services/sm-management"
TODAY = datetime.date(2026, 11, 28)


def count(code, value, unit):
    quantity = {"value": value, "unit": unit, "system": "http://unitsofmeasure.org", "code": unit}
    return observation(coding(LOINC, code), effectiveDateTime="2026-11-01", valueQuantity=quantity)


def prefetch(*counts, subtype="ISM"):
    return {
        "patient": patient(),
        "conditions": bundle(condition(LOCAL_FACTS, f"subtype-{subtype}")),
        "bloodCount": bundle(*counts),
    }


def mapped(data):
    return prefetch_facts(data, patient_id="1288992", mappings=code_mappings(), today=TODAY)


@pytest.mark.parametrize(
    ("observed", "fact", "value"),
    [
        (("718-7", 9.5, "g/dL"), "hemoglobin_g_dl", 9.5),
        (("718-7", 95, "g/L"), "hemoglobin_g_dl", 9.5),
        (("777-3", 62, "10*9/L"), "platelets_10e9_l", 62.0),
        (("777-3", 62, "10*3/uL"), "platelets_10e9_l", 62.0),
        (("751-8", 0.8, "10*9/L"), "anc_10e9_l", 0.8),
    ],
)
def test_the_blood_count_is_read_in_the_units_it_knows(observed, fact, value):
    result = mapped(prefetch(count(*observed)))

    assert result.facts[fact] == pytest.approx(value)
    assert result.given[fact] == pytest.approx(value)


@pytest.mark.parametrize(
    ("observed", "words"),
    [
        (("718-7", 5.9, "mmol/L"), "hemoglobin in mmol/L not accepted (g/dL or g/L only)"),
        (("777-3", 62000, "/uL"), "platelets in /uL not accepted"),
        (("751-8", 800, "/mm3"), "neutrophils in /mm3 not accepted"),
    ],
)
def test_a_count_in_another_unit_is_said_back_never_guessed(observed, words):
    result = mapped(prefetch(count(*observed)))

    assert any(words in note for note in result.notes), result.notes
    assert result.facts["hemoglobin_g_dl"] is None
    assert result.facts["platelets_10e9_l"] is None
    assert result.facts["anc_10e9_l"] is None


def test_a_coded_ism_with_low_platelets_gets_the_subtype_check_warning_card(cds_client, cds_post, published_version):
    response = cds_post(SERVICE, patient_view(prefetch(count("777-3", 62, "10*9/L"))))

    cards = response.json()["cards"]
    warning = cards[0]
    assert warning["indicator"] == "warning"
    assert warning["summary"] == "Subtype check: ISM does not fit the findings (WHO 2022)"
    assert "Platelets 62 \u00d7 10\u2079/L is a C-finding" in warning["detail"]
    assert warning["extension"]["org.mastoweb.rules"] == ["subtype-check"]
    assert not card_problems(warning)
    assert CdsCard.objects.get(uuid=warning["uuid"]).rule == "subtype-check"


def test_no_subtype_check_card_when_the_coded_subtype_fits(cds_client, cds_post, published_version):
    response = cds_post(SERVICE, patient_view(prefetch(count("777-3", 240, "10*9/L"))))

    assert all("Subtype check" not in card["summary"] for card in response.json()["cards"])


def test_discovery_asks_for_the_blood_count(client):
    service = client.get("/cds-services").json()["services"][0]

    assert service["prefetch"]["bloodCount"] == (
        f"Observation?patient={{{{context.patientId}}}}&code={LOINC}|718-7,{LOINC}|777-3,{LOINC}|751-8"
    )
