"""POST /cds-services/sm-management: a patient-view call answered with cards."""

import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings

from audit.models import AuditEvent
from cases.models import RecommendationFeedback
from guidance.kinds import Kind
from interop.audit_names import InteropAction
from interop.models import ICD10CM, SNOMED_CT, CdsCard

from .cds_checks import card_problems
from .fhir_data import HOOK_INSTANCE, bundle, condition, patient, patient_view, prefetch_for_case, tryptase

pytestmark = pytest.mark.django_db

SERVICE = "/cds-services/sm-management"
# Cautions and others at once: ASM with anaphylaxis, refractory flushing, KIT and NSAID tolerance unknown.
BUSY = {
    "subtype": "ASM",
    "symptoms": ["flushing", "recurrent_anaphylaxis", "malabsorption"],
    "antihistamine_response": "unresponsive",
}


@pytest.fixture
def cards(cds_client, cds_post, published_version):
    response = cds_post(SERVICE, patient_view(prefetch_for_case(BUSY)))
    assert response.status_code == 200, response.content
    return response.json()["cards"]


def rules_of(card):
    return card["extension"]["org.mastoweb.rules"] if "extension" in card else []


def test_each_caution_is_a_warning_card_and_the_rest_one_info_summary(cards, published_version):
    from guidance.evaluation import guidance_evaluate
    from guidance.facts import validate_case

    recommendations = guidance_evaluate(facts=validate_case(BUSY), version=published_version)
    cautions = [r.rule for r in recommendations if r.kind == Kind.CAUTION]
    others = [r.rule for r in recommendations if r.kind != Kind.CAUTION]
    warnings = [card for card in cards if card["indicator"] == "warning"]
    assert [card["source"]["topic"]["code"] for card in warnings] == cautions
    (summary,) = [card for card in cards if card["indicator"] == "info"]
    assert rules_of(summary) == others
    assert cards[-1] is summary


def test_every_card_keeps_the_specs_rules(cards):
    assert {card["indicator"] for card in cards} == {"warning", "info"}
    for card in cards:
        assert not card_problems(card), (card["summary"], card_problems(card))


def test_a_caution_card_says_why_quotes_the_source_and_names_the_version(cards, published_version):
    card = next(c for c in cards if c["source"]["topic"]["code"] == "carry-epinephrine")
    assert card["summary"].startswith("Caution: ")
    assert "Why: recurrent\\_anaphylaxis present" in card["detail"] or "Why:" in card["detail"]
    assert "> These patients should also have injectable epinephrine with them at all times." in card["detail"]
    assert card["source"]["topic"]["version"] == str(published_version.number)
    assert f"v{published_version.number}" in card["source"]["label"]
    reasons = [reason["code"] for reason in card["overrideReasons"]]
    assert reasons == list(RecommendationFeedback.Reason.values)


def test_confirm_items_are_in_the_detail(cards):
    summary = cards[-1]
    assert "Check before acting: severe malabsorption (when ascites is absent)" in summary["detail"]


def test_source_urls_land_on_the_quoted_sentence_of_the_right_paragraph(cards, client, clinician):
    client.force_login(clinician)
    page = client.get("/guidance/v/3/").content.decode()
    for card in cards:
        url = urlsplit(card["source"]["url"])
        assert f"{url.scheme}://{url.netloc}" == settings.PUBLIC_BASE_URL
        assert client.get(url.path).status_code == 200
        if card["indicator"] != "warning":
            continue
        rule = card["source"]["topic"]["code"]
        anchor = url.fragment
        assert re.search(rf'id="{re.escape(anchor)}"', page), f"{rule}: #{anchor} is not on the guidance page"
        from guidance.models import Rule

        stored = Rule.objects.select_related("paragraph").get(version__number=3, rule_id=rule)
        assert anchor.startswith(stored.paragraph.slug)
        assert anchor == stored.anchor


def test_the_link_opens_a_new_case_prefilled_with_the_mapped_facts(cards):
    link = cards[0]["links"][0]
    query = parse_qs(urlsplit(link["url"]).query)
    assert urlsplit(link["url"]).path == "/cases/new/"
    assert query["subtype"] == ["ASM"]
    assert query["symptoms"] == ["flushing", "malabsorption", "recurrent_anaphylaxis"]
    assert query["antihistamine_response"] == ["unresponsive"]
    assert "kit_d816v" not in query  # not sent: left for the clinician, not defaulted


def test_each_card_is_remembered_for_its_feedback(cards, cds_client, published_version):
    stored = {str(card.uuid): card for card in CdsCard.objects.all()}
    assert set(stored) == {card["uuid"] for card in cards}
    for card in cards:
        row = stored[card["uuid"]]
        assert row.client == cds_client
        assert row.guidance_version == published_version
        assert row.hook_instance == HOOK_INSTANCE
        assert row.rules == (rules_of(card) or [])
        assert row.rule == (card["source"]["topic"]["code"] if card["indicator"] == "warning" else "")


