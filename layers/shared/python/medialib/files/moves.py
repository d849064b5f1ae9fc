"""Copy, move and rename a file (seed 001, docs/moves.md): the API's use cases (``copy``, ``move``, ``rename``, by
path) and the primitives FOLDERS runs for every file of a folder (``copy_file``, ``move_file``).

- Copy makes new versions (new ids, numbers and ik-obj-version tokens) whose objects are S3 server-side copies;
  only the current version unless ``include_versions``.
- Move and rename are metadata only: no object is rewritten. Without a file at the destination the file keeps its
  id and takes the new path (``relocate``); onto a file of that name, every version joins that file's history and
  keeps its object: the version's record names it (``blobKey``) and a reference row keeps the orphan sweep off it.
- Only a file's current version is named by a path: a version's URL form is refused by the request models.
"""

from __future__ import annotations

import random
import secrets
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from urllib.parse import quote

from medialib.accounts.models import Account
from medialib.adapters import blobs
from medialib.adapters.errors import ConditionFailedError
from medialib.errors import ConflictError, MedialibError, NotFoundError
from medialib.files import service as files
from medialib.files.models import FileItem, MoveRecord, VersionedFile
from medialib.files.rules import (
    blob_key,
    check_version_room,
    copied_version,
    destination_of,
    in_append_order,
    moved_version,
    relocated,
    relocated_current,
    version_object_key,
)
from medialib.files.store import MoveStore, TableMoveStore, UnfinishedWriteError
from medialib.observability import logger, metrics
from medialib.purge import service as purge
from medialib.settings import BlobSettings, get_settings


class Objects(Protocol):
    """The originals bucket as copies see it (deletes go through ``files.service``)."""

    def copy(self, source_key: str, dest_key: str) -> None: ...


class S3Objects:
    def copy(self, source_key: str, dest_key: str) -> None:
        blobs.copy(get_settings(BlobSettings).originals_bucket, source_key, dest_key)


store: MoveStore = TableMoveStore()  # the seams
objects: Objects = S3Objects()


def _source_missing(path: str) -> NotFoundError:
    return NotFoundError(f"No file found with filePath {path}", reason="SOURCE_FILE_MISSING")


def _at(account_id: str, path: str) -> VersionedFile | None:
    """The file holding ``path`` with its counters, or None."""
    file_id = files.store.file_id_at(account_id, path)
    current = files.store.versioned(account_id, file_id) if file_id else None
    return current if current is not None and current.item.file_path == path else None


def _retry_pause() -> None:
    time.sleep(random.uniform(0.005, 0.05))  # noqa: S311 - jitter, not a secret


def _ensure_folders(account_id: str, folder: str, now: datetime) -> None:
    """The destination's folders, made as upload makes them (kept when they exist)."""
    store.ensure_folders(files.folders_on_the_way(account_id, folder, now))


# ------------------------------------------------------------------ copy


def copy_file(
    account_id: str, source: FileItem, destination_folder: str, *, include_versions: bool, now: datetime
) -> FileItem:
    """Copy ``source`` (its current version, or every version oldest first) into ``destination_folder``: a new
    file, or, onto a file of the same name, new versions appended to its history (the last, the source's current
    version, becomes current). Objects are copied first, records next; an object whose record was not written is
    deleted (or, if that fails too, swept). Returns the destination's current record. Not idempotent: each call
    makes new versions (a second call appends them again), as ImageKit does."""
    path = destination_of(destination_folder, source.name)
    written: set[str] = set()
    try:
        for _ in range(files.MAX_ATTEMPTS):
            src = files.store.versioned(account_id, source.file_id)
            if src is None:
                raise _source_missing(source.file_path)
            versions = (
                in_append_order(files.store.versions(account_id, src.item.file_id), src.item.version_id)
                if include_versions
                else [src.item]
            )
            dest = src if src.item.file_path == path else _at(account_id, path)
            if dest is not None:
                check_version_room(dest.count, len(versions), path)
            copies = _copies(versions, dest, path, now)
            for original, copy in zip(versions, copies, strict=True):
                key = blob_key(account_id, copy.file_id, copy.version_id)
                if key not in written:
                    objects.copy(version_object_key(original), key)
                    written.add(key)
            try:
                if dest is None:
                    _ensure_folders(account_id, destination_folder, now)
                    store.create_copy(copies)
                else:
                    store.append_copies(dest, copies)
            except ConditionFailedError:
                _retry_pause()
                continue
            except UnfinishedWriteError as unfinished:
                # The destination went away after the first transaction: the rest has nowhere to go. The objects of
                # the copies not recorded are left to the orphan sweep (those recorded went with the destination).
                logger.warning("copy left unfinished", extra={"path": path, "written": unfinished.done})
                written.clear()
                return copies[-1].model_copy(update={"type": "file"})
            written -= {blob_key(account_id, c.file_id, c.version_id) for c in copies}
            metrics.add_metric(name="FileCopied", unit="Count", value=1)
            return copies[-1].model_copy(update={"type": "file"})
        raise files.BusyFileError(path)
    finally:
        files._discard(sorted(written))


