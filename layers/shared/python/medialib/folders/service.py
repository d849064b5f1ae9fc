"""Folders: create one now (``create_folder``); delete, copy, move or rename one as a bulk job whose state machine
(statemachines/folders.asl.json) runs the worker's steps (``run_task``) in a loop of bounded batches.

A job's request and progress live in its progress row (``folders.store``), never in the execution's state: a
batch reads where the walk is, handles up to ``BATCH_FILES`` files (or ``BATCH_SECONDS`` of work), and moves the
progress on after each file, so a retried batch resumes after the last file handled.

The walk visits the source's folders in pre-order, each folder's files by name, then its subfolders by name:
the destination of each folder is made when the walk enters it (empty folders are copied too), then its files
are copied, moved or deleted. Moves, renames and deletes then remove the source's folder rows that hold nothing,
deepest first (a file uploaded into the source meanwhile keeps its folder).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import suppress
from datetime import UTC, datetime
from typing import Any, Protocol

from medialib.accounts import service as accounts
from medialib.adapters import workflows as sfn_workflows
from medialib.adapters.errors import ConditionFailedError
from medialib.errors import BadRequestError, ConflictError, MedialibError, NotFoundError, RetryableError
from medialib.files import details
from medialib.files import service as files
from medialib.files.models import FileItem, FolderItem
from medialib.files.store import TableFolderStore
from medialib.folders import rules
from medialib.folders.models import (
    CopyFolderRequest,
    CreateFolderRequest,
    DeleteFolderRequest,
    FolderJobItem,
    FolderJobResponse,
    FolderJobType,
    FolderTask,
    MoveFolderRequest,
    Phase,
    RenameFolderRequest,
)
from medialib.folders.store import ProgressStore, TableProgressStore
from medialib.jobs import rules as jobs_rules
from medialib.jobs import service as jobs
from medialib.jobs.models import JobStatus
from medialib.observability import logger, metrics
from medialib.purge import service as purge

BATCH_FILES = 25  # files per batch: each is a few DynamoDB transactions (and S3 copies for a copy)
BATCH_SECONDS = 45.0  # a batch stops taking new files after this long (copies of many large versions)
PRUNE_FOLDERS = 100  # folder rows a batch removes at most while cleaning up
# Batches one execution runs before the job continues in a new one: 7 history events each (retries 2 more), far
# below Step Functions' 25,000 events per execution.
BATCHES_PER_EXECUTION = 2000


class Workflows(Protocol):
    def start(self, state_machine_arn: str, name: str, payload: dict[str, Any]) -> None: ...

    def execution_exists(self, state_machine_arn: str, name: str) -> bool: ...


folders = TableFolderStore()  # the seams: tests may put other stores here
progress_store: ProgressStore = TableProgressStore()
workflows: Workflows = sfn_workflows


def _bad(message: str, reason: str = "INVALID_FOLDER_PATH") -> BadRequestError:
    return BadRequestError(message, reason=reason)


def _checked(rule: Callable[[str], str], value: str, field: str) -> str:
    try:
        return rule(value)
    except ValueError as error:
        raise _bad(f"{field}: {error}") from None


# ------------------------------------------------------------------ create


def create_folder(account_id: str, request: CreateFolderRequest, now: datetime) -> str:
    """``POST /v1/folder``: the folder and its parents, each kept when it exists (creating an existing folder
    again is a success that changes nothing). The folder's path."""
    try:
        path = rules.new_folder_path(request.parent_folder_path, request.folder_name)
    except ValueError as error:
        raise _bad(str(error), "INVALID_FOLDER_NAME") from None
    folders.create_folders(files.folders_on_the_way(account_id, path, now))
    metrics.add_metric(name="FolderCreated", unit="Count", value=1)
    return path


# ------------------------------------------------------------------ jobs: requests


def _source_path(value: str, field: str) -> str:
    path = _checked(rules.existing_path, value, field)
    if path == rules.ROOT:
        raise _bad(f"{field}: the root folder cannot be the source of this operation.")
    return path


def _source(account_id: str, value: str, field: str, *, reason: str) -> str:
    path = _source_path(value, field)
    if folders.get_folder(account_id, path) is None:
        raise NotFoundError(f"No folder found at {path}.", reason=reason)
    return path


