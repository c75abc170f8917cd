"""The management page and the CDS cards agree, for every worked case of guidance v2 and v3 fed as FHIR prefetch."""

import json
import re

import pytest

from guidance.kinds import Kind
from tests.cases.factories import form_data
from tests.conftest import SPEC

from .fhir_data import patient_view, prefetch_for_case

VIGNETTES = sorted((SPEC / "vignettes-v2").glob("*.json")) + sorted((SPEC / "vignettes-v3").glob("*.json"))
pytestmark = pytest.mark.django_db


def _load(path):
    return json.loads(path.read_text())


CASES = [p for p in VIGNETTES if "error" not in _load(p)["expect"]]


def page_rules(client, case):
    response = client.post("/cases/new/", form_data(**case), follow=True)
    assert response.status_code == 200
    return re.findall(r'data-kind="([a-z]+)" data-rule="([a-z0-9-]+)"', response.content.decode())


def card_rules(cards):
    rules = []
    for card in cards:
        kind = "caution" if card["indicator"] == "warning" else "other"
        rules += [(kind, rule) for rule in card.get("extension", {}).get("org.mastoweb.rules", [])]
    return rules


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_the_page_and_the_cards_show_the_same_rules(path, client, clinician, cds_client, cds_post, published_version):
    vignette = _load(path)
    case, expect = vignette["case"], vignette["expect"]
    client.force_login(clinician)
    on_page = page_rules(client, case)
    assert on_page or not expect.get("fire"), "the page showed no line: the reader missed them"
    response = cds_post("/cds-services/sm-management", patient_view(prefetch_for_case(case)))
    in_cards = card_rules(response.json()["cards"])

    assert sorted(rule for _, rule in in_cards) == sorted(rule for _, rule in on_page)
    assert {rule for kind, rule in in_cards if kind == Kind.CAUTION} == {r for k, r in on_page if k == Kind.CAUTION}
    fired = {rule for _, rule in in_cards}
    if vignette.get("guidance_version", published_version.number) != published_version.number:
        return  # its rule ids are another version's; tests/guidance/test_command.py holds it to that version
    assert set(expect.get("fire", [])) <= fired
    assert not set(expect.get("not_fire", [])) & fired
