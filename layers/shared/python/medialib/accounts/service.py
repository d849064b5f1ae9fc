"""Account lookup by API key (on the key's digest alone), seeding of an account, the private key of the functions
that verify signatures with it, and the account's own settings (``GET``/``PATCH /v1/accounts/settings``,
docs/settings.md). Keys: docs/keys.md.

A warm execution environment remembers each account it authenticated for ``AUTHENTICATION_TTL_SECONDS``, keyed by
the private key's digest (or by the public key), so that a burst of requests with one key costs one table read
instead of two per request. The price: a key that is rotated or removed, or an account whose settings change, is
seen by an environment only once its entry expires, so a disabled key keeps working for at most that long there
(seeding an account forgets it at once in the process that seeds). Only successes are remembered: a key that
becomes valid works at once, and an unknown key is looked up every time. A decrypted private key (deliver, upload)
is remembered as long, so that a burst of signed requests costs one KMS call.
"""

from __future__ import annotations

import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from pydantic import SecretStr

from medialib.accounts.models import Account, AccountSettingsResponse, UpdateAccountSettingsRequest
from medialib.accounts.rules import KEY_RANDOM_BYTES, PRIVATE_KEY_PREFIX, PUBLIC_KEY_PREFIX, key_digest
from medialib.accounts.store import AccountStore, TableAccountStore
from medialib.adapters.transition import transition
from medialib.errors import UnauthorizedError
from medialib.observability import logger
from medialib.settings import CdnSettings, get_settings

store: AccountStore = TableAccountStore()  # the one seam: unit tests put an in-memory AccountStore here

AUTHENTICATION_TTL_SECONDS = 30.0  # how long a warm environment trusts an account it looked up
MAX_REMEMBERED = 256  # accounts one environment remembers; past that, the expired go, then all
clock: Callable[[], float] = time.monotonic  # the seam: unit tests move the time


@dataclass(frozen=True)
class _Remembered:
    account: Account
    until: float  # clock() value after which the entry is looked up again


_remembered: dict[str, _Remembered] = {}  # "private:<digest>" or "public:<public key>"


def _recall(key: str) -> Account | None:
    entry = _remembered.get(key)
    if entry is None or clock() >= entry.until:
        return None
    return entry.account


def _remember(key: str, account: Account) -> None:
    now = clock()
    if len(_remembered) >= MAX_REMEMBERED:
        for stale in [k for k, entry in list(_remembered.items()) if now >= entry.until]:
            _remembered.pop(stale, None)
        if len(_remembered) >= MAX_REMEMBERED:
            _remembered.clear()
    _remembered[key] = _Remembered(account, now + AUTHENTICATION_TTL_SECONDS)


def forget_authenticated(account_id: str | None = None) -> None:
    """Forget the remembered accounts: all of them, or one account's entries."""
    if account_id is None:
        _remembered.clear()
        _signing_keys.clear()
        return
    _signing_keys.pop(account_id, None)
    for key in [k for k, entry in list(_remembered.items()) if entry.account.account_id == account_id]:
        _remembered.pop(key, None)


def get_account(account_id: str) -> Account | None:
    return store.get(account_id)


def get_by_public_key(public_key: str) -> Account | None:
    """The account whose public key this is (client-side uploads name their account so), or None. Remembered for
    ``AUTHENTICATION_TTL_SECONDS`` when found."""
    key = f"public:{public_key}"
    account = _recall(key)
    if account is None:
        account = store.get_by_public_key(public_key)
        if account is not None:
            _remember(key, account)
    return account


def authenticate(private_key: str | None) -> Account:
    """The account whose private key this is, or UnauthorizedError. Never logs or echoes the key. On the key's
    digest alone: the API key index names the account, whose item must hold that digest (compared in constant
    time), so an index left by a changed key authenticates nothing; the private key is never read. An account
    authenticated in the last ``AUTHENTICATION_TTL_SECONDS`` is not read again (its digest is still compared)."""
    if not private_key:
        raise UnauthorizedError("Your account cannot be authenticated.")
    digest = key_digest(private_key)
    key = f"private:{digest}"
    account = _recall(key)
    looked_up = account is None
    if account is None:
        owner = store.key_owner(digest)
        account = store.get(owner) if owner else None
    if account is None or not hmac.compare_digest(account.key_digest.encode(), digest.encode()):
        _remembered.pop(key, None)
        raise UnauthorizedError("Your account cannot be authenticated.")
    if looked_up:
        _remember(key, account)
    return account


