"""The files domain's part of the single table: its keys, index names and queries (docs/data-model.md).

Services speak domain terms to a ``FileStore``; ``TableFileStore`` is the only code that knows how files,
versions, folders and path claims are laid out. Other domains reach files through ``medialib.files.service``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from enum import StrEnum
from itertools import chain
from typing import Any, Protocol

from medialib.adapters import table
from medialib.files.models import FileItem, FolderItem

Entry = FileItem | FolderItem


class Listing(StrEnum):
    """What an account-wide listing holds: current files, non-current versions, or folders."""

    FILES = "files"
    VERSIONS = "versions"
    FOLDERS = "folders"


class Child(StrEnum):
    FILE = "file"
    FOLDER = "folder"


class FileStore(Protocol):
    def get_file(self, account_id: str, file_id: str) -> FileItem | None:
        """The current record of a file, or None."""
        ...

    def path_claimed(self, account_id: str, file_path: str) -> bool:
        """Whether a file holds ``file_path`` (its path claim exists)."""
        ...

    def folder_children(
        self, account_id: str, folder_path: str, *, only: Child | None, ascending: bool
    ) -> Iterator[Entry]:
        """Direct children of a folder: files (by name), then folders (by name); ``ascending=False`` reverses."""
        ...

    def account_entries(self, account_id: str, listings: Iterable[Listing], *, ascending: bool) -> Iterator[Entry]:
        """Each listing in the order given, each sorted by creation time (then id); ``ascending=False``
        reverses within each listing."""
        ...


# Keys. Every partition starts with the account, so an account only ever reads its own items.


def _file_key(account_id: str, file_id: str) -> tuple[str, str]:
    """Partition of one file: its current record (SK ``FILE``) and its versions (SK ``VERSION#<id>``)."""
    return f"ACCOUNT#{account_id}#FILE#{file_id}", "FILE"


def _path_key(account_id: str, file_path: str) -> tuple[str, str]:
    return f"ACCOUNT#{account_id}#PATH#{file_path}", "PATH"


# GSI1: a folder's direct children, ``ACCOUNT#<acc>#FOLDER#<path>`` / ``FILE#<name>`` or ``FOLDER#<name>``.
_FOLDER_INDEX = "GSI1"
# GSI2: an account's files, versions or folders, ``ACCOUNT#<acc>#FILES`` (...) / ``<createdAt>#<id>``.
_ACCOUNT_INDEX = "GSI2"
_CHILD_PREFIX = {Child.FILE: "FILE#", Child.FOLDER: "FOLDER#"}
_LISTING_SUFFIX = {Listing.FILES: "FILES", Listing.VERSIONS: "VERSIONS", Listing.FOLDERS: "FOLDERS"}


def _folder_pk(account_id: str, folder_path: str) -> str:
    return f"ACCOUNT#{account_id}#FOLDER#{folder_path}"


def _listing_pk(account_id: str, listing: Listing) -> str:
    return f"ACCOUNT#{account_id}#{_LISTING_SUFFIX[listing]}"


def _entry(item: dict[str, Any]) -> Entry:
    return FolderItem.model_validate(item) if "folderId" in item else FileItem.model_validate(item)


class TableFileStore:
    def get_file(self, account_id: str, file_id: str) -> FileItem | None:
        item = table.get(*_file_key(account_id, file_id))
        return None if item is None else FileItem.model_validate(item)

    def path_claimed(self, account_id: str, file_path: str) -> bool:
        return table.get(*_path_key(account_id, file_path)) is not None

    def folder_children(
        self, account_id: str, folder_path: str, *, only: Child | None, ascending: bool
    ) -> Iterator[Entry]:
        items = table.query(
            _folder_pk(account_id, folder_path),
            index=_FOLDER_INDEX,
            sk_prefix=_CHILD_PREFIX[only] if only else None,
            forward=ascending,
        )
        return (_entry(item) for item in items)

    def account_entries(self, account_id: str, listings: Iterable[Listing], *, ascending: bool) -> Iterator[Entry]:
        items = chain.from_iterable(
            table.query(_listing_pk(account_id, listing), index=_ACCOUNT_INDEX, forward=ascending)
            for listing in listings
        )
        return (_entry(item) for item in items)
