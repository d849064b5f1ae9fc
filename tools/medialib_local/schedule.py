"""EventBridge schedules, fired by the local stack (moto stores rules but never fires them).

``next_fire`` understands ``rate(N unit)`` and six-field ``cron(min hour day-of-month month day-of-week year)``
with ``*``, ``?``, lists, ranges, steps and month/day names, in UTC, as EventBridge does.
"""

from __future__ import annotations

import json
import re
import sys
import threading
import traceback
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from medialib_local import ACCOUNT_ID, REGION
from medialib_local.template import ScheduleSpec

_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
_CRON = re.compile(r"^cron\((.+)\)$")
_MONTHS = {
    m: i
    for i, m in enumerate(["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"], start=1)
}
_DAYS = {
    d: i for i, d in enumerate(["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"], start=1)
}  # EventBridge: 1 = Sunday
_BOUNDS = [(0, 59), (0, 23), (1, 31), (1, 12), (1, 7), (1970, 2199)]


def _field(text: str, low: int, high: int, names: dict[str, int]) -> set[int] | None:
    """The values a cron field allows; None for ``*`` and ``?``."""
    if text in {"*", "?"}:
        return None
    values: set[int] = set()
    for part in text.split(","):
        spec, _, step = part.partition("/")
        if spec == "*":
            start, end = low, high
        else:
            first, _, last = spec.partition("-")
            start = names.get(first.upper()) or int(first)
            end = (names.get(last.upper()) or int(last)) if last else (high if step else start)
        if not (low <= start <= high and low <= end <= high):
            raise ValueError(f"cron field {text!r} is outside {low}-{high}")
        values.update(range(start, end + 1, int(step or 1)))
    return values


def _parse_cron(body: str) -> list[set[int] | None]:
    fields = body.split()
    if len(fields) != 6:
        raise ValueError(f"cron() takes 6 fields, got {len(fields)}: {body!r}")
    names = [{}, {}, {}, _MONTHS, _DAYS, {}]
    return [_field(f, lo, hi, n) for f, (lo, hi), n in zip(fields, _BOUNDS, names, strict=True)]


def next_fire(expression: str, after: datetime) -> datetime:
    """The first firing time strictly after ``after`` (UTC, minute resolution)."""
    rate = _RATE.match(expression)
    if rate:
        unit = rate.group(2).rstrip("s")
        return after + timedelta(**{f"{unit}s": int(rate.group(1))})
    cron = _CRON.match(expression)
    if not cron:
        raise ValueError(f"not a schedule expression: {expression!r}")
    minute, hour, dom, month, dow, year = _parse_cron(cron.group(1))
    after = after.astimezone(UTC)
    day = after.replace(hour=0, minute=0, second=0, microsecond=0)
    for _ in range(366 * 5):
        date_checks = ((year, day.year), (month, day.month), (dom, day.day), (dow, day.isoweekday() % 7 + 1))
        if all(_allows(allowed, value) for allowed, value in date_checks):
            for h in range(24):
                for m in range(60):
                    moment = day.replace(hour=h, minute=m)
                    if moment > after and _allows(hour, h) and _allows(minute, m):
                        return moment
        day += timedelta(days=1)
    raise ValueError(f"{expression!r} never fires in the next five years")


def _allows(allowed: set[int] | None, value: int) -> bool:
    return allowed is None or value in allowed


def scheduled_event(schedule: ScheduleSpec, rule_arn: str, fired_at: datetime) -> dict[str, Any]:
    """What EventBridge delivers: the rule's Input when it has one, else the Scheduled Event envelope."""
    if schedule.input:
        payload: dict[str, Any] = json.loads(schedule.input)
        return payload
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT_ID,
        "time": fired_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": REGION,
        "resources": [rule_arn],
        "detail": {},
    }


class Scheduler:
    """Fires each enabled schedule at its times, in a daemon thread, until ``stop()``."""

    def __init__(
        self,
        schedules: list[ScheduleSpec],
        fire: Callable[[ScheduleSpec, datetime], None],
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.schedules = [s for s in schedules if s.enabled]
        for schedule in self.schedules:
            next_fire(schedule.expression, datetime.now(UTC))  # refuse a bad expression now, not when due
        self.fire = fire
        self.clock = clock
        self._stop = threading.Event()

    def start(self) -> None:
        threading.Thread(target=self._run, name="scheduler", daemon=True).start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        now = self.clock()
        due = {s.name: next_fire(s.expression, now) for s in self.schedules}
        while self.schedules and not self._stop.is_set():
            schedule = min(self.schedules, key=lambda s: due[s.name])
            wait = (due[schedule.name] - self.clock()).total_seconds()
            if wait > 0:
                self._stop.wait(min(wait, 60))
                continue
            try:
                self.fire(schedule, due[schedule.name])
            except Exception:
                print(f"schedule {schedule.name} failed:\n{traceback.format_exc()}", file=sys.stderr, flush=True)
            due[schedule.name] = next_fire(schedule.expression, due[schedule.name])
