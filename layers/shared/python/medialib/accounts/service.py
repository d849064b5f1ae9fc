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

The authorizer authenticates with ``remember=False``: API Gateway caches its answer per identity source for the
stack's ``AuthorizerCacheTtlSeconds``, and that cache alone bounds how long a disabled account or an expired key
still passes the authorizer (docs/keys.md, "How fast a change is seen").

Operators (``medialib accounts``) create accounts, rotate a key with a grace period during which the previous key
authenticates and signs too, and disable or enable an account; a disabled account authenticates nothing.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from pydantic import SecretStr

from medialib.accounts.models import Account, AccountSettingsResponse, UpdateAccountSettingsRequest
from medialib.accounts.rules import (
    KEY_RANDOM_BYTES,
    MAX_GRACE_PERIOD_SECONDS,
    PRIVATE_KEY_PREFIX,
    PUBLIC_KEY_PREFIX,
    key_digest,
)
from medialib.accounts.store import AccountStore, TableAccountStore
from medialib.adapters.errors import ConditionFailedError
from medialib.adapters.transition import transition
from medialib.errors import ConflictError, NotFoundError, UnauthorizedError
from medialib.observability import logger
from medialib.settings import CdnSettings, get_settings

store: AccountStore = TableAccountStore()  # the one seam: unit tests put an in-memory AccountStore here

AUTHENTICATION_TTL_SECONDS = 30.0  # how long a warm environment trusts an account it looked up
MAX_REMEMBERED = 256  # accounts one environment remembers; past that, the expired go, then all
clock: Callable[[], float] = time.monotonic  # the seam: unit tests move the time
wall_clock: Callable[[], float] = time.time  # Unix seconds: a rotation's grace period ends at a moment of the world


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
    """The enabled account whose public key this is (client-side uploads name their account so), or None: no such
    account, or a disabled one. Remembered for ``AUTHENTICATION_TTL_SECONDS`` when found."""
    key = f"public:{public_key}"
    account = _recall(key)
    if account is None:
        account = store.get_by_public_key(public_key)
        if account is not None:
            _remember(key, account)
    return None if account is None or account.disabled else account


def authenticate(private_key: str | None, *, remember: bool = True) -> Account:
    """The account whose private key this is, or UnauthorizedError. Never logs or echoes the key. On the key's
    digest alone: the API key index names the account, whose item must hold that digest (compared in constant
    time) as its current key's, or as its previous key's during a rotation's grace period, and must not be
    disabled; an index left by a changed key authenticates nothing, and the private key is never read. With
    ``remember``, an account authenticated in the last ``AUTHENTICATION_TTL_SECONDS`` is not read again (its
    digests and the grace period are still checked against the time now)."""
    if not private_key:
        raise UnauthorizedError("Your account cannot be authenticated.")
    digest = key_digest(private_key)
    key = f"private:{digest}"
    account = _recall(key) if remember else None
    looked_up = account is None
    if account is None:
        owner = store.key_owner(digest)
        account = store.get(owner) if owner else None
    if account is None or not account.accepts(digest, wall_clock()):
        _remembered.pop(key, None)
        raise UnauthorizedError("Your account cannot be authenticated.")
    if looked_up and remember:
        _remember(key, account)
    return account


@dataclass(frozen=True)
class _Keys:
    digests: tuple[str, ...]  # of the account when they were read: a rotated or re-seeded account's are read again
    private_keys: tuple[SecretStr, ...]
    until: float


_signing_keys: dict[str, _Keys] = {}  # account id -> its decrypted private keys, for AUTHENTICATION_TTL_SECONDS


