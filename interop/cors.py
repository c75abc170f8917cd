"""Cross-origin access for the CDS Hooks endpoints only (CDS Hooks 2.0.1, "Cross-Origin Resource Sharing").

Browser-based EHRs call the service from their own origin. The endpoints
authenticate with a bearer token, never a cookie, so any origin may call
them; the rest of the app sends no CORS headers at all.
"""

from functools import wraps

from django.http import HttpResponse

ALLOWED_HEADERS = "Authorization, Content-Type"


def cds_cors(methods):
    """Answer the preflight (OPTIONS) and add the CORS headers to every answer of the view."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            response = HttpResponse(status=204) if request.method == "OPTIONS" else view(request, *args, **kwargs)
            response["Access-Control-Allow-Origin"] = "*"
            response["Access-Control-Allow-Methods"] = ", ".join([*methods, "OPTIONS"])
            response["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
            response["Access-Control-Max-Age"] = "600"
            return response

        return wrapped

    return decorator
