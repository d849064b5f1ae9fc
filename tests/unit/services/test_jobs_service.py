"""Bulk job transitions against an in-memory store: each one tried twice and from the wrong state."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from medialib.adapters.errors import ConditionFailedError
from medialib.errors import NotFoundError
from medialib.jobs import service as jobs
from medialib.jobs.models import JobStatus
from tests.unit.services.fakes import FakeJobStore

ACCOUNT = "acme"
FILE_FAILED = {"fileId": "f2", "status": "FAILED", "reason": "FILE_NOT_FOUND", "message": "File f2 does not exist."}


def _job_in(store: FakeJobStore, status: JobStatus) -> str:
    job = jobs.create_job(ACCOUNT, "PUBLISH_FILES", 2, {"fileIds": ["f1", "f2"]})
    store.jobs[(ACCOUNT, job.job_id)].status = status
    return job.job_id


def _status(store: FakeJobStore, job_id: str) -> JobStatus:
    return store.jobs[(ACCOUNT, job_id)].status


def test_a_new_job_is_pending_with_its_request(job_store: FakeJobStore) -> None:
    """Given no job, When create_job, Then the job reads Pending with its total and no outcome yet, and its
    request is kept."""
    job = jobs.create_job(ACCOUNT, "PUBLISH_FILES", 3, {"fileIds": ["a", "b", "c"]})

    answer = jobs.get_job(ACCOUNT, job.job_id)

    assert (answer.status, answer.total_files, answer.succeeded_files, answer.failed_files) == ("Pending", 3, 0, [])
    assert job_store.payloads[(ACCOUNT, job.job_id)] == {"fileIds": ["a", "b", "c"]}


def test_a_job_of_another_account_is_not_found(job_store: FakeJobStore) -> None:
    """Given a job of one account, When another account asks for it, Then 404 JOB_NOT_FOUND."""
    job = jobs.create_job(ACCOUNT, "PUBLISH_FILES", 1, {})
    with pytest.raises(NotFoundError) as caught:
        jobs.get_job("someone-else", job.job_id)
    assert caught.value.reason == "JOB_NOT_FOUND"


@pytest.mark.parametrize("start", [JobStatus.PENDING, JobStatus.RUNNING], ids=["from-pending", "retried-while-running"])
def test_mark_running_is_idempotent(job_store: FakeJobStore, start: JobStatus) -> None:
    """Given a pending (or already running) job, When mark_running runs twice, Then it is RUNNING, no error."""
    job_id = _job_in(job_store, start)
    jobs.mark_running(ACCOUNT, job_id)
    jobs.mark_running(ACCOUNT, job_id)
    assert _status(job_store, job_id) is JobStatus.RUNNING


@pytest.mark.parametrize("final", [JobStatus.SUCCEEDED, JobStatus.FAILED], ids=["succeeded", "failed"])
def test_a_finished_job_never_runs_again(job_store: FakeJobStore, final: JobStatus) -> None:
    """Given a finished job, When mark_running, Then ConditionFailedError and the job keeps its outcome."""
    job_id = _job_in(job_store, final)
    with pytest.raises(ConditionFailedError):
        jobs.mark_running(ACCOUNT, job_id)
    assert _status(job_store, job_id) is final


@pytest.mark.parametrize("start", [JobStatus.RUNNING, JobStatus.PENDING], ids=["from-running", "from-pending"])
def test_finish_records_the_outcome_once(job_store: FakeJobStore, start: JobStatus) -> None:
    """Given an unfinished job, When finish runs twice (the second time with other results), Then it is
    SUCCEEDED with the first results: one file succeeded, one failed with its reason."""
    job_id = _job_in(job_store, start)
    first = jobs.finish(ACCOUNT, job_id, [{"fileId": "f1", "status": "SUCCEEDED"}, FILE_FAILED])
    second = jobs.finish(ACCOUNT, job_id, [])

    assert (first, second) == (JobStatus.SUCCEEDED, JobStatus.SUCCEEDED)
    answer = jobs.get_job(ACCOUNT, job_id)
    assert (answer.status, answer.succeeded_files) == ("Completed", 1)
    assert answer.failed_files == [{"fileId": "f2", "reason": "FILE_NOT_FOUND", "message": "File f2 does not exist."}]


CLOSE: dict[str, Callable[[str], JobStatus]] = {
    "finish": lambda job_id: jobs.finish(ACCOUNT, job_id, []),
    "fail": lambda job_id: jobs.fail(ACCOUNT, job_id, "States.Timeout"),
}


@pytest.mark.parametrize("close", CLOSE.values(), ids=[f"{name}-keeps-it" for name in CLOSE])
@pytest.mark.parametrize("final", [JobStatus.SUCCEEDED, JobStatus.FAILED], ids=["succeeded", "failed"])
def test_a_finished_job_is_never_closed_again(
    job_store: FakeJobStore, final: JobStatus, close: Callable[[str], JobStatus]
) -> None:
    """Given a finished job with its outcome, When finish or fail runs on it, Then the answer is the status it
    had, and its counts and failures are unchanged."""
    job_id = _job_in(job_store, final)
    job_store.jobs[(ACCOUNT, job_id)].succeeded = 2
    before = job_store.jobs[(ACCOUNT, job_id)].model_copy(deep=True)

    assert close(job_id) is final
    assert job_store.jobs[(ACCOUNT, job_id)] == before


def test_fail_keeps_only_the_error_name(job_store: FakeJobStore) -> None:
    """Given a running job, When fail runs twice with the error's name, Then FAILED once, the failure reads
    the name and a message (never a cause)."""
    job_id = _job_in(job_store, JobStatus.RUNNING)
    assert jobs.fail(ACCOUNT, job_id, "States.Timeout") is JobStatus.FAILED
    assert jobs.fail(ACCOUNT, job_id, "Other") is JobStatus.FAILED
    answer = jobs.get_job(ACCOUNT, job_id)
    assert answer.status == "Failed"
    assert answer.failed_files == [{"reason": "States.Timeout", "message": "The job could not be completed."}]


def test_a_file_failure_without_reason_hides_its_cause(job_store: FakeJobStore) -> None:
    """Given a file whose task failed with a Lambda error (a cause with a stack trace), When the job finishes,
    Then the failure reads INTERNAL_ERROR with a generic message, never the cause."""
    job_id = _job_in(job_store, JobStatus.RUNNING)
    cause = {"fileId": "f1", "status": "FAILED", "error": "KeyError", "cause": "Traceback (most recent call last)"}
    jobs.finish(ACCOUNT, job_id, [cause])
    failure = jobs.get_job(ACCOUNT, job_id).failed_files[0]
    assert failure["reason"] == "INTERNAL_ERROR"
    assert "Traceback" not in str(failure)


TRANSITIONS: dict[str, Callable[[str], Any]] = {
    "mark_running": lambda job_id: jobs.mark_running(ACCOUNT, job_id),
    **CLOSE,
}


@pytest.mark.parametrize("transition", TRANSITIONS.values(), ids=[f"{name}-of-no-job" for name in TRANSITIONS])
def test_a_transition_of_a_missing_job_is_not_found(job_store: FakeJobStore, transition: Callable[[str], Any]) -> None:
    """Given no job, When any transition runs on its id, Then 404 JOB_NOT_FOUND and no job appears."""
    with pytest.raises(NotFoundError):
        transition("nope")
    assert job_store.jobs == {}
