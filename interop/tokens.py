"""CDS Hooks 2.0 client authentication: a JWT bearer token signed by a registered client.

Checked, in order: an ES384 or RS384 algorithm (nothing else, never `none`),
an `iss` registered and active, a short `kid` and an `exp` at most five
minutes ahead, all before any key is fetched (interop.jwks); then the
signature with the client's key, `aud` equal to this service's URL, `exp`,
`iat`, and a `jti` the client has not used before.
"""

import hashlib
import logging
import math
import time
from datetime import UTC, datetime

import jwt
from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone

from .jwks import FETCH_REFUSED, JwksFetchError, jwks_fetch
from .models import CdsClient, CdsTokenSeen

logger = logging.getLogger(__name__)

ALGORITHMS = ("ES384", "RS384")
REQUIRED_CLAIMS = ("iss", "aud", "exp", "iat", "jti")
LEEWAY_SECONDS = 30
# CDS Hooks 2.0: a token's exp "SHALL be no more than five minutes in the future".
MAX_LIFETIME_SECONDS = 5 * 60
MAX_KID_LENGTH = 200


class TokenRefusedError(Exception):
    """A request that is not from a registered client; the message says why (no secrets in it)."""

    def __init__(self, reason, *, client=None):
        self.client = client
        super().__init__(reason)


def _bearer(request):
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise TokenRefusedError("No bearer token: send Authorization: Bearer <JWT signed by your registered key>.")
    return token.strip()


def _shown(value, limit=40):
    """A value the caller sent, for a refusal: short, whatever it sent."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}\u2026"


def _cache_key(client):
    url = hashlib.sha256(client.jwks_url.encode()).hexdigest()[:16]
    return f"interop.jwks:{client.pk}:{url}"


def _client_keys(client, kid):
    """The client's JWK Set: pasted, or fetched from its URL and cached (interop.jwks says how rarely)."""
    if client.jwks:
        return client.jwks
    cached = cache.get(_cache_key(client))
    if cached is not None and any(key.get("kid") == kid for key in cached["keys"] if isinstance(key, dict)):
        return cached
    # Not fetched yet, expired, or a kid the cached keys lack (the client rotated its key): fetch, at most
    # once per JWKS_REFETCH_SECONDS for this client, however many callers send unknown kids.
    if not cache.add(f"interop.jwks-fetch:{client.pk}", True, timeout=settings.JWKS_REFETCH_SECONDS):
        if cached is not None:
            return cached
        raise TokenRefusedError(FETCH_REFUSED, client=client)
    try:
        keys = jwks_fetch(client.jwks_url)
    except JwksFetchError as exc:
        logger.warning("jwks_fetch_failed: client %s: %s", client.pk, exc)
        raise TokenRefusedError(FETCH_REFUSED, client=client) from None
    cache.set(_cache_key(client), keys, timeout=settings.JWKS_CACHE_SECONDS)
    return keys


def _signing_key(client, header):
    kid = header.get("kid")
    keys = _client_keys(client, kid).get("keys", [])
    candidates = [key for key in keys if isinstance(key, dict) and (kid is None or key.get("kid") == kid)]
    if not candidates:
        raise TokenRefusedError("No registered key of this client has the token's kid.", client=client)
    return candidates


def _checked_before_keys(token):
    """The header and the client named, after every check that needs no key: nothing is fetched before."""
    try:
        header = jwt.get_unverified_header(token)
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        raise TokenRefusedError("The bearer token is not a well-formed JWT.") from None
    alg = header.get("alg")
    if alg not in ALGORITHMS:
        raise TokenRefusedError(f"Signing algorithm {_shown(alg)} is not accepted; use ES384 or RS384.")
    issuer = claims.get("iss")
    client = CdsClient.objects.filter(issuer=issuer, active=True).first() if isinstance(issuer, str) else None
    if client is None:
        raise TokenRefusedError("The token's issuer (iss) is not a registered client.")
    kid = header.get("kid")
    if kid is None and client.jwks_url and not client.jwks:
        raise TokenRefusedError("The token has no kid: name the key it is signed with.", client=client)
    if kid is not None and not (isinstance(kid, str) and 0 < len(kid) <= MAX_KID_LENGTH):
        raise TokenRefusedError(f"The token's kid must be 1 to {MAX_KID_LENGTH} characters.", client=client)
    exp = claims.get("exp")
    numeric = isinstance(exp, int | float) and not isinstance(exp, bool) and math.isfinite(exp)
    if exp is not None and not numeric:
        raise TokenRefusedError("The token's exp must be a number of seconds since 1970.", client=client)
    if numeric and exp > time.time() + MAX_LIFETIME_SECONDS + LEEWAY_SECONDS:
        message = "The token's exp is more than five minutes in the future (CDS Hooks allows no more)."
        raise TokenRefusedError(message, client=client)
    return header, client


def token_check(request, *, audience):
    """(client, claims) for a registered client's valid token; its jti is not yet spent (token_spend)."""
    token = _bearer(request)
    header, client = _checked_before_keys(token)
    verified = None
    for key in _signing_key(client, header):
        try:
            verified = jwt.decode(
                token,
                key=jwt.PyJWK(key, algorithm=header["alg"]),
                algorithms=[header["alg"]],
                audience=audience,
                issuer=client.issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": list(REQUIRED_CLAIMS)},
            )
            break
        except jwt.InvalidSignatureError:
            continue
        except jwt.ExpiredSignatureError:
            raise TokenRefusedError("The token has expired (exp).", client=client) from None
        except jwt.InvalidAudienceError:
            raise TokenRefusedError(f"The token's audience (aud) must be {audience}.", client=client) from None
        except jwt.MissingRequiredClaimError as exc:
            raise TokenRefusedError(f"The token lacks the {exc.claim!r} claim.", client=client) from None
        except (jwt.PyJWTError, ValueError) as exc:
            raise TokenRefusedError(f"The token was refused ({exc.__class__.__name__}).", client=client) from None
    if verified is None:
        raise TokenRefusedError("The token's signature does not match the client's registered keys.", client=client)
    jti = verified["jti"]
    if not isinstance(jti, str | int) or not 0 < len(str(jti)) <= 200:
        raise TokenRefusedError("The token's jti must be 1 to 200 characters.", client=client)
    return client, verified


def token_spend(client, claims):
    """Record the token's jti as used: TokenRefusedError if the client used it before."""
    _remember_jti(client, str(claims["jti"]), claims["exp"])


def client_verify(request, *, audience):
    """The registered CdsClient whose valid, unused token the request carries; TokenRefusedError otherwise."""
    client, claims = token_check(request, audience=audience)
    token_spend(client, claims)
    return client


def _remember_jti(client, jti, exp):
    """Refuse a jti this client used before; forget ids whose tokens can no longer pass anyway."""
    CdsTokenSeen.objects.filter(expires_at__lt=timezone.now()).delete()
    expires_at = datetime.fromtimestamp(exp + LEEWAY_SECONDS, tz=UTC)
    try:
        with transaction.atomic():
            CdsTokenSeen.objects.create(client=client, jti=jti, expires_at=expires_at)
    except IntegrityError:
        message = "The token's jti was used before: each call needs a new token."
        raise TokenRefusedError(message, client=client) from None
