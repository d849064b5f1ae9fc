"""Account lookup by API key (constant-time comparison) and seeding of an account."""

from __future__ import annotations

import hmac

from medialib.accounts.models import Account, AccountSettings
from medialib.accounts.rules import key_digest
from medialib.adapters import table
from medialib.adapters.errors import ConditionFailedError
from medialib.errors import UnauthorizedError


def _account_key(account_id: str) -> tuple[str, str]:
    return f"ACCOUNT#{account_id}", "ACCOUNT"


def _api_key_key(private_key: str) -> tuple[str, str]:
    return f"APIKEY#{key_digest(private_key)}", "APIKEY"


def get_account(account_id: str) -> Account | None:
    item = table.get(*_account_key(account_id))
    return None if item is None else _to_account(item)


def authenticate(private_key: str | None) -> Account:
    """The account whose private key this is, or UnauthorizedError. Never logs or echoes the key."""
    if not private_key:
        raise UnauthorizedError("Your account cannot be authenticated.")
    index = table.get(*_api_key_key(private_key))
    account = get_account(index["accountId"]) if index else None
    if account is None or not hmac.compare_digest(
        account.private_key.get_secret_value().encode(), private_key.encode()
    ):
        raise UnauthorizedError("Your account cannot be authenticated.")
    return account


def seed_account(account: Account) -> None:
    """Create or refresh an account and its key index (idempotent). Used by the local stack and operators."""
    pk, sk = _account_key(account.account_id)
    table.put(
        {
            "PK": pk,
            "SK": sk,
            "GSI1PK": "ACCOUNTS",
            "GSI1SK": account.account_id,
            "accountId": account.account_id,
            "publicKey": account.public_key,
            "privateKey": account.private_key.get_secret_value(),
            "settings": account.settings.model_dump(exclude_none=True),
        }
    )
    ipk, isk = _api_key_key(account.private_key.get_secret_value())
    try:
        table.put({"PK": ipk, "SK": isk, "accountId": account.account_id}, only_if_new=True)
    except ConditionFailedError:
        existing = table.get(ipk, isk)
        if existing is None or existing["accountId"] != account.account_id:
            raise


def _to_account(item: dict[str, object]) -> Account:
    return Account(
        account_id=str(item["accountId"]),
        public_key=str(item["publicKey"]),
        private_key=str(item["privateKey"]),
        settings=AccountSettings.model_validate(item.get("settings") or {}),
    )
