"""The purge domain's part of the single table: purge requests and the monthly reset's run markers.

``ACCOUNT#<acc>#PURGE#<requestId>`` / ``PURGE`` and ``SCHEDULE#purge-quota-reset`` / ``PERIOD#<yyyy-mm>``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from medialib.adapters import table


class PurgeStore(Protocol):
    def request_status(self, account_id: str, request_id: str) -> str | None:
        """The status of a purge request, or None when the account has no such request."""
        ...

    def record_reset(self, period: str, fired_at: datetime) -> None:
        """Mark the reset of ``period`` (``yyyy-mm``) done; a period marked already raises ConditionFailedError."""
        ...

    def reset_of(self, period: str) -> datetime | None:
        """When the reset of ``period`` ran, or None."""
        ...


_RESET_SCHEDULE = "SCHEDULE#purge-quota-reset"


def _request_key(account_id: str, request_id: str) -> tuple[str, str]:
    return f"ACCOUNT#{account_id}#PURGE#{request_id}", "PURGE"


def _reset_key(period: str) -> tuple[str, str]:
    return _RESET_SCHEDULE, f"PERIOD#{period}"


class TablePurgeStore:
    def request_status(self, account_id: str, request_id: str) -> str | None:
        item = table.get(*_request_key(account_id, request_id))
        return None if item is None else str(item["status"])

    def record_reset(self, period: str, fired_at: datetime) -> None:
        pk, sk = _reset_key(period)
        table.put({"PK": pk, "SK": sk, "firedAt": fired_at.isoformat()}, only_if_new=True)

    def reset_of(self, period: str) -> datetime | None:
        item = table.get(*_reset_key(period))
        return None if item is None else datetime.fromisoformat(str(item["firedAt"]))
