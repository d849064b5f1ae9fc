"""Authentication of ``POST /api/v1/files/upload``, both ways ImageKit accepts it.

The route has no API Gateway authorizer (a REQUEST authorizer cannot read the multipart body, and a browser's
client-side upload carries no Authorization header), so the upload function calls :func:`authenticate_upload`
before anything else:

- server-side: HTTP Basic, the private key as user name (any password);
- client-side: the form fields ``publicKey``, ``signature``, ``token``, ``expire`` (see :mod:`.signing`), the
  token usable once (a conditional write in :mod:`.store`, whatever became of the request that used it).

Every credential a request carries is verified, and all must name one account: a Basic key with a ``publicKey``
of another account, or with a signature that does not verify, is refused. Nothing here logs a key, a signature
or a token, and no error repeats one.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime

from medialib.accounts import service as accounts
from medialib.accounts.models import Account
from medialib.accounts.rules import basic_user
from medialib.adapters.errors import ConditionFailedError
from medialib.adapters.transition import transition
from medialib.errors import BadRequestError, UnauthorizedError
from medialib.upload import signing
from medialib.upload.store import TableUploadTokenStore, UploadTokenStore

tokens: UploadTokenStore = TableUploadTokenStore()  # the seam: unit tests put an in-memory store here

_NOT_AUTHENTICATED = "Your account cannot be authenticated."
_HELP = (
    "Send your private API key as the Basic auth user name (server-side upload), or the form fields publicKey, "
    "signature, token and expire (client-side upload)."
)


def authenticate_upload(authorization: str | None, fields: Mapping[str, str], now: datetime) -> Account:
    """The account an upload request authenticates, or a 4xx (ImageKit's body, never retried).

    ``authorization``: the request's Authorization header; ``fields``: the multipart form's text fields;
    ``now``: the time of the request (timezone-aware). 400: a client-side field missing or malformed, ``expire``
    outside (now, now + 1 h), a reused token, credentials of two accounts. 401: no credential, an unknown key or
    public key, a signature that does not match."""
    signed = signing.signed_fields(fields)
    if signed is not None:
        signing.check_expire(signed.expire, now)
    account = _account(authorization, fields, signed)
    if signed is not None:
        if not signing.signature_matches_any(accounts.signing_keys(account), signed):
            raise UnauthorizedError(_NOT_AUTHENTICATED, help=signing.HELP, reason="INVALID_SIGNATURE")
        _use_once(account.account_id, signed)
    return account


def _account(authorization: str | None, fields: Mapping[str, str], signed: signing.SignedFields | None) -> Account:
    """The account the Basic key, else the public key, names."""
    public_key = signing.presented(fields, signing.PUBLIC_KEY)
    if authorization and authorization.strip():
        account = accounts.authenticate(basic_user(authorization))
        if public_key is not None and public_key != account.public_key:
            raise BadRequestError(
                "publicKey is not the public key of the account whose private key authenticates this request.",
                help="Send one account's credentials: the Basic auth private key, or the client-side fields.",
                reason="MIXED_CREDENTIALS",
            )
        return account
    if signed is None:
        if public_key is not None:
            signing.require_all(fields)  # a publicKey alone: name what the client-side upload lacks
        raise UnauthorizedError(_NOT_AUTHENTICATED, help=_HELP)
    owner = accounts.get_by_public_key(signed.public_key)
    if owner is None:
        raise UnauthorizedError(_NOT_AUTHENTICATED, help=_HELP, reason="UNKNOWN_PUBLIC_KEY")
    return owner


def _use_once(account_id: str, signed: signing.SignedFields) -> None:
    """Claim the token for this request. A write retried after a lost answer finds its own claim (success);
    any other claim is a replay: 400, even when the request that used it failed."""
    claimant = uuid.uuid4().hex
    try:
        transition(
            lambda: tokens.claim(
                account_id, signed.token, claimant=claimant, expires_at=signing.token_expires_at(signed.expire)
            ),
            reread=lambda: tokens.claimant(account_id, signed.token),
            settled=lambda owner: owner == claimant,
        )
    except ConditionFailedError:
        raise BadRequestError(
            "This token has been used already: every client-side upload needs a new token and its signature.",
            help=signing.HELP,
            reason="TOKEN_REUSED",
        ) from None
