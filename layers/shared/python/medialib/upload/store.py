"""The upload domain's part of the single table: used tokens (client-side authentication), and the records of
idempotent uploads.

``ACCOUNT#<acc>#UPLOADTOKEN#<token>`` / ``UPLOADTOKEN`` with ``claimant`` (who used it) and ``expiresAt`` (the
table's TTL attribute): a token is usable once, and its row goes away by itself once it could not be accepted.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

from aws_lambda_powertools.utilities.typing import LambdaContext

from medialib.adapters import idempotency, table


class UploadTokenStore(Protocol):
    def claim(self, account_id: str, token: str, *, claimant: str, expires_at: int) -> None:
        """Record ``token`` as used by ``claimant`` (one request) until ``expires_at`` (Unix seconds); a token
        recorded already, by anyone, raises ConditionFailedError."""
        ...

    def claimant(self, account_id: str, token: str) -> str | None:
        """Who used ``token``, or None when it is unused."""
        ...


def _token_key(account_id: str, token: str) -> tuple[str, str]:
    return f"ACCOUNT#{account_id}#UPLOADTOKEN#{token}", "UPLOADTOKEN"


class TableUploadTokenStore:
    def claim(self, account_id: str, token: str, *, claimant: str, expires_at: int) -> None:
        pk, sk = _token_key(account_id, token)
        table.put({"PK": pk, "SK": sk, "claimant": claimant, "expiresAt": expires_at}, only_if_new=True)

    def claimant(self, account_id: str, token: str) -> str | None:
        item = table.get(*_token_key(account_id, token))
        return None if item is None else str(item["claimant"])


# Idempotent uploads: Powertools' record (medialib.adapters.idempotency) in the account's own partition,
# ``ACCOUNT#<acc>#IDEMPOTENCY`` / ``upload#<sha256 of the Idempotency-Key>``; ``expiresAt`` is the TTL attribute.


def upload_once(  # noqa: PLR0913 - whose key, the key, what it guards, for how long, the work, the invocation
    account_id: str,
    key: str,
    fingerprint: Mapping[str, Any],
    *,
    expires_after_seconds: int,
    work: Callable[[], dict[str, Any]],
    context: LambdaContext | None,
) -> dict[str, Any]:
    """``work()``'s answer once per account and key (see ``idempotency.run_once``)."""
    return idempotency.run_once(
        partition=f"ACCOUNT#{account_id}#IDEMPOTENCY",
        prefix="upload",
        key=key,
        payload=fingerprint,
        expires_after_seconds=expires_after_seconds,
        work=work,
        context=context,
    )
