"""The quota's calendar (medialib.purge.period): a purge counts toward its UTC month; the reset is the first
instant of the next UTC month; Retry-After is the whole seconds until it, rounded up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from medialib.purge.period import next_reset, period_of, seconds_until_reset

MINUS_TWO = timezone(timedelta(hours=-2))
PLUS_NINE = timezone(timedelta(hours=9))


@pytest.mark.parametrize(
    ("now", "period", "reset"),
    [
        pytest.param(
            datetime(2030, 11, 15, 12, tzinfo=UTC), "2030-11", datetime(2030, 12, 1, tzinfo=UTC), id="mid-month"
        ),
        pytest.param(
            datetime(2030, 11, 1, tzinfo=UTC),
            "2030-11",
            datetime(2030, 12, 1, tzinfo=UTC),
            id="the-reset-instant-is-the-new-month",
        ),
        pytest.param(
            datetime(2030, 11, 30, 23, 59, 59, 999999, tzinfo=UTC),
            "2030-11",
            datetime(2030, 12, 1, tzinfo=UTC),
            id="last-microsecond-is-the-old-month",
        ),
        pytest.param(
            datetime(2030, 12, 31, 23, tzinfo=UTC),
            "2030-12",
            datetime(2031, 1, 1, tzinfo=UTC),
            id="december-resets-in-january-of-next-year",
        ),
        pytest.param(datetime(2032, 2, 29, tzinfo=UTC), "2032-02", datetime(2032, 3, 1, tzinfo=UTC), id="leap-day"),
        pytest.param(
            datetime(2030, 1, 31, 23, 30, tzinfo=MINUS_TWO),
            "2030-02",
            datetime(2030, 3, 1, tzinfo=UTC),
            id="an-offset-west-of-utc-is-converted",
        ),
        pytest.param(
            datetime(2030, 3, 1, 8, tzinfo=PLUS_NINE),
            "2030-02",
            datetime(2030, 3, 1, tzinfo=UTC),
            id="an-offset-east-of-utc-is-converted",
        ),
    ],
)
def test_the_period_and_the_next_reset(now: datetime, period: str, reset: datetime) -> None:
    """Given a time, Then its period is its UTC month and the reset is the first instant of the next one."""
    assert period_of(now) == period
    assert next_reset(now) == reset
    assert period_of(next_reset(now)) != period


@pytest.mark.parametrize(
    ("now", "seconds"),
    [
        pytest.param(datetime(2030, 11, 30, 23, 59, tzinfo=UTC), 60, id="a-minute-before"),
        pytest.param(datetime(2030, 11, 30, 23, 59, 59, 500000, tzinfo=UTC), 1, id="a-fraction-rounds-up"),
        pytest.param(datetime(2030, 11, 30, 23, 59, 58, 1, tzinfo=UTC), 2, id="just-under-two-seconds-is-two"),
        pytest.param(datetime(2030, 11, 1, tzinfo=UTC), 30 * 86400, id="the-reset-instant-waits-a-whole-month"),
        pytest.param(datetime(2030, 2, 1, tzinfo=UTC), 28 * 86400, id="february"),
    ],
)
def test_retry_after_is_the_seconds_until_the_reset(now: datetime, seconds: int) -> None:
    """Given a time, Then the seconds to the next reset, rounded up, never 0."""
    assert seconds_until_reset(now) == seconds


def test_a_naive_time_is_refused() -> None:
    """Given a time without an offset, Then no period: it names no instant."""
    with pytest.raises(ValueError, match="aware"):
        period_of(datetime(2030, 11, 1))
