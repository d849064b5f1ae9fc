"""The jobs domain's part of the single table: one item per bulk job, ``ACCOUNT#<acc>#JOB#<id>`` / ``JOB``, and one
per account for its jobs in flight, ``ACCOUNT#<acc>#JOBS`` / ``INFLIGHT`` (a string set ``jobIds``).

A job's status moves only by compare-and-set (``set_status``); which moves are allowed, and what a repeat
means, is the service's decision (``medialib.jobs.rules``). A job enters the in-flight set in the transaction that
creates it, on condition that the set is smaller than the limit, and leaves it in the transaction that closes it
(docs/jobs-limits.md): the set is never larger than the limit, whatever runs concurrently.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, Protocol

from medialib.adapters import table
from medialib.jobs.models import JobItem, JobStatus


class JobStore(Protocol):
    def create(self, job: JobItem, payload: dict[str, Any], *, limit: int) -> None:
        """Record a new job with its request and its slot in the account's jobs in flight, only if fewer than
        ``limit`` are in flight; otherwise (or for a job id that exists already) raise ConditionFailedError and
        write nothing."""
        ...

    def in_flight(self, account_id: str) -> set[str]:
        """The ids of the account's jobs in flight (strongly consistent)."""
        ...

    def reclaim(self, account_id: str, job_id: str, *, now: int, failures: list[dict[str, Any]]) -> None:
        """Close the job as FAILED with ``failures`` and free its slot, only if it has not ended and its lease ran
        out before ``now``; otherwise raise ConditionFailedError and change nothing."""
        ...

    def forget_slot(self, account_id: str, job_id: str) -> None:
        """Free the slot of a job that no longer exists or has ended (it should never have kept one)."""
        ...

    def renew(self, account_id: str, job_id: str, lease_until: int) -> None:
        """Extend the lease of a job that has not ended; otherwise raise ConditionFailedError."""
        ...

    def get(self, account_id: str, job_id: str) -> JobItem | None: ...

    def set_status(  # noqa: PLR0913 - the job, the move, and what the move records
        self,
        account_id: str,
        job_id: str,
        status: JobStatus,
        *,
        expected: Collection[JobStatus],
        succeeded: int | None = None,
        failures: list[dict[str, Any]] | None = None,
        purge_request_id: str | None = None,
        total: int | None = None,
        release: bool = False,
    ) -> None:
        """Set ``status`` (and the counts and ``total``, when given) only if the job exists and its status is one of
        ``expected``; otherwise raise ConditionFailedError and change nothing. With ``release``, the same write frees
        the job's slot in its account's jobs in flight."""
        ...


def _key(account_id: str, job_id: str) -> tuple[str, str]:
    return f"ACCOUNT#{account_id}#JOB#{job_id}", "JOB"


def _in_flight_key(account_id: str) -> tuple[str, str]:
    return f"ACCOUNT#{account_id}#JOBS", "INFLIGHT"


_NOT_ENDED = f"#s IN (:{JobStatus.PENDING.value}, :{JobStatus.RUNNING.value})"
_NOT_ENDED_VALUES = {f":{state.value}": state.value for state in (JobStatus.PENDING, JobStatus.RUNNING)}


def _release(account_id: str, job_id: str) -> table.Update:
    """Take ``job_id`` out of the account's in-flight set (DynamoDB drops an emptied set; a repeat changes nothing)."""
    return table.Update(*_in_flight_key(account_id), expression="DELETE jobIds :job", values={":job": {job_id}})


class TableJobStore:
    def create(self, job: JobItem, payload: dict[str, Any], *, limit: int) -> None:
        pk, sk = _key(job.account_id, job.job_id)
        slot = table.Update(
            *_in_flight_key(job.account_id),
            expression="ADD jobIds :job",
            values={":job": {job.job_id}, ":limit": limit},
            condition="attribute_not_exists(jobIds) OR size(jobIds) < :limit",
        )
        record = table.Put({"PK": pk, "SK": sk, **job.model_dump(by_alias=True), "payload": payload}, only_if_new=True)
        table.transact_write([record, slot])

    def in_flight(self, account_id: str) -> set[str]:
        item = table.get(*_in_flight_key(account_id))
        return set(item.get("jobIds", set())) if item else set()

    def reclaim(self, account_id: str, job_id: str, *, now: int, failures: list[dict[str, Any]]) -> None:
        close = table.Update(
            *_key(account_id, job_id),
            expression="SET #s = :failed, failures = :failures",
            values={":failed": JobStatus.FAILED.value, ":failures": failures, ":now": now, **_NOT_ENDED_VALUES},
            names={"#s": "status"},
            condition=f"attribute_exists(PK) AND {_NOT_ENDED} AND leaseUntil < :now",
        )
        table.transact_write([close, _release(account_id, job_id)])

    def forget_slot(self, account_id: str, job_id: str) -> None:
        table.apply(_release(account_id, job_id))

    def renew(self, account_id: str, job_id: str, lease_until: int) -> None:
        table.update(
            *_key(account_id, job_id),
            expression="SET leaseUntil = :until",
            values={":until": lease_until, **_NOT_ENDED_VALUES},
            names={"#s": "status"},
            condition=f"attribute_exists(PK) AND {_NOT_ENDED}",
        )

    def get(self, account_id: str, job_id: str) -> JobItem | None:
        item = table.get(*_key(account_id, job_id))
        return None if item is None else JobItem.model_validate(item)

    def set_status(  # noqa: PLR0913 - see JobStore.set_status
        self,
        account_id: str,
        job_id: str,
        status: JobStatus,
        *,
        expected: Collection[JobStatus],
        succeeded: int | None = None,
        failures: list[dict[str, Any]] | None = None,
        purge_request_id: str | None = None,
        total: int | None = None,
        release: bool = False,
    ) -> None:
        if not expected:
            raise ValueError("a status move needs at least one expected status")
        sets = ["#s = :status"]
        values: dict[str, Any] = {":status": status.value}
        if succeeded is not None:
            sets.append("succeeded = :succeeded")
            values[":succeeded"] = succeeded
        if failures is not None:
            sets.append("failures = :failures")
            values[":failures"] = failures
        if purge_request_id is not None:
            sets.append("purgeRequestId = :purge")
            values[":purge"] = purge_request_id
        if total is not None:  # a job that learns its size as it runs (a folder job)
            sets.append("#total = :total")
            values[":total"] = total
        allowed = {f":from{i}": state.value for i, state in enumerate(sorted(expected))}
        move = table.Update(
            *_key(account_id, job_id),
            expression="SET " + ", ".join(sets),
            values={**values, **allowed},
            names={"#s": "status", **({"#total": "total"} if total is not None else {})},
            condition=f"attribute_exists(PK) AND #s IN ({', '.join(allowed)})",
        )
        if release:
            table.transact_write([move, _release(account_id, job_id)])
        else:
            table.apply(move)
