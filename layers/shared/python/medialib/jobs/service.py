"""Bulk job records: create, read, and the conditional status transitions the state machine drives.

Every transition is idempotent: a retried step that finds the job already where it was going succeeds
without a change; a finished job is never closed again, and never goes back to RUNNING.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Mapping
from contextlib import suppress
from typing import Any

from medialib.adapters.errors import ConditionFailedError
from medialib.adapters.transition import transition
from medialib.errors import MedialibError, NotFoundError, RetryableError, TooManyJobsError
from medialib.jobs import rules
from medialib.jobs.models import JobItem, JobResponse, JobStatus
from medialib.jobs.store import JobStore, TableJobStore
from medialib.observability import logger, metrics
from medialib.settings import JobLimitSettings, get_settings

store: JobStore = TableJobStore()  # the one seam: unit tests put an in-memory JobStore here
clock: Callable[[], float] = time.time  # Unix seconds; unit tests move it to expire leases


def create_job(account_id: str, job_type: str, total: int, payload: dict[str, Any]) -> JobItem:
    """A new Pending job, holding one of the account's slots of jobs in flight for a lease (renewed by its steps).
    When every slot is held, slots whose jobs no longer hold them (a lease run out) are reclaimed first; if none is,
    TooManyJobsError (429) and nothing is written (docs/jobs-limits.md)."""
    limit = get_settings(JobLimitSettings).max_jobs_in_flight_per_account
    now = clock()
    job = JobItem(
        account_id=account_id,
        job_id=uuid.uuid4().hex,
        type=job_type,
        status=JobStatus.PENDING,
        total=total,
        lease_until=rules.lease_until(now),
    )
    try:
        store.create(job, payload, limit=limit)
    except ConditionFailedError:
        if not _reclaim(account_id, now):
            metrics.add_metric(name="JobRefusedAtLimit", unit="Count", value=1)
            raise TooManyJobsError(limit, retry_after=rules.RETRY_AFTER_SECONDS) from None
        try:
            store.create(job, payload, limit=limit)
        except ConditionFailedError:  # the slot freed was taken by a concurrent start
            raise TooManyJobsError(limit, retry_after=rules.RETRY_AFTER_SECONDS) from None
    return job


def _reclaim(account_id: str, now: float) -> bool:
    """Free the slots of the account's jobs in flight that no longer hold them: a job whose lease ran out is closed
    as FAILED (LEASE_EXPIRED) in the same write (a late step of it then finds it ended). Whether any slot was freed."""
    freed = False
    for job_id in sorted(store.in_flight(account_id)):
        job = store.get(account_id, job_id)
        if rules.holds_slot(job, now):
            continue
        try:
            if job is None or job.status in rules.FINAL:
                store.forget_slot(account_id, job_id)
            else:
                _expire(account_id, job_id, now)
        except ConditionFailedError:  # renewed, or closed, meanwhile: it was not ours to free
            continue
        freed = True
    return freed


def _expire(account_id: str, job_id: str, now: float) -> None:
    """Close a job whose lease ran out as FAILED (LEASE_EXPIRED) and free its slot, in one write.
    ConditionFailedError: it was renewed, or closed, meanwhile."""
    store.reclaim(account_id, job_id, now=int(now), failures=[rules.lease_expired_failure()])
    logger.warning("job lease expired; job closed as FAILED", extra={"job_id": job_id})
    metrics.add_metric(name="JobLeaseExpired", unit="Count", value=1)


def get_job(account_id: str, job_id: str) -> JobResponse:
    """The job as its client reads it. A job still open whose lease ran out (its execution died without closing it)
    is closed as FAILED (LEASE_EXPIRED) here, as the next start at the limit would, rather than read Pending forever."""
    job = _existing(account_id, job_id)
    now = clock()
    if job.status not in rules.FINAL and not rules.holds_slot(job, now):
        with suppress(ConditionFailedError):  # renewed or closed meanwhile: read it again
            _expire(account_id, job_id, now)
        job = _existing(account_id, job_id)
    return JobResponse(
        job_id=job.job_id,
        type=job.type,
        status=rules.public_status(job.status),
        total_files=job.total,
        succeeded_files=job.succeeded,
        failed_files=job.failures,
        purge_request_id=job.purge_request_id,
    )


def run_step(
    account_id: str,
    job_id: str,
    action: str,
    steps: Mapping[str, Callable[[], dict[str, Any]]],
    *,
    error_name: str | None = None,
) -> dict[str, Any]:
    """One idempotent step of a job's state machine (a worker's task): ``start`` (the job RUNNING), ``fail`` (the
    job FAILED, keeping ``error_name``), else the worker's own ``steps[action]``. A retryable failure leaves as
    RetryableError, the name every Task of statemachines/*.asl.json retries (with backoff); any other exception
    fails the step, and the state machine's Catch handles it."""
    try:
        if action == "start":
            mark_running(account_id, job_id)  # first: a job leaves PENDING as soon as its execution runs
            renew(account_id, job_id)
            return {"jobId": job_id, "status": JobStatus.RUNNING.value}
        if action == "fail":
            return {"jobId": job_id, "status": fail(account_id, job_id, error_name).value}
        if rules.renews(action):
            renew(account_id, job_id)
        return steps[action]()
    except MedialibError as error:
        if error.retryable:
            raise RetryableError(error.message) from error
        raise


def is_pending(account_id: str, job_id: str) -> bool:
    """Whether the job exists and has not started: its execution never ran its first step."""
    job = store.get(account_id, job_id)
    return job is not None and job.status is JobStatus.PENDING


def renew(account_id: str, job_id: str) -> None:
    """A sign of life of the job: its lease runs for another LEASE_SECONDS. Nothing for a job that has ended (its
    step then finds it so, as it would without this)."""
    with suppress(ConditionFailedError):
        store.renew(account_id, job_id, rules.lease_until(clock()))


def mark_running(account_id: str, job_id: str) -> None:
    """PENDING -> RUNNING; a retried step that finds it RUNNING already is a no-op. From a finished job:
    ConditionFailedError (a finished job never runs again)."""
    transition(
        lambda: store.set_status(account_id, job_id, JobStatus.RUNNING, expected=rules.sources(JobStatus.RUNNING)),
        reread=lambda: _existing(account_id, job_id),
        settled=lambda job: job.status is JobStatus.RUNNING,
    )


def finish(  # noqa: PLR0913 - the job, its results, and what the job learnt (purge, size)
    account_id: str,
    job_id: str,
    results: list[dict[str, Any]],
    *,
    purge_request_id: str | None = None,
    purge_failure: dict[str, Any] | None = None,
    total: int | None = None,
) -> JobStatus:
    """RUNNING -> SUCCEEDED with the per-file outcome, and the purge that cleared the CDN of what it unpublished
    (or the job's failure to purge, reported beside the files'). Idempotent: a repeat finds it finished."""
    failed = [rules.failure(r) for r in results if r.get("status") != "SUCCEEDED"]
    failures = failed + ([purge_failure] if purge_failure else [])
    ok = len(results) - len(failed)
    return _close(account_id, job_id, JobStatus.SUCCEEDED, ok, failures, purge_request_id=purge_request_id, total=total)


def fail(account_id: str, job_id: str, error_name: str | None) -> JobStatus:
    """The job could not run at all; only the error's name is kept (its cause may hold a stack trace)."""
    failure = {"reason": error_name or "INTERNAL_ERROR", "message": "The job could not be completed."}
    return _close(account_id, job_id, JobStatus.FAILED, 0, [failure])


def not_started(account_id: str, job_id: str) -> None:
    """Close a job whose execution could not be started (never a job Pending forever), while the caller raises why.
    When closing fails too, the caller's error is kept and the job's lease closes it later (docs/jobs-limits.md)."""
    try:
        fail(account_id, job_id, "NOT_STARTED")
    except MedialibError as error:
        logger.warning("a job that did not start could not be closed", extra={"job_id": job_id, "reason": error.reason})


def _close(  # noqa: PLR0913 - the job, its final status and what it records
    account_id: str,
    job_id: str,
    status: JobStatus,
    ok: int,
    failures: list[dict[str, Any]],
    *,
    purge_request_id: str | None = None,
    total: int | None = None,
) -> JobStatus:
    """The job's final status: ``status`` now, or the one it already had (a finished job keeps its outcome)."""
    outcome = transition(
        lambda: store.set_status(
            account_id,
            job_id,
            status,
            expected=rules.sources(status),
            succeeded=ok,
            failures=failures,
            purge_request_id=purge_request_id,
            total=total,
            release=True,
        ),
        reread=lambda: _existing(account_id, job_id),
        settled=lambda job: job.status in rules.FINAL,
    )
    return outcome.current.status if outcome.current else status


def _existing(account_id: str, job_id: str) -> JobItem:
    job = store.get(account_id, job_id)
    if job is None:
        raise NotFoundError("The requested job does not exist.", reason="JOB_NOT_FOUND")
    return job
