"""The idempotent conditional transition, written once.

A state change is a conditional write (``ConditionExpression``). When its condition fails, the write either
already happened (a retried step, a repeated schedule) or the item is in another state. Re-read it: already in
the target state is success without a change; anything else is the caller's ConditionFailedError.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from medialib.adapters.errors import ConditionFailedError

T = TypeVar("T")


@dataclass(frozen=True)
class Transition(Generic[T]):
    """``changed``: this call made the write. ``current``: the state re-read when it had already been made."""

    changed: bool
    current: T | None = None


def transition(
    write: Callable[[], object], *, reread: Callable[[], T | None], settled: Callable[[T], bool]
) -> Transition[T]:
    """Run ``write``; if its condition fails and ``reread()`` is ``settled``, it is a repeat, else re-raise."""
    try:
        write()
    except ConditionFailedError:
        current = reread()
        if current is None or not settled(current):
            raise
        return Transition(changed=False, current=current)
    return Transition(changed=True)
