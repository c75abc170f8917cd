"""The request being served, for events recorded below the view (services, signal receivers).

Set by AuditContextMiddleware for the length of each request, in a ContextVar:
it follows the request into sync_to_async and back, where a thread-local
would not.
"""

from contextvars import ContextVar

from .ip import client_ip

_request = ContextVar("audit_request", default=None)


class AuditContextMiddleware:
    """Keeps the request for audit.services; after AuthenticationMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _request.set(request)
        try:
            return self.get_response(request)
        finally:
            _request.reset(token)


def request_address(request=None):
    """The client address of this request, or of the one being served; None outside a request."""
    request = request if request is not None else _request.get()
    return client_ip(request) if request is not None else None


def request_served():
    """Whether a request is being served (False in a shell, a command or a background task)."""
    return _request.get() is not None


def request_user():
    """The signed-in user of the request being served, or None (outside a request, or anonymous)."""
    request = _request.get()
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None
