"""Use cases of the media library API that exist so far: get one file (listing is ``files/listing.py``), store an
uploaded version (``store_version``, the one entry of the upload pipeline into files), and a file's versions.

Other domains reach files through this module (``file_exists``, ``path_exists``, ``store_version``), never
through its store.
"""

from __future__ import annotations

import random
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from medialib.adapters import blobs
from medialib.adapters.errors import ConditionFailedError
from medialib.errors import BadRequestError, ConflictError, MedialibError, NotFoundError
from medialib.files.models import (
    FileItem,
    FileResponse,
    FolderItem,
    NewVersion,
    VersionedFile,
)
from medialib.files.rules import (
    MAX_VERSIONS,
    as_listed_version,
    blob_key,
    new_version_item,
    republished,
    restored_item,
    to_file_response,
    to_republish,
    version_object_key,
)
from medialib.files.store import FileStore, TableFileStore, TableFolderStore
from medialib.observability import logger
from medialib.settings import BlobSettings, get_settings
from medialib.upload import rules as upload_rules


class Blobs(Protocol):
    """The originals bucket as the files domain sees it: one immutable object per version."""

    def put(self, key: str, body: bytes, content_type: str) -> None: ...

    def delete(self, key: str) -> None: ...

    def delete_many(self, keys: list[str]) -> list[str]:
        """Delete the objects in as few requests as the bucket allows; the keys that could not be deleted."""
        ...


class S3Blobs:
    def put(self, key: str, body: bytes, content_type: str) -> None:
        blobs.put(get_settings(BlobSettings).originals_bucket, key, body, content_type=content_type)

    def delete(self, key: str) -> None:
        blobs.delete(get_settings(BlobSettings).originals_bucket, key)

    def delete_many(self, keys: list[str]) -> list[str]:
        return blobs.delete_many(get_settings(BlobSettings).originals_bucket, keys)


store: FileStore = TableFileStore()  # the seams: unit tests put an in-memory FileStore and Blobs here
originals: Blobs = S3Blobs()
folder_store = TableFolderStore()

# Concurrent writers of one file serialise on its version counter; a writer that lost retries with a fresh read.
MAX_ATTEMPTS = 30
_BACKOFF_SECONDS = (0.005, 0.05)


class BusyFileError(ConflictError):
    """Other writers kept winning the race for one file: nothing was stored, and a retry will succeed."""

    retryable = True

    def __init__(self, path: str) -> None:
        super().__init__(
            f"Other uploads to {path} are in progress; nothing was stored. Please retry.", reason="CONCURRENT_UPLOADS"
        )


def get_file(account_id: str, file_id: str, base_url: str) -> FileResponse:
    return to_file_response(current_item(account_id, file_id), base_url)


def current_item(account_id: str, file_id: str) -> FileItem:
    """The current record of the account's file; 404 for no such file (or another account's)."""
    item = store.get_file(account_id, file_id)
    if item is None:
        raise NotFoundError("The requested file does not exist.", reason="FILE_NOT_FOUND")
    return item


def file_exists(account_id: str, file_id: str) -> bool:
    return store.get_file(account_id, file_id) is not None


def version_exists(account_id: str, file_id: str, version_id: str) -> bool:
    """Whether a record points to the version's object (the orphan sweep deletes objects without one)."""
    return store.get_version(account_id, file_id, version_id) is not None


def path_exists(account_id: str, file_path: str) -> bool:
    """Whether a file of the account holds ``file_path`` (``/folder/name.ext``)."""
    return store.path_claimed(account_id, file_path)


def file_at(account_id: str, file_path: str) -> FileItem | None:
    """The current record of the account's file at ``file_path`` (``/folder/name.ext``), or None (delivery)."""
    file_id = store.file_id_at(account_id, file_path)
    item = store.get_file(account_id, file_id) if file_id else None
    return item if item is not None and item.file_path == file_path else None


def files_under(account_id: str, path_prefix: str, *, limit: int) -> list[FileItem]:
    """The account's current files whose path starts with ``path_prefix`` (``/folder/na`` matches
    ``/folder/name.jpg`` and ``/folder/nab/x.png``), at most ``limit``: the folder of the prefix and its
    matching subfolders, walked breadth first by Query (purge's wildcard), never Scan."""
    found: list[FileItem] = []
    folders = [path_prefix.rsplit("/", 1)[0] or "/"]
    while folders and len(found) < limit:
        folder = folders.pop(0)
        for entry in store.folder_children(account_id, folder, only=None, ascending=True):
            if isinstance(entry, FileItem) and entry.file_path.startswith(path_prefix):
                found.append(entry)
                if len(found) == limit:
                    break
            elif isinstance(entry, FolderItem) and _within(entry.folder_path, path_prefix):
                folders.append(entry.folder_path)
    return found


