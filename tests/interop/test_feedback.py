"""POST /cds-services/sm-management/feedback: outcomes stored against the card's rule and guidance version."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from audit.models import AuditEvent
from cases.audit_names import CaseAction
from cases.models import RecommendationFeedback
from cases.selectors import feedback_latest_by_rule
from interop.models import CdsClient

from .conftest import public_jwk
from .fhir_data import patient_view, prefetch_for_case

pytestmark = pytest.mark.django_db

SERVICE = "/cds-services/sm-management"
FEEDBACK = "/cds-services/sm-management/feedback"


def answered_now():
    """outcomeTimestamp: after the card was given (the cards fixture gives them just now), never ahead of now."""
    return (datetime.now(UTC) + timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture
def cards(cds_client, cds_post, published_version):
    case = {
        "subtype": "ASM",
        "symptoms": ["recurrent_anaphylaxis", "flushing"],
        "antihistamine_response": "unresponsive",
    }
    return cds_post(SERVICE, patient_view(prefetch_for_case(case))).json()["cards"]


def caution(cards, rule="carry-epinephrine"):
    return next(card for card in cards if card["indicator"] == "warning" and card["source"]["topic"]["code"] == rule)


def overridden(card, code="already_tried", comment="Carries two pens already."):
    reason = next(r for r in card["overrideReasons"] if r["code"] == code)
    return {
        "card": card["uuid"],
        "outcome": "overridden",
        "overrideReason": {"reason": reason, "userComment": comment},
        "outcomeTimestamp": answered_now(),
    }


def test_an_accepted_card_is_stored_as_cds_hooks_feedback(cards, cds_post, published_version):
    card = caution(cards)
    body = {"feedback": [{"card": card["uuid"], "outcome": "accepted", "outcomeTimestamp": answered_now()}]}
    assert cds_post(FEEDBACK, body).status_code == 200
    stored = RecommendationFeedback.objects.get()
    assert (stored.card_uuid, stored.rule, stored.outcome, stored.reason) == (
        uuid.UUID(card["uuid"]),
        "carry-epinephrine",
        "accepted",
        "",
    )
    assert stored.source == RecommendationFeedback.Source.CDS_HOOKS
    assert stored.guidance_version == published_version
    assert stored.assessment is None


def test_an_override_keeps_its_reason_and_comment_but_the_trail_keeps_codes_only(cards, cds_post, cds_client):
    card = caution(cards, "aspirin-nsaid-tolerance-unknown")
    assert cds_post(FEEDBACK, {"feedback": [overridden(card)]}).status_code == 200
    stored = RecommendationFeedback.objects.get()
    assert (stored.outcome, stored.reason, stored.comment) == (
        "overridden",
        "already_tried",
        "Carries two pens already.",
    )
    event = AuditEvent.objects.get(action=CaseAction.FEEDBACK_GIVEN)
    assert event.details["outcome"] == "overridden" and event.details["client"] == cds_client.issuer
    assert "pens" not in str(event.details)


def test_several_outcomes_in_one_call_are_all_stored(cards, cds_post):
    first, second = [card for card in cards if card["indicator"] == "warning"][:2]
    body = {"feedback": [{"card": first["uuid"], "outcome": "accepted"}, overridden(second, "patient_declined")]}
    assert cds_post(FEEDBACK, body).status_code == 200
    assert RecommendationFeedback.objects.count() == 2


def test_an_unknown_card_uuid_is_404(cards, cds_post):
    response = cds_post(FEEDBACK, {"feedback": [{"card": str(uuid.uuid4()), "outcome": "accepted"}]})
    assert response.status_code == 404
    assert "not a card this service gave you" in response.json()["error"]
    assert not RecommendationFeedback.objects.exists()


def test_another_clients_card_is_as_unknown_as_no_card(cards, cds_post, make_token, ehr_key):
    CdsClient.objects.create(name="Other", issuer="https://other.example/", jwks={"keys": [public_jwk(ehr_key, "k")]})
    token = make_token(FEEDBACK, iss="https://other.example/", kid="k")
    body = {"feedback": [{"card": caution(cards)["uuid"], "outcome": "accepted"}]}
    assert cds_post(FEEDBACK, body, token=token).status_code == 404


def test_nothing_is_stored_when_one_outcome_is_refused(cards, cds_post):
    body = {
        "feedback": [
            {"card": caution(cards)["uuid"], "outcome": "accepted"},
            {"card": str(uuid.uuid4()), "outcome": "accepted"},
        ]
    }
    assert cds_post(FEEDBACK, body).status_code == 404
    assert not RecommendationFeedback.objects.exists()


def test_the_summary_card_is_answered_in_mastoweb(cards, cds_post):
    summary = cards[-1]
    response = cds_post(FEEDBACK, {"feedback": [{"card": summary["uuid"], "outcome": "accepted"}]})
    assert response.status_code == 422
    assert "summary card" in response.json()["error"]


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ({"outcome": "ignored"}, "feedback[0].outcome must be accepted or overridden"),
        ({"outcome": "overridden"}, "feedback[0].overrideReason.reason must be one of the card's overrideReasons"),
        (
            {"outcome": "overridden", "overrideReason": {"reason": {"code": "too_busy"}}},
            "feedback[0].overrideReason.reason must be one",
        ),
        (
            {"outcome": "overridden", "overrideReason": {"reason": {"code": "other", "system": "http://x"}}},
            "feedback[0].overrideReason.reason.system must be urn:mastoweb:feedback-reason",
        ),
        (
            {"outcome": "accepted", "overrideReason": {"reason": {"code": "other"}}},
            "overrideReason goes only with the outcome overridden",
        ),
    ],
)
def test_a_bad_outcome_is_refused_naming_the_field(cards, cds_post, item, message):
    response = cds_post(FEEDBACK, {"feedback": [{"card": caution(cards)["uuid"], **item}]})
    assert response.status_code == 400
    assert message in response.json()["error"]
    assert not RecommendationFeedback.objects.exists()


def test_a_comment_over_500_characters_is_refused(cards, cds_post):
    item = overridden(caution(cards), comment="x" * 501)
    response = cds_post(FEEDBACK, {"feedback": [item]})
    assert response.status_code == 400
    assert "userComment" in response.json()["error"]


def test_feedback_without_a_token_is_refused(cards, client):
    response = client.post(FEEDBACK, "{}", content_type="application/json")
    assert response.status_code == 401


def test_cds_feedback_does_not_stand_for_a_web_assessments_line(cards, cds_post, clinician):
    """A card answers no stored assessment: the case page's latest-feedback reader does not see it."""
    from tests.cases.factories import make_case

    case = make_case(clinician, subtype="ASM", symptoms=["recurrent_anaphylaxis"])
    cds_post(FEEDBACK, {"feedback": [{"card": caution(cards)["uuid"], "outcome": "accepted"}]})
    assert feedback_latest_by_rule(assessment=case.assessments.get()) == {}


