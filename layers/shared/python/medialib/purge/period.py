"""The quota's calendar, pure: a purge counts toward the calendar month (UTC) it is made in.

- The period of a time is its UTC month, ``yyyy-mm``: a time with another offset is converted first, so
  ``2030-01-31T23:30-02:00`` belongs to February. A naive time is refused (it names no instant).
- The quota resets at the first instant of the next UTC month (``00:00:00Z`` on the 1st); a purge at that
  instant already counts toward the new month.
- ``Retry-After`` of a spent quota is the whole number of seconds until that reset, rounded up, at least 1.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime


def _utc(now: datetime) -> datetime:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("a quota period needs an aware time (with a UTC offset), not a naive one")
    return now.astimezone(UTC)


def period_of(now: datetime) -> str:
    """The UTC calendar month ``now`` falls in, as ``yyyy-mm``."""
    return _utc(now).strftime("%Y-%m")


def next_reset(now: datetime) -> datetime:
    """The first instant of the UTC month after the one ``now`` falls in."""
    utc = _utc(now)
    year, month = (utc.year + 1, 1) if utc.month == 12 else (utc.year, utc.month + 1)
    return datetime(year, month, 1, tzinfo=UTC)


def seconds_until_reset(now: datetime) -> int:
    """Whole seconds from ``now`` to the next reset, rounded up (a client waiting that long is past it)."""
    return max(1, math.ceil((next_reset(now) - _utc(now)).total_seconds()))