def _copies(versions: list[FileItem], dest: VersionedFile | None, path: str, now: datetime) -> list[FileItem]:
    """New records for ``versions`` at ``path``: versions 1..n of a new file (whose id is its first version's),
    or the next numbers of ``dest``."""
    ids = [files.new_id() for _ in versions]
    file_id = dest.item.file_id if dest is not None else ids[0]
    base = dest.seq if dest is not None else 0
    return [
        copied_version(
            version,
            file_id=file_id,
            file_path=path,
            version_id=version_id,
            number=base + index + 1,
            token=secrets.token_urlsafe(16),
            now=now,
        )
        for index, (version, version_id) in enumerate(zip(versions, ids, strict=True))
    ]


def copy(account_id: str, source_path: str, destination_folder: str, *, include_versions: bool, now: datetime) -> None:
    """``POST /v1/files/copy``."""
    source = files.file_at(account_id, source_path)
    if source is None:
        raise _source_missing(source_path)
    copy_file(account_id, source, destination_folder, include_versions=include_versions, now=now)


# ------------------------------------------------------------------ move


def move_file(account_id: str, source: FileItem, destination_folder: str, *, now: datetime) -> FileItem:
    """Move ``source`` with every version into ``destination_folder``; metadata only. Without a file at the
    destination it keeps its id and takes the new path; onto a file of the same name its versions are appended to
    that file's history (the source's current version last, so it becomes current) and the source file is gone.
    Returns the destination's current record. A retry after success (the source gone, its move recorded) finishes
    what is left and returns the same; a move onto itself changes nothing."""
    path = destination_of(destination_folder, source.name)
    for _ in range(files.MAX_ATTEMPTS):
        src = files.store.versioned(account_id, source.file_id)
        if src is None or src.item.file_path != source.file_path:
            return _finish_recorded(account_id, source.file_path, path, source.file_id)
        if src.item.file_path == path:
            return src.item
        dest = _at(account_id, path)
        try:
            if dest is None:
                moved = _relocate(src, path, now, folder=destination_folder)
            else:
                moved = _append_moved(src, dest, path, now)
        except ConditionFailedError:
            _retry_pause()
            continue
        metrics.add_metric(name="FileMoved", unit="Count", value=1)
        return moved
    raise files.BusyFileError(source.file_path)


def _relocate(src: VersionedFile, path: str, now: datetime, *, folder: str | None) -> FileItem:
    """The file takes ``path`` (same id): its record, its path claim and every version row. ConditionFailedError
    when the first transaction lost (re-read and try again)."""
    account_id, file_id = src.item.account_id, src.item.file_id
    if folder is not None:
        _ensure_folders(account_id, folder, now)
    current = relocated_current(src.item, path, now)
    versions = files.store.versions(account_id, file_id)
    rows = [relocated(v, path) for v in sorted(versions, key=lambda v: v.version_id != current.version_id)]
    record = MoveRecord(
        account_id=account_id,
        source_path=src.item.file_path,
        from_file_id=file_id,
        to_file_id=file_id,
        to_path=path,
        moved_at=now,
    )
    try:
        store.relocate(src, current, rows, record)
    except UnfinishedWriteError:
        # Moved or renamed again in between: that write rewrites every version row to its own path.
        logger.info("relocation overtaken", extra={"file_id": file_id})
    return current


def _append_moved(src: VersionedFile, dest: VersionedFile, path: str, now: datetime) -> FileItem:
    account_id = src.item.account_id
    versions = files.store.versions(account_id, src.item.file_id)
    check_version_room(dest.count, len(versions), path)
    ordered = in_append_order(versions, src.item.version_id)
    moved = [
        moved_version(version, file_id=dest.item.file_id, file_path=path, number=dest.seq + index + 1, now=now)
        for index, version in enumerate(ordered)
    ]
    record = MoveRecord(
        account_id=account_id,
        source_path=src.item.file_path,
        from_file_id=src.item.file_id,
        to_file_id=dest.item.file_id,
        to_path=path,
        numbers={version.version_id: version.version_number for version in moved},
        moved_at=now,
    )
    try:
        store.append_moved(src, dest, moved, record)
    except UnfinishedWriteError:
        _finish_or_warn(record)
    return moved[-1].model_copy(update={"type": "file"})


def _finish_recorded(account_id: str, source_path: str, path: str, file_id: str | None) -> FileItem:
    """The source is gone: if a move of it to ``path`` is recorded, finish what it left and return the
    destination's current record; else 404."""
    record = store.move_record(account_id, source_path)
    if record is None or record.to_path != path or (file_id is not None and record.from_file_id != file_id):
        raise _source_missing(source_path)
    _finish_or_warn(record)
    current = files.store.get_file(account_id, record.to_file_id)
    if current is None:
        raise _source_missing(source_path)
    return current


def _finish_or_warn(record: MoveRecord) -> None:
    """Rewrite what a move left behind (a crash, or a writer in between): version rows still at the old path, or
    still under the source file. Best effort: what it cannot finish now, the next retry of the call does."""
    try:
        _finish(record)
    except (ConditionFailedError, UnfinishedWriteError):
        logger.warning("move left unfinished", extra={"source_path": record.source_path, "to": record.to_file_id})