def _within(folder_path: str, path_prefix: str) -> bool:
    """Whether a folder can hold a path starting with ``path_prefix``: it is inside it, or it is on its way."""
    folder = folder_path.rstrip("/") + "/"
    return folder.startswith(path_prefix) or path_prefix.startswith(folder)


def paths_of(account_id: str, file_ids: list[str]) -> list[str]:
    """The paths of the account's files among ``file_ids`` (those that exist), read in batches of 100."""
    return sorted({item.file_path for item in store.get_files(account_id, file_ids)})


def versions_of(account_id: str, file_id: str) -> list[FileItem]:
    """Every stored version of a file, the current one included, by version number (delivery's ik-obj-version)."""
    return store.versions(account_id, file_id)


# ------------------------------------------------------------------ storing an uploaded version


def new_id() -> str:
    """ImageKit's ids are 24 hexadecimal characters."""
    return secrets.token_hex(12)


def folders_on_the_way(account_id: str, folder: str, now: datetime) -> list[FolderItem]:
    """The folder rows from the top down to ``folder`` (the root has none), new: a store keeps each that exists."""
    return [
        FolderItem(
            account_id=account_id,
            folder_id=new_id(),
            name=path.rsplit("/", 1)[-1],
            folder_path=path,
            created_at=now,
            updated_at=now,
        )
        for path in upload_rules.folders_on_the_way(folder)
    ]


def _current_at(account_id: str, path: str) -> VersionedFile | None:
    file_id = store.file_id_at(account_id, path)
    current = None if file_id is None else store.versioned(account_id, file_id)
    # The claim read before a move or rename and the record after it: the file is no longer at this path.
    return current if current is not None and current.item.file_path == path else None


def _may_add_version(previous: VersionedFile, new: NewVersion) -> None:
    path = previous.item.file_path
    if not new.overwrite_file:
        raise BadRequestError(
            f"A file already exists at {path} and overwriteFile is false; nothing was uploaded.",
            reason="FILE_ALREADY_EXISTS",
        )
    if previous.count >= MAX_VERSIONS:
        raise BadRequestError(
            f"{path} already has {MAX_VERSIONS} versions, the most a file can have. Delete a version first.",
            reason="VERSION_LIMIT_REACHED",
        )


def ensure_folders(account_id: str, folder: str, now: datetime) -> None:
    """Create ``folder`` and the folders on its way unless they exist (a copy's or a move's destination)."""
    folders = folders_on_the_way(account_id, folder, now)
    if folders:
        folder_store.create_folders(folders)


def discard(keys: list[str]) -> None:
    """Delete objects no record points to (a deleted file's, a write that lost): DeleteObjects batches, best
    effort. An object left (S3 failing) is invisible, only costs storage, and the daily orphan sweep deletes it."""
    if not keys:
        return
    try:
        left = originals.delete_many(keys)
    except MedialibError:
        left = keys
    if left:
        logger.warning("could not delete unreferenced objects; the orphan sweep will", extra={"keys": left[:20]})


def store_version(account_id: str, new: NewVersion, content: bytes, now: datetime | None = None) -> FileItem:
    """Store ``content`` as a new file at ``new``'s path, or as a new version of the file there. The bytes go
    to S3 first, then the records in one transaction; if the records cannot be written the bytes are deleted,
    so nothing half-made is visible. Concurrent uploads to one path each become a version, none is lost."""
    now = now or datetime.now(UTC)
    path = f"{new.folder.rstrip('/')}/{new.name}"
    version_id, token = new_id(), secrets.token_urlsafe(16)
    written: list[str] = []
    try:
        for attempt in range(MAX_ATTEMPTS):
            # A path that may not be replaced is almost always new (a unique name): try to create it unread; the
            # path claim's condition tells if it exists, and the next attempt reads it.
            previous = None if attempt == 0 and not new.overwrite_file else _current_at(account_id, path)
            if previous is not None:
                _may_add_version(previous, new)
            item = new_version_item(new, previous, account_id=account_id, version_id=version_id, token=token, now=now)
            key = blob_key(account_id, item.file_id, item.version_id)
            if key not in written:
                originals.put(key, content, item.mime)
                written.append(key)
            try:
                if previous is None:
                    store.create_file(item, folders_on_the_way(account_id, new.folder, now))
                else:
                    store.add_version(item, previous)
            except ConditionFailedError:
                time.sleep(random.uniform(*_BACKOFF_SECONDS))  # noqa: S311 - jitter, not a secret
                continue
            discard([k for k in written if k != key])
            return item
        raise BusyFileError(path)
    except BaseException:
        discard(written)
        raise


