"""CDS Hooks discovery (GET /cds-services), as the spec's discovery example shapes it, and its CORS."""

import pytest
from django.urls import reverse

from interop.mapping import PREFETCH_KEYS

pytestmark = pytest.mark.django_db


def test_it_lists_the_one_patient_view_service_without_a_login(client):
    response = client.get("/cds-services")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    (service,) = response.json()["services"]
    assert service["id"] == "sm-management"
    assert service["hook"] == "patient-view"
    assert service["title"] and service["description"]


def test_its_description_says_the_service_does_not_call_the_ehr_back():
    from django.test import Client

    description = Client().get("/cds-services").json()["services"][0]["description"]
    assert "never calls back into the EHR's FHIR server" in description
    assert "412" in description


def test_it_asks_for_the_patient_their_conditions_tryptase_and_the_kit_variant(client):
    prefetch = client.get("/cds-services").json()["services"][0]["prefetch"]
    assert set(prefetch) == set(PREFETCH_KEYS)
    assert prefetch["patient"] == "Patient/{{context.patientId}}"
    assert prefetch["conditions"] == "Condition?patient={{context.patientId}}"
    assert prefetch["tryptase"] == "Observation?patient={{context.patientId}}&code=http://loinc.org|21582-2"
    assert prefetch["kitVariant"] == "Observation?patient={{context.patientId}}&code=http://loinc.org|69548-6"
    assert "urn:mastoweb:sm-case-facts|" in prefetch["caseFacts"]


def test_the_service_paths_are_the_specs(client):
    assert reverse("interop:cds_discovery") == "/cds-services"
    assert reverse("interop:cds_service") == "/cds-services/sm-management"
    assert reverse("interop:cds_feedback") == "/cds-services/sm-management/feedback"


@pytest.mark.parametrize(
    "path", ["/cds-services", "/cds-services/sm-management", "/cds-services/sm-management/feedback"]
)
def test_a_browser_ehr_may_call_each_endpoint_cross_origin(client, path):
    preflight = client.options(
        path,
        headers={
            "Origin": "https://ehr.example.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    assert preflight.status_code == 204
    assert preflight["Access-Control-Allow-Origin"] == "*"
    assert "Authorization" in preflight["Access-Control-Allow-Headers"]
    assert "OPTIONS" in preflight["Access-Control-Allow-Methods"]


def test_refusals_carry_the_cors_headers_too(client):
    # Without them a browser EHR could not read why it was refused.
    response = client.post("/cds-services/sm-management", "{}", content_type="application/json")
    assert response.status_code == 401
    assert response["Access-Control-Allow-Origin"] == "*"


def test_the_rest_of_the_app_sends_no_cors_headers(client):
    for path in ("/healthz", "/accounts/login/", "/guidance/"):
        assert "Access-Control-Allow-Origin" not in client.get(path), path
