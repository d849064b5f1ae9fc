"""The accounts domain's part of the single table: the account item, its secret, and the indexes to it.

``ACCOUNT#<acc>`` / ``ACCOUNT`` (also in GSI1 under ``ACCOUNTS``, for listings) holds the key's digest, never the
key; ``ACCOUNT#<acc>`` / ``SECRET`` holds the private key encrypted with the stack's KMS key, and no index
attribute (docs/keys.md); ``APIKEY#<sha256(private key)>`` / ``APIKEY`` and ``PUBLICKEY#<public key>`` /
``PUBLICKEY`` (client-side uploads name their account by its public key). The private key itself is never a
table key and never stored in plain text.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from pydantic import SecretStr

from medialib.accounts.models import Account, AccountSettings
from medialib.accounts.rules import key_digest
from medialib.adapters import keys, table
from medialib.adapters.errors import ConditionFailedError
from medialib.settings import AccountKeySettings, get_settings


class AccountStore(Protocol):
    def get(self, account_id: str) -> Account | None: ...

    def save(self, account: Account) -> None:
        """Create or replace the account item (its key's digest, never the key)."""
        ...

    def save_private_key(self, account_id: str, private_key: SecretStr) -> None:
        """Create or replace the account's secret: its private key, encrypted."""
        ...

    def private_key(self, account_id: str) -> SecretStr | None:
        """The account's private key, decrypted; None when the account has none."""
        ...

    def update_settings(self, account_id: str, changes: Mapping[str, Any]) -> Account | None:
        """Set only the settings named in ``changes`` (AccountSettings field names), in one conditional write: a
        concurrent change of other settings is kept. The account as it is after the write, or None: no account."""
        ...

    def claim_key(self, digest: str, account_id: str) -> None:
        """Index a key's digest to its account; a digest indexed already raises ConditionFailedError."""
        ...

    def key_owner(self, digest: str) -> str | None:
        """The account id a key's digest is indexed to, or None."""
        ...

    def claim_public_key(self, public_key: str, account_id: str) -> None:
        """Index a public key to its account; a public key indexed already raises ConditionFailedError."""
        ...

    def public_key_owner(self, public_key: str) -> str | None:
        """The account id a public key is indexed to, or None."""
        ...

    def get_by_public_key(self, public_key: str) -> Account | None:
        """The account whose public key this is now (an index left by a changed key finds nothing), or None."""
        ...


_ALL_ACCOUNTS = "ACCOUNTS"  # GSI1 partition of every account
_SETTINGS = "settings"  # the account item's map of AccountSettings, by field name (upload_as_draft, ...)


def _account_key(account_id: str) -> tuple[str, str]:
    return f"ACCOUNT#{account_id}", "ACCOUNT"


def _secret_key(account_id: str) -> tuple[str, str]:
    return f"ACCOUNT#{account_id}", "SECRET"


def _api_key_key(digest: str) -> tuple[str, str]:
    return f"APIKEY#{digest}", "APIKEY"


def _public_key_key(public_key: str) -> tuple[str, str]:
    return f"PUBLICKEY#{public_key}", "PUBLICKEY"


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
                "keyDigest": account.key_digest,
                _SETTINGS: account.settings.model_dump(exclude_none=True),
            }
        )

    def save_private_key(self, account_id: str, private_key: SecretStr) -> None:
        key_id = get_settings(AccountKeySettings).account_keys_kms_key
        pk, sk = _secret_key(account_id)
        table.put(  # no GSI attribute: the secret is in no index
            {
                "PK": pk,
                "SK": sk,
                "accountId": account_id,
                "keyDigest": key_digest(private_key.get_secret_value()),
                "encryptedKey": keys.encrypt(key_id, account_id, private_key.get_secret_value()),
            }
        )

    def private_key(self, account_id: str) -> SecretStr | None:
        secret = table.get(*_secret_key(account_id))
        if secret is not None:
            key_id = get_settings(AccountKeySettings).account_keys_kms_key
            return SecretStr(keys.decrypt(key_id, account_id, bytes(secret["encryptedKey"])))
        legacy = table.get(*_account_key(account_id))  # an account item written before keys were encrypted
        return SecretStr(str(legacy["privateKey"])) if legacy is not None and "privateKey" in legacy else None

    def update_settings(self, account_id: str, changes: Mapping[str, Any]) -> Account | None:
        if not changes:
            return self.get(account_id)
        try:
            return _to_account(_set_settings(account_id, changes))
        except ConditionFailedError:
            pass
        # No settings map (an account written before settings existed), or no account: give it an empty map.
        try:
            table.update(
                *_account_key(account_id),
                expression="SET #settings = if_not_exists(#settings, :empty)",
                values={":empty": {}},
                names={"#settings": _SETTINGS},
                condition="attribute_exists(PK)",
            )
        except ConditionFailedError:
            return None
        return _to_account(_set_settings(account_id, changes))

    def claim_key(self, digest: str, account_id: str) -> None:
        pk, sk = _api_key_key(digest)
        table.put({"PK": pk, "SK": sk, "accountId": account_id}, only_if_new=True)

    def key_owner(self, digest: str) -> str | None:
        item = table.get(*_api_key_key(digest))
        return None if item is None else str(item["accountId"])

    def claim_public_key(self, public_key: str, account_id: str) -> None:
        pk, sk = _public_key_key(public_key)
        table.put({"PK": pk, "SK": sk, "accountId": account_id}, only_if_new=True)

    def public_key_owner(self, public_key: str) -> str | None:
        item = table.get(*_public_key_key(public_key))
        return None if item is None else str(item["accountId"])

    def get_by_public_key(self, public_key: str) -> Account | None:
        owner = self.public_key_owner(public_key)
        account = self.get(owner) if owner else None
        return account if account is not None and account.public_key == public_key else None


def _set_settings(account_id: str, changes: Mapping[str, Any]) -> dict[str, Any]:
    """The settings map's members are set one by one (``SET settings.x = :x``), never the whole item, so a
    concurrent writer of another member is not overwritten. ConditionFailedError: no account, or no map."""
    names = {"#settings": _SETTINGS, **{f"#s{i}": name for i, name in enumerate(changes)}}
    values = {f":s{i}": value for i, value in enumerate(changes.values())}
    sets = ", ".join(f"#settings.#s{i} = :s{i}" for i in range(len(changes)))
    return table.update(
        *_account_key(account_id),
        expression=f"SET {sets}",
        values=values,
        names=names,
        condition="attribute_exists(#settings)",
    )


def _to_account(item: dict[str, Any]) -> Account:
    # An item written before keys were encrypted holds privateKey instead of keyDigest: it keeps working (its
    # digest is computed here) until seeding again rewrites it (docs/keys.md, "Migrating a deployed table").
    digest = str(item["keyDigest"]) if "keyDigest" in item else key_digest(str(item["privateKey"]))
    return Account(
        account_id=str(item["accountId"]),
        public_key=str(item["publicKey"]),
        key_digest=digest,
        settings=AccountSettings.model_validate(item.get(_SETTINGS) or {}),
    )
