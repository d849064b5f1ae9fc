"""EventBridge schedule expressions, as the local stack fires them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from medialib_local.schedule import next_fire


def _at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(
    ("expression", "after", "expected"),
    [
        pytest.param("cron(0 0 1 * ? *)", _at(2026, 11, 23, 13, 5), _at(2026, 12, 1), id="monthly-reset-next-month"),
        pytest.param("cron(0 0 1 * ? *)", _at(2026, 12, 1), _at(2027, 1, 1), id="monthly-reset-strictly-after"),
        pytest.param("cron(0 0 1 * ? *)", _at(2026, 12, 31, 23, 59), _at(2027, 1, 1), id="year-boundary"),
        pytest.param("cron(15 10 ? * MON-FRI *)", _at(2026, 11, 21, 13), _at(2026, 11, 23, 10, 15), id="weekdays"),
        pytest.param("cron(0 12 ? * 1 *)", _at(2026, 11, 23), _at(2026, 11, 29, 12), id="day-1-is-sunday"),
        pytest.param("cron(0/30 * * * ? *)", _at(2026, 11, 23, 10, 1), _at(2026, 11, 23, 10, 30), id="step"),
        pytest.param("cron(0 0 29 FEB ? *)", _at(2026, 3, 1), _at(2028, 2, 29), id="leap-day"),
        pytest.param("rate(5 minutes)", _at(2026, 11, 23, 10), _at(2026, 11, 23, 10, 5), id="rate-minutes"),
        pytest.param("rate(1 day)", _at(2026, 11, 23, 10), _at(2026, 11, 24, 10), id="rate-day"),
    ],
)
def test_next_fire(expression: str, after: datetime, expected: datetime) -> None:
    """Given a schedule and a moment, When the next firing is computed, Then it is EventBridge's (UTC)."""
    assert next_fire(expression, after) == expected


@pytest.mark.parametrize(
    "expression",
    [
        pytest.param("cron(0 0 1 * *)", id="five-fields"),
        pytest.param("cron(61 0 * * ? *)", id="minute-out-of-range"),
        pytest.param("rate(0.5 hours)", id="fractional-rate"),
        pytest.param("every month", id="not-an-expression"),
        pytest.param("cron(0 0 30 FEB ? *)", id="never-fires"),
    ],
)
def test_invalid_expressions_are_refused(expression: str) -> None:
    """Given a malformed schedule, When it is read, Then the local stack refuses it instead of never firing."""
    with pytest.raises(ValueError, match=r"."):
        next_fire(expression, _at(2026, 1, 1))
