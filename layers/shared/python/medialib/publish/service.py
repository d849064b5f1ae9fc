"""Bulk publish: validate, record a job, start the state machine; and the worker's steps."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from medialib.accounts.models import Account
from medialib.adapters import workflows as sfn_workflows
from medialib.errors import MedialibError, NotFoundError, NotImplementedYetError, RetryableError
from medialib.files import service as files
from medialib.files.models import FileItem
from medialib.jobs import service as jobs
from medialib.publish.models import BulkPublishRequest, BulkPublishResponse, WorkerTask

JOB_TYPE = "PUBLISH_FILES"


class Workflows(Protocol):
    def start(self, state_machine_arn: str, name: str, payload: dict[str, Any]) -> None: ...


workflows: Workflows = sfn_workflows  # the one seam: unit tests put an in-memory Workflows here


def request_bulk_publish(account_id: str, request: BulkPublishRequest, state_machine_arn: str) -> BulkPublishResponse:
    file_ids = list(dict.fromkeys(request.file_ids))
    job = jobs.create_job(account_id, JOB_TYPE, len(file_ids), request.model_dump(by_alias=True))
    item = {"action": "file", "accountId": account_id, "jobId": job.job_id}
    options = {"isPublished": request.is_published, "includeFileVersions": request.include_file_versions}
    # Each Map item is the whole task input of one file (ItemSelector with $$ paths is not portable).
    items = [{**item, "fileId": file_id, **options} for file_id in file_ids]
    try:
        workflows.start(state_machine_arn, job.job_id, {"accountId": account_id, "jobId": job.job_id, "items": items})
    except MedialibError:
        jobs.fail(account_id, job.job_id, "NOT_STARTED")  # never a job left Pending forever
        raise
    return BulkPublishResponse(job_id=job.job_id)


def publish_file(
    account: Account, file_id: str, *, is_published: bool, include_file_versions: bool, now: datetime
) -> FileItem:
    """Publish or unpublish one file (its current version, or every version): the new current record.
    Unpublishing purges the file's URLs from the CDN (counted in the quota, never refused by it)."""
    raise NotImplementedYetError("Publishing a file")


def run_task(task: WorkerTask) -> dict[str, Any]:
    """One idempotent step. A retryable failure leaves as RetryableError, the name the state machine
    retries (with backoff); any other exception fails this step (the state machine catches it per file)."""
    try:
        return _run(task)
    except MedialibError as error:
        if error.retryable:
            raise RetryableError(error.message) from error
        raise


def _run(task: WorkerTask) -> dict[str, Any]:
    if task.action == "start":
        jobs.mark_running(task.account_id, task.job_id)
        return {"jobId": task.job_id, "status": "RUNNING"}
    if task.action == "file":
        return _publish_file(task)
    if task.action == "finish":
        return {"jobId": task.job_id, "status": jobs.finish(task.account_id, task.job_id, task.results).value}
    return {"jobId": task.job_id, "status": jobs.fail(task.account_id, task.job_id, task.error.get("Error")).value}


def _publish_file(task: WorkerTask) -> dict[str, Any]:
    """One file's outcome. A domain error is this file's failure, reported in the job, not a task error;
    a retryable one is re-raised so that the state machine retries the file."""
    file_id = task.file_id or ""
    try:
        if not files.file_exists(task.account_id, file_id):
            raise NotFoundError(f"File {file_id} does not exist.", reason="FILE_NOT_FOUND")
        raise NotImplementedYetError("Publishing a file")
    except MedialibError as error:
        if error.retryable:
            raise
        return {"fileId": file_id, "status": "FAILED", "reason": error.reason, "message": error.message}
