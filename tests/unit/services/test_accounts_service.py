"""Authentication by private key and account seeding, against an in-memory store."""

from __future__ import annotations

import hmac

import pytest
from pydantic import SecretStr

from medialib.accounts import service as accounts
from medialib.accounts.models import Account, AccountSettings
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


def test_the_digest_is_compared_in_constant_time(seeded: FakeAccountStore, monkeypatch: pytest.MonkeyPatch) -> None:
    """Given a seeded account, When its key is presented, Then the account's and the presented key's digests are
    compared with hmac.compare_digest (time independent of where they differ), and its answer decides."""
    compared: list[tuple[bytes, bytes]] = []

    def spy(a: bytes, b: bytes) -> bool:
        compared.append((a, b))
        return False

    monkeypatch.setattr(hmac, "compare_digest", spy)
    with pytest.raises(UnauthorizedError):
        accounts.authenticate("private_acme_key")
    digest = key_digest("private_acme_key").encode()
    assert compared == [(digest, digest)]


def test_authentication_never_reads_the_private_key(seeded: FakeAccountStore) -> None:
    """Given a seeded account, When its key authenticates, Then the account answered has its key's digest and
    not the key, and the stored private key (the secret) was never read."""
    account = accounts.authenticate("private_acme_key")
    assert account.private_key is None and account.key_digest == key_digest("private_acme_key")
    assert seeded.secret_reads == 0


def test_seeding_keeps_the_key_only_as_the_secret(seeded: FakeAccountStore) -> None:
    """Given a seeded account, Then the account row holds the key's digest and no key; the key is the secret."""
    assert seeded.accounts["acme"].private_key is None
    assert seeded.accounts["acme"].key_digest == key_digest("private_acme_key")
    assert seeded.secrets["acme"].get_secret_value() == "private_acme_key"


def test_an_account_without_its_key_is_not_seeded(account_store: FakeAccountStore) -> None:
    """Given an account read back (its digest, no key), When seeded, Then ValueError and nothing written."""
    with pytest.raises(ValueError, match="private key"):
        accounts.seed_account(ACME.without_key())
    assert account_store.accounts == {} and account_store.secrets == {}


def test_the_signing_key_is_decrypted_once_per_ttl(seeded: FakeAccountStore, clock: Clock) -> None:
    """Given an authenticated account, When its signing key is asked for three times within the TTL and once
    after it, Then it is the private key each time and the secret is read twice (once per TTL)."""
    account = accounts.authenticate("private_acme_key")
    for _ in range(3):
        assert accounts.signing_keys(account)[0] == "private_acme_key"
    clock.now += accounts.AUTHENTICATION_TTL_SECONDS
    assert accounts.signing_keys(account)[0] == "private_acme_key"
    assert seeded.secret_reads == 2


def test_a_reseeded_key_is_read_again_at_once(seeded: FakeAccountStore, clock: Clock) -> None:
    """Given a remembered signing key, When the account is seeded with a new key, Then the next signing key is
    the new one (seeding forgets it, and a remembered key of another digest is not used)."""
    assert accounts.signing_keys(accounts.authenticate("private_acme_key"))[0] == "private_acme_key"
    accounts.seed_account(ACME.model_copy(update={"private_key": SecretStr("private_acme_key_2"), "key_digest": ""}))
    assert accounts.signing_keys(accounts.authenticate("private_acme_key_2"))[0] == "private_acme_key_2"


def test_an_account_without_a_secret_has_no_signing_key(seeded: FakeAccountStore) -> None:
    """Given an account whose secret is missing, When its signing key is asked for, Then 401."""
    seeded.secrets.clear()
    with pytest.raises(UnauthorizedError):
        accounts.signing_keys(accounts.authenticate("private_acme_key"))[0]


def test_new_keys_have_imagekits_prefixes_and_32_random_bytes() -> None:
    """When keys are generated twice, Then each is prefixed public_/private_, carries at least 32 random
    characters (43 for 32 bytes), and no two are alike."""
    first, second = accounts.new_keys(), accounts.new_keys()
    for public_key, private_key in (first, second):
        assert public_key.startswith("public_") and len(public_key) - len("public_") >= 43
        assert private_key.startswith("private_") and len(private_key) - len("private_") >= 43
    assert len({*first, *second}) == 4


def test_seeding_twice_is_idempotent(seeded: FakeAccountStore) -> None:
    """Given a seeded account, When it is seeded again, Then no error and one key index to it."""
    accounts.seed_account(ACME)
    assert seeded.keys == {key_digest("private_acme_key"): "acme"}
    assert accounts.get_account("acme") == ACME.without_key()


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
    assert accounts.get_by_public_key("public_acme_key") == ACME.without_key()
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


# ------------------------------------------------------------------ the authenticated account, remembered


class Clock:
    """The service's clock, moved by the test."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(accounts, "clock", fake)
    return fake


def _rotate(store: FakeAccountStore, account: Account, new_key: str) -> None:
    """What an operator's key rotation leaves in the table: the account with its new key, the old index gone."""
    store.save(Account(account_id=account.account_id, public_key=account.public_key, private_key=new_key))
    store.keys.pop(account.key_digest)
    store.keys[key_digest(new_key)] = account.account_id


