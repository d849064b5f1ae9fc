"""Authentication by private key and account seeding, against an in-memory store."""

from __future__ import annotations

import hmac

import pytest

from medialib.accounts import service as accounts
from medialib.accounts.models import Account
from medialib.accounts.rules import key_digest
from medialib.adapters.errors import ConditionFailedError
from medialib.errors import UnauthorizedError
from tests.unit.services.fakes import FakeAccountStore

ACME = Account(account_id="acme", public_key="public_acme_key", private_key="private_acme_key")


@pytest.fixture
def seeded(account_store: FakeAccountStore) -> FakeAccountStore:
    accounts.seed_account(ACME)
    return account_store


def test_the_right_key_authenticates_its_account(seeded: FakeAccountStore) -> None:
    """Given a seeded account, When its private key is presented, Then that account is returned."""
    assert accounts.authenticate("private_acme_key").account_id == "acme"


@pytest.mark.parametrize(
    "presented",
    [None, "", "private_unknown_key", "private_acme_ke", "private_acme_key "],
    ids=["no-key", "empty-key", "unknown-key", "a-prefix-of-the-key", "the-key-with-a-trailing-space"],
)
def test_any_other_key_is_unauthorized(seeded: FakeAccountStore, presented: str | None) -> None:
    """Given a seeded account, When a key that is not its key is presented, Then 401 with a message that does
    not echo the key."""
    with pytest.raises(UnauthorizedError) as caught:
        accounts.authenticate(presented)
    assert caught.value.status == 401
    assert not presented or presented not in str(caught.value.body())


def test_a_stale_key_index_is_unauthorized(seeded: FakeAccountStore) -> None:
    """Given a key index left pointing at an account whose key has since changed (wrong key), When the old key
    is presented, Then 401: the stored key is compared, not only the index."""
    seeded.save(Account(account_id="acme", public_key="public_acme_key", private_key="private_rotated_key"))
    with pytest.raises(UnauthorizedError):
        accounts.authenticate("private_acme_key")


def test_the_key_is_compared_in_constant_time(seeded: FakeAccountStore, monkeypatch: pytest.MonkeyPatch) -> None:
    """Given a seeded account, When its key is presented, Then the stored and presented keys are compared with
    hmac.compare_digest (time independent of where they differ), and its answer decides."""
    compared: list[tuple[bytes, bytes]] = []

    def spy(a: bytes, b: bytes) -> bool:
        compared.append((a, b))
        return False

    monkeypatch.setattr(hmac, "compare_digest", spy)
    with pytest.raises(UnauthorizedError):
        accounts.authenticate("private_acme_key")
    assert compared == [(b"private_acme_key", b"private_acme_key")]


def test_seeding_twice_is_idempotent(seeded: FakeAccountStore) -> None:
    """Given a seeded account, When it is seeded again, Then no error and one key index to it."""
    accounts.seed_account(ACME)
    assert seeded.keys == {key_digest("private_acme_key"): "acme"}
    assert accounts.get_account("acme") == ACME


def test_a_key_of_another_account_is_never_taken_over(seeded: FakeAccountStore) -> None:
    """Given a seeded account, When another account is seeded with the same private key, Then
    ConditionFailedError and the key still authenticates the first account."""
    thief = Account(account_id="thief", public_key="public_thief_key", private_key="private_acme_key")
    with pytest.raises(ConditionFailedError):
        accounts.seed_account(thief)
    assert accounts.authenticate("private_acme_key").account_id == "acme"


def test_the_public_key_finds_its_account(seeded: FakeAccountStore) -> None:
    """Given a seeded account, When looked up by its public key and by an unknown one, Then that account, and
    nothing; seeding twice keeps one public key index to it."""
    accounts.seed_account(ACME)
    assert accounts.get_by_public_key("public_acme_key") == ACME
    assert accounts.get_by_public_key("public_unknown_key") is None
    assert seeded.public_keys == {"public_acme_key": "acme"}


def test_a_public_key_of_another_account_is_never_taken_over(seeded: FakeAccountStore) -> None:
    """Given a seeded account, When another account is seeded with the same public key, Then
    ConditionFailedError and the public key still finds the first account."""
    thief = Account(account_id="thief", public_key="public_acme_key", private_key="private_thief_key")
    with pytest.raises(ConditionFailedError):
        accounts.seed_account(thief)
    found = accounts.get_by_public_key("public_acme_key")
    assert found is not None and found.account_id == "acme"
