"""Client authentication (CDS Hooks 2.0.1, "Trusting CDS Clients"): a JWT signed by a registered client."""

import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.warnings import InsecureKeyLengthWarning

from audit.models import AuditEvent
from interop.audit_names import InteropAction

from .conftest import ISSUER
from .fhir_data import patient_view, prefetch_for_case

pytestmark = pytest.mark.django_db

SERVICE = "/cds-services/sm-management"


@pytest.fixture
def body():
    return patient_view(prefetch_for_case({"subtype": "ASM"}))


def refusal(response):
    assert response.status_code == 401, response.content
    assert response["WWW-Authenticate"].startswith("Bearer")
    return response.json()["error"]


def test_a_good_es384_token_passes(cds_client, cds_post, body):
    response = cds_post(SERVICE, body)
    assert response.status_code == 200
    assert response.json()["cards"]


def test_a_good_rs384_token_passes(cds_client, cds_post, make_token, rsa_key, body):
    token = make_token(SERVICE, key=rsa_key, algorithm="RS384", kid="ehr-rs384")
    assert cds_post(SERVICE, body, token=token).status_code == 200


def test_a_request_without_a_token_is_refused(cds_client, client, body):
    response = client.post(SERVICE, json.dumps(body), content_type="application/json")
    assert "No bearer token" in refusal(response)


def test_a_bad_signature_is_refused(cds_client, cds_post, make_token, body):
    stranger = ec.generate_private_key(ec.SECP384R1())
    assert "signature" in refusal(cds_post(SERVICE, body, token=make_token(SERVICE, key=stranger)))


def test_a_token_with_a_tampered_payload_is_refused(cds_client, cds_post, make_token, body):
    header, payload, signature = make_token(SERVICE).split(".")
    claims = json.loads(jwt.utils.base64url_decode(payload))
    forged = jwt.utils.base64url_encode(json.dumps({**claims, "iss": ISSUER, "sub": "admin"}).encode()).decode()
    assert "signature" in refusal(cds_post(SERVICE, body, token=f"{header}.{forged}.{signature}"))


def test_the_wrong_audience_is_refused(cds_client, cds_post, make_token, body):
    token = make_token(SERVICE, aud="https://cds.example.org/cds-services/some-service")
    assert "audience" in refusal(cds_post(SERVICE, body, token=token))


def test_a_token_for_the_feedback_endpoint_is_refused_by_the_service(cds_client, cds_post, make_token, body):
    token = make_token("/cds-services/sm-management/feedback")
    assert "audience" in refusal(cds_post(SERVICE, body, token=token))


def test_an_expired_token_is_refused(cds_client, cds_post, make_token, body):
    token = make_token(SERVICE, exp=int(time.time()) - 120, iat=int(time.time()) - 420)
    assert "expired" in refusal(cds_post(SERVICE, body, token=token))


def test_a_replayed_jti_is_refused(cds_client, cds_post, make_token, body):
    token = make_token(SERVICE)
    assert cds_post(SERVICE, body, token=token).status_code == 200
    assert "jti was used before" in refusal(cds_post(SERVICE, body, token=token))


def test_a_new_token_reusing_a_jti_is_refused_too(cds_client, cds_post, make_token, body):
    assert cds_post(SERVICE, body, token=make_token(SERVICE, jti="once")).status_code == 200
    assert "jti was used before" in refusal(cds_post(SERVICE, body, token=make_token(SERVICE, jti="once")))


def test_an_unknown_issuer_is_refused(cds_client, cds_post, make_token, body):
    token = make_token(SERVICE, iss="https://other-ehr.example.com/")
    assert "not a registered client" in refusal(cds_post(SERVICE, body, token=token))


def test_an_inactive_client_is_refused(cds_client, cds_post, body):
    cds_client.active = False
    cds_client.save()
    assert "not a registered client" in refusal(cds_post(SERVICE, body))


def test_alg_none_is_refused(cds_client, cds_post, body):
    claims = {"iss": ISSUER, "aud": "http://127.0.0.1:8000" + SERVICE, "exp": int(time.time()) + 300}
    token = jwt.encode({**claims, "iat": int(time.time()), "jti": "n"}, key=None, algorithm="none")
    assert "'none' is not accepted" in refusal(cds_post(SERVICE, body, token=token))


def test_an_hmac_token_is_refused_even_when_keyed_with_the_public_key(cds_client, cds_post, make_token, body):
    # The classic confusion attack: HS384 "signed" with the published key (too short a secret, PyJWT says).
    with pytest.warns(InsecureKeyLengthWarning):
        token = make_token(SERVICE, key="public-key-material-as-secret", algorithm="HS384")
    assert "'HS384' is not accepted" in refusal(cds_post(SERVICE, body, token=token))


@pytest.mark.parametrize("claim", ["exp", "jti", "iat"])
def test_a_token_without_a_required_claim_is_refused(cds_client, cds_post, make_token, body, claim):
    assert claim in refusal(cds_post(SERVICE, body, token=make_token(SERVICE, drop=[claim])))


def test_a_kid_the_client_never_registered_is_refused(cds_client, cds_post, make_token, body):
    assert "kid" in refusal(cds_post(SERVICE, body, token=make_token(SERVICE, kid="rotated-away")))


def test_a_garbage_token_is_refused(cds_client, cds_post, body):
    assert "well-formed" in refusal(cds_post(SERVICE, body, token="not.a.jwt"))


def test_each_refusal_is_audited_with_its_reason_and_no_token(cds_client, cds_post, make_token, body):
    token = make_token(SERVICE, aud="https://elsewhere.example/")
    cds_post(SERVICE, body, token=token)
    event = AuditEvent.objects.get(action=InteropAction.CDS_REQUEST_REFUSED)
    assert event.object_id == str(cds_client.pk)
    assert event.details["status"] == 401
    assert "audience" in event.details["reason"]
    assert token not in json.dumps(event.details)


# Keys at a JWKS URL: tests/interop/test_jwks.py.


def test_a_client_needs_keys_and_fetches_them_over_https_only():
    from django.core.exceptions import ValidationError

    from interop.models import CdsClient

    with pytest.raises(ValidationError, match="JWKS URL or paste"):
        CdsClient(name="x", issuer="https://x/").full_clean()
    with pytest.raises(ValidationError, match="https only"):
        CdsClient(name="x", issuer="https://x/", jwks_url="http://x/jwks").full_clean()
