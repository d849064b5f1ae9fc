"""Use cases of the media library API that exist so far: list the account's files and get one file."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import chain, islice
from typing import Any

from medialib.adapters import table
from medialib.errors import NotFoundError, NotImplementedYetError
from medialib.files import keys
from medialib.files.models import (
    FileItem,
    FileResponse,
    FileTypeFilter,
    FolderItem,
    FolderResponse,
    ListFilesQuery,
    ListType,
)
from medialib.files.rules import folder_of, to_file_response, to_folder_response

_NATIVE_SORTS = {"ASC_CREATED": True, "DESC_CREATED": False}


def get_file(account_id: str, file_id: str, base_url: str) -> FileResponse:
    item = table.get(keys.file_pk(account_id, file_id), keys.FILE_SK)
    if item is None:
        raise NotFoundError("The requested file does not exist.", reason="FILE_NOT_FOUND")
    return to_file_response(FileItem.model_validate(item), base_url)


def list_files(account_id: str, query: ListFilesQuery, base_url: str) -> list[FileResponse | FolderResponse]:
    """One page of ``GET /v1/files``: the account's own partition only, read with Query, never Scan."""
    if query.search_query:
        raise NotImplementedYetError("searchQuery")
    if query.sort not in _NATIVE_SORTS:
        raise NotImplementedYetError(f"sort={query.sort}")
    rows = _rows(account_id, query)
    if query.file_type is not FileTypeFilter.ALL:
        rows = (row for row in rows if row.get("fileType") in {None, query.file_type.value})
    page = islice(rows, query.skip, query.skip + query.limit)
    return [_to_response(row, base_url) for row in page]


def _rows(account_id: str, query: ListFilesQuery) -> Iterator[dict[str, Any]]:
    forward = _NATIVE_SORTS[query.sort]
    if query.path is not None:
        if query.type is ListType.FILE_VERSION:
            raise NotImplementedYetError("type=file-version with path")
        prefix = {ListType.FILE: "FILE#", ListType.FOLDER: "FOLDER#"}.get(query.type)
        return table.query(
            keys.folder_listing_pk(account_id, folder_of(query.path)),
            index="GSI1",
            sk_prefix=prefix,
            forward=forward,
        )
    partitions = {
        ListType.FILE: [keys.account_files_pk],
        ListType.FILE_VERSION: [keys.account_versions_pk],
        ListType.FOLDER: [keys.account_folders_pk],
        ListType.ALL: [keys.account_folders_pk, keys.account_files_pk],  # folders first, as ImageKit lists
    }
    return chain.from_iterable(
        table.query(pk(account_id), index="GSI2", forward=forward) for pk in partitions[query.type]
    )


def _to_response(row: dict[str, Any], base_url: str) -> FileResponse | FolderResponse:
    if "folderId" in row:
        return to_folder_response(FolderItem.model_validate(row))
    return to_file_response(FileItem.model_validate(row), base_url)
