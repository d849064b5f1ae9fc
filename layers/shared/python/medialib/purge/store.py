"""The purge domain's part of the single table: purge requests, quota counters and the monthly reset's markers.

``ACCOUNT#<acc>#PURGE#<requestId>`` / ``PURGE``, ``ACCOUNT#<acc>#QUOTA`` / ``PURGE#<yyyy-mm>`` (one counter per
account and month: a new month is a new counter, so the reset writes nothing per account) and
``SCHEDULE#purge-quota-reset`` / ``PERIOD#<yyyy-mm>``.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from medialib.adapters import table
from medialib.adapters.errors import ConditionFailedError


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

    def claim(  # noqa: PLR0913 - the request's row and the month's counter, in one transaction
        self,
        account_id: str,
        request_id: str,
        period: str,
        limit: int,
        *,
        force: bool,
        count: int,
        expires_at: int,
        url: str,
        paths: list[str],
        at: datetime,
    ) -> None:
        """In one transaction: the request's row, new (Pending, no invalidation yet), and ``count`` purges counted
        in ``period`` (as ``consume`` counts them). ConditionFailedError when the request exists already or the
        quota is spent (unless ``force``): then nothing is written; the caller tells which by reading the row."""
        ...

    def set_invalidation(self, account_id: str, request_id: str, invalidation_id: str) -> None:
        """Record the CloudFront invalidation of a claimed request. ConditionFailedError when the request is gone
        or holds another invalidation already."""
        ...

    def unclaim(self, account_id: str, request_id: str, period: str, count: int) -> None:
        """Undo ``claim`` in one transaction: the request's row goes and ``count`` purges of ``period`` are given
        back. ConditionFailedError (nothing undone) when the row is gone or has its invalidation already."""
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

    def consume(  # noqa: PLR0913 - the counter, the limit, and how the count moves
        self, account_id: str, period: str, limit: int, *, force: bool, expires_at: int, count: int = 1
    ) -> int:
        """Count ``count`` purges of ``period`` in one atomic write and return the count after it. Unless
        ``force`` (which counts ``count`` past any limit), a count already at ``limit`` raises
        ConditionFailedError and nothing is counted.
        ``expires_at`` (Unix seconds) is the counter's TTL, set by its first write."""
        ...

    def give_back(self, account_id: str, period: str, count: int = 1) -> None:
        """Take ``count`` purges of ``period`` back off the count; a count below ``count`` (or none) stays as it is."""
        ...

    def used(self, account_id: str, period: str) -> int:
        """The purges counted in ``period`` (0 when none)."""
        ...


_RESET_SCHEDULE = "SCHEDULE#purge-quota-reset"


def _request_key(account_id: str, request_id: str) -> tuple[str, str]:
    return f"ACCOUNT#{account_id}#PURGE#{request_id}", "PURGE"


def _quota_key(account_id: str, period: str) -> tuple[str, str]:
    return f"ACCOUNT#{account_id}#QUOTA", f"PURGE#{period}"


def _reset_key(period: str) -> tuple[str, str]:
    return _RESET_SCHEDULE, f"PERIOD#{period}"


def _request_row(account_id: str, request_id: str, *, url: str, paths: list[str], at: datetime) -> dict[str, Any]:
    """A purge request's row, Pending, without its invalidation yet."""
    pk, sk = _request_key(account_id, request_id)
    return {"PK": pk, "SK": sk, "status": "Pending", "url": url, "paths": paths, "createdAt": at.isoformat()}


def _counted(  # noqa: PLR0913 - the counter, the limit, and how the count moves
    account_id: str, period: str, limit: int, *, force: bool, count: int, expires_at: int
) -> table.Update:
    """Count ``count`` purges of ``period``: one ADD under DynamoDB's item lock, so under any concurrency exactly
    ``limit`` pass (unless ``force``). ``count`` is a reserved word, hence #count."""
    return table.Update(
        *_quota_key(account_id, period),
        expression="ADD #count :n SET expiresAt = if_not_exists(expiresAt, :expires)",
        values={":n": count, ":expires": expires_at} | ({} if force else {":limit": limit}),
        names={"#count": "count"},
        condition=None if force else "attribute_not_exists(#count) OR #count < :limit",
    )


def _given_back(account_id: str, period: str, count: int) -> table.Update:
    """Take ``count`` purges of ``period`` back; false on a missing item too: never below 0, never a new item."""
    return table.Update(
        *_quota_key(account_id, period),
        expression="ADD #count :minus",
        values={":minus": -count, ":n": count},
        names={"#count": "count"},
        condition="#count >= :n",
    )


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
        row = _request_row(account_id, request_id, url=url, paths=paths, at=at)
        table.put({**row, "invalidationId": invalidation_id}, only_if_new=True)

    def claim(  # noqa: PLR0913 - see PurgeStore
        self,
        account_id: str,
        request_id: str,
        period: str,
        limit: int,
        *,
        force: bool,
        count: int,
        expires_at: int,
        url: str,
        paths: list[str],
        at: datetime,
    ) -> None:
        row = _request_row(account_id, request_id, url=url, paths=paths, at=at)
        counted = _counted(account_id, period, limit, force=force, count=count, expires_at=expires_at)
        table.transact_write([table.Put(row, only_if_new=True), counted])

    def set_invalidation(self, account_id: str, request_id: str, invalidation_id: str) -> None:
        table.update(
            *_request_key(account_id, request_id),
            expression="SET invalidationId = :id",
            values={":id": invalidation_id},
            condition="attribute_exists(PK) AND (attribute_not_exists(invalidationId) OR invalidationId = :id)",
        )

    def unclaim(self, account_id: str, request_id: str, period: str, count: int) -> None:
        table.transact_write(
            [
                table.Delete(
                    *_request_key(account_id, request_id),
                    condition="attribute_exists(PK) AND attribute_not_exists(invalidationId)",
                ),
                _given_back(account_id, period, count),
            ]
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

    def consume(  # noqa: PLR0913 - the counter, the limit, and how the count moves
        self, account_id: str, period: str, limit: int, *, force: bool, expires_at: int, count: int = 1
    ) -> int:
        item = table.apply(_counted(account_id, period, limit, force=force, count=count, expires_at=expires_at))
        return int(item["count"])

    def give_back(self, account_id: str, period: str, count: int = 1) -> None:
        with suppress(ConditionFailedError):  # nothing counted to give back
            table.apply(_given_back(account_id, period, count))

    def used(self, account_id: str, period: str) -> int:
        item = table.get(*_quota_key(account_id, period))
        return 0 if item is None else int(item["count"])