def _finish(record: MoveRecord) -> None:
    account_id = record.account_id
    if record.from_file_id == record.to_file_id:
        current = files.store.get_file(account_id, record.to_file_id)
        if current is None or current.file_path != record.to_path:
            return  # moved on since (or deleted): that write owns the rows now
        stale = [
            relocated(v, current.file_path)
            for v in files.store.versions(account_id, current.file_id)
            if v.file_path != current.file_path or v.name != current.name
        ]
        store.finish_relocation(current, stale)
        return
    dest = files.store.get_file(account_id, record.to_file_id)
    left = [v for v in files.store.versions(account_id, record.from_file_id) if v.version_id in record.numbers]
    if not left:
        return
    if dest is None:
        # The destination was deleted while the move went on: what had not arrived goes the way of what had.
        store.drop_rows(left)
        files._discard([version_object_key(v) for v in left])
        return
    moved = [
        moved_version(
            version,
            file_id=dest.file_id,
            file_path=dest.file_path,
            number=record.numbers[version.version_id],
            now=dest.updated_at,
        )
        for version in left
    ]
    store.move_rows(dest.file_id, record.from_file_id, moved)


def move(account_id: str, source_path: str, destination_folder: str, *, now: datetime) -> None:
    """``POST /v1/files/move``."""
    source = files.file_at(account_id, source_path)
    if source is None:
        path = destination_of(destination_folder, source_path.rsplit("/", 1)[1])
        _finish_recorded(account_id, source_path, path, None)
        return
    move_file(account_id, source, destination_folder, now=now)


# ------------------------------------------------------------------ rename


@dataclass(frozen=True)
class Renamed:
    """A rename done: the file's record, and its purge (``purgeCache``): the request's id, or why it failed."""

    item: FileItem
    purge_request_id: str | None = None
    purge_error: MedialibError | None = None


class FileAlreadyExistsError(ConflictError):
    """Another file holds the new name: a retry cannot help (``x-should-retry: false``)."""

    def __init__(self, path: str) -> None:
        super().__init__(
            f"A file already exists at {path}; nothing was renamed.",
            help="Choose another name, or delete that file first.",
            reason="FILE_ALREADY_EXISTS",
        )


def rename(account: Account, file_path: str, new_name: str, *, purge_cache: bool, now: datetime) -> Renamed:
    """``PUT /v1/files/rename``: every version takes the new name (metadata only); the old URL 404s at once at the
    origin. With ``purge_cache`` one purge of the old URL and every URL under it, counted in the quota; a purge
    that fails leaves the rename done (the answer says so)."""
    account_id = account.account_id
    path = destination_of(file_path.rsplit("/", 1)[0] or "/", new_name)
    item = _renamed(account_id, file_path, path, now)
    if not purge_cache:
        return Renamed(item)
    try:
        request_id = purge_old_url(account, file_path, now)
    except MedialibError as err:
        logger.warning("rename purge failed", extra={"status": err.status, "reason": err.reason})
        return Renamed(item, purge_error=err)
    return Renamed(item, purge_request_id=request_id)


def _renamed(account_id: str, file_path: str, path: str, now: datetime) -> FileItem:
    for _ in range(files.MAX_ATTEMPTS):
        src = _at(account_id, file_path)
        if src is None:
            return _finish_recorded(account_id, file_path, path, None)
        if path == file_path:
            return src.item
        if files.store.path_claimed(account_id, path):
            raise FileAlreadyExistsError(path)
        try:
            moved = _relocate(src, path, now, folder=None)
        except ConditionFailedError:
            _retry_pause()
            continue
        metrics.add_metric(name="FileRenamed", unit="Count", value=1)
        return moved
    raise files.BusyFileError(file_path)


def purge_old_url(account: Account, old_path: str, now: datetime) -> str:
    """One purge of ``<old-url>*`` (the file and every query-string variant; seed 003's wildcard rules apply).
    When the old path cannot take a wildcard (``/ab*``: one level, under 15 characters, no extension), the old URL
    itself is purged: the purge module invalidates a URL as ``/{acc}/path*`` anyway, so the CDN forgets the same
    (docs/moves.md)."""
    url = purge.delivery_endpoints(account.account_id)[0] + quote(old_path)
    try:
        answer = purge.request_purge(account, url + "*", now)
    except MedialibError as err:
        if err.reason != "INVALID_PURGE_URL":
            raise
        answer = purge.request_purge(account, url, now)
    assert answer.request_id is not None
    return answer.request_id


# ------------------------------------------------------------------ the orphan sweep


def blob_referenced(account_id: str, file_id: str, version_id: str) -> bool:
    """Whether a version moved into another file still has ``{acc}/{file_id}/{version_id}`` as its object (its
    reference row names the file holding it, and that file's version says so): the sweep keeps such objects."""
    holder = store.blob_holder(account_id, file_id, version_id)
    if holder is None:
        return False
    version = files.store.get_version(account_id, holder, version_id)
    return version is not None and version_object_key(version) == blob_key(account_id, file_id, version_id)
