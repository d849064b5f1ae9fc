"""Pure rules of API-key authentication: which credential a request carries, and how keys are indexed."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Mapping

IMAGES_PREFIX = "/v1/images"
# Account ids that would collide with something else: delivery URLs start with the account id and these first
# segments belong to the API (/v1/..., /api/v1/...) or the local stack's reference (/docs); version objects are
# keyed {accountId}/... in the originals bucket, where incoming/ holds upload sessions.
RESERVED_ACCOUNT_IDS = frozenset({"v1", "api", "docs", "incoming"})


PRIVATE_KEY_PREFIX = "private_"  # ImageKit's prefixes, kept by the keys medialib generates
PUBLIC_KEY_PREFIX = "public_"
KEY_RANDOM_BYTES = 32  # secrets.token_urlsafe(32): 43 characters, 256 bits


# Rotation (docs/keys.md): after ``medialib accounts rotate-key`` the previous private key keeps authenticating
# and signing until its grace period ends, so that clients switch without downtime.
DEFAULT_GRACE_PERIOD_SECONDS = 24 * 3600
MAX_GRACE_PERIOD_SECONDS = 30 * 24 * 3600
_DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def key_digest(private_key: str) -> str:
    """The index under which a private key is found, and what authenticates it: a request's key is hashed and
    looked up, the key itself is neither a table key nor read to authenticate (docs/keys.md)."""
    return hashlib.sha256(private_key.encode()).hexdigest()


USAGE_KEY_PREFIX = "medialib"


def usage_key(account_id: str) -> str:
    """The value of the account's API key in the management API's usage plan, which meters it (docs/limits.md): the
    authorizer names it (``usageIdentifierKey``) for each request it allows, the operator attaches a key of this value
    to the plan when the account is created. Not a secret: with the API key source AUTHORIZER, API Gateway takes it
    from the authorizer alone, never from a client. API Gateway wants 20 to 128 alphanumeric characters: the prefix and
    the hex SHA-256 of the account id (72), the same for the same account in every stack of a region."""
    return USAGE_KEY_PREFIX + hashlib.sha256(account_id.encode()).hexdigest()


def _header(headers: Mapping[str, str | None], name: str) -> str | None:
    name = name.lower()
    return next((v for k, v in headers.items() if k.lower() == name and v), None)


def basic_user(authorization: str | None) -> str | None:
    """The user name of an HTTP Basic header: the private key. The password is ignored (SDKs send do_not_set)."""
    if not authorization:
        return None
    scheme, _, encoded = authorization.strip().partition(" ")
    if scheme.lower() != "basic" or not encoded:
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, _, _password = decoded.partition(":")
    return user or None


def presented_key(path: str, headers: Mapping[str, str | None]) -> str | None:
    """The private key a request presents: Basic everywhere; on img-processing.com routes ``x-api-key`` first,
    that service's own credential, so that a stale Basic header a client also sends does not hide it."""
    if is_images_route(path):
        api_key = _header(headers, "x-api-key")
        if api_key:
            return api_key
    return basic_user(_header(headers, "authorization"))


def is_images_route(path: str) -> bool:
    """Whether ``path`` is one of the img-processing.com routes (``/v1/images`` and below). API Gateway gives the
    path with its stage prefix in some event fields; match on the suffix."""
    return IMAGES_PREFIX + "/" in path or path.endswith(IMAGES_PREFIX)


def accepted_digests(current: str, previous: str, previous_until: int | None, now: float) -> tuple[str, ...]:
    """The key digests that authenticate an account at ``now`` (Unix seconds): its current key's, and its previous
    key's while the grace period of a rotation lasts (``now`` strictly before ``previous_until``)."""
    if previous and previous_until is not None and now < previous_until:
        return (current, previous)
    return (current,)


def digest_accepted(accepted: tuple[str, ...], digest: str) -> bool:
    """Whether ``digest`` is one of ``accepted``, each compared in constant time (all of them, always)."""
    found = False
    for candidate in accepted:
        found |= hmac.compare_digest(candidate.encode(), digest.encode())
    return found


def grace_period(text: str) -> int:
    """A grace period as an operator writes it: seconds (``3600``), or a number with a unit ``s``, ``m``, ``h`` or
    ``d`` (``90m``, ``24h``, ``7d``); 0 ends the previous key at once. ValueError: not a duration, or longer than
    ``MAX_GRACE_PERIOD_SECONDS`` (30 days)."""
    value = text.strip().lower()
    unit = _DURATION_UNITS.get(value[-1:], 0)
    number = value[:-1] if unit else value
    if not number.isdigit() or len(number) > 9:
        raise ValueError(f"{text!r} is not a duration: write seconds (86400) or e.g. 90m, 24h, 7d")
    seconds = int(number) * (unit or 1)
    if seconds > MAX_GRACE_PERIOD_SECONDS:
        raise ValueError(f"{text!r} is longer than the longest grace period, 30 days")
    return seconds
