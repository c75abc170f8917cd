"""Interop writes: a CDS Hooks call (cards remembered, audited) and CDS Hooks feedback."""

import uuid
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from audit.services import audit_record, audit_record_refusal
from cases.audit_names import CaseAction
from cases.models import RecommendationFeedback
from cases.rollup import NO_CASE, rollup_feedback_given
from cases.services import case_evaluate
from guidance.classification import classify_case

from .audit_names import InteropAction
from .cards import REASON_SYSTEM, cards_build
from .mapping import prefetch_facts
from .models import CdsCard
from .selectors import card_for_client, code_mappings

# A call answers the cards of one patient-view call: a few cautions, never hundreds.
MAX_FEEDBACK_ITEMS = 50


class FeedbackRefusedError(ValueError):
    """Feedback the service cannot store; `status` is the HTTP answer, the message says why."""

    def __init__(self, message, *, status=400):
        self.status = status
        super().__init__(message)


@transaction.atomic
def cds_patient_view(*, client, hook_instance, patient_id, prefetch, version, request=None):
    """The cards for one patient-view call; each card is remembered for its feedback.

    Raises mapping.PrefetchError when the prefetch cannot be read. The audit
    event names the client, the hook instance and the number of cards: never
    a fact or the patient.
    """
    mapped = prefetch_facts(prefetch, patient_id=patient_id, mappings=code_mappings(), today=timezone.localdate())
    cards = []
    if mapped.has_sm:
        lines = case_evaluate(facts=mapped.facts, version=version)
        built = cards_build(lines=lines, version=version, mapped=mapped, check=classify_case(mapped.facts))
        CdsCard.objects.bulk_create(
            [
                CdsCard(
                    uuid=card["uuid"],
                    client=client,
                    rule=rules[0] if card["indicator"] == "warning" else "",
                    rules=rules,
                    guidance_version=version,
                    hook_instance=hook_instance,
                )
                for card, rules in built
            ]
        )
        cards = [card for card, _ in built]
    audit_record(
        actor=None,
        action=InteropAction.CDS_SERVICE_CALLED,
        obj=client,
        request=request,
        hook="patient-view",
        hook_instance=hook_instance,
        cards=len(cards),
        guidance_version=version.number,
    )
    return cards


def _outcome(item, index):
    Outcome, Reason = RecommendationFeedback.Outcome, RecommendationFeedback.Reason  # noqa: N806
    where = f"feedback[{index}]"
    if not isinstance(item, dict):
        raise FeedbackRefusedError(f"{where} must be an object with card and outcome.")
    outcome = item.get("outcome")
    if outcome not in Outcome.values:
        raise FeedbackRefusedError(f"{where}.outcome must be accepted or overridden.")
    reason, comment = "", ""
    override = item.get("overrideReason")
    if outcome == Outcome.OVERRIDDEN:
        coding = override.get("reason") if isinstance(override, dict) else None
        if not isinstance(coding, dict) or coding.get("code") not in Reason.values:
            raise FeedbackRefusedError(
                f"{where}.overrideReason.reason must be one of the card's overrideReasons ({', '.join(Reason.values)})."
            )
        if coding.get("system", REASON_SYSTEM) != REASON_SYSTEM:
            raise FeedbackRefusedError(f"{where}.overrideReason.reason.system must be {REASON_SYSTEM}.")
        reason = coding["code"]
        comment = override.get("userComment") or ""
        if not isinstance(comment, str) or len(comment.strip()) > 500:
            raise FeedbackRefusedError(f"{where}.overrideReason.userComment must be text of at most 500 characters.")
    elif override is not None:
        raise FeedbackRefusedError(f"{where}.overrideReason goes only with the outcome overridden.")
    return outcome, reason, comment.strip()


