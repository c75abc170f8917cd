"""CDS Hooks 2.0.1 endpoints (JWT bearer, no session, no CSRF) and the FHIR exports (session, as the pages)."""

from functools import wraps

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from cases.access import case_get_for_user
from guidance.selectors import guidance_current, guidance_version_by_number

from . import fhir, services
from .cors import cds_cors
from .json_input import json_body_read
from .mapping import REQUIRED_PREFETCH, PrefetchError
from .models import LOINC
from .tokens import TokenRefusedError, token_check, token_spend

SERVICE_ID = "sm-management"
HOOK = "patient-view"
MAX_BODY_BYTES = 2_000_000
PREFETCH = {
    "patient": "Patient/{{context.patientId}}",
    "conditions": "Condition?patient={{context.patientId}}",
    "tryptase": f"Observation?patient={{{{context.patientId}}}}&code={LOINC}|21582-2",
    "kitVariant": f"Observation?patient={{{{context.patientId}}}}&code={LOINC}|69548-6",
    "caseFacts": "Observation?patient={{context.patientId}}&code=urn:mastoweb:sm-case-facts|",
    # Hb, platelets, neutrophils: the blood count the subtype check (WHO 2022, C1) reads.
    "bloodCount": f"Observation?patient={{{{context.patientId}}}}&code={LOINC}|718-7,{LOINC}|777-3,{LOINC}|751-8",
}


def _error(status, message, **extra):
    return JsonResponse({"error": message, **extra}, status=status)


def _refuse(request, status, message, *, client=None):
    services.cds_request_refused(request=request, client=client, status=status, reason=message)
    response = _error(status, message)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer error="invalid_token"'
    return response


def _refused_token(request, refused):
    return _refuse(request, 401, str(refused), client=refused.client)


def _json_body(request):
    return json_body_read(request.body, max_bytes=MAX_BODY_BYTES)


@cds_cors(["GET"])
@require_http_methods(["GET", "OPTIONS"])
def discovery(request):
    """CDS Hooks discovery: the one service, its hook and the prefetch it needs."""
    service = {
        "hook": HOOK,
        "id": SERVICE_ID,
        "title": "Systemic mastocytosis management (Mastoweb)",
        "description": (
            "Management lines for a patient with systemic mastocytosis, each with its reason and the paragraph of "
            "the published guidance it rests on. Reads only the prefetched resources: this version never calls "
            "back into the EHR's FHIR server, so a call without the prefetch is answered 412."
        ),
        "prefetch": PREFETCH,
        "usageRequirements": (
            "Register the EHR's issuer and keys with Mastoweb first; see docs/interop.md for the codes it reads."
        ),
    }
    return JsonResponse({"services": [service]})


def _cds_post(view):
    """A CDS Hooks POST endpoint, called as view(request, client) once the client's token is verified."""

    @csrf_exempt  # a JWT bearer token, never a cookie, authenticates these endpoints
    @cds_cors(["POST"])
    @require_http_methods(["POST", "OPTIONS"])
    @wraps(view)
    def endpoint(request):
        # The token is checked outside the transaction: fetching a client's keys (interop.jwks) must not
        # hold a database write lock.
        try:
            client, claims = token_check(request, audience=settings.PUBLIC_BASE_URL + request.path)
        except TokenRefusedError as refused:
            return _refused_token(request, refused)
        # One commit: the token's jti, what the call stores and the audit event stand or fall together.
        with transaction.atomic():
            try:
                token_spend(client, claims)
            except TokenRefusedError as refused:
                return _refused_token(request, refused)
            return view(request, client)

    return endpoint


@_cds_post
def service(request, client):
    try:
        body = _json_body(request)
    except ValueError as exc:
        return _refuse(request, 400, str(exc), client=client)
    if body.get("hook") != HOOK:
        return _refuse(request, 400, f"hook must be {HOOK}.", client=client)
    hook_instance = body.get("hookInstance")
    if not isinstance(hook_instance, str) or not 0 < len(hook_instance) <= 100:
        return _refuse(
            request, 400, "hookInstance must be the hook's id (a string of at most 100 characters).", client=client
        )
    context = body.get("context")
    patient_id = context.get("patientId") if isinstance(context, dict) else None
    if not isinstance(patient_id, str) or not patient_id:
        return _refuse(request, 400, "context.patientId is required.", client=client)
    prefetch = body.get("prefetch")
    missing = [key for key in REQUIRED_PREFETCH if not isinstance(prefetch, dict) or prefetch.get(key) is None]
    if missing:
        message = (
            f"Prefetch {', '.join(missing)} missing: this service reads only prefetched resources and does not "
            "query the EHR's FHIR server. Send the prefetch named in discovery."
        )
        return _refuse(request, 412, message, client=client)
    version = guidance_current()
    if version is None:
        return _refuse(request, 503, "No guidance is published.", client=client)
    try:
        cards = services.cds_patient_view(
            client=client,
            hook_instance=hook_instance,
            patient_id=patient_id,
            prefetch=prefetch,
            version=version,
            request=request,
        )
    except PrefetchError as exc:
        return _refuse(request, 400, str(exc), client=client)
    return JsonResponse({"cards": cards})


@_cds_post
def feedback(request, client):
    try:
        body = _json_body(request)
        services.cds_feedback_record(client=client, feedback=body.get("feedback"), request=request)
    except services.FeedbackRefusedError as exc:
        return _refuse(request, exc.status, str(exc), client=client)
    except ValueError as exc:
        return _refuse(request, 400, str(exc), client=client)
    return HttpResponse(status=200)


def _fhir_response(request, fhir_resource, *, filename, obj, **details):
    services.fhir_export_record(user=request.user, obj=obj, **details)
    response = HttpResponse(fhir.as_json(fhir_resource), content_type=fhir.CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_GET
def plan_definition(request, number):
    """A published or retired guidance version; drafts are not handed out as computable guidance."""
    version = guidance_version_by_number(number=number, frozen_only=True)
    if version is None:
        raise Http404("No such published or retired guidance version.")
    resource = fhir.plan_definition(version)
    return _fhir_response(
        request,
        resource,
        filename=f"{version.guideline.slug}-v{version.number}.PlanDefinition.json",
        obj=version,
        resource="PlanDefinition",
    )


@login_required
@require_GET
def request_group(request, case_id, assessment_id):
    case = case_get_for_user(request.user, case_id)
    assessment = case.assessments.select_related("guidance_version__guideline").filter(pk=assessment_id).first()
    if assessment is None:
        raise Http404("No such assessment of this case.")
    return _fhir_response(
        request,
        fhir.request_group(assessment),
        filename=f"assessment-{assessment.pk}.RequestGroup.json",
        obj=case,
        resource="RequestGroup",
        assessment_id=assessment.pk,
    )
