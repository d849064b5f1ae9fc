"""Purge requests and the monthly quota reset (first version: status lookup and an idempotent reset record)."""

from __future__ import annotations

from datetime import datetime

from medialib.adapters.transition import transition
from medialib.errors import NotFoundError
from medialib.purge.store import PurgeStore, TablePurgeStore

store: PurgeStore = TablePurgeStore()  # the one seam: unit tests put an in-memory PurgeStore here


def get_status(account_id: str, request_id: str) -> dict[str, str]:
    status = store.request_status(account_id, request_id)
    if status is None:
        raise NotFoundError("The requested purge request does not exist.", reason="PURGE_REQUEST_NOT_FOUND")
    return {"status": status}


def reset_monthly_quota(fired_at: datetime) -> bool:
    """Record the reset of the month ``fired_at`` falls in, once: True the first time, False for a repeat."""
    period = fired_at.strftime("%Y-%m")
    outcome = transition(
        lambda: store.record_reset(period, fired_at),
        reread=lambda: store.reset_of(period),
        settled=lambda _ran_at: True,  # any record of the period is this reset, done before
    )
    return outcome.changed
