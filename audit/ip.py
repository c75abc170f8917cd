"""The client address of a request, trusting only the proxies we run (django-ipware's engine)."""

from django.conf import settings
from python_ipware import IpWare

_REMOTE = IpWare(precedence=("REMOTE_ADDR",))


def client_ip(request):
    """REMOTE_ADDR, or the X-Forwarded-For entry added by our outermost trusted proxy.

    With TRUSTED_PROXY_COUNT = n reverse proxies in front of the app, the n-th
    address from the right of X-Forwarded-For is the one the outermost proxy
    saw; anything further left was sent by the client and can be forged. Only
    that header is read: a client can send any of the others ipware knows.
    ipware counts the proxies after that address, hence n - 1; and it is asked
    without its strict mode (which django-ipware's get_client_ip always turns
    on), since strict refuses a header with a forged entry on its left and we
    would then record our proxy's address instead of the client's.
    """
    count = settings.TRUSTED_PROXY_COUNT
    if count > 0:
        forwarded = IpWare(precedence=("HTTP_X_FORWARDED_FOR",), proxy_count=count - 1)
        address, _ = forwarded.get_client_ip(request.META, strict=False)
        if address:
            return str(address)
    address, _ = _REMOTE.get_client_ip(request.META)
    return str(address) if address else None
