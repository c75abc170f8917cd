"""Cross-origin access for the CDS Hooks endpoints only (CDS Hooks 2.0.1, "Cross-Origin Resource Sharing").

Browser-based EHRs call the service from their own origin. The endpoints
authenticate with a bearer token, never a cookie, so any origin may call
them; the rest of the app sends no CORS headers at all. Every answer carries
them, a failure's too: without them the EHR's browser hides even the status.
"""

import logging
import sys
from functools import wraps

from django.core.signals import got_request_exception
from django.http import HttpResponse, JsonResponse

logger = logging.getLogger("django.request")

ALLOWED_HEADERS = "Authorization, Content-Type"


def cds_cors(methods):
    """Answer the preflight (OPTIONS) and add the CORS headers to every answer of the view."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            try:
                response = HttpResponse(status=204) if request.method == "OPTIONS" else view(request, *args, **kwargs)
            except Exception:
                # Answered here, not by Django's handler, so that a browser-based EHR can read even a failure.
                got_request_exception.send(sender=None, request=request)
                logger.error(
                    "Internal Server Error: %s", request.path, exc_info=sys.exc_info(), extra={"status_code": 500}
                )
                response = JsonResponse({"error": "The service failed; the error is logged."}, status=500)
            response["Access-Control-Allow-Origin"] = "*"
            response["Access-Control-Allow-Methods"] = ", ".join([*methods, "OPTIONS"])
            response["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
            response["Access-Control-Max-Age"] = "600"
            return response

        return wrapped

    return decorator
