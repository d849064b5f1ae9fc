"""Use cases on one file's current version and on files by id: delete a file (all its versions), delete many,
update the details of the current version, and add or remove tags and AITags in bulk.

Writes to one file serialise on its version counter (``versionSeq``/``versionId``, docs/data-model.md); a writer
whose transaction lost re-reads the file and tries again, as ``files.service.set_published`` does.
"""

from __future__ import annotations

import random
import time

from medialib.adapters.errors import ConditionFailedError
from medialib.errors import MedialibError, NotFoundError
from medialib.files import rules
from medialib.files import service as files
from medialib.files.rules import blob_key
from medialib.observability import logger, metrics

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
        _discard([blob_key(account_id, file_id, version.version_id) for version in versions])
        metrics.add_metric(name="FileDeleted", unit="Count", value=1)
        return
    raise files.BusyFileError(file_id)


def _discard(keys: list[str]) -> None:
    """Best effort: an object without a version record is invisible, and the orphan sweep deletes it."""
    for key in keys:
        try:
            files.originals.delete(key)
        except MedialibError:
            logger.warning("could not delete a deleted file's object; the orphan sweep will", extra={"key": key})
