"""Malformed input to the CDS Hooks endpoints (issue 24): a 400 with a sentence, never a 500, and CORS always."""

import json

import pytest
from django.test import Client

from interop.json_input import MAX_DEPTH, json_depth

from .fhir_data import patient_view, prefetch_for_case

pytestmark = pytest.mark.django_db

SERVICE = "/cds-services/sm-management"
FEEDBACK = "/cds-services/sm-management/feedback"


@pytest.fixture
def raw_post(client, make_token, cds_client, published_version):
    """POST these bytes as the body, with a fresh valid token."""

    def post(path, raw):
        headers = {"Authorization": f"Bearer {make_token(path)}"}
        return client.post(path, raw, content_type="application/json", headers=headers)

    return post


def nested(depth, inner="1"):
    return "[" * depth + inner + "]" * depth


def refused(response):
    assert response.status_code == 400, response.content
    assert response["Access-Control-Allow-Origin"] == "*"
    message = response.json()["error"]
    assert message.endswith(".")
    return message


@pytest.mark.parametrize("path", [SERVICE, FEEDBACK])
@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 1_000, 100_000])
def test_a_deeply_nested_body_is_a_400(raw_post, path, depth):
    body = '{"hook": "patient-view", "context": ' + nested(depth) + "}"
    assert "nested too deeply" in refused(raw_post(path, body))


def test_a_fhir_extension_nested_300_deep_is_a_400(raw_post):
    request = patient_view(prefetch_for_case({"subtype": "ISM"}))
    extension = {"url": "urn:x", "valueString": "x"}
    for _ in range(300):
        extension = {"url": "urn:x", "extension": [extension]}
    request["prefetch"]["patient"]["extension"] = [extension]
    assert "nested too deeply" in refused(raw_post(SERVICE, json.dumps(request)))


@pytest.mark.parametrize("path", [SERVICE, FEEDBACK])
def test_a_lone_surrogate_is_a_400(raw_post, path):
    request = patient_view(prefetch_for_case({"subtype": "ISM"}), hook_instance="\ud800")
    raw = json.dumps(request)  # ensure_ascii: the surrogate travels as the escape \ud800
    assert "\\ud800" in raw
    assert "surrogate" in refused(raw_post(path, raw))


def test_brackets_inside_strings_do_not_count_towards_the_depth():
    assert json_depth(b'{"a": "[[[[[[[[[[{{{{{{{{{\\"[[["}') == 1
    assert json_depth(b"[[1], {}]") == 2


def test_a_normal_call_is_well_within_the_depth_limit(cds_post, cds_client, published_version):
    request = patient_view(prefetch_for_case({"subtype": "ASM", "symptoms": ["flushing"]}))
    assert json_depth(json.dumps(request).encode()) <= MAX_DEPTH // 2
    assert cds_post(SERVICE, request).status_code == 200


def test_a_failure_inside_the_service_keeps_its_cors_headers(make_token, cds_client, published_version, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("interop.services.cds_patient_view", broken)
    client = Client(raise_request_exception=False)
    request = patient_view(prefetch_for_case({"subtype": "ISM"}))
    response = client.post(
        SERVICE,
        json.dumps(request),
        content_type="application/json",
        headers={"Authorization": f"Bearer {make_token(SERVICE)}"},
    )
    assert response.status_code == 500
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response.json() == {"error": "The service failed; the error is logged."}
