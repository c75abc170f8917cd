"""CDS Hooks 2.0 client authentication: a JWT bearer token signed by a registered client.

Checked, in order: an ES384 or RS384 signature (nothing else, never `none`),
an `iss` registered and active, the client's key, `aud` equal to this
service's URL, `exp`, `iat`, and a `jti` the client has not used before.
"""

import json
import urllib.request
from datetime import UTC, datetime

import jwt
from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import CdsClient, CdsTokenSeen

ALGORITHMS = ("ES384", "RS384")
REQUIRED_CLAIMS = ("iss", "aud", "exp", "iat", "jti")
JWKS_TIMEOUT_SECONDS = 3
LEEWAY_SECONDS = 30


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


def _client_keys(client):
    if client.jwks:
        return client.jwks
    try:
        with urllib.request.urlopen(client.jwks_url, timeout=JWKS_TIMEOUT_SECONDS) as response:  # noqa: S310 - https URL set by an admin
            return json.loads(response.read(1_000_000))
    except (OSError, ValueError):
        raise TokenRefusedError("The client's keys could not be fetched from its JWKS URL.", client=client) from None


def _signing_key(client, header):
    keys = _client_keys(client).get("keys", [])
    kid = header.get("kid")
    candidates = [key for key in keys if kid is None or key.get("kid") == kid]
    if not candidates:
        raise TokenRefusedError("No registered key of this client has the token's kid.", client=client)
    return candidates


def client_verify(request, *, audience):
    """The registered CdsClient whose valid, unused token the request carries; TokenRefusedError otherwise."""
    token = _bearer(request)
    try:
        header = jwt.get_unverified_header(token)
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        raise TokenRefusedError("The bearer token is not a well-formed JWT.") from None
    if header.get("alg") not in ALGORITHMS:
        raise TokenRefusedError(f"Signing algorithm {header.get('alg')!r} is not accepted; use ES384 or RS384.")
    issuer = claims.get("iss")
    client = CdsClient.objects.filter(issuer=issuer, active=True).first() if isinstance(issuer, str) else None
    if client is None:
        raise TokenRefusedError("The token's issuer (iss) is not a registered client.")
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
    jti = str(verified["jti"])
    if not jti or len(jti) > 200:
        raise TokenRefusedError("The token's jti must be 1 to 200 characters.", client=client)
    _remember_jti(client, jti, verified["exp"])
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
