"""The jobs domain's part of the single table: one item per bulk job, ``ACCOUNT#<acc>#JOB#<id>`` / ``JOB``.

A job's status moves only by compare-and-set (``set_status``); which moves are allowed, and what a repeat
means, is the service's decision (``medialib.jobs.rules``).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, Protocol

from medialib.adapters import table
from medialib.jobs.models import JobItem, JobStatus


class JobStore(Protocol):
    def create(self, job: JobItem, payload: dict[str, Any]) -> None:
        """Record a new job with its request; a job id that exists already raises ConditionFailedError."""
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
    ) -> None:
        """Set ``status`` (and the counts and ``total``, when given) only if the job exists and its status is one of
        ``expected``; otherwise raise ConditionFailedError and change nothing."""
        ...


def _key(account_id: str, job_id: str) -> tuple[str, str]:
    return f"ACCOUNT#{account_id}#JOB#{job_id}", "JOB"


class TableJobStore:
    def create(self, job: JobItem, payload: dict[str, Any]) -> None:
        pk, sk = _key(job.account_id, job.job_id)
        table.put({"PK": pk, "SK": sk, **job.model_dump(by_alias=True), "payload": payload}, only_if_new=True)

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
        table.update(
            *_key(account_id, job_id),
            expression="SET " + ", ".join(sets),
            values={**values, **allowed},
            names={"#s": "status", **({"#total": "total"} if total is not None else {})},
            condition=f"attribute_exists(PK) AND #s IN ({', '.join(allowed)})",
        )
