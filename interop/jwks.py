"""A registered client's public keys, fetched from its JWKS URL: rarely, within one deadline, never from inside.

An anonymous caller decides when a token is checked, so the fetch it may
cause must cost little and reach nothing it should not (issue 24):

- the token's `alg`, `iss` and `kid` are checked before any fetch
  (interop.tokens), and fetched keys are cached for JWKS_CACHE_SECONDS; a
  `kid` the cached keys lack (a rotated key) refetches at most once per
  JWKS_REFETCH_SECONDS per client, whatever the number of callers;
- one total deadline, JWKS_DEADLINE_SECONDS, bounds the fetch (connecting,
  TLS, headers, body; the name lookup before it keeps the system resolver's
  own timeout, and counts against the deadline): a host that drips bytes is
  cut off when it ends, not after each slow read;
- https only, redirects are not followed, and the host must resolve to
  public addresses only (not loopback, private, link-local, shared or
  reserved ones) unless JWKS_ALLOW_PRIVATE_ADDRESSES is on (development and
  tests); the connection goes to the address that was checked, so a second
  DNS answer cannot swap it;
- every failure reads the same to the caller (FETCH_REFUSED); why it failed
  goes to the log, for the administrator.
"""

import http.client
import ipaddress
import json
import logging
import socket
import ssl
import threading
import time
from urllib.parse import urlsplit

from django.conf import settings

logger = logging.getLogger(__name__)

FETCH_REFUSED = "The client's keys could not be fetched from its JWKS URL."
MAX_BYTES = 1_000_000


class JwksFetchError(Exception):
    """Why a fetch failed, for the log; callers answer FETCH_REFUSED whatever it says."""


def address_allowed(address):
    """Whether keys may be fetched from this IP address (see the module)."""
    ip = ipaddress.ip_address(address)
    if getattr(ip, "ipv4_mapped", None):
        ip = ip.ipv4_mapped
    return settings.JWKS_ALLOW_PRIVATE_ADDRESSES or (ip.is_global and not ip.is_multicast)


def jwks_url_problem(url):
    """Why keys cannot be fetched from `url` (a sentence), or None. Names are resolved only when fetching."""
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        return "Keys are fetched over https only."
    try:
        literal = ipaddress.ip_address(parts.hostname)
    except ValueError:
        return None
    if not address_allowed(literal):
        return "Keys are not fetched from loopback, private, link-local or reserved addresses."
    return None


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to `address`, checked beforehand, with the certificate checked for the URL's host name."""

    def __init__(self, host, port, *, address, **kwargs):
        super().__init__(host, port, **kwargs)
        self._address = address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(self.sock, server_hostname=self.host)


def _resolve(host, port):
    try:
        answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise JwksFetchError(f"cannot resolve {host}: {exc}") from None
    addresses = list(dict.fromkeys(answer[4][0] for answer in answers))  # in the resolver's order of preference
    refused = [address for address in addresses if not address_allowed(address)]
    if refused or not addresses:
        raise JwksFetchError(f"{host} resolves to an address keys are not fetched from: {', '.join(refused)}")
    return addresses[0]


def jwks_fetch(url):
    """The JWK Set at `url`, as a dict with a "keys" list; JwksFetchError otherwise."""
    problem = jwks_url_problem(url)
    if problem:
        raise JwksFetchError(problem)
    parts = urlsplit(url)
    port = parts.port or 443
    deadline = settings.JWKS_DEADLINE_SECONDS
    started = time.monotonic()
    address = _resolve(parts.hostname, port)
    context = ssl.create_default_context(cafile=settings.JWKS_CA_FILE or None)
    remaining = deadline - (time.monotonic() - started)
    if remaining <= 0:
        raise JwksFetchError("the deadline passed while resolving")
    connection = _PinnedHTTPSConnection(parts.hostname, port, address=address, context=context, timeout=remaining)
    expired = threading.Event()

    def cut_off():
        expired.set()
        sock = connection.sock
        if sock is not None:
            try:
                # Wakes a blocked read; bytes that still arrive are refused by the timeout of every next read.
                # (The plain socket's shutdown: SSLSocket.shutdown would drop its TLS state under the reader.)
                sock.settimeout(0.001)
                socket.socket.shutdown(sock, socket.SHUT_RDWR)
            except OSError:
                pass

    timer = threading.Timer(remaining, cut_off)
    timer.daemon = True
    timer.start()
    response = None
    try:
        path = parts.path or "/"
        connection.request(
            "GET", f"{path}?{parts.query}" if parts.query else path, headers={"Accept": "application/json"}
        )
        response = connection.getresponse()
        if response.status != 200:
            # A redirect is not followed: the next hop is whatever the first host says.
            raise JwksFetchError(f"answered {response.status}")
        body = bytearray()
        while chunk := response.read1(65536):
            if expired.is_set():
                break
            body += chunk
            if len(body) > MAX_BYTES:
                raise JwksFetchError(f"more than {MAX_BYTES} bytes")
    except (OSError, http.client.HTTPException) as exc:
        raise JwksFetchError(
            f"not answered within {deadline} s" if expired.is_set() else f"{exc.__class__.__name__}: {exc}"
        ) from None
    finally:
        timer.cancel()
        # The response holds the socket once the host said it will close: closed here, not left to the collector.
        if response is not None:
            response.close()
        connection.close()
    if expired.is_set():
        raise JwksFetchError(f"not answered within {deadline} s")
    try:
        keys = json.loads(bytes(body))
    except ValueError:
        raise JwksFetchError("not JSON") from None
    if not isinstance(keys, dict) or not isinstance(keys.get("keys"), list):
        raise JwksFetchError('not a JWK Set ({"keys": [...]})')
    return keys
