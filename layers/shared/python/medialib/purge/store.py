"""The purge domain's part of the single table: purge requests and the monthly reset's run markers.

``ACCOUNT#<acc>#PURGE#<requestId>`` / ``PURGE`` and ``SCHEDULE#purge-quota-reset`` / ``PERIOD#<yyyy-mm>``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from medialib.adapters import table


@dataclass(frozen=True)
class PurgeRecord:
    """A purge request as stored: its CloudFront invalidation, and "Completed" once CloudFront said so."""

    status: str
    invalidation_id: str | None = None


class PurgeStore(Protocol):
    def get_request(self, account_id: str, request_id: str) -> PurgeRecord | None:
        """The account's purge request, or None when the account has no such request."""
        ...

    def record_request(  # noqa: PLR0913 - one row: its key and what the request did
        self, account_id: str, request_id: str, *, url: str, paths: list[str], invalidation_id: str, at: datetime
    ) -> None:
        """Store a new purge request (Pending) with its CloudFront invalidation."""
        ...

    def mark_completed(self, account_id: str, request_id: str) -> None:
        """Remember that CloudFront finished the request's invalidation (status reads stop asking it)."""
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
    def get_request(self, account_id: str, request_id: str) -> PurgeRecord | None:
        item = table.get(*_request_key(account_id, request_id))
        if item is None:
            return None
        invalidation = item.get("invalidationId")
        return PurgeRecord(
            status=str(item["status"]), invalidation_id=None if invalidation is None else str(invalidation)
        )

    def record_request(  # noqa: PLR0913 - see PurgeStore
        self, account_id: str, request_id: str, *, url: str, paths: list[str], invalidation_id: str, at: datetime
    ) -> None:
        pk, sk = _request_key(account_id, request_id)
        table.put(
            {
                "PK": pk,
                "SK": sk,
                "status": "Pending",
                "url": url,
                "paths": paths,
                "invalidationId": invalidation_id,
                "createdAt": at.isoformat(),
            },
            only_if_new=True,
        )

    def mark_completed(self, account_id: str, request_id: str) -> None:
        table.update(
            *_request_key(account_id, request_id),
            expression="SET #s = :done",
            values={":done": "Completed"},
            names={"#s": "status"},
            condition="attribute_exists(PK)",
        )

    def record_reset(self, period: str, fired_at: datetime) -> None:
        pk, sk = _reset_key(period)
        table.put({"PK": pk, "SK": sk, "firedAt": fired_at.isoformat()}, only_if_new=True)

    def reset_of(self, period: str) -> datetime | None:
        item = table.get(*_reset_key(period))
        return None if item is None else datetime.fromisoformat(str(item["firedAt"]))