# ------------------------------------------------------------------ versions


def _versioned(account_id: str, file_id: str) -> VersionedFile:
    current = store.versioned(account_id, file_id)
    if current is None:
        raise NotFoundError("The requested file does not exist.", reason="FILE_NOT_FOUND")
    return current


def _version(account_id: str, file_id: str, version_id: str) -> FileItem:
    version = store.get_version(account_id, file_id, version_id)
    if version is None:
        raise NotFoundError("The requested file version does not exist.", reason="FILE_VERSION_NOT_FOUND")
    return version


def list_versions(account_id: str, file_id: str, base_url: str) -> list[FileResponse]:
    current = _versioned(account_id, file_id)
    return [
        to_file_response(as_listed_version(version, current.item.version_id), base_url)
        for version in store.versions(account_id, file_id)
    ]


def get_version(account_id: str, file_id: str, version_id: str, base_url: str) -> FileResponse:
    current = _versioned(account_id, file_id)
    version = _version(account_id, file_id, version_id)
    return to_file_response(as_listed_version(version, current.item.version_id), base_url)


def restore_version(account_id: str, file_id: str, version_id: str, base_url: str) -> FileResponse:
    """A non-current version becomes current again; the one that was current stays in the history."""
    for _ in range(MAX_ATTEMPTS):
        current = _versioned(account_id, file_id)
        version = _version(account_id, file_id, version_id)
        if version.version_id == current.item.version_id:
            raise BadRequestError("This version is already the current version of the file.", reason="CURRENT_VERSION")
        restored = restored_item(version, datetime.now(UTC))
        # The file's path, not the version row's: a move interrupted between its transactions may leave it stale.
        restored = restored.model_copy(update={"file_path": current.item.file_path, "name": current.item.name})
        try:
            store.restore_version(restored, current)
        except ConditionFailedError:
            continue
        return to_file_response(restored, base_url)
    raise BusyFileError(file_id)


def delete_version(account_id: str, file_id: str, version_id: str) -> None:
    """Delete a non-current version (its record, then its object); the current version cannot be deleted."""
    for _ in range(MAX_ATTEMPTS):
        current = store.versioned(account_id, file_id)
        version = store.get_version(account_id, file_id, version_id) if current else None
        if current is None or version is None:
            raise NotFoundError("The requested asset does not exist.", reason="FILE_VERSION_NOT_FOUND")
        if version_id == current.item.version_id:
            raise BadRequestError("You cannot delete current version of a file.", reason="CURRENT_VERSION")
        try:
            store.delete_version(account_id, file_id, version_id)
        except ConditionFailedError:
            continue
        discard([version_object_key(version)])  # a version moved in from another file keeps its own object
        return
    raise BusyFileError(file_id)


# ------------------------------------------------------------------ published state


@dataclass(frozen=True)
class Publication:
    """What a publish request left: the file's current record, and whether any version's state changed."""

    item: FileItem
    changed: bool


def set_published(
    account_id: str, file_id: str, *, is_published: bool, include_file_versions: bool, now: datetime
) -> Publication:
    """Publish or unpublish the file's current version, or every version with ``include_file_versions``; each
    version whose state changes gets a new ik-obj-version token. A request that changes nothing writes nothing (a
    retry is harmless). Concurrent writers of the file: retried on a fresh read."""
    for _ in range(MAX_ATTEMPTS):
        previous = _versioned(account_id, file_id)
        versions = store.versions(account_id, file_id) if include_file_versions else []
        tokens = {
            version.version_id: secrets.token_urlsafe(16)
            for version in to_republish(
                previous.item, versions, is_published=is_published, include_file_versions=include_file_versions
            )
        }
        if not tokens:
            return Publication(previous.item, changed=False)
        by_id = {version.version_id: version for version in versions} | {previous.item.version_id: previous.item}
        changed = [
            republished(by_id[version_id], is_published=is_published, token=token, now=now)
            for version_id, token in tokens.items()
        ]
        try:
            store.set_published(previous, changed)
        except ConditionFailedError:
            time.sleep(random.uniform(*_BACKOFF_SECONDS))  # noqa: S311 - jitter, not a secret
            continue
        current = next((version for version in changed if version.version_id == previous.item.version_id), None)
        return Publication(current or previous.item, changed=True)
    raise BusyFileError(file_id)
