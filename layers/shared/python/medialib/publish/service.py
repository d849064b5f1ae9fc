"""Publish and unpublish: one file now (``publish_file``, PATCH details through ``files.details`` and the
img-processing.com routes), or up to
100 files as a bulk job (``request_bulk_publish``) whose state machine runs the worker's steps (``run_task``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Protocol

from medialib.accounts import service as accounts
from medialib.accounts.models import Account
from medialib.adapters import workflows as sfn_workflows
from medialib.errors import MedialibError, PurgeOwedError
from medialib.files import service as files
from medialib.files.models import FileItem
from medialib.jobs import rules as jobs_rules
from medialib.jobs import service as jobs
from medialib.observability import metrics
from medialib.publish import rules
from medialib.publish.models import BulkPublishRequest, BulkPublishResponse, WorkerTask
from medialib.purge import service as purge

JOB_TYPE = "PUBLISH_FILES"


class Workflows(Protocol):
    def start(self, state_machine_arn: str, name: str, payload: dict[str, Any]) -> None: ...


workflows: Workflows = sfn_workflows  # the one seam: unit tests put an in-memory Workflows here


def publish_file(
    account: Account, file_id: str, *, is_published: bool, include_file_versions: bool, now: datetime
) -> FileItem:
    """Publish or unpublish one file (its current version, or every version): the new current record.

    Unpublishing then purges the file's URLs from the CDN, counted in the quota: never refused when it took
    something down, an ordinary purge when it changed nothing (a repeat). When the CDN refuses (busy,
    unavailable), the file stays unpublished and the answer says so, retryable: the retried request purges."""
    done = files.set_published(
        account.account_id, file_id, is_published=is_published, include_file_versions=include_file_versions, now=now
    )
    if done.changed:
        metrics.add_metric(name="FilePublished" if is_published else "FileUnpublished", unit="Count", value=1)
    if not is_published:
        request_id = purge.new_request_id()
        try:
            purge.purge_unpublished(account, [done.item.file_path], now, request_id=request_id, force=done.changed)
        except MedialibError as error:
            raise PurgeOwedError("The file is unpublished.", error) from error
    return done.item


def request_bulk_publish(account_id: str, request: BulkPublishRequest, state_machine_arn: str) -> BulkPublishResponse:
    file_ids = list(dict.fromkeys(request.file_ids))
    job = jobs.create_job(account_id, JOB_TYPE, len(file_ids), request.model_dump(by_alias=True))
    options = {"isPublished": request.is_published, "includeFileVersions": request.include_file_versions}
    item = {"action": "file", "accountId": account_id, "jobId": job.job_id, **options}
    # Each Map item is the whole task input of one file (ItemSelector with $$ paths is not portable).
    items = [{**item, "fileId": file_id} for file_id in file_ids]
    payload = {"accountId": account_id, "jobId": job.job_id, "isPublished": request.is_published, "items": items}
    try:
        workflows.start(state_machine_arn, job.job_id, payload)
    except MedialibError:
        jobs.not_started(account_id, job.job_id)
        raise
    return BulkPublishResponse(job_id=job.job_id)


def run_task(task: WorkerTask) -> dict[str, Any]:
    """One idempotent step. A retryable failure leaves as RetryableError, the name the state machine
    retries (with backoff); any other exception fails this step (the state machine catches it per file)."""
    return jobs.run_step(
        task.account_id,
        task.job_id,
        task.action,
        {
            "file": lambda: _publish_file(task),
            "purge": lambda: {"purgeRequestId": _purge(task)},
            "finish": lambda: _finish(task),
        },
        error_name=task.error.get("Error"),
    )


def _finish(task: WorkerTask) -> dict[str, Any]:
    status = jobs.finish(
        task.account_id,
        task.job_id,
        task.results,
        purge_request_id=task.purge_request_id,
        purge_failure=rules.purge_failure(task.purge_error) if task.purge_error else None,
    )
    return {"jobId": task.job_id, "status": status.value}


def _publish_file(task: WorkerTask) -> dict[str, Any]:
    """One file's outcome. A domain error is this file's failure, reported in the job, not a task error;
    a retryable one is re-raised so that the state machine retries the file. The CDN is cleared once for the
    whole job afterwards (``_purge``): one invalidation, not one per file."""
    file_id = task.file_id or ""
    try:
        done = files.set_published(
            task.account_id,
            file_id,
            is_published=task.is_published is True,
            include_file_versions=task.include_file_versions,
            now=datetime.now(UTC),
        )
    except MedialibError as error:
        if error.retryable:
            raise
        return {"fileId": file_id, "status": "FAILED", "reason": error.reason, "message": error.message}
    return {"fileId": file_id, "status": "SUCCEEDED", "changed": done.changed}


def _purge(task: WorkerTask) -> str | None:
    """An unpublish job's one purge of every file it unpublished, never refused when the job took something down;
    its request id derives from the job, so a retried step finds it done. Nothing to purge for a publish job.
    The paths are read here (one batch read per 100 files), not carried in the results: a state's input is at most
    256 KB, and 100 long unicode paths would pass it."""
    file_ids = rules.unpublished_ids(task.is_published, task.results)
    paths = files.paths_of(task.account_id, file_ids) if file_ids else []
    if not paths:
        return None
    account = accounts.existing(task.account_id)
    request_id = jobs_rules.purge_request_id(task.job_id)
    force = rules.took_down(task.results)
    return purge.purge_unpublished(account, paths, datetime.now(UTC), request_id=request_id, force=force)