def _job(account_id: str, job_type: FolderJobType, source: str, destination: str, **options: bool) -> FolderJobItem:
    """A new job: its row (Pending, its id given there) and the request, not yet recorded as progress."""
    job = jobs.create_job(account_id, job_type.value, 0, {"source": source, "destination": destination, **options})
    return FolderJobItem(
        account_id=account_id,
        job_id=job.job_id,
        type=job_type,
        source=source,
        destination=destination,
        folder=source,
        **options,
    )


def _start(progress: FolderJobItem, state_machine_arn: str, *, undo: Callable[[], None] | None = None) -> str:
    """Record the job's progress, then start its execution (named by the job: a retried start is a no-op). A start
    that fails closes the job as FAILED (never a job Pending forever) and runs ``undo``."""
    try:
        with suppress(ConditionFailedError):  # recorded by the request that hid the folder, then died
            progress_store.create(progress)
        workflows.start(state_machine_arn, progress.job_id, _execution_input(progress))
    except MedialibError:
        jobs.not_started(progress.account_id, progress.job_id)
        if undo is not None:
            undo()
        raise
    metrics.add_metric(name="FolderJobStarted", unit="Count", value=1)
    return progress.job_id


def _execution_input(progress: FolderJobItem) -> dict[str, Any]:
    return {"accountId": progress.account_id, "jobId": progress.job_id, "purgeCache": progress.purge_cache}


def _refuse(source: str, destination: str, verb: str) -> None:
    why = rules.refusal(source, destination, verb=verb)
    if why is not None:
        raise _bad(why, "INVALID_DESTINATION")


def request_copy(account_id: str, request: CopyFolderRequest, state_machine_arn: str) -> FolderJobResponse:
    source = _source(account_id, request.source_folder_path, "sourceFolderPath", reason="NO_FILES_FOLDER")
    parent = _checked(rules.destination_folder, request.destination_path, "destinationPath")
    destination = rules.copy_destination(source, parent)
    _refuse(source, destination, "copied")
    job = _job(account_id, FolderJobType.COPY, source, destination, include_versions=request.with_versions)
    return FolderJobResponse(job_id=_start(job, state_machine_arn))


def request_move(account_id: str, request: MoveFolderRequest, state_machine_arn: str) -> FolderJobResponse:
    source = _source(account_id, request.source_folder_path, "sourceFolderPath", reason="NO_FILES_FOLDER")
    parent = _checked(rules.destination_folder, request.destination_path, "destinationPath")
    destination = rules.copy_destination(source, parent)
    _refuse(source, destination, "moved")
    job = _job(account_id, FolderJobType.MOVE, source, destination)
    return FolderJobResponse(job_id=_start(job, state_machine_arn))


def request_rename(account_id: str, request: RenameFolderRequest, state_machine_arn: str) -> FolderJobResponse:
    """A rename to the name of an existing sibling is a 409 (x-should-retry false): merging two folders is what
    moveFolder does, never a side effect of a rename."""
    source = _source(account_id, request.folder_path, "folderPath", reason="NO_FILES_FOLDER")
    try:
        destination = rules.renamed(source, request.new_folder_name)
    except ValueError as error:
        raise _bad(f"newFolderName: {error}", "INVALID_FOLDER_NAME") from None
    _refuse(source, destination, "renamed")
    if folders.get_folder(account_id, destination) is not None:
        raise ConflictError(
            f"A folder named {rules.name_of(destination)} already exists in {rules.parent_of(destination)}; "
            "nothing was renamed.",
            reason="FOLDER_ALREADY_EXISTS",
        )
    job = _job(account_id, FolderJobType.RENAME, source, destination, purge_cache=request.purge_cache)
    return FolderJobResponse(job_id=_start(job, state_machine_arn))


