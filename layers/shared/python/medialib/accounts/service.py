"""Account lookup by API key (constant-time comparison) and seeding of an account."""

from __future__ import annotations

import hmac

from medialib.accounts.models import Account
from medialib.accounts.rules import key_digest
from medialib.accounts.store import AccountStore, TableAccountStore
from medialib.adapters.transition import transition
from medialib.errors import UnauthorizedError

store: AccountStore = TableAccountStore()  # the one seam: unit tests put an in-memory AccountStore here


def get_account(account_id: str) -> Account | None:
    return store.get(account_id)


def get_by_public_key(public_key: str) -> Account | None:
    """The account whose public key this is (client-side uploads name their account so), or None."""
    return store.get_by_public_key(public_key)


def authenticate(private_key: str | None) -> Account:
    """The account whose private key this is, or UnauthorizedError. Never logs or echoes the key."""
    if not private_key:
        raise UnauthorizedError("Your account cannot be authenticated.")
    owner = store.key_owner(key_digest(private_key))
    account = store.get(owner) if owner else None
    if account is None or not hmac.compare_digest(
        account.private_key.get_secret_value().encode(), private_key.encode()
    ):
        raise UnauthorizedError("Your account cannot be authenticated.")
    return account


def seed_account(account: Account) -> None:
    """Create or refresh an account and its key indexes, private and public (idempotent). Used by the local stack
    and operators. A private or public key already indexed to another account raises ConditionFailedError."""
    store.save(account)
    digest = key_digest(account.private_key.get_secret_value())
    transition(
        lambda: store.claim_key(digest, account.account_id),
        reread=lambda: store.key_owner(digest),
        settled=lambda owner: owner == account.account_id,
    )
    transition(
        lambda: store.claim_public_key(account.public_key, account.account_id),
        reread=lambda: store.public_key_owner(account.public_key),
        settled=lambda owner: owner == account.account_id,
    )
