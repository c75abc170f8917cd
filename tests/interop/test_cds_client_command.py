"""python manage.py cds_client add ISSUER --jwks-file FILE"""

import json

import pytest
from django.core.management import CommandError, call_command

from interop.models import CdsClient

from .conftest import public_jwk

pytestmark = pytest.mark.django_db


def test_it_registers_a_client_with_pasted_keys(tmp_path, ehr_key, cds_post, published_version):
    keys = tmp_path / "jwks.json"
    keys.write_text(json.dumps({"keys": [public_jwk(ehr_key, "ehr-es384")]}))
    call_command("cds_client", "add", "https://fhir-ehr.example.com/", "--jwks-file", str(keys), "--name", "Ward EHR")
    client = CdsClient.objects.get()
    assert (client.name, client.active, client.jwks_url) == ("Ward EHR", True, "")
    from .fhir_data import patient_view, prefetch_for_case

    assert (
        cds_post("/cds-services/sm-management", patient_view(prefetch_for_case({"subtype": "MCL"}))).status_code == 200
    )


def test_adding_again_replaces_the_keys(tmp_path, ehr_key, rsa_key):
    path = tmp_path / "jwks.json"
    for key in (ehr_key, rsa_key):
        path.write_text(json.dumps({"keys": [public_jwk(key, "k")]}))
        call_command("cds_client", "add", "https://ehr.example/", "--jwks-file", str(path))
    assert CdsClient.objects.get().jwks["keys"][0]["kty"] == "RSA"


def test_a_private_key_is_refused(tmp_path, ehr_key):
    path = tmp_path / "jwks.json"
    jwk = public_jwk(ehr_key, "k") | {"d": "secret"}
    path.write_text(json.dumps({"keys": [jwk]}))
    with pytest.raises(CommandError, match="private key"):
        call_command("cds_client", "add", "https://ehr.example/", "--jwks-file", str(path))
    assert not CdsClient.objects.exists()


@pytest.mark.parametrize(("content", "message"), [("{", "is not JSON"), ('{"keys": []}', "at least one key")])
def test_a_bad_key_file_is_refused_saying_why(tmp_path, content, message):
    path = tmp_path / "jwks.json"
    path.write_text(content)
    with pytest.raises(CommandError, match=message):
        call_command("cds_client", "add", "https://ehr.example/", "--jwks-file", str(path))


def test_a_missing_file_is_refused(tmp_path):
    with pytest.raises(CommandError, match="cannot read"):
        call_command("cds_client", "add", "https://ehr.example/", "--jwks-file", str(tmp_path / "none.json"))