def test_ehr_feedback_counts_on_the_reviewer_dashboard_and_a_rebuild_agrees(cards, cds_post):
    from cases.dashboard import dashboard_totals
    from cases.models import DashboardCount
    from cases.rollup import rollup_rebuild

    before = dashboard_totals()
    card = caution(cards, "aspirin-nsaid-tolerance-unknown")
    assert cds_post(FEEDBACK, {"feedback": [overridden(card)]}).status_code == 200

    after = dashboard_totals()
    assert after.by_key[("overridden", "aspirin-nsaid-tolerance-unknown")] == (
        before.by_key[("overridden", "aspirin-nsaid-tolerance-unknown")] + 1
    )
    assert after.by_key[("reason", "aspirin-nsaid-tolerance-unknown:already_tried")] >= 1

    kept = {(r.period, r.day, r.subtype, r.metric, r.key): r.count for r in DashboardCount.objects.exclude(count=0)}
    rollup_rebuild()
    rebuilt = {(r.period, r.day, r.subtype, r.metric, r.key): r.count for r in DashboardCount.objects.exclude(count=0)}
    assert kept == rebuilt


# ---------------------------------------------------------------- bounded (issue 24)


def accepted(card, **extra):
    return {"card": card["uuid"], "outcome": "accepted", "outcomeTimestamp": answered_now()} | extra


def test_a_call_with_too_many_outcomes_is_refused_whole(cards, cds_post):
    """One call carried 1,000 identical outcomes."""
    response = cds_post(FEEDBACK, {"feedback": [accepted(caution(cards))] * 1000})
    assert response.status_code == 400
    assert "at most 50" in response.json()["error"]
    assert not RecommendationFeedback.objects.exists()


def test_one_card_answered_twice_in_a_call_is_refused(cards, cds_post):
    response = cds_post(FEEDBACK, {"feedback": [accepted(caution(cards))] * 2})
    assert response.status_code == 400
    assert "feedback[1].card is answered twice" in response.json()["error"]
    assert not RecommendationFeedback.objects.exists()


@pytest.mark.parametrize(
    ("timestamp", "message"),
    [
        ("yesterday", "must be an ISO 8601 time"),
        ("2026-11-28T23:00:00", "must be an ISO 8601 time"),
        (12, "must be an ISO 8601 time"),
        ("2999-01-01T00:00:00Z", "is in the future"),
        ("2001-01-01T00:00:00Z", "is before the card was given"),
    ],
)
def test_the_outcome_timestamp_is_checked(cards, cds_post, timestamp, message):
    response = cds_post(FEEDBACK, {"feedback": [accepted(caution(cards), outcomeTimestamp=timestamp)]})
    assert response.status_code == 400
    assert message in response.json()["error"]
