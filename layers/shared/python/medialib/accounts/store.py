"""The accounts domain's part of the single table: the account item, its secret, and the indexes to it.

``ACCOUNT#<acc>`` / ``ACCOUNT`` (also in GSI1 under ``ACCOUNTS``, for listings) holds the key's digest, never the
key; ``ACCOUNT#<acc>`` / ``SECRET`` holds the private key encrypted with the stack's KMS key, and no index
attribute (docs/keys.md); ``APIKEY#<sha256(private key)>`` / ``APIKEY`` and ``PUBLICKEY#<public key>`` /
``PUBLICKEY`` (client-side uploads name their account by its public key). The private key itself is never a
table key and never stored in plain text.

A rotation (``medialib accounts rotate-key``) is one transaction: the current secret is copied as it is (still
encrypted) to ``ACCOUNT#<acc>`` / ``SECRET#PREVIOUS``, the new key replaces it, the account item takes the new
digest and keeps the old one as ``previousKeyDigest`` until ``previousKeyUntil``, and the new digest is indexed; the
old index row stays, pointing at the same account, so both keys find it during the grace period.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
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

    def private_key(self, account_id: str, *, previous: bool = False) -> SecretStr | None:
        """The account's private key (or, with ``previous``, the key its last rotation replaced), decrypted; None
        when the account has none."""
        ...

    def create(self, account: Account) -> None:
        """Write a new account, its secret and both key indexes in one transaction. ConditionFailedError: the
        account id, or one of its keys, exists already (nothing is written then). The account carries its key."""
        ...

    def rotate(
        self, account_id: str, *, current_digest: str, new_key: SecretStr, previous_until: int, now: int
    ) -> Account:
        """Replace the account's private key (whose digest is ``current_digest``) by ``new_key``; the replaced key
        keeps working until ``previous_until`` (Unix seconds). ConditionFailedError: the account has another key
        now, has no encrypted secret, or the new key is indexed already. The account after the rotation."""
        ...

    def set_disabled(self, account_id: str, disabled: bool) -> Account | None:
        """Disable or enable the account; the account after the write, or None: no such account."""
        ...

    def list_all(self) -> Iterator[Account]:
        """Every account, by account id."""
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


def _secret_key(account_id: str, *, previous: bool = False) -> tuple[str, str]:
    return f"ACCOUNT#{account_id}", "SECRET#PREVIOUS" if previous else "SECRET"


def _api_key_key(digest: str) -> tuple[str, str]:
    return f"APIKEY#{digest}", "APIKEY"


def _public_key_key(public_key: str) -> tuple[str, str]:
    return f"PUBLICKEY#{public_key}", "PUBLICKEY"


class TableAccountStore:
    def get(self, account_id: str) -> Account | None:
        item = table.get(*_account_key(account_id))
        return None if item is None else _to_account(item)

    def save(self, account: Account) -> None:
        table.put(_account_item(account))

    def save_private_key(self, account_id: str, private_key: SecretStr) -> None:
        table.put(_secret_item(account_id, private_key))

    def private_key(self, account_id: str, *, previous: bool = False) -> SecretStr | None:
        secret = table.get(*_secret_key(account_id, previous=previous))
        if secret is not None:
            key_id = get_settings(AccountKeySettings).account_keys_kms_key
            return SecretStr(keys.decrypt(key_id, account_id, bytes(secret["encryptedKey"])))
        if previous:
            return None
        legacy = table.get(*_account_key(account_id))  # an account item written before keys were encrypted
        return SecretStr(str(legacy["privateKey"])) if legacy is not None and "privateKey" in legacy else None

    def create(self, account: Account) -> None:
        if account.private_key is None:
            raise ValueError("a new account carries its private key")
        table.transact_write(
            [
                table.Put(_account_item(account), only_if_new=True),
                table.Put(_secret_item(account.account_id, account.private_key), only_if_new=True),
                table.Put(_index_item(_api_key_key(account.key_digest), account.account_id), only_if_new=True),
                table.Put(_index_item(_public_key_key(account.public_key), account.account_id), only_if_new=True),
            ]
        )

    def rotate(
        self, account_id: str, *, current_digest: str, new_key: SecretStr, previous_until: int, now: int
    ) -> Account:
        secret = table.get(*_secret_key(account_id))
        if secret is None or secret.get("keyDigest") != current_digest:
            raise ConditionFailedError()
        new_digest = key_digest(new_key.get_secret_value())
        pk, previous_sk = _secret_key(account_id, previous=True)
        digest = {"#digest": "keyDigest"}
        table.transact_write(
            [
                table.Put(  # the replaced key, still encrypted as it was (no kms:Decrypt needed to rotate)
                    {
                        "PK": pk,
                        "SK": previous_sk,
                        "accountId": account_id,
                        "keyDigest": current_digest,
                        "encryptedKey": secret["encryptedKey"],
                        "expiresAt": previous_until,
                    },
                ),
                table.Put(
                    _secret_item(account_id, new_key),
                    condition="#digest = :old",
                    values={":old": current_digest},
                    names=digest,
                ),
                table.Update(
                    *_account_key(account_id),
                    expression="SET #digest = :new, #previous = :old, #until = :until, #rotated = :now",
                    values={":new": new_digest, ":old": current_digest, ":until": previous_until, ":now": now},
                    names={
                        **digest,
                        "#previous": "previousKeyDigest",
                        "#until": "previousKeyUntil",
                        "#rotated": "keyRotatedAt",
                    },
                    condition="#digest = :old",
                ),
                table.Put(_index_item(_api_key_key(new_digest), account_id), only_if_new=True),
            ]
        )
        account = self.get(account_id)
        if account is None:
            raise ConditionFailedError()
        return account

    def set_disabled(self, account_id: str, disabled: bool) -> Account | None:
        try:
            item = table.update(
                *_account_key(account_id),
                expression="SET #disabled = :disabled",
                values={":disabled": disabled},
                names={"#disabled": "disabled"},
                condition="attribute_exists(PK)",
            )
        except ConditionFailedError:
            return None
        return _to_account(item)

    def list_all(self) -> Iterator[Account]:
        return (_to_account(item) for item in table.query(_ALL_ACCOUNTS, index="GSI1"))

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
        table.put(_index_item(_api_key_key(digest), account_id), only_if_new=True)

    def key_owner(self, digest: str) -> str | None:
        item = table.get(*_api_key_key(digest))
        return None if item is None else str(item["accountId"])

    def claim_public_key(self, public_key: str, account_id: str) -> None:
        table.put(_index_item(_public_key_key(public_key), account_id), only_if_new=True)

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


def _account_item(account: Account) -> dict[str, Any]:
    pk, sk = _account_key(account.account_id)
    item: dict[str, Any] = {
        "PK": pk,
        "SK": sk,
        "GSI1PK": _ALL_ACCOUNTS,
        "GSI1SK": account.account_id,
        "accountId": account.account_id,
        "publicKey": account.public_key,
        "keyDigest": account.key_digest,
        _SETTINGS: account.settings.model_dump(exclude_none=True),
    }
    optional = {
        "previousKeyDigest": account.previous_key_digest or None,
        "previousKeyUntil": account.previous_key_until,
        "disabled": account.disabled or None,
        "createdAt": account.created_at,
        "keyRotatedAt": account.key_rotated_at,
    }
    item.update({name: value for name, value in optional.items() if value is not None})
    return item


def _secret_item(account_id: str, private_key: SecretStr) -> dict[str, Any]:
    key_id = get_settings(AccountKeySettings).account_keys_kms_key
    pk, sk = _secret_key(account_id)
    return {  # no GSI attribute: the secret is in no index
        "PK": pk,
        "SK": sk,
        "accountId": account_id,
        "keyDigest": key_digest(private_key.get_secret_value()),
        "encryptedKey": keys.encrypt(key_id, account_id, private_key.get_secret_value()),
    }


def _index_item(key: tuple[str, str], account_id: str) -> dict[str, Any]:
    return {"PK": key[0], "SK": key[1], "accountId": account_id}


def _number(item: Mapping[str, Any], name: str) -> int | None:
    value = item.get(name)
    return None if value is None else int(value)


def _to_account(item: dict[str, Any]) -> Account:
    # An item written before keys were encrypted holds privateKey instead of keyDigest: it keeps working (its
    # digest is computed here) until seeding again rewrites it (docs/keys.md, "Migrating a deployed table").
    digest = str(item["keyDigest"]) if "keyDigest" in item else key_digest(str(item["privateKey"]))
    return Account(
        account_id=str(item["accountId"]),
        public_key=str(item["publicKey"]),
        key_digest=digest,
        settings=AccountSettings.model_validate(item.get(_SETTINGS) or {}),
        previous_key_digest=str(item.get("previousKeyDigest") or ""),
        previous_key_until=_number(item, "previousKeyUntil"),
        disabled=bool(item.get("disabled", False)),
        created_at=_number(item, "createdAt"),
        key_rotated_at=_number(item, "keyRotatedAt"),
    )
