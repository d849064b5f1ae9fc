"""The monthly purge quota (medialib.purge.service), against an in-memory store."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from medialib.accounts.models import Account, AccountSettings
from medialib.errors import QuotaExceededError
from medialib.purge import service as purge
from tests.unit.services.fakes import FakePurgeStore

NOV = datetime(2030, 11, 30, 23, 0, tzinfo=UTC)  # an hour before the December reset
DEC = datetime(2030, 12, 1, tzinfo=UTC)


@pytest.fixture
def cdn_settings(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """The purge function's CDN settings (the default quota lives there); settings are re-read per test."""
    monkeypatch.setenv("DISTRIBUTION_ID", "E2EXAMPLE")
    return monkeypatch


def _account(quota: int | None = None, account_id: str = "acme") -> Account:
    return Account(
        account_id=account_id,
        public_key="public_acme_key",
        private_key="private_acme_key",
        settings=AccountSettings(purge_monthly_quota=quota),
    )


def test_each_purge_counts_and_the_last_one_leaves_zero(purge_store: FakePurgeStore) -> None:
    """Given a quota of 3, When 3 purges are counted, Then 2, 1, 0 remain and the counter reads 3."""
    account = _account(3)
    assert [purge.consume_quota(account, NOV) for _ in range(3)] == [2, 1, 0]
    assert purge_store.counters == {("acme", "2030-11"): 3}
    assert purge.remaining_quota(account, NOV) == 0


def test_a_spent_quota_is_a_429_not_retried_with_retry_after_to_the_reset(purge_store: FakePurgeStore) -> None:
    """Given a quota of 1 spent, When one more purge an hour before the month ends, Then QuotaExceededError: 429,
    not retryable, Retry-After 3600, ImageKit's body naming the reset; nothing more is counted."""
    account = _account(1)
    purge.consume_quota(account, NOV)
    with pytest.raises(QuotaExceededError) as caught:
        purge.consume_quota(account, NOV)
    error = caught.value
    assert (error.status, error.retryable, error.retry_after) == (429, False, 3600)
    assert error.reason == "PURGE_QUOTA_EXCEEDED"
    assert "limit of 1 purge" in error.message and "2030-12-01T00:00:00Z" in error.message
    assert set(error.body()) == {"message", "help", "reason"}
    assert purge_store.counters[("acme", "2030-11")] == 1


def test_the_default_quota_applies_without_an_override(
    purge_store: FakePurgeStore, cdn_settings: pytest.MonkeyPatch
) -> None:
    """Given PURGE_MONTHLY_QUOTA=2 and an account without an override, When 3 purges, Then the third is refused;
    an account's override wins over the default."""
    cdn_settings.setenv("PURGE_MONTHLY_QUOTA", "2")
    assert [purge.consume_quota(_account(), NOV) for _ in range(2)] == [1, 0]
    with pytest.raises(QuotaExceededError):
        purge.consume_quota(_account(), NOV)
    assert purge.consume_quota(_account(5, "big"), NOV) == 4


def test_the_default_is_1000(purge_store: FakePurgeStore, cdn_settings: pytest.MonkeyPatch) -> None:
    """Given no PURGE_MONTHLY_QUOTA and no override, When one purge, Then 999 remain."""
    cdn_settings.delenv("PURGE_MONTHLY_QUOTA", raising=False)
    assert purge.consume_quota(_account(), NOV) == 999


def test_a_forced_purge_counts_past_the_limit_and_is_never_refused(purge_store: FakePurgeStore) -> None:
    """Given a quota of 1 spent, When two unpublish purges (force), Then both pass, 0 remain, the counter reads 3,
    and an ordinary purge is still refused."""
    account = _account(1)
    purge.consume_quota(account, NOV)
    assert [purge.consume_quota(account, NOV, force=True) for _ in range(2)] == [0, 0]
    assert purge_store.counters[("acme", "2030-11")] == 3
    with pytest.raises(QuotaExceededError):
        purge.consume_quota(account, NOV)


def test_giving_back_restores_one_and_never_goes_below_zero(purge_store: FakePurgeStore) -> None:
    """Given a quota of 2 with 2 counted, When one is given back, Then 1 remains and a purge passes again; giving
    back on an untouched month leaves it at 0."""
    account = _account(2)
    purge.consume_quota(account, NOV)
    purge.consume_quota(account, NOV)
    purge.give_back_quota(account, NOV)
    assert purge.remaining_quota(account, NOV) == 1
    assert purge.consume_quota(account, NOV) == 0
    purge.give_back_quota(account, DEC)
    purge.give_back_quota(account, DEC)
    assert purge.remaining_quota(account, DEC) == 2
    assert purge_store.counters.get(("acme", "2030-12"), 0) == 0


def test_a_new_month_is_a_new_counter(purge_store: FakePurgeStore) -> None:
    """Given November spent, When the December reset fires and a purge comes in December, Then it passes; the
    November counter is untouched; a redelivered reset changes nothing."""
    account = _account(1)
    purge.consume_quota(account, NOV)
    assert purge.reset_monthly_quota(DEC) is True
    assert purge.consume_quota(account, DEC) == 0
    assert purge.reset_monthly_quota(DEC) is False
    assert purge_store.counters == {("acme", "2030-11"): 1, ("acme", "2030-12"): 1}


def test_accounts_count_apart(purge_store: FakePurgeStore) -> None:
    """Given two accounts with a quota of 1, When one spends it, Then the other still purges."""
    purge.consume_quota(_account(1, "acme"), NOV)
    assert purge.consume_quota(_account(1, "other"), NOV) == 0
