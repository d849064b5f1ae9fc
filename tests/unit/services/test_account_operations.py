"""What an operator does to accounts (medialib accounts): create, rotate a key with a grace period, disable and
enable, list; against an in-memory store and moved clocks (the memo's and the wall's)."""

from __future__ import annotations

import pytest

from medialib.accounts import service as accounts
from medialib.accounts.rules import key_digest
from medialib.errors import ConflictError, NotFoundError, UnauthorizedError
from tests.unit.services.fakes import FakeAccountStore

START = 1_800_000_000.0
HOUR = 3600


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """One clock for the memo (monotonic) and the wall (a rotation's grace period)."""
    fake = Clock()
    monkeypatch.setattr(accounts, "clock", fake)
    monkeypatch.setattr(accounts, "wall_clock", fake)
    return fake


@pytest.fixture
def issued(account_store: FakeAccountStore, clock: Clock) -> accounts.IssuedKey:
    return accounts.create_account("acme")


def _key(issued: accounts.IssuedKey) -> str:
    return issued.private_key.get_secret_value()


def test_a_created_account_authenticates_with_its_new_key(issued: accounts.IssuedKey) -> None:
    """Given `create`, Then the account authenticates with the key issued, holds only its digest, has ImageKit
    keys (prefixes, 43 random characters) and its creation time."""
    assert accounts.authenticate(_key(issued)).account_id == "acme"
    assert issued.account.private_key is None and issued.account.key_digest == key_digest(_key(issued))
    assert issued.account.public_key.startswith("public_") and _key(issued).startswith("private_")
    assert issued.account.created_at == int(START)
    assert accounts.get_by_public_key(issued.account.public_key) is not None


def test_an_account_id_is_made_when_none_is_given(account_store: FakeAccountStore, clock: Clock) -> None:
    made = accounts.create_account().account.account_id
    assert len(made) == 16 and int(made, 16) >= 0


def test_an_account_id_is_never_taken_over(issued: accounts.IssuedKey, account_store: FakeAccountStore) -> None:
    """Given an account, When another is created with its id, Then ConflictError and the first keeps its key."""
    with pytest.raises(ConflictError, match="exists already"):
        accounts.create_account("acme")
    assert accounts.authenticate(_key(issued)).account_id == "acme"


def test_during_the_grace_period_both_keys_authenticate_and_sign(issued: accounts.IssuedKey, clock: Clock) -> None:
    """Given a key rotated with a grace period of 1 h, Then both keys authenticate and both sign until the hour
    ends; from its end on, only the new one does (the memo is not what decides: it is checked against the wall)."""
    old = _key(issued)
    rotated = accounts.rotate_key("acme", HOUR)
    new = _key(rotated)

    assert new != old and rotated.account.previous_key_until == int(START) + HOUR
    assert accounts.authenticate(old).account_id == accounts.authenticate(new).account_id == "acme"
    assert accounts.signing_keys(accounts.authenticate(new)) == (new, old)

    clock.now += HOUR - 1
    assert accounts.authenticate(old).account_id == "acme"
    clock.now += 1
    with pytest.raises(UnauthorizedError):
        accounts.authenticate(old)
    account = accounts.authenticate(new)
    assert accounts.signing_keys(account) == (new,)
    assert accounts.signing_keys(account)[0] == new


def test_a_second_rotation_ends_the_first_previous_key(issued: accounts.IssuedKey, clock: Clock) -> None:
    """Given two rotations in a row, Then the first key is refused at once: only one previous key is kept."""
    first = _key(issued)
    second = _key(accounts.rotate_key("acme", HOUR))
    third = _key(accounts.rotate_key("acme", HOUR))
    with pytest.raises(UnauthorizedError):
        accounts.authenticate(first)
    assert {accounts.authenticate(k).account_id for k in (second, third)} == {"acme"}


def test_a_rotation_without_grace_ends_the_old_key_at_once(issued: accounts.IssuedKey, clock: Clock) -> None:
    accounts.rotate_key("acme", 0)
    with pytest.raises(UnauthorizedError):
        accounts.authenticate(_key(issued))


def test_a_disabled_account_is_refused_and_signs_nothing(
    issued: accounts.IssuedKey, clock: Clock, account_store: FakeAccountStore
) -> None:
    """Given an account authenticated (remembered), When it is disabled, Then this process refuses it at once
    (authentication, its public key, signing); When it is enabled again, Then it works at once."""
    accounts.authenticate(_key(issued))
    accounts.set_disabled("acme", True)

    with pytest.raises(UnauthorizedError):
        accounts.authenticate(_key(issued))
    assert accounts.get_by_public_key(issued.account.public_key) is None
    with pytest.raises(UnauthorizedError):
        accounts.signing_keys(account_store.accounts["acme"])

    accounts.set_disabled("acme", False)
    assert accounts.authenticate(_key(issued)).account_id == "acme"


def test_the_authorizer_reads_the_account_every_time(
    issued: accounts.IssuedKey, clock: Clock, account_store: FakeAccountStore
) -> None:
    """Given an account authenticated both ways, When another process disables it (this one's memo is not told),
    Then authenticate(remember=False), the authorizer's, refuses it at once, while the memo of the other functions
    still lets it in until AUTHENTICATION_TTL_SECONDS pass: the authorizer adds nothing to the gateway's TTL."""
    accounts.authenticate(_key(issued))
    accounts.authenticate(_key(issued), remember=False)
    account_store.accounts["acme"] = account_store.accounts["acme"].model_copy(update={"disabled": True})

    assert accounts.authenticate(_key(issued)).account_id == "acme"  # the memo, until its TTL
    with pytest.raises(UnauthorizedError):
        accounts.authenticate(_key(issued), remember=False)
    clock.now += accounts.AUTHENTICATION_TTL_SECONDS
    with pytest.raises(UnauthorizedError):
        accounts.authenticate(_key(issued))


@pytest.mark.parametrize(
    "operation",
    [
        pytest.param(lambda: accounts.rotate_key("nobody", HOUR), id="rotate-key"),
        pytest.param(lambda: accounts.set_disabled("nobody", True), id="disable"),
        pytest.param(lambda: accounts.set_disabled("nobody", False), id="enable"),
    ],
)
def test_an_unknown_account_is_not_found(account_store: FakeAccountStore, clock: Clock, operation: object) -> None:
    with pytest.raises(NotFoundError, match="There is no account 'nobody'"):
        operation()  # type: ignore[operator]


def test_a_grace_period_beyond_30_days_is_refused(issued: accounts.IssuedKey) -> None:
    with pytest.raises(ValueError, match="grace period"):
        accounts.rotate_key("acme", 31 * 24 * HOUR)


def test_the_list_holds_every_account_and_no_key(account_store: FakeAccountStore, clock: Clock) -> None:
    accounts.create_account("beta")
    accounts.create_account("alpha")
    listed = accounts.list_accounts()
    assert [a.account_id for a in listed] == ["alpha", "beta"]
    assert all(a.private_key is None for a in listed)
