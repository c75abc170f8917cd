"""The interop app's audit actions (CDS Hooks calls from EHRs, FHIR exports).

Registered with audit.registry when the app starts (InteropConfig.ready).
"""

from django.db import models

from audit.registry import register_actions


class InteropAction(models.TextChoices):
    CDS_SERVICE_CALLED = "cds_service_called", "CDS Hooks service called"
    CDS_REQUEST_REFUSED = "cds_request_refused", "CDS Hooks request refused"
    FHIR_EXPORTED = "fhir_exported", "FHIR resource exported"


def register():
    register_actions(InteropAction)
