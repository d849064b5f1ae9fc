"""The orphan sweep (a schedule of template.yaml runs it): every version object of the originals bucket older than
``rules.MIN_AGE`` whose version record does not exist, and that no version moved into another file still reads
(``files.moves.blob_referenced``), is deleted. One run goes through the bucket in key order
until it is out of time; the next run resumes where it stopped (``store``), then starts over from the first key.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Protocol

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

from medialib.adapters import blobs
from medialib.errors import MedialibError
from medialib.files import moves
from medialib.files import service as files
from medialib.observability import logger
from medialib.orphans import rules
from medialib.orphans.store import SweepStore, TableSweepStore
from medialib.settings import BlobSettings, get_settings


class Originals(Protocol):
    """The originals bucket as the sweep sees it."""

    def list(self, start_after: str | None) -> Iterator[blobs.Listed]: ...

    def delete(self, key: str) -> None: ...


class S3Originals:
    def list(self, start_after: str | None) -> Iterator[blobs.Listed]:
        return blobs.list_keys(get_settings(BlobSettings).originals_bucket, start_after=start_after)

    def delete(self, key: str) -> None:
        blobs.delete(get_settings(BlobSettings).originals_bucket, key)


def _now() -> datetime:
    return datetime.now(UTC)


store: SweepStore = TableSweepStore()  # the seams: tests replace them (and the clock, to age objects)
originals: Originals = S3Originals()
clock: Callable[[], datetime] = _now


class SweepResult(BaseModel):
    """What one run did: ``checked`` old version objects, of which ``deleted`` had no record (``failed``: could not
    be deleted, retried next run); ``complete`` when the run reached the bucket's end."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)

    checked: int = 0
    deleted: int = 0
    failed: int = 0
    complete: bool = True
    resume_after: str | None = None


def sweep(out_of_time: Callable[[], bool]) -> SweepResult:
    """One run, from where the last one stopped, until the bucket's end or ``out_of_time()``."""
    now = clock()
    result = SweepResult()
    last = store.resume_after()
    for listed in originals.list(last):
        if out_of_time():
            result.complete, result.resume_after = False, last
            break
        last = listed.key
        version = rules.version_object(listed.key)
        if version is None or not rules.old_enough(listed.last_modified, now):
            continue
        result.checked += 1
        if files.version_exists(version.account_id, version.file_id, version.version_id):
            continue
        if moves.blob_referenced(version.account_id, version.file_id, version.version_id):
            continue  # a version moved into another file, which still reads this object
        try:
            originals.delete(listed.key)
        except MedialibError:
            logger.warning("could not delete an orphan blob", extra={"key": listed.key})
            result.failed += 1
            continue
        logger.info("orphan blob deleted", extra={"key": listed.key, "last_modified": listed.last_modified.isoformat()})
        result.deleted += 1
    store.save_progress(result.resume_after, now)
    return result
