"""The upload domain's part of the single table that client-side authentication needs: used tokens.

``ACCOUNT#<acc>#UPLOADTOKEN#<token>`` / ``UPLOADTOKEN`` with ``claimant`` (who used it) and ``expiresAt`` (the
table's TTL attribute): a token is usable once, and its row goes away by itself once it could not be accepted.
"""

from __future__ import annotations

from typing import Protocol

from medialib.adapters import table


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
