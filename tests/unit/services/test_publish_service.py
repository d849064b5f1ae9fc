"""Bulk publish requests and the worker's steps, against in-memory stores and Step Functions."""

from __future__ import annotations

from typing import Any

import pytest

from medialib.errors import InternalError, RetryableError, ServiceUnavailableError
from medialib.jobs.models import JobItem, JobStatus
from medialib.publish import service as publish
from medialib.publish.models import BulkPublishRequest, WorkerTask
from tests.unit.services.fakes import FakeFileStore, FakeJobStore, FakeWorkflows
from tests.unit.services.test_files_service import file

ACCOUNT = "acme"
ARN = "arn:aws:states:us-east-1:123456789012:stateMachine:publish"


def request(*file_ids: str) -> BulkPublishRequest:
    return BulkPublishRequest.model_validate({"fileIds": list(file_ids), "isPublished": False})


def task(action: str, **fields: Any) -> WorkerTask:
    return WorkerTask.model_validate({"action": action, "accountId": ACCOUNT, "jobId": "j1", **fields})


def test_a_bulk_request_records_a_job_and_starts_its_execution(
    job_store: FakeJobStore, workflows: FakeWorkflows
) -> None:
    """Given three ids, one repeated, When request_bulk_publish, Then a pending job of two files and one
    execution named by the job id, with one item per distinct file carrying the request's options."""
    answer = publish.request_bulk_publish(ACCOUNT, request("f1", "f2", "f1"), ARN)

    job = job_store.jobs[(ACCOUNT, answer.job_id)]
    assert (job.status, job.total) == (JobStatus.PENDING, 2)
    arn, payload = workflows.started[answer.job_id]
    assert arn == ARN
    assert [(item["fileId"], item["isPublished"], item["action"]) for item in payload["items"]] == [
        ("f1", False, "file"),
        ("f2", False, "file"),
    ]


@pytest.mark.parametrize(
    "error", [ServiceUnavailableError(), InternalError()], ids=["throttled-start", "misconfigured-start"]
)
def test_a_job_whose_execution_cannot_start_is_failed_and_the_error_surfaces(
    job_store: FakeJobStore, workflows: FakeWorkflows, error: Exception
) -> None:
    """Given StartExecution failing, When request_bulk_publish, Then the caller gets that error (its status and
    retry hint), and the job it recorded reads Failed with reason NOT_STARTED, never Pending forever."""
    workflows.pending.append(error)
    with pytest.raises(type(error)):
        publish.request_bulk_publish(ACCOUNT, request("f1"), ARN)

    [job] = job_store.jobs.values()
    assert job.status is JobStatus.FAILED
    assert job.failures == [{"reason": "NOT_STARTED", "message": "The job could not be completed."}]
    assert workflows.started == {}


def test_a_missing_file_fails_alone(file_store: FakeFileStore) -> None:
    """Given a file step for an id with no file, When it runs, Then it answers that file's failure with its
    reason (FILE_NOT_FOUND); the job goes on."""
    result = publish.run_task(task("file", fileId="missing", isPublished=True))
    assert (result["fileId"], result["status"], result["reason"]) == ("missing", "FAILED", "FILE_NOT_FOUND")


def test_a_file_step_changes_the_file_and_reports_its_path(file_store: FakeFileStore) -> None:
    """Given a published file, When a file step unpublishes it (twice, as a retry would), Then each step answers
    SUCCEEDED, the first one having changed it (the purge step forces its purge then), and the file is unpublished."""
    file_store.add(file("present", "/p.png", 0))
    for attempt in range(2):
        result = publish.run_task(task("file", fileId="present", isPublished=False))
        assert result == {"fileId": "present", "status": "SUCCEEDED", "changed": attempt == 0}
    stored = file_store.get_file(ACCOUNT, "present")
    assert stored is not None
    assert stored.is_published is False


def test_a_publish_job_has_nothing_to_purge() -> None:
    """Given a publish job's results, When the purge step runs, Then no purge request (no CDN, no quota)."""
    done = [{"fileId": "f1", "status": "SUCCEEDED", "changed": True}]
    assert publish.run_task(task("purge", isPublished=True, results=done)) == {"purgeRequestId": None}


def test_a_throttled_file_is_retried_not_failed(file_store: FakeFileStore) -> None:
    """Given the files store throttled, When a file step runs, Then it raises RetryableError (the name the
    state machine retries), not a per-file FAILED result."""
    file_store.pending.append(ServiceUnavailableError())
    with pytest.raises(RetryableError):
        publish.run_task(task("file", fileId="f1", isPublished=True))


@pytest.mark.parametrize(
    "step",
    [task("start"), task("finish", results=[]), task("fail", error={"Error": "X"})],
    ids=["start", "finish", "fail"],
)
def test_a_throttled_job_step_is_retryable(job_store: FakeJobStore, step: WorkerTask) -> None:
    """Given the job store throttled, When a job step runs, Then RetryableError, and the job is unchanged."""
    job_store.jobs[(ACCOUNT, "j1")] = JobItem(
        account_id=ACCOUNT, job_id="j1", type="PUBLISH_FILES", status=JobStatus.RUNNING, total=1
    )
    job_store.pending.append(ServiceUnavailableError())
    with pytest.raises(RetryableError):
        publish.run_task(step)
    assert job_store.jobs[(ACCOUNT, "j1")].status is JobStatus.RUNNING


def test_worker_steps_drive_the_job(job_store: FakeJobStore, workflows: FakeWorkflows) -> None:
    """Given a requested job, When the start and finish steps run (each twice, as retries would), Then the job
    completes with the per-file outcome."""
    job_id = publish.request_bulk_publish(ACCOUNT, request("f1"), ARN).job_id
    for step in [task("start", jobId=job_id)] * 2:
        assert publish.run_task(step) == {"jobId": job_id, "status": "RUNNING"}
    outcome = [{"fileId": "f1", "status": "FAILED", "reason": "FILE_NOT_FOUND", "message": "gone"}]
    for step in [task("finish", jobId=job_id, results=outcome)] * 2:
        assert publish.run_task(step) == {"jobId": job_id, "status": "SUCCEEDED"}
    assert job_store.jobs[(ACCOUNT, job_id)].failures == [
        {"fileId": "f1", "reason": "FILE_NOT_FOUND", "message": "gone"}
    ]
