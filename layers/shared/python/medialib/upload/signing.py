"""Client-side upload authentication, as ImageKit's browser and mobile SDKs send it: the form fields
``publicKey``, ``signature``, ``token`` and ``expire``, where ``signature`` is the lowercase hex
HMAC-SHA1 of ``token + expire`` keyed with the account's private key. Pure: no I/O, no clock (``now`` is passed).

Statuses (the reference leaves them open; chosen here): a field missing, too long or not a number, and an
``expire`` outside the window, are the caller's mistake: 400. A signature that does not match is 401.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from medialib.errors import BadRequestError

PUBLIC_KEY, SIGNATURE, TOKEN, EXPIRE = "publicKey", "signature", "token", "expire"
CLIENT_FIELDS = (PUBLIC_KEY, SIGNATURE, TOKEN, EXPIRE)
SIGNED_FIELDS = (SIGNATURE, TOKEN, EXPIRE)  # any one of them makes the request a client-side (signed) upload
MAX_AHEAD_SECONDS = 3600  # expire is less than one hour ahead
TOKEN_RETENTION_SECONDS = 3600  # a used token is kept this long after its expire (clocks that differ)
MAX_FIELD_LENGTH = 256
_EXPIRE = re.compile(r"[0-9]{1,12}")  # a Unix time in seconds, as the SDKs write it

HELP = (
    "A client-side upload sends publicKey, a new token, expire (a Unix time less than 1 hour ahead) and "
    "signature = hex HMAC-SHA1 of token + expire keyed with the private key, computed by your backend."
)


@dataclass(frozen=True)
class SignedFields:
    """The four fields of a client-side upload, checked for presence and shape (not yet verified)."""

    public_key: str
    token: str = field(repr=False)
    expire: int
    expire_text: str  # signed as sent: the signer concatenated this text, not the number
    signature: str = field(repr=False)


def sign(private_key: str, token: str, expire: str) -> str:
    """The signature a backend gives its client: lowercase hex HMAC-SHA1(private key, token + expire)."""
    return hmac.new(private_key.encode(), (token + expire).encode(), hashlib.sha1).hexdigest()


def signature_matches(private_key: str, signed: SignedFields) -> bool:
    """Whether the signature is the one of this private key, compared in constant time."""
    expected = sign(private_key, signed.token, signed.expire_text).encode()
    return hmac.compare_digest(expected, signed.signature.encode())


def signature_matches_any(private_keys: Sequence[str], signed: SignedFields) -> bool:
    """Whether the signature is the one of any of these keys (an account's current and, during a rotation's grace
    period, previous key), each compared in constant time."""
    matched = False
    for private_key in private_keys:
        matched |= signature_matches(private_key, signed)
    return matched


def presented(fields: Mapping[str, str], name: str) -> str | None:
    """A client-side field's value; an empty field counts as absent (an HTML form sends its empty inputs)."""
    return fields.get(name) or None


def signed_fields(fields: Mapping[str, str]) -> SignedFields | None:
    """The signed fields of a client-side upload, or None when the form carries none of signature, token and
    expire. One of them without the others, or a field too long or malformed: BadRequestError."""
    if not any(presented(fields, name) for name in SIGNED_FIELDS):
        return None
    require_all(fields)
    values = {name: fields[name] for name in CLIENT_FIELDS}
    too_long = [name for name, value in values.items() if len(value) > MAX_FIELD_LENGTH]
    if too_long:
        raise BadRequestError(
            f"{', '.join(too_long)} must be at most {MAX_FIELD_LENGTH} characters.",
            help=HELP,
            reason="INVALID_AUTHENTICATION_PARAMETER",
        )
    expire = values[EXPIRE]
    if not _EXPIRE.fullmatch(expire):
        raise BadRequestError("expire must be a Unix time in seconds (an integer).", help=HELP, reason="INVALID_EXPIRE")
    return SignedFields(values[PUBLIC_KEY], values[TOKEN], int(expire), expire, values[SIGNATURE])


def require_all(fields: Mapping[str, str]) -> None:
    """BadRequestError naming each of the four client-side fields the form lacks (never their values)."""
    missing = [name for name in CLIENT_FIELDS if not presented(fields, name)]
    if missing:
        raise BadRequestError(
            f"A client-side upload needs publicKey, signature, token and expire; missing: {', '.join(missing)}.",
            help=HELP,
            reason="MISSING_AUTHENTICATION_PARAMETER",
        )


def check_expire(expire: int, now: datetime) -> None:
    """``expire`` is in the future and less than one hour ahead of ``now`` (timezone-aware), else
    BadRequestError saying which side of the window it fell on."""
    ahead = expire - now.timestamp()
    if 0 < ahead < MAX_AHEAD_SECONDS:
        return
    where = "in the past" if ahead <= 0 else f"{int(ahead)} seconds ahead"
    raise BadRequestError(
        f"The expire parameter must be a Unix time in the future and less than 1 hour ahead; it is {where}.",
        help=HELP,
        reason="INVALID_EXPIRE",
    )


def token_expires_at(expire: int) -> int:
    """When the record of a used token may go (the table's TTL): past every moment its expire is accepted."""
    return expire + TOKEN_RETENTION_SECONDS
