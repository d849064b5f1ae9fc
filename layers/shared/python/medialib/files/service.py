"""Use cases of the media library API that exist so far: list the account's files and get one file.

Other domains reach files through this module (``file_exists``, ``path_exists``), never through its store.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice

from medialib.errors import NotFoundError, NotImplementedYetError
from medialib.files.models import (
    FileItem,
    FileResponse,
    FolderResponse,
    ListFilesQuery,
    ListType,
)
from medialib.files.rules import folder_of, matches_file_type, to_file_response, to_folder_response
from medialib.files.store import Child, Entry, FileStore, Listing, TableFileStore

store: FileStore = TableFileStore()  # the one seam: unit tests put an in-memory FileStore here

_NATIVE_SORTS = {"ASC_CREATED": True, "DESC_CREATED": False}
_LISTINGS = {
    ListType.FILE: [Listing.FILES],
    ListType.FILE_VERSION: [Listing.VERSIONS],
    ListType.FOLDER: [Listing.FOLDERS],
    ListType.ALL: [Listing.FOLDERS, Listing.FILES],  # folders first, as ImageKit lists
}
_CHILDREN = {ListType.FILE: Child.FILE, ListType.FOLDER: Child.FOLDER, ListType.ALL: None}


def get_file(account_id: str, file_id: str, base_url: str) -> FileResponse:
    item = store.get_file(account_id, file_id)
    if item is None:
        raise NotFoundError("The requested file does not exist.", reason="FILE_NOT_FOUND")
    return to_file_response(item, base_url)


def file_exists(account_id: str, file_id: str) -> bool:
    return store.get_file(account_id, file_id) is not None


def path_exists(account_id: str, file_path: str) -> bool:
    """Whether a file of the account holds ``file_path`` (``/folder/name.ext``)."""
    return store.path_claimed(account_id, file_path)


def list_files(account_id: str, query: ListFilesQuery, base_url: str) -> list[FileResponse | FolderResponse]:
    """One page of ``GET /v1/files``: the account's own partition only, read with Query, never Scan."""
    if query.search_query:
        raise NotImplementedYetError("searchQuery")
    if query.sort not in _NATIVE_SORTS:
        raise NotImplementedYetError(f"sort={query.sort}")
    entries = (entry for entry in _entries(account_id, query) if matches_file_type(entry, query.file_type))
    page = islice(entries, query.skip, query.skip + query.limit)
    return [_to_response(entry, base_url) for entry in page]


def _entries(account_id: str, query: ListFilesQuery) -> Iterator[Entry]:
    ascending = _NATIVE_SORTS[query.sort]
    if query.path is None:
        return store.account_entries(account_id, _LISTINGS[query.type], ascending=ascending)
    if query.type is ListType.FILE_VERSION:
        raise NotImplementedYetError("type=file-version with path")
    return store.folder_children(account_id, folder_of(query.path), only=_CHILDREN[query.type], ascending=ascending)


def _to_response(entry: Entry, base_url: str) -> FileResponse | FolderResponse:
    if isinstance(entry, FileItem):
        return to_file_response(entry, base_url)
    return to_folder_response(entry)