@pytest.mark.parametrize(
    ("elapsed", "old_key_works"),
    [
        (0.0, True),
        (accounts.AUTHENTICATION_TTL_SECONDS - 0.001, True),
        (accounts.AUTHENTICATION_TTL_SECONDS, False),
        (accounts.AUTHENTICATION_TTL_SECONDS * 10, False),
    ],
    ids=["at-once-the-old-key-still-works", "until-the-ttl", "not-from-the-ttl-on", "long-after"],
)
def test_a_rotated_key_stops_working_within_the_ttl(
    seeded: FakeAccountStore, clock: Clock, elapsed: float, old_key_works: bool
) -> None:
    """Given a key authenticated once (so remembered), When the account's key is rotated in the table and the
    old key is presented `elapsed` seconds after that authentication, Then it still authenticates before the TTL
    and is 401 from the TTL on; the new key works at once."""
    accounts.authenticate("private_acme_key")
    _rotate(seeded, ACME, "private_rotated_key")
    clock.now += elapsed
    if old_key_works:
        assert accounts.authenticate("private_acme_key").account_id == "acme"
    else:
        with pytest.raises(UnauthorizedError):
            accounts.authenticate("private_acme_key")
    assert accounts.authenticate("private_rotated_key").account_id == "acme"


def test_a_remembered_account_is_not_read_again_within_the_ttl(seeded: FakeAccountStore, clock: Clock) -> None:
    """Given a key authenticated once, When the table becomes unreachable and the key is presented again within
    the TTL, Then the account is answered from memory; after the TTL the table is read again (and its failure
    surfaces)."""
    accounts.authenticate("private_acme_key")
    seeded.pending.append(RuntimeError("the table is unreachable"))
    clock.now += accounts.AUTHENTICATION_TTL_SECONDS / 2
    assert accounts.authenticate("private_acme_key").account_id == "acme"
    clock.now += accounts.AUTHENTICATION_TTL_SECONDS
    with pytest.raises(RuntimeError):
        accounts.authenticate("private_acme_key")


def test_the_expiry_counts_from_the_lookup_not_from_the_last_use(seeded: FakeAccountStore, clock: Clock) -> None:
    """Given a key authenticated once and then used every few seconds, When its key is rotated meanwhile,
    Then the old key stops working one TTL after the lookup: using it does not extend its life."""
    accounts.authenticate("private_acme_key")
    _rotate(seeded, ACME, "private_rotated_key")
    for _ in range(3):
        clock.now += accounts.AUTHENTICATION_TTL_SECONDS / 4
        accounts.authenticate("private_acme_key")
    clock.now += accounts.AUTHENTICATION_TTL_SECONDS / 4
    with pytest.raises(UnauthorizedError):
        accounts.authenticate("private_acme_key")


def test_a_refused_key_is_not_remembered(account_store: FakeAccountStore, clock: Clock) -> None:
    """Given a key no account has, refused once, When an account is then seeded with it, Then it authenticates
    at once (refusals are looked up every time)."""
    with pytest.raises(UnauthorizedError):
        accounts.authenticate("private_acme_key")
    accounts.seed_account(ACME)
    assert accounts.authenticate("private_acme_key").account_id == "acme"


def test_seeding_an_account_forgets_it_at_once(seeded: FakeAccountStore, clock: Clock) -> None:
    """Given a remembered account, When it is seeded again with other settings, Then the next authentication in
    this process answers the new settings, not the remembered ones."""
    accounts.authenticate("private_acme_key")
    accounts.seed_account(ACME.model_copy(update={"settings": AccountSettings(upload_as_draft=True)}))
    assert accounts.authenticate("private_acme_key").settings.upload_as_draft is True


def test_another_key_never_gets_a_remembered_account(seeded: FakeAccountStore, clock: Clock) -> None:
    """Given a remembered account, When a different key is presented, Then 401: memory is keyed by the key."""
    accounts.authenticate("private_acme_key")
    with pytest.raises(UnauthorizedError):
        accounts.authenticate("private_acme_kez")


@pytest.mark.parametrize(
    ("elapsed", "found"),
    [(accounts.AUTHENTICATION_TTL_SECONDS - 0.001, True), (accounts.AUTHENTICATION_TTL_SECONDS, False)],
    ids=["remembered-until-the-ttl", "looked-up-again-from-the-ttl-on"],
)
def test_a_public_key_is_remembered_for_the_ttl(
    seeded: FakeAccountStore, clock: Clock, elapsed: float, found: bool
) -> None:
    """Given an account found by its public key, When its public key changes in the table and the old one is
    looked up `elapsed` seconds later, Then it still finds the account before the TTL and nothing from it on."""
    assert accounts.get_by_public_key("public_acme_key") == ACME.without_key()
    seeded.save(ACME.model_copy(update={"public_key": "public_other_key"}))
    clock.now += elapsed
    assert (accounts.get_by_public_key("public_acme_key") is not None) is found


def test_an_unknown_public_key_is_not_remembered(account_store: FakeAccountStore, clock: Clock) -> None:
    """Given a public key no account has, looked up once, When an account is seeded with it, Then the next
    lookup finds it at once."""
    assert accounts.get_by_public_key("public_acme_key") is None
    accounts.seed_account(ACME)
    assert accounts.get_by_public_key("public_acme_key") == ACME.without_key()


def test_memory_stays_bounded(account_store: FakeAccountStore, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    """Given room for 2 accounts, When 3 accounts authenticate, Then every one is still answered correctly and
    a rotation of the first takes effect at once (it was forgotten to make room)."""
    monkeypatch.setattr(accounts, "MAX_REMEMBERED", 2)
    team = [
        Account(account_id=f"acc{n}", public_key=f"public_key_{n}", private_key=f"private_key_{n}") for n in range(3)
    ]
    for account in team:
        accounts.seed_account(account)
        assert accounts.authenticate(accounts.signing_keys(account)[0]).account_id == account.account_id
    _rotate(account_store, team[0], "private_key_0_rotated")
    with pytest.raises(UnauthorizedError):
        accounts.authenticate("private_key_0")
