"""The accounts domain's part of the single table: the account item and the index from a key's digest to it.

``ACCOUNT#<acc>`` / ``ACCOUNT`` (also in GSI1 under ``ACCOUNTS``, for the monthly reset) and
``APIKEY#<sha256(private key)>`` / ``APIKEY``. The private key itself is never a table key.
"""

from __future__ import annotations

from typing import Any, Protocol

from medialib.accounts.models import Account, AccountSettings
from medialib.adapters import table


class AccountStore(Protocol):
    def get(self, account_id: str) -> Account | None: ...

    def save(self, account: Account) -> None:
        """Create or replace the account item."""
        ...

    def claim_key(self, digest: str, account_id: str) -> None:
        """Index a key's digest to its account; a digest indexed already raises ConditionFailedError."""
        ...

    def key_owner(self, digest: str) -> str | None:
        """The account id a key's digest is indexed to, or None."""
        ...


_ALL_ACCOUNTS = "ACCOUNTS"  # GSI1 partition of every account


def _account_key(account_id: str) -> tuple[str, str]:
    return f"ACCOUNT#{account_id}", "ACCOUNT"


def _api_key_key(digest: str) -> tuple[str, str]:
    return f"APIKEY#{digest}", "APIKEY"


class TableAccountStore:
    def get(self, account_id: str) -> Account | None:
        item = table.get(*_account_key(account_id))
        return None if item is None else _to_account(item)

    def save(self, account: Account) -> None:
        pk, sk = _account_key(account.account_id)
        table.put(
            {
                "PK": pk,
                "SK": sk,
                "GSI1PK": _ALL_ACCOUNTS,
                "GSI1SK": account.account_id,
                "accountId": account.account_id,
                "publicKey": account.public_key,
                "privateKey": account.private_key.get_secret_value(),
                "settings": account.settings.model_dump(exclude_none=True),
            }
        )

    def claim_key(self, digest: str, account_id: str) -> None:
        pk, sk = _api_key_key(digest)
        table.put({"PK": pk, "SK": sk, "accountId": account_id}, only_if_new=True)

    def key_owner(self, digest: str) -> str | None:
        item = table.get(*_api_key_key(digest))
        return None if item is None else str(item["accountId"])


def _to_account(item: dict[str, Any]) -> Account:
    return Account(
        account_id=str(item["accountId"]),
        public_key=str(item["publicKey"]),
        private_key=str(item["privateKey"]),
        settings=AccountSettings.model_validate(item.get("settings") or {}),
    )
