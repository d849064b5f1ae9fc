"""Purge requests and the monthly quota reset (first version: status lookup and an idempotent reset record)."""

from __future__ import annotations

from datetime import datetime

from medialib.adapters import table
from medialib.adapters.errors import ConditionFailedError
from medialib.errors import NotFoundError


def purge_key(account_id: str, request_id: str) -> tuple[str, str]:
    return f"ACCOUNT#{account_id}#PURGE#{request_id}", "PURGE"


def get_status(account_id: str, request_id: str) -> dict[str, str]:
    item = table.get(*purge_key(account_id, request_id))
    if item is None:
        raise NotFoundError("The requested purge request does not exist.", reason="PURGE_REQUEST_NOT_FOUND")
    return {"status": str(item["status"])}


def reset_monthly_quota(fired_at: datetime) -> bool:
    """Record the reset of the month ``fired_at`` falls in, once: True the first time, False for a repeat."""
    period = fired_at.strftime("%Y-%m")
    try:
        table.put(
            {"PK": "SCHEDULE#purge-quota-reset", "SK": f"PERIOD#{period}", "firedAt": fired_at.isoformat()},
            only_if_new=True,
        )
    except ConditionFailedError:
        return False
    return True
