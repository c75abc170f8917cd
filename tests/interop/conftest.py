"""A registered EHR with its P-384 key, and signed CDS Hooks tokens as the spec describes them."""

import json
import time
import uuid

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from django.conf import settings

from interop.models import CdsClient

ISSUER = "https://fhir-ehr.example.com/"


def public_jwk(private_key, kid):
    jwk = json.loads(
        jwt.algorithms.ECAlgorithm.to_jwk(private_key.public_key())
        if isinstance(private_key, ec.EllipticCurvePrivateKey)
        else jwt.algorithms.RSAAlgorithm.to_jwk(private_key.public_key())
    )
    return {**jwk, "kid": kid}


@pytest.fixture(scope="session")
def ehr_key():
    return ec.generate_private_key(ec.SECP384R1())


@pytest.fixture(scope="session")
def rsa_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def cds_client(db, ehr_key, rsa_key):
    return CdsClient.objects.create(
        name="Example EHR",
        issuer=ISSUER,
        jwks={"keys": [public_jwk(ehr_key, "ehr-es384"), public_jwk(rsa_key, "ehr-rs384")]},
    )


def service_url(path):
    return settings.PUBLIC_BASE_URL + path


@pytest.fixture
def make_token(ehr_key):
    """A token as the spec's example: iss, sub, aud, exp, iat, jti; any claim can be changed or dropped."""

    def make(path, *, key=None, algorithm="ES384", kid="ehr-es384", drop=(), **claims):
        now = int(time.time())
        payload = {
            "iss": ISSUER,
            "sub": "client_id",
            "aud": service_url(path),
            "exp": now + 300,
            "iat": now,
            "jti": str(uuid.uuid4()),
            "tenant": "2ddd6c3a-8e9a-44c6-a305-52111ad302a2",
        } | claims
        for name in drop:
            payload.pop(name)
        return jwt.encode(payload, key or ehr_key, algorithm=algorithm, headers={"kid": kid})

    return make


@pytest.fixture
def cds_post(client, make_token):
    """POST JSON to a CDS Hooks endpoint with a fresh signed token (or the one given)."""

    def post(path, body, *, token=None):
        token = make_token(path) if token is None else token
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return client.post(path, json.dumps(body), content_type="application/json", headers=headers)

    return post
