"""Pure rules of bulk jobs: the status machine PENDING -> RUNNING -> SUCCEEDED | FAILED, and what a client sees."""

from __future__ import annotations

from typing import Any

from medialib.jobs.models import JobStatus

FINAL = frozenset({JobStatus.SUCCEEDED, JobStatus.FAILED})

# The statuses each status may be reached from. A finished job never moves again.
_SOURCES = {
    JobStatus.RUNNING: frozenset({JobStatus.PENDING}),
    JobStatus.SUCCEEDED: frozenset({JobStatus.PENDING, JobStatus.RUNNING}),
    JobStatus.FAILED: frozenset({JobStatus.PENDING, JobStatus.RUNNING}),
}

_PUBLIC_STATUS = {
    JobStatus.PENDING: "Pending",
    JobStatus.RUNNING: "Pending",
    JobStatus.SUCCEEDED: "Completed",
    JobStatus.FAILED: "Failed",
}

UNEXPECTED = "The file could not be processed; the error was logged."


def sources(target: JobStatus) -> frozenset[JobStatus]:
    """The statuses from which a job may move to ``target`` (none for PENDING: a job starts there)."""
    return _SOURCES.get(target, frozenset())


def public_status(status: JobStatus) -> str:
    """ImageKit's job status: Pending until the job is finished."""
    return _PUBLIC_STATUS[status]


def failure(result: dict[str, Any]) -> dict[str, Any]:
    """What a client may see of one file's failure: its id, a reason code and a message, never a cause
    (a Lambda error's cause carries its stack trace)."""
    if result.get("reason"):
        return {"fileId": result.get("fileId"), "reason": result["reason"], "message": result.get("message")}
    return {"fileId": result.get("fileId"), "reason": "INTERNAL_ERROR", "message": UNEXPECTED}


# ------------------------------------------------------------------ a job's purge (publish, folders)

PURGE_REQUEST_ID_LENGTH = 24  # ImageKit's request ids are 24 hexadecimal characters


def purge_request_id(job_id: str) -> str:
    """A job's purge request id: fixed by the job (its hexadecimal id), so a retried purge step is the same request."""
    return job_id[:PURGE_REQUEST_ID_LENGTH]