def request_delete(account_id: str, request: DeleteFolderRequest, state_machine_arn: str) -> str:
    """``DELETE /v1/folder``: the folder leaves every listing now (and is no longer found: a second delete is a
    404); its files and subfolders are deleted by a DELETE_FOLDER job. The job's id.

    A request that died between hiding the folder and starting its job (a timeout) left the folder hidden by a job
    whose execution does not exist: its retry starts that job (recording its progress and starting its named
    execution are both idempotent) and succeeds, rather than a 404 that would leave the folder's files behind. A
    job whose execution was started is the folder's delete, done: another delete is a 404, even before the job's
    first step."""
    path = _source_path(request.folder_path, "folderPath")
    stalled = _stalled_delete(account_id, path, state_machine_arn)
    if stalled is not None:
        job = stalled
    else:
        if folders.get_folder(account_id, path) is None:
            raise NotFoundError(f"No folder found at {path}.", reason="FOLDER_NOT_FOUND")
        job = _job(account_id, FolderJobType.DELETE, path, path)
        try:
            folders.hide_folder(account_id, path, job.job_id)
        except ConditionFailedError:  # deleted by a concurrent request
            jobs.not_started(account_id, job.job_id)
            raise NotFoundError(f"No folder found at {path}.", reason="FOLDER_NOT_FOUND") from None
    now = datetime.now(UTC)
    return _start(
        job, state_machine_arn, undo=lambda: folders.create_folders(files.folders_on_the_way(account_id, path, now))
    )


def _stalled_delete(account_id: str, path: str, state_machine_arn: str) -> FolderJobItem | None:
    """The delete job of the folder at ``path`` when the folder is hidden by it and its execution was never
    started (a pending job whose execution exists is only waiting for its first step)."""
    job_id = folders.deleting_job(account_id, path)
    if (
        job_id is None
        or not jobs.is_pending(account_id, job_id)
        or workflows.execution_exists(state_machine_arn, job_id)
    ):
        return None
    return FolderJobItem(
        account_id=account_id, job_id=job_id, type=FolderJobType.DELETE, source=path, destination=path, folder=path
    )


# ------------------------------------------------------------------ jobs: the worker's steps


def run_task(task: FolderTask) -> dict[str, Any]:
    """One idempotent step. A retryable failure leaves as RetryableError, the name the state machine retries
    (with backoff); any other exception fails the step (the state machine closes the job as FAILED)."""
    return jobs.run_step(
        task.account_id,
        task.job_id,
        task.action,
        {
            "batch": lambda: _batch(task),
            "purge": lambda: {"purgeRequestId": _purge(task)},
            "finish": lambda: {"jobId": task.job_id, "status": _finish(task).value},
        },
        error_name=task.error.get("Error"),
    )


def _progress(account_id: str, job_id: str) -> FolderJobItem:
    found = progress_store.get(account_id, job_id)
    if found is None:
        raise NotFoundError("The requested job does not exist.", reason="JOB_NOT_FOUND")
    return found


