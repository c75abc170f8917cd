"""The client address of a request, trusting only the proxies we run."""

import ipaddress

from django.conf import settings


def _valid(address):
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return None


def client_ip(request):
    """REMOTE_ADDR, or the X-Forwarded-For entry added by our outermost trusted proxy.

    With TRUSTED_PROXY_COUNT = n reverse proxies in front of the app, the n-th
    address from the right of X-Forwarded-For is the one the outermost proxy
    saw; anything further left was sent by the client and can be forged.
    """
    count = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if count > 0 and forwarded:
        hops = [hop for hop in forwarded.split(",") if hop.strip()]
        if len(hops) >= count:
            address = _valid(hops[-count])
            if address:
                return address
    return _valid(request.META.get("REMOTE_ADDR", "") or "")
