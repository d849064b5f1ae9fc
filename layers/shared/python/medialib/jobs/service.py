"""Bulk job records: create, read, and the conditional status transitions the state machine drives."""

from __future__ import annotations

import uuid
from typing import Any

from medialib.adapters import table
from medialib.adapters.errors import ConditionFailedError
from medialib.errors import NotFoundError
from medialib.jobs.models import JobItem, JobResponse, JobStatus

_PUBLIC_STATUS = {
    JobStatus.PENDING: "Pending",
    JobStatus.RUNNING: "Pending",
    JobStatus.SUCCEEDED: "Completed",
    JobStatus.FAILED: "Failed",
}


def job_key(account_id: str, job_id: str) -> tuple[str, str]:
    return f"ACCOUNT#{account_id}#JOB#{job_id}", "JOB"


def create_job(account_id: str, job_type: str, total: int, payload: dict[str, Any]) -> JobItem:
    job = JobItem(account_id=account_id, job_id=uuid.uuid4().hex, type=job_type, status=JobStatus.PENDING, total=total)
    pk, sk = job_key(account_id, job.job_id)
    table.put({"PK": pk, "SK": sk, **job.model_dump(by_alias=True), "payload": payload}, only_if_new=True)
    return job


def get_job(account_id: str, job_id: str) -> JobResponse:
    item = table.get(*job_key(account_id, job_id))
    if item is None:
        raise NotFoundError("The requested job does not exist.", reason="JOB_NOT_FOUND")
    job = JobItem.model_validate(item)
    return JobResponse(
        job_id=job.job_id,
        type=job.type,
        status=_PUBLIC_STATUS[job.status],
        total_files=job.total,
        succeeded_files=job.succeeded,
        failed_files=job.failures,
    )


def mark_running(account_id: str, job_id: str) -> None:
    """PENDING -> RUNNING; a retried step that finds it RUNNING already is a no-op."""
    try:
        table.update(
            *job_key(account_id, job_id),
            expression="SET #s = :running",
            values={":running": JobStatus.RUNNING.value, ":pending": JobStatus.PENDING.value},
            names={"#s": "status"},
            condition="#s = :pending",
        )
    except ConditionFailedError:
        item = table.get(*job_key(account_id, job_id))
        if item is None or item["status"] != JobStatus.RUNNING.value:
            raise


UNEXPECTED = "The file could not be processed; the error was logged."


def _failure(result: dict[str, Any]) -> dict[str, Any]:
    """What a client may see of one file's failure: its id, a reason code and a message, never a cause
    (a Lambda error's cause carries its stack trace)."""
    if result.get("reason"):
        return {"fileId": result.get("fileId"), "reason": result["reason"], "message": result.get("message")}
    return {"fileId": result.get("fileId"), "reason": "INTERNAL_ERROR", "message": UNEXPECTED}


def finish(account_id: str, job_id: str, results: list[dict[str, Any]]) -> JobStatus:
    """RUNNING -> SUCCEEDED with the per-file outcome. Idempotent: a repeat finds it finished and keeps it."""
    failures = [_failure(r) for r in results if r.get("status") != "SUCCEEDED"]
    return _close(account_id, job_id, JobStatus.SUCCEEDED, len(results) - len(failures), failures)


def fail(account_id: str, job_id: str, error_name: str | None) -> JobStatus:
    """The job could not run at all; only the error's name is kept (its cause may hold a stack trace)."""
    failure = {"reason": error_name or "INTERNAL_ERROR", "message": "The job could not be completed."}
    return _close(account_id, job_id, JobStatus.FAILED, 0, [failure])


def _close(account_id: str, job_id: str, status: JobStatus, ok: int, failures: list[dict[str, Any]]) -> JobStatus:
    try:
        table.update(
            *job_key(account_id, job_id),
            expression="SET #s = :final, succeeded = :ok, failures = :failures",
            values={
                ":final": status.value,
                ":ok": ok,
                ":failures": failures,
                ":pending": JobStatus.PENDING.value,
                ":running": JobStatus.RUNNING.value,
            },
            names={"#s": "status"},
            condition="#s IN (:pending, :running)",
        )
    except ConditionFailedError:
        item = table.get(*job_key(account_id, job_id))
        if item is None:
            raise NotFoundError("The requested job does not exist.", reason="JOB_NOT_FOUND") from None
        return JobStatus(item["status"])
    return status
