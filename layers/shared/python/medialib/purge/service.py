"""Purge requests, the monthly quota (:mod:`medialib.purge.period` says which month a purge counts toward) and
its scheduled reset."""

from __future__ import annotations

from datetime import datetime, timedelta

from medialib.accounts.models import Account
from medialib.adapters.errors import ConditionFailedError
from medialib.adapters.transition import transition
from medialib.errors import NotFoundError, QuotaExceededError
from medialib.purge.period import next_reset, period_of, seconds_until_reset
from medialib.purge.store import PurgeStore, TablePurgeStore
from medialib.settings import CdnSettings, get_settings

store: PurgeStore = TablePurgeStore()  # the one seam: unit tests put an in-memory PurgeStore here


def get_status(account_id: str, request_id: str) -> dict[str, str]:
    status = store.request_status(account_id, request_id)
    if status is None:
        raise NotFoundError("The requested purge request does not exist.", reason="PURGE_REQUEST_NOT_FOUND")
    return {"status": status}


# A month's counter is kept this long after the month ends (the table's TTL then deletes it).
COUNTER_KEPT_FOR = timedelta(days=400)


def quota_limit(account: Account) -> int:
    """The account's monthly purge quota: its own override, else the stack's default (PURGE_MONTHLY_QUOTA)."""
    override = account.settings.purge_monthly_quota
    return override if override is not None else get_settings(CdnSettings).purge_monthly_quota


def consume_quota(account: Account, now: datetime, *, force: bool = False) -> int:
    """Count one purge toward the month of ``now`` and return how many remain in it (never below 0).

    A spent quota raises QuotaExceededError (429, not retried, Retry-After = seconds to the next reset) and
    counts nothing. ``force`` (a purge caused by unpublishing: taking a file down must clear the CDN) counts
    past the limit and never refuses."""
    limit = quota_limit(account)
    period = period_of(now)
    expires_at = int((next_reset(now) + COUNTER_KEPT_FOR).timestamp())
    try:
        used = store.consume(account.account_id, period, limit, force=force, expires_at=expires_at)
    except ConditionFailedError:
        raise QuotaExceededError(
            f"The monthly limit of {limit} purge requests of this account is reached; "
            f"it resets at {next_reset(now).strftime('%Y-%m-%dT%H:%M:%SZ')}.",
            help="Purge requests are counted per calendar month (UTC). Retry after the reset, or ask your "
            "medialib administrator to raise the account's purge quota.",
            reason="PURGE_QUOTA_EXCEEDED",
            retry_after=seconds_until_reset(now),
        ) from None
    return max(0, limit - used)


def give_back_quota(account: Account, now: datetime) -> None:
    """Give back the purge counted by ``consume_quota(account, now)`` (pass the same ``now``: the same month) when
    the purge failed after being counted. Never takes the count below 0."""
    store.give_back(account.account_id, period_of(now))


def remaining_quota(account: Account, now: datetime) -> int:
    """Purges the account may still request in the month of ``now``."""
    return max(0, quota_limit(account) - store.used(account.account_id, period_of(now)))


def reset_monthly_quota(fired_at: datetime) -> bool:
    """Record the reset of the month ``fired_at`` falls in, once: True the first time, False for a repeat.

    O(1) for any number of accounts: counters are keyed by month (``ACCOUNT#<acc>#QUOTA`` / ``PURGE#<yyyy-mm>``),
    so the first purge of a new month starts a new counter at 0 and the reset touches no account. The marker
    records that the schedule fired, for operators and for the idempotency of a redelivered event."""
    period = period_of(fired_at)
    outcome = transition(
        lambda: store.record_reset(period, fired_at),
        reread=lambda: store.reset_of(period),
        settled=lambda _ran_at: True,  # any record of the period is this reset, done before
    )
    return outcome.changed