def signing_keys(account: Account) -> tuple[str, ...]:
    """The private keys a signature of this account may be made with (delivery's ``ik-s``, client-side upload
    signatures): its current key and, during a rotation's grace period, the previous one, since clients switch over
    gradually. The one an account being written carries, else decrypted from its secrets (KMS; only the deliver
    and upload functions may), each kept only when its digest is one the account accepts now, and remembered
    ``AUTHENTICATION_TTL_SECONDS``. UnauthorizedError: a disabled account, or one with no key."""
    if account.disabled:
        raise UnauthorizedError("Your account cannot be authenticated.")
    if account.private_key is not None:
        return (account.private_key.get_secret_value(),)
    accepted = account.accepted_digests(wall_clock())
    now = clock()
    entry = _signing_keys.get(account.account_id)
    if entry is None or now >= entry.until or entry.digests != accepted:
        found = [store.private_key(account.account_id)]
        if len(accepted) > 1:
            found.append(store.private_key(account.account_id, previous=True))
        usable = tuple(k for k in found if k is not None and key_digest(k.get_secret_value()) in accepted)
        if not usable:
            raise UnauthorizedError("Your account cannot be authenticated.")
        if len(_signing_keys) >= MAX_REMEMBERED:
            _signing_keys.clear()
        entry = _Keys(accepted, usable, now + AUTHENTICATION_TTL_SECONDS)
        _signing_keys[account.account_id] = entry
    return tuple(k.get_secret_value() for k in entry.private_keys)


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


# ------------------------------------------------------------------ operators: medialib accounts


@dataclass(frozen=True)
class IssuedKey:
    """What an operator is shown once: the account, and the private key just made for it."""

    account: Account
    private_key: SecretStr


def new_account_id() -> str:
    """An account id for an account created without one: 16 random lowercase hexadecimal characters."""
    return secrets.token_hex(8)


def create_account(account_id: str | None = None) -> IssuedKey:
    """A new account with keys from :func:`new_keys`: the account item, its encrypted secret and both key indexes
    in one transaction. ConflictError: the account id is taken (nothing is written)."""
    public_key, private_key = new_keys()
    account = Account(
        account_id=account_id or new_account_id(),
        public_key=public_key,
        private_key=SecretStr(private_key),
        created_at=int(wall_clock()),
    )
    if store.get(account.account_id) is not None:
        raise ConflictError(f"The account {account.account_id!r} exists already.", help="Choose another id.")
    try:
        store.create(account)
    except ConditionFailedError:
        raise ConflictError(f"The account {account.account_id!r} exists already.", help="Choose another id.") from None
    logger.info("account created", extra={"account_id": account.account_id})
    return IssuedKey(account.without_key(), SecretStr(private_key))


def rotate_key(account_id: str, grace_period_seconds: int) -> IssuedKey:
    """A new private key for the account (its public key is kept). The replaced key keeps authenticating and
    signing for ``grace_period_seconds`` (0: it stops at once; a key replaced by an earlier rotation stops now).
    NotFoundError: no such account; ConflictError: it changed meanwhile, or has no encrypted secret yet."""
    if not 0 <= grace_period_seconds <= MAX_GRACE_PERIOD_SECONDS:
        raise ValueError(f"a grace period is 0 to {MAX_GRACE_PERIOD_SECONDS} seconds")
    account = _operated(account_id)
    _, private_key = new_keys()
    now = int(wall_clock())
    try:
        rotated = store.rotate(
            account_id,
            current_digest=account.key_digest,
            new_key=SecretStr(private_key),
            previous_until=now + grace_period_seconds if grace_period_seconds else 0,  # 0: never again
            now=now,
        )
    except ConditionFailedError:
        raise ConflictError(
            f"The key of {account_id!r} could not be rotated: it changed meanwhile, or the account predates "
            "encrypted keys.",
            help="Run the command again; an account from before encrypted keys is seeded again first (docs/keys.md).",
        ) from None
    forget_authenticated(account_id)
    logger.info("account key rotated", extra={"account_id": account_id, "grace_period": grace_period_seconds})
    return IssuedKey(rotated, SecretStr(private_key))


def set_disabled(account_id: str, disabled: bool) -> Account:
    """Disable (or enable again) the account: a disabled one authenticates nothing, signs nothing and delivers
    nothing. NotFoundError: no such account."""
    account = store.set_disabled(account_id, disabled)
    if account is None:
        raise _no_account(account_id)
    forget_authenticated(account_id)
    logger.info("account disabled" if disabled else "account enabled", extra={"account_id": account_id})
    return account


def list_accounts() -> list[Account]:
    """Every account (without keys), by account id."""
    return list(store.list_all())


def _operated(account_id: str) -> Account:
    account = store.get(account_id)
    if account is None:
        raise _no_account(account_id)
    return account


def _no_account(account_id: str) -> NotFoundError:
    return NotFoundError(f"There is no account {account_id!r}.", help="`medialib accounts list` shows the accounts.")


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
