"""The local stack's usage plans, the pure parts: API Gateway's token bucket (burst, then the rate) and the UTC
periods a quota counts in. The plans themselves are proven through the gateway (test_account_limits.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from medialib_local.metering import TokenBucket, quota_period


def test_a_full_bucket_lets_the_burst_pass_at_once_and_no_more() -> None:
    """Given a bucket of burst 5 and rate 2/s, When 6 requests come at the same instant, Then 5 pass, the 6th not."""
    bucket = TokenBucket.full(rate=2, capacity=5, now=100.0)
    assert [bucket.take(100.0) for _ in range(6)] == [True] * 5 + [False]


def test_an_empty_bucket_refills_at_the_rate_up_to_the_burst() -> None:
    """Given an empty bucket of burst 5 and rate 2/s, When time passes, Then a request passes every half second,
    and after a long pause no more than the burst passes at once."""
    bucket = TokenBucket.full(rate=2, capacity=5, now=0.0)
    assert all(bucket.take(0.0) for _ in range(5))
    assert not bucket.take(0.25)
    assert bucket.take(0.5)
    assert not bucket.take(0.5)
    assert [bucket.take(60.0) for _ in range(6)] == [True] * 5 + [False]


def test_a_clock_going_back_gives_no_tokens() -> None:
    """Given a bucket used at t=10, When a request reports an earlier time, Then no token is made from it."""
    bucket = TokenBucket.full(rate=1, capacity=1, now=10.0)
    assert bucket.take(10.0)
    assert not bucket.take(5.0)
    assert not bucket.take(10.5)
    assert bucket.take(11.0)


@pytest.mark.parametrize(
    ("period", "moment", "label"),
    [
        pytest.param("DAY", datetime(2026, 12, 2, 23, 59, tzinfo=UTC), "2026-12-02", id="day-in-utc"),
        pytest.param("WEEK", datetime(2026, 12, 6, 12, tzinfo=UTC), "2026-W49", id="week-sunday-ends-the-iso-week"),
        pytest.param("WEEK", datetime(2026, 12, 7, 0, tzinfo=UTC), "2026-W50", id="week-starts-monday"),
        pytest.param("MONTH", datetime(2026, 12, 31, 23, 59, tzinfo=UTC), "2026-12", id="month-in-utc"),
    ],
)
def test_a_quota_counts_in_utc_calendar_periods(period: str, moment: datetime, label: str) -> None:
    """Given a quota period, When a request comes at a moment, Then it counts in that moment's UTC period."""
    assert quota_period(period, moment.timestamp()) == label
