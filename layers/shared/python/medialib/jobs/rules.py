"""Pure rules of bulk jobs: the status machine PENDING -> RUNNING -> SUCCEEDED | FAILED, and what a client sees."""

from __future__ import annotations

from typing import Any

from medialib.jobs.models import JobItem, JobStatus

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


# ------------------------------------------------------------------ jobs in flight per account (docs/jobs-limits.md)

# How long a job holds its slot without a sign of life. The job-wide steps of its state machine renew it (start,
# each folder batch, purge); the longest quiet stretch of a live job is then a publish job's Map of 100 files
# (10 at a time, each retried with backoff for about 4 minutes at worst: about 40 minutes) or its purge step
# (retried for about 25 minutes).
LEASE_SECONDS = 3600

# What a refused start is told to wait: a bulk job of a few files ends in seconds, a big one in minutes.
RETRY_AFTER_SECONDS = 30

# The steps that do not renew: one file's step (up to 100 per job, 10 at once: one write each to the job for
# nothing the Map's duration needs), and the steps that close the job, ending its lease.
_QUIET_STEPS = frozenset({"file", "finish", "fail"})

LEASE_EXPIRED = "LEASE_EXPIRED"


def lease_until(now: float) -> int:
    """The end of a lease taken or renewed at ``now`` (Unix seconds)."""
    return int(now) + LEASE_SECONDS


def renews(action: str) -> bool:
    """Whether the step ``action`` of a job's state machine is a sign of life that renews the job's lease."""
    return action not in _QUIET_STEPS


def holds_slot(job: JobItem | None, now: float) -> bool:
    """Whether the job with a slot in its account's jobs in flight still holds it: it exists, has not ended, and its
    lease has not run out. A slot whose job does not hold it is reclaimed by the next start that finds no free one."""
    if job is None or job.status in FINAL:
        return False
    return job.lease_until is not None and job.lease_until > now


def lease_expired_failure() -> dict[str, str]:
    """What a client reads of a job whose lease ran out (its execution died without closing it)."""
    return {
        "reason": LEASE_EXPIRED,
        "message": "The job stopped reporting progress and was closed; files it had not reached are unchanged.",
    }


# ------------------------------------------------------------------ a job's purge (publish, folders)

PURGE_REQUEST_ID_LENGTH = 24  # ImageKit's request ids are 24 hexadecimal characters


def purge_request_id(job_id: str) -> str:
    """A job's purge request id: fixed by the job (its hexadecimal id), so a retried purge step is the same request."""
    return job_id[:PURGE_REQUEST_ID_LENGTH]