@transaction.atomic
def cds_feedback_record(*, client, feedback, request=None):
    """Store each outcome against its card's rule and guidance version; all or nothing.

    A card this client was not given is a FeedbackRefusedError with status 404. The
    summary card shows several lines at once: feedback on it is refused (422),
    as its lines are answered one by one in Mastoweb.
    """
    if not isinstance(feedback, list) or not feedback:
        raise FeedbackRefusedError("feedback must be a non-empty list of card outcomes.")
    if len(feedback) > MAX_FEEDBACK_ITEMS:
        raise FeedbackRefusedError(
            f"feedback holds {len(feedback)} outcomes; one call may carry at most {MAX_FEEDBACK_ITEMS}, one per card."
        )
    stored, seen = [], set()
    for index, item in enumerate(feedback):
        outcome, reason, comment = _outcome(item, index)
        card_uuid = _uuid(item.get("card"), index)
        if card_uuid in seen:
            raise FeedbackRefusedError(f"feedback[{index}].card is answered twice in this call: once per card.")
        seen.add(card_uuid)
        card = card_for_client(card_uuid=card_uuid, client=client)
        if card is None:
            raise FeedbackRefusedError(f"feedback[{index}].card is not a card this service gave you.", status=404)
        _check_timestamp(item.get("outcomeTimestamp"), card, index)
        if not card.rule:
            raise FeedbackRefusedError(
                f"feedback[{index}].card is the summary card: it carries several lines; answer them in Mastoweb.",
                status=422,
            )
        row = RecommendationFeedback.objects.create(
            card_uuid=card.uuid,
            rule=card.rule,
            guidance_version=card.guidance_version,
            outcome=outcome,
            reason=reason,
            comment=comment,
            source=RecommendationFeedback.Source.CDS_HOOKS,
        )
        # Codes only: the comment is free text and stays out of the trail.
        audit_record(
            actor=None,
            action=CaseAction.FEEDBACK_GIVEN,
            obj=row,
            request=request,
            client=client.issuer,
            card=str(card.uuid),
            rule=card.rule,
            outcome=outcome,
            reason=reason,
        )
        rollup_feedback_given(row, subtype=NO_CASE)  # on the reviewer dashboard, with no case behind it
        stored.append(row)
    return stored


def _check_timestamp(value, card, index):
    """outcomeTimestamp, when given: an ISO 8601 time with its offset, after the card was given, not ahead of now."""
    if value is None:
        return
    where = f"feedback[{index}].outcomeTimestamp"
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00")) if isinstance(value, str) else None
    except ValueError:
        when = None
    if when is None or when.tzinfo is None:
        raise FeedbackRefusedError(f"{where} must be an ISO 8601 time with its offset, e.g. 2026-11-28T23:00:00Z.")
    skew = timedelta(minutes=5)
    if when > timezone.now() + skew:
        raise FeedbackRefusedError(f"{where} is in the future.")
    if when < card.created_at - skew:
        raise FeedbackRefusedError(f"{where} is before the card was given.")


def _uuid(value, index):
    if not isinstance(value, str):
        raise FeedbackRefusedError(f"feedback[{index}].card must be the uuid of a card the service gave you.")
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise FeedbackRefusedError(f"feedback[{index}].card must be the uuid of a card.", status=404) from None


def cds_request_refused(*, request, client, status, reason):
    """A CDS Hooks call turned away: the reason only, never the token, the body or a fact."""
    if status == 401:
        # Nobody identified: a flood of forged tokens is one event per window (audit_record_refusal).
        audit_record_refusal(
            action=InteropAction.CDS_REQUEST_REFUSED,
            key=f"{request.path}|{client.pk if client else ''}",
            obj=client,
            request=request,
            path=request.path,
            status=status,
            reason=reason,
        )
        return
    audit_record(
        actor=None,
        action=InteropAction.CDS_REQUEST_REFUSED,
        obj=client,
        request=request,
        path=request.path,
        status=status,
        reason=reason,
    )


def fhir_export_record(*, user, obj, **details):
    audit_record(actor=user, action=InteropAction.FHIR_EXPORTED, obj=obj, **details)