@dataclass(frozen=True)
class _Key:
    digest: str  # of the account whose key it is when it was read: a re-seeded account's key is read again
    private_key: SecretStr
    until: float


_signing_keys: dict[str, _Key] = {}  # account id -> its decrypted private key, for AUTHENTICATION_TTL_SECONDS


def signing_key(account: Account) -> str:
    """The account's private key, for what is signed with it (delivery's ``ik-s``, client-side upload
    signatures): the one an account being written carries, else decrypted from its secret (KMS; only the deliver
    and upload functions may) and remembered ``AUTHENTICATION_TTL_SECONDS``. UnauthorizedError: it has none."""
    if account.private_key is not None:
        return account.private_key.get_secret_value()
    now = clock()
    entry = _signing_keys.get(account.account_id)
    if entry is None or now >= entry.until or entry.digest != account.key_digest:
        private_key = store.private_key(account.account_id)
        if private_key is None:
            raise UnauthorizedError("Your account cannot be authenticated.")
        if len(_signing_keys) >= MAX_REMEMBERED:
            _signing_keys.clear()
        entry = _Key(account.key_digest, private_key, now + AUTHENTICATION_TTL_SECONDS)
        _signing_keys[account.account_id] = entry
    return entry.private_key.get_secret_value()


def new_keys() -> tuple[str, str]:
    """A new (public key, private key) pair: ImageKit's prefixes and 32 random bytes each (43 characters)."""
    return (
        PUBLIC_KEY_PREFIX + secrets.token_urlsafe(KEY_RANDOM_BYTES),
        PRIVATE_KEY_PREFIX + secrets.token_urlsafe(KEY_RANDOM_BYTES),
    )


def seed_account(account: Account) -> None:
    """Create or refresh an account, its secret (the private key encrypted with the stack's KMS key) and its key
    indexes, private and public (idempotent). Used by the local stack and operators. A private or public key
    already indexed to another account raises ConditionFailedError. The account must carry its private key."""
    if account.private_key is None:
        raise ValueError("seeding writes the private key: give the account its private key")
    forget_authenticated(account.account_id)
    stored = account.without_key()
    store.save_private_key(account.account_id, account.private_key)  # first: an account item names a readable key
    store.save(stored)
    digest = stored.key_digest
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


# ------------------------------------------------------------------ the account's own settings (/v1/accounts/settings)


def existing(account_id: str) -> Account:
    """The caller's account, read from the table; UnauthorizedError when it went away after the authorizer let
    the request in (the one answer to a deleted account, whatever the route)."""
    account = store.get(account_id)
    if account is None:
        raise UnauthorizedError("Your account cannot be authenticated.")
    return account


def account_settings(account_id: str) -> AccountSettingsResponse:
    """The settings of the caller's account, read from the table (not from the remembered accounts)."""
    return _settings_response(existing(account_id))


def update_account_settings(account_id: str, request: UpdateAccountSettingsRequest) -> AccountSettingsResponse:
    """Change the settings the request sends, and only those (one conditional write: a concurrent change of other
    settings is kept); answer the settings after it. This process forgets the account at once; other warm
    environments see the change within ``AUTHENTICATION_TTL_SECONDS``."""
    changes = request.changes()
    account = store.update_settings(account_id, changes)
    forget_authenticated(account_id)
    if account is None:
        raise UnauthorizedError("Your account cannot be authenticated.")
    logger.info("account settings changed", extra={"account_id": account_id, "settings": sorted(changes)})
    return _settings_response(account)


def purge_quota(account: Account) -> int:
    """The account's monthly purge quota: its own override, else the stack's default (PURGE_MONTHLY_QUOTA)."""
    override = account.settings.purge_monthly_quota
    return override if override is not None else get_settings(CdnSettings).purge_monthly_quota


def _settings_response(account: Account) -> AccountSettingsResponse:
    settings = account.settings
    return AccountSettingsResponse(
        upload_as_draft=settings.upload_as_draft,
        purge_monthly_quota=purge_quota(account),
        named_transformations=settings.named_transformations,
    )