def test_each_call_is_audited_without_facts_or_patient(cards, cds_client):
    event = AuditEvent.objects.get(action=InteropAction.CDS_SERVICE_CALLED)
    assert event.object_id == str(cds_client.pk)
    assert event.details == {
        "hook": "patient-view",
        "hook_instance": HOOK_INSTANCE,
        "cards": len(cards),
        "guidance_version": 3,
    }
    assert "1288992" not in json.dumps(event.details)


def test_the_unmapped_is_said_in_the_summary_card(cds_client, cds_post, published_version):
    prefetch = {
        "patient": patient(),
        "conditions": bundle(condition(ICD10CM, "D47.02"), condition(SNOMED_CT, "38341003", "Hypertensive disorder")),
        "tryptase": bundle(tryptase(0.03, "mg/L")),
    }
    cards = cds_post(SERVICE, patient_view(prefetch)).json()["cards"]
    summary = cards[-1]
    assert "subtype not coded: open Mastoweb to complete" in summary["summary"]
    assert len(summary["summary"]) < 140
    assert "http://snomed.info/sct|38341003 (Hypertensive disorder)" in summary["detail"]
    assert "serum tryptase in mg/L not accepted" in summary["detail"]
    assert not card_problems(summary)


def test_a_patient_without_sm_gets_no_cards(cds_client, cds_post, published_version):
    prefetch = {"patient": patient(), "conditions": bundle(condition(SNOMED_CT, "38341003"))}
    response = cds_post(SERVICE, patient_view(prefetch))
    assert response.status_code == 200
    assert response.json() == {"cards": []}
    assert not CdsCard.objects.exists()


def test_a_call_without_prefetch_gets_a_clear_412(cds_client, cds_post, published_version):
    response = cds_post(SERVICE, patient_view(None))
    assert response.status_code == 412
    assert "does not query the EHR's FHIR server" in response.json()["error"]
    assert AuditEvent.objects.filter(action=InteropAction.CDS_REQUEST_REFUSED, details__status=412).exists()


def test_a_prefetch_without_conditions_gets_a_412_naming_it(cds_client, cds_post, published_version):
    response = cds_post(SERVICE, patient_view({"patient": patient()}))
    assert response.status_code == 412
    assert "Prefetch conditions missing" in response.json()["error"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"hook": "order-select"}, "hook must be patient-view"),
        ({"hookInstance": ""}, "hookInstance"),
        ({"context": {}}, "context.patientId is required"),
    ],
)
def test_a_malformed_request_is_refused_naming_the_field(cds_client, cds_post, published_version, change, message):
    response = cds_post(SERVICE, patient_view(prefetch_for_case({"subtype": "ASM"})) | change)
    assert response.status_code == 400
    assert message in response.json()["error"]


def test_invalid_fhir_in_the_prefetch_is_refused_naming_where(cds_client, cds_post, published_version):
    prefetch = prefetch_for_case({"subtype": "ASM"}) | {"patient": patient(birthDate="yesterday")}
    response = cds_post(SERVICE, patient_view(prefetch))
    assert response.status_code == 400
    assert response.json()["error"].startswith("prefetch.patient: is not valid FHIR R4 (birthDate")


def test_a_body_that_is_not_json_is_refused(cds_client, client, make_token, published_version):
    headers = {"Authorization": f"Bearer {make_token(SERVICE)}"}
    response = client.post(SERVICE, "hook=patient-view", content_type="application/json", headers=headers)
    assert response.status_code == 400
    assert response.json() == {"error": "The request body is not JSON."}


def test_a_get_is_not_the_service(client):
    assert client.get(SERVICE).status_code == 405


def test_a_call_takes_few_queries(cds_client, cds_post, published_version, django_assert_max_num_queries):
    body = patient_view(prefetch_for_case(BUSY))
    cds_post(SERVICE, body)  # warm the compiled-guidance cache
    # Client, purge and jti, guidance, mapping, paragraphs, cards, audit (after the chain's newest hash, and on
    # PostgreSQL the chain's lock: audit.chain), and two savepoints; one commit.
    with django_assert_max_num_queries(16):
        assert cds_post(SERVICE, body).status_code == 200


def test_no_fact_or_patient_reaches_the_logs(cds_client, cds_post, published_version, caplog):
    import logging

    caplog.set_level(logging.DEBUG)
    cds_post(SERVICE, patient_view(prefetch_for_case(BUSY)))
    bad = prefetch_for_case(BUSY) | {"patient": patient(birthDate="yesterday")}
    cds_post(SERVICE, patient_view(bad))
    logged = "\n".join(record.getMessage() for record in caplog.records if not record.name.startswith("django.db"))
    assert "Bad Request: /cds-services/sm-management" in logged  # the refusal is logged: path only
    for secret in ("1288992", "recurrent_anaphylaxis", "C96.21", "yesterday", "ASM"):
        assert secret not in logged, secret
