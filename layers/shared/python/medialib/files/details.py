"""Use cases on one file's current version and on files by id: delete a file (all its versions), delete many,
update the details of the current version, and add or remove tags and AITags in bulk.

Writes to one file serialise on its version counter (``versionSeq``/``versionId``, docs/data-model.md); a writer
whose transaction lost re-reads the file and tries again, as ``files.service.set_published`` does.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import datetime

from medialib.accounts import service as accounts
from medialib.adapters.errors import ConditionFailedError
from medialib.errors import MedialibError, MissingFilesError, NotFoundError
from medialib.files import rules
from medialib.files import service as files
from medialib.files.models import (
    BulkDeleteResponse,
    BulkFileError,
    BulkUpdateResponse,
    FileItem,
    UpdatedFileResponse,
    UpdateFileDetailsRequest,
)
from medialib.files.rules import version_object_key
from medialib.observability import metrics
from medialib.publish import service as publish
from medialib.upload.rules import extension_status

_BACKOFF_SECONDS = (0.005, 0.05)


def _not_found() -> NotFoundError:
    return NotFoundError("The requested file does not exist.", reason="FILE_NOT_FOUND")


def _backoff() -> None:
    time.sleep(random.uniform(*_BACKOFF_SECONDS))  # noqa: S311 - jitter, not a secret


# ------------------------------------------------------------------ delete


def delete_file(account_id: str, file_id: str) -> None:
    """Delete the account's file: its current record, every version's record and its path claim (so the path is
    free and delivery answers 404 at once), then every version's object. The CDN is not purged (ImageKit's rule).

    Concurrency: the records go in a transaction conditioned on the file as read (``versionSeq``, ``versionId``,
    ``versionCount``); an upload, restore or version delete that commits first makes it fail, and the delete
    starts again from a fresh read, so it removes every version that existed when it committed. An upload that
    loses the race to it finds no file and creates a new one at that path, with a new file id.

    404 (``FILE_NOT_FOUND``) when there is no such file: a retry of a delete that succeeded is a 404, as in ImageKit.
    Objects that cannot be deleted (S3 failing after the records are gone) are left to the daily orphan sweep,
    which deletes objects without a version record."""
    for _ in range(files.MAX_ATTEMPTS):
        previous = files.store.versioned(account_id, file_id)
        if previous is None:
            raise _not_found()
        versions = files.store.versions(account_id, file_id)
        if not rules.complete_history(previous, versions):  # a stale read of the versions: read again
            _backoff()
            continue
        try:
            files.store.delete_file(previous, versions)
        except ConditionFailedError:
            _backoff()
            continue
        files.discard([version_object_key(version) for version in versions])  # one DeleteObjects per 1,000
        metrics.add_metric(name="FileDeleted", unit="Count", value=1)
        return
    raise files.BusyFileError(file_id)


def delete_files(account_id: str, file_ids: list[str]) -> BulkDeleteResponse:
    """``batch/deleteByFileIds``: 404 naming every missing id when any is missing (nothing deleted); else each file
    deleted in turn, and a file that fails (busy, a dependency down) reported in ``errors`` (a 207)."""
    wanted = _existing(account_id, file_ids)
    done, errors = _each(wanted, lambda file_id: delete_file(account_id, file_id))
    return BulkDeleteResponse(successfully_deleted_file_ids=done, errors=errors or None)


# ------------------------------------------------------------------ details of the current version


def update_file_details(
    account_id: str, file_id: str, request: UpdateFileDetailsRequest, now: datetime, base_url: str
) -> UpdatedFileResponse:
    """``PATCH /v1/files/{fileId}/details``: ``publish`` (``publish.service.publish_file``), or the details of the
    current version (tags, customCoordinates, customMetadata merged, removeAITags before extensions, description).
    An update that changes nothing writes nothing. ``extensionStatus`` answers the extensions asked as upload does:
    medialib runs none, so each is ``failed``."""
    if request.publish is not None:
        item = publish.publish_file(
            accounts.existing(account_id),
            file_id,
            is_published=request.publish.is_published,
            include_file_versions=request.publish.include_file_versions,
            now=now,
        )
    else:
        item = _rewrite(account_id, file_id, lambda current: _detailed(account_id, current, request, now))
    answer = rules.to_file_response(item, base_url)
    return UpdatedFileResponse(**answer.model_dump(), extension_status=extension_status(request.extensions))


def _detailed(account_id: str, current: FileItem, request: UpdateFileDetailsRequest, now: datetime) -> FileItem | None:
    custom = None
    if request.custom_metadata is not None:
        from medialib.fields.service import checked_custom_metadata  # noqa: PLC0415 - FIELDS' module, built alongside

        custom = checked_custom_metadata(account_id, request.custom_metadata, previous=current.custom_metadata)
    return rules.with_details(current, request, custom_metadata=custom, now=now)


def _rewrite(account_id: str, file_id: str, change: Callable[[FileItem], FileItem | None]) -> FileItem:
    """Apply ``change`` to the file's current version and write it to the current record and the current version's
    record, conditioned on the file as read; a concurrent writer that came first makes it read and apply again.
    ``change`` returning None: nothing to write, the current record is the answer."""
    for _ in range(files.MAX_ATTEMPTS):
        previous = files.store.versioned(account_id, file_id)
        if previous is None:
            raise _not_found()
        changed = change(previous.item)
        if changed is None:
            return previous.item
        try:
            files.store.update_details(previous, changed)
        except ConditionFailedError:
            _backoff()
            continue
        return changed
    raise files.BusyFileError(file_id)


# ------------------------------------------------------------------ tags in bulk


def add_tags(account_id: str, file_ids: list[str], tags: list[str], now: datetime) -> BulkUpdateResponse:
    """``addTags``: each file keeps its tags and gains those it lacks, in order. 404 naming the missing ids when any
    is missing (nothing changed); a file whose tags would pass 500 characters is reported in ``errors``."""
    return _bulk(account_id, file_ids, lambda current: rules.tags_added(current, tags, now))


def remove_tags(account_id: str, file_ids: list[str], tags: list[str], now: datetime) -> BulkUpdateResponse:
    return _bulk(account_id, file_ids, lambda current: rules.tags_removed(current, tags, now))


def remove_ai_tags(account_id: str, file_ids: list[str], names: list[str], now: datetime) -> BulkUpdateResponse:
    return _bulk(account_id, file_ids, lambda current: rules.ai_tags_removed(current, names, now))


def _bulk(account_id: str, file_ids: list[str], change: Callable[[FileItem], FileItem | None]) -> BulkUpdateResponse:
    wanted = _existing(account_id, file_ids)
    done, errors = _each(wanted, lambda file_id: _rewrite(account_id, file_id, change))
    return BulkUpdateResponse(successfully_updated_file_ids=done, errors=errors or None)


def _existing(account_id: str, file_ids: list[str]) -> list[str]:
    """``file_ids`` without repeats, in order, once all are known to exist (one batch read per 100); else the 404
    that lists the missing ones."""
    wanted = list(dict.fromkeys(file_ids))
    found = {item.file_id for item in files.store.get_files(account_id, wanted)}
    missing = [file_id for file_id in wanted if file_id not in found]
    if missing:
        raise MissingFilesError(missing)
    return wanted


def _each(file_ids: list[str], act: Callable[[str], object]) -> tuple[list[str], list[BulkFileError]]:
    """``act`` on each file in turn: the ids it succeeded on, and one error per file it failed on (the others go on)."""
    done: list[str] = []
    errors: list[BulkFileError] = []
    for file_id in file_ids:
        try:
            act(file_id)
        except MedialibError as error:
            errors.append(BulkFileError(file_id=file_id, error=error.message))
        else:
            done.append(file_id)
    return done, errors
