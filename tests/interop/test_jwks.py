"""Keys at a JWKS URL (issue 24): no fetch an anonymous caller can steer, bounded in time, never from inside."""

import time

import pytest
from django.core.exceptions import ValidationError

from interop.jwks import FETCH_REFUSED
from interop.models import CdsClient

from .conftest import ISSUER, public_jwk
from .fhir_data import patient_view, prefetch_for_case
from .jwks_server import JwksHost

pytestmark = pytest.mark.django_db

SERVICE = "/cds-services/sm-management"


@pytest.fixture
def body():
    return patient_view(prefetch_for_case({"subtype": "ASM"}))


@pytest.fixture
def host(tmp_path, cds_client, settings):
    """The client's keys served by a local https host; private addresses allowed, as in development."""
    served = JwksHost(tmp_path, cds_client.jwks)
    settings.JWKS_ALLOW_PRIVATE_ADDRESSES = True
    settings.JWKS_CA_FILE = str(served.certificate)
    yield served
    served.stop()


def keys_at(cds_client, url):
    cds_client.jwks, cds_client.jwks_url = None, url
    cds_client.save()
    return cds_client


def refusal(response):
    assert response.status_code == 401, response.content
    return response.json()["error"]


def test_keys_at_a_jwks_url_are_fetched_once_and_cached(host, cds_client, cds_post, body):
    keys_at(cds_client, host.url("/jwks"))
    for _ in range(3):
        assert cds_post(SERVICE, body).status_code == 200
    assert host.hits == ["/jwks"]


def test_forged_tokens_cause_no_more_than_one_fetch(host, cds_client, cds_post, make_token, body):
    """The probe's 15 forged tokens caused 15 fetches."""
    keys_at(cds_client, host.url("/jwks"))
    forger = __import__("cryptography.hazmat.primitives.asymmetric.ec", fromlist=["ec"])
    forged_key = forger.generate_private_key(forger.SECP384R1())
    for n in range(15):
        token = make_token(SERVICE, key=forged_key, kid="ehr-es384" if n % 2 else f"unknown-{n}")
        assert refusal(cds_post(SERVICE, body, token=token))
    assert len(host.hits) == 1


def test_a_rotated_key_is_fetched_on_its_first_use_after_the_rate_limit(
    host, cds_client, cds_post, make_token, body, ehr_key, settings
):
    keys_at(cds_client, host.url("/jwks"))
    assert cds_post(SERVICE, body).status_code == 200
    host.keys = {"keys": [public_jwk(ehr_key, "rotated")]}
    assert "kid" in refusal(cds_post(SERVICE, body, token=make_token(SERVICE, kid="rotated")))
    assert len(host.hits) == 1  # within JWKS_REFETCH_SECONDS of the last fetch: not fetched again
    settings.JWKS_REFETCH_SECONDS = 0
    from django.core.cache import cache

    cache.delete(f"interop.jwks-fetch:{cds_client.pk}")
    assert cds_post(SERVICE, body, token=make_token(SERVICE, kid="rotated")).status_code == 200
    assert len(host.hits) == 2


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"algorithm": "HS384", "key": "secret" * 8}, "algorithm"),
        ({"iss": "https://stranger.example/"}, "issuer"),
        ({"kid": "k" * 300}, "kid"),
        ({"exp": 10**13}, "five minutes"),
        ({"exp": float("nan")}, "number of seconds"),
    ],
)
def test_alg_iss_kid_and_exp_are_checked_before_any_fetch(
    host, cds_client, cds_post, make_token, body, change, expected
):
    keys_at(cds_client, host.url("/jwks"))
    assert expected in refusal(cds_post(SERVICE, body, token=make_token(SERVICE, **change)))
    assert host.hits == []


@pytest.mark.parametrize("path", ["/drip", "/drip-headers"])
def test_a_slow_drip_host_is_cut_off_at_one_deadline(host, cds_client, cds_post, body, settings, path):
    settings.JWKS_DEADLINE_SECONDS = 1.5
    keys_at(cds_client, host.url(path))
    started = time.monotonic()
    assert refusal(cds_post(SERVICE, body)) == FETCH_REFUSED
    assert time.monotonic() - started < 3  # the drip would take 50 s; each read alone is quick


def test_a_redirect_is_not_followed(tmp_path, host, cds_client, cds_post, body):
    inside = JwksHost(tmp_path, cds_client.jwks, tls=False)
    try:
        keys_at(cds_client, host.url(f"/redirect?to={inside.url('/jwks')}"))
        assert refusal(cds_post(SERVICE, body)) == FETCH_REFUSED
        assert inside.hits == []
    finally:
        inside.stop()


def test_loopback_is_refused_without_the_development_setting(host, cds_client, cds_post, body, settings):
    keys_at(cds_client, host.url("/jwks"))
    settings.JWKS_ALLOW_PRIVATE_ADDRESSES = False
    assert refusal(cds_post(SERVICE, body)) == FETCH_REFUSED
    assert host.hits == []


def test_every_fetch_failure_reads_the_same(host, cds_client, cds_post, body, settings):
    """The 401 told "returned JSON" from "unreachable", which let a caller map internal addresses."""
    settings.JWKS_DEADLINE_SECONDS = 1
    settings.JWKS_REFETCH_SECONDS = 0
    answers = set()
    for url in [host.url("/not-json"), host.url("/missing"), "https://127.0.0.1:9/jwks", host.url("/drip")]:
        keys_at(cds_client, url)
        answers.add(refusal(cds_post(SERVICE, body)))
    assert answers == {FETCH_REFUSED}


@pytest.mark.parametrize(
    "url",
    [
        "http://fhir-ehr.example.com/jwks",
        "https://127.0.0.1/jwks",
        "https://10.0.0.5/jwks",
        "https://169.254.169.254/latest",
        "https://[::1]/jwks",
        "https://[::ffff:192.168.1.1]/jwks",
    ],
)
def test_admin_refuses_a_jwks_url_inside_the_network(url):
    with pytest.raises(ValidationError) as refused:
        CdsClient(name="x", issuer="https://x/", jwks_url=url).full_clean()
    assert "jwks_url" in refused.value.message_dict


def test_admin_accepts_a_public_https_jwks_url():
    CdsClient(name="x", issuer="https://x/", jwks_url="https://fhir-ehr.example.com/jwks").full_clean()


def test_a_private_address_may_be_allowed_for_development(settings):
    settings.JWKS_ALLOW_PRIVATE_ADDRESSES = True
    CdsClient(name="x", issuer="https://x/", jwks_url="https://127.0.0.1:8443/jwks").full_clean()


def test_admin_refuses_pasted_private_or_symmetric_keys(ehr_key):
    from jwt.algorithms import ECAlgorithm

    private = {**__import__("json").loads(ECAlgorithm.to_jwk(ehr_key)), "kid": "oops"}
    with pytest.raises(ValidationError, match="private key"):
        CdsClient(name="x", issuer=ISSUER + "p", jwks={"keys": [private]}).full_clean()
    with pytest.raises(ValidationError, match="symmetric"):
        CdsClient(
            name="x", issuer=ISSUER + "s", jwks={"keys": [{"kty": "oct", "k": "c2VjcmV0", "kid": "s"}]}
        ).full_clean()