def _batch(task: FolderTask) -> dict[str, Any]:
    """One batch, run by the execution whose turn it is: each runs BATCHES_PER_EXECUTION batches, then the next
    batch call of it starts the job's next execution (its input the first's) and answers ``continued``, ending it.
    A retried call, or a late one of an older execution, starts the same execution again: a no-op."""
    progress = _progress(task.account_id, task.job_id)
    turn = rules.execution_name(task.job_id, progress.batches // BATCHES_PER_EXECUTION)
    if task.state_machine and task.execution and task.execution != turn:
        workflows.start(task.state_machine, turn, _execution_input(progress))
        metrics.add_metric(name="FolderJobContinued", unit="Count", value=1)
        return {"more": True, "continued": True}
    return {"more": run_batch(task.account_id, task.job_id), "continued": False}


def run_batch(account_id: str, job_id: str, *, clock: Callable[[], float] = time.monotonic) -> bool:
    """Handle the next files of the job (at most BATCH_FILES, or BATCH_SECONDS of work) or, once every file is
    handled, remove up to PRUNE_FOLDERS emptied source folders. Whether more remains."""
    progress = _progress(account_id, job_id)
    deadline = clock() + BATCH_SECONDS
    budget = BATCH_FILES
    while progress.phase is Phase.FILES and budget > 0 and clock() < deadline:
        progress, handled = _files_step(progress, budget)
        budget -= handled
    if progress.phase is Phase.FOLDERS and budget > 0 and clock() < deadline:
        progress = _prune_step(progress)
    if progress.phase is Phase.DONE:
        return False
    _advance(progress, batches=progress.batches + 1)
    return True


def _advance(before: FolderJobItem, **changes: Any) -> FolderJobItem:
    """Move the progress on. A run that finds it moved by another run of the same batch stops (retryable)."""
    after = before.model_copy(update=changes)
    try:
        progress_store.advance(before, after)
    except ConditionFailedError:
        raise RetryableError("The job's progress moved under this batch; it resumes from there.") from None
    return after.model_copy(update={"step": before.step + 1})


def _files_step(progress: FolderJobItem, budget: int) -> tuple[FolderJobItem, int]:
    """Handle up to ``budget`` files of the folder the walk is in; when it has no more, step to the next folder.
    The progress and how many files were handled."""
    acc = progress.account_id
    if progress.after is None and progress.type is not FolderJobType.DELETE:  # entering: its destination exists
        target = rules.mapped(progress.folder, progress.source, progress.destination)
        why = rules.out_of_bounds(target)
        if why is not None:  # this subtree stays; the walk goes on after it
            return _skip_subtree(progress, rules.folder_failure(progress.folder, target, why)), 0
        _make_destination(progress)
    batch = folders.files_after(acc, progress.folder, progress.after, budget)
    for item in batch:
        outcome = _handle(progress, item)
        reported = progress.failures
        if outcome is not None and len(reported) < rules.MAX_REPORTED_FAILURES:
            reported = [*reported, outcome]
        progress = _advance(
            progress,
            after=item.name,
            succeeded=progress.succeeded + (outcome is None),
            failed=progress.failed + (outcome is not None),
            failures=reported,
        )
    if len(batch) < budget:
        progress = _leave_folder(progress, _next_folder(acc, progress.source, progress.folder))
    return progress, len(batch)


def _leave_folder(progress: FolderJobItem, following: str | None, **changes: Any) -> FolderJobItem:
    """Step the walk to ``following``, or past the last folder (None) to the job's next phase."""
    if following is not None:
        return _advance(progress, folder=following, after=None, **changes)
    done = Phase.DONE if progress.type is FolderJobType.COPY else Phase.FOLDERS
    return _advance(progress, phase=done, folder=progress.source, after=None, **changes)


def _skip_subtree(progress: FolderJobItem, failure: dict[str, Any]) -> FolderJobItem:
    """Report the folder the walk is in as failed and step past it and its subfolders."""
    reported = progress.failures
    if len(reported) < rules.MAX_REPORTED_FAILURES:
        reported = [*reported, failure]
    following = _next_folder(progress.account_id, progress.source, progress.folder, descend=False)
    return _leave_folder(progress, following, failed=progress.failed + 1, failures=reported)


def _make_destination(progress: FolderJobItem) -> None:
    """The folder the walk enters gets its destination, with the folders on the way (each kept when it exists). A
    moved or renamed folder keeps its id and creation time; a copy is a new folder."""
    acc = progress.account_id
    chain = files.folders_on_the_way(
        acc, rules.mapped(progress.folder, progress.source, progress.destination), datetime.now(UTC)
    )
    original = folders.get_folder(acc, progress.folder) if progress.type is not FolderJobType.COPY else None
    if original is not None:
        chain[-1] = chain[-1].model_copy(update={"folder_id": original.folder_id, "created_at": original.created_at})
    folders.create_folders(chain)


def _next_folder(account_id: str, source: str, folder: str, *, descend: bool = True) -> str | None:
    """The folder after ``folder`` in the pre-order walk of ``source`` (subfolders by name): its first subfolder
    (unless not ``descend``ing: the walk skips its subtree), else the next sibling of it or of its nearest ancestor
    inside ``source``; None at the end."""
    child = folders.subfolder_after(account_id, folder, None) if descend else None
    if child is not None:
        return child.folder_path
    while folder != source:
        sibling = folders.subfolder_after(account_id, rules.parent_of(folder), rules.name_of(folder))
        if sibling is not None:
            return sibling.folder_path
        folder = rules.parent_of(folder)
    return None


def _handle(progress: FolderJobItem, listed: FileItem) -> dict[str, Any] | None:
    """Copy, move or delete one file: None when done (or done before: a retried batch finds a moved or deleted
    file gone from the folder), else the file's failure. A retryable error is raised: the batch is retried."""
    acc, folder = progress.account_id, progress.folder
    item = files.store.get_file(acc, listed.file_id)  # the index lags: the file as it is now
    if item is None or rules.parent_of(item.file_path) != folder:
        return (
            None
            if progress.type is not FolderJobType.COPY
            else rules.file_failure(
                listed.file_id, "FILE_NOT_FOUND", "The file was deleted or moved before it could be copied."
            )
        )
    try:
        _apply(progress, item)
    except MedialibError as error:
        if error.retryable:
            raise
        return rules.file_failure(item.file_id, error.reason, error.message)
    return None


def _apply(progress: FolderJobItem, item: FileItem) -> None:
    if progress.type is FolderJobType.DELETE:
        with suppress(NotFoundError):  # deleted meanwhile: what the job wanted
            details.delete_file(progress.account_id, item.file_id)
        return
    from medialib.files import moves  # noqa: PLC0415 - MOVES' per-file primitives (until merged)

    now = datetime.now(UTC)
    target = rules.mapped(progress.folder, progress.source, progress.destination)
    if progress.type is FolderJobType.COPY:
        moves.copy_file(progress.account_id, item, target, include_versions=progress.include_versions, now=now)
    else:
        moves.move_file(progress.account_id, item, target, now=now)


class _Budget(Exception):
    """The batch removed as many folder rows as it may; the next batch goes on."""


def _prune_step(progress: FolderJobItem) -> FolderJobItem:
    """Remove the source's folder rows that hold nothing, deepest first, at most PRUNE_FOLDERS per batch. A
    folder that still holds a file (uploaded meanwhile, or one whose copy or move failed) stays, with its
    ancestors."""
    left = [PRUNE_FOLDERS]
    try:
        _prune(progress, progress.source, left)
    except _Budget:
        return progress
    return _advance(progress, phase=Phase.DONE)


def _prune(progress: FolderJobItem, folder: str, left: list[int]) -> bool:
    """Remove ``folder`` and its subfolders when they hold no file; whether ``folder`` was removed. A subtree the
    walk skipped (its destination cannot exist) stays whole."""
    account_id = progress.account_id
    if progress.type is not FolderJobType.DELETE and rules.out_of_bounds(
        rules.mapped(folder, progress.source, progress.destination)
    ):
        return False
    kept = False
    for entry in list(folders.children(account_id, folder)):
        if isinstance(entry, FolderItem) and not _prune(progress, entry.folder_path, left):
            kept = True
    if kept or folders.holds_file(account_id, folder):
        return False
    if left[0] <= 0:
        raise _Budget
    folders.delete_folder(account_id, folder)
    left[0] -= 1
    return True


def _purge(task: FolderTask) -> str | None:
    """A rename's one purge of ``<old-folder-url>*`` (and the account's path transformations), counted in the
    quota and refused when it is spent; its request id derives from the job, so a retried step is the same
    request. Nothing for a job without purgeCache."""
    progress = _progress(task.account_id, task.job_id)
    if not progress.purge_cache:
        return None
    account = accounts.existing(task.account_id)
    path = rules.purge_path(progress.source)
    request_id = jobs_rules.purge_request_id(task.job_id)
    return purge.purge_unpublished(account, [path], datetime.now(UTC), request_id=request_id, force=False)


def _finish(task: FolderTask) -> JobStatus:
    progress = _progress(task.account_id, task.job_id)
    results: list[dict[str, Any]] = [{"status": "SUCCEEDED"}] * progress.succeeded + progress.failures
    logger.info("folder job finished", extra={"succeeded": progress.succeeded, "failed": progress.failed})
    return jobs.finish(
        task.account_id,
        task.job_id,
        results,
        purge_request_id=task.purge_request_id,
        purge_failure=rules.purge_failure(task.purge_error) if task.purge_error else None,
        total=progress.succeeded + progress.failed,
    )
