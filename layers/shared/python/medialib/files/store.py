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
from medialib.files.models import FileItem, FolderItem, VersionedFile

Entry = FileItem | FolderItem

# The writes of one set_published transaction (DynamoDB's limit); a module constant so tests can lower it.
PUBLISH_CHUNK_WRITES = table.MAX_TRANSACTION_WRITES


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

    def get_files(self, account_id: str, file_ids: list[str]) -> list[FileItem]:
        """The current records of those of ``file_ids`` that exist (in no particular order)."""
        ...

    def path_claimed(self, account_id: str, file_path: str) -> bool:
        """Whether a file holds ``file_path`` (its path claim exists)."""
        ...

    def folder_children(
        self, account_id: str, folder_path: str, *, only: Child | None, ascending: bool, page_size: int = 100
    ) -> Iterator[Entry]:
        """Direct children of a folder: files (by name), then folders (by name); ``ascending=False`` reverses.
        ``page_size``: the items one Query page holds (a listing that reads everything asks for large pages)."""
        ...

    def account_entries(
        self, account_id: str, listings: Iterable[Listing], *, ascending: bool, page_size: int = 100
    ) -> Iterator[Entry]:
        """Each listing in the order given, each sorted by creation time (then id); ``ascending=False``
        reverses within each listing."""
        ...

    def file_id_at(self, account_id: str, file_path: str) -> str | None:
        """The id of the file that holds ``file_path`` (its path claim), or None."""
        ...

    def versioned(self, account_id: str, file_id: str) -> VersionedFile | None:
        """The file's current record with its version counters, or None."""
        ...

    def create_file(self, item: FileItem, folders: list[FolderItem]) -> None:
        """In one transaction: the path claim, the file, its first version, and the folders on the way (kept when
        they exist). ConditionFailedError when the path is already claimed: nothing is written."""
        ...

    def add_version(self, item: FileItem, previous: VersionedFile) -> None:
        """In one transaction: ``item`` becomes the current record and a version, ``previous`` stays in the
        history. ConditionFailedError when the file changed since ``previous`` was read: nothing is written."""
        ...

    def versions(self, account_id: str, file_id: str) -> list[FileItem]:
        """Every version of a file (the current one included), as stored, by version number."""
        ...

    def get_version(self, account_id: str, file_id: str, version_id: str) -> FileItem | None: ...

    def restore_version(self, current: FileItem, previous: VersionedFile) -> None:
        """``current`` (a restored version) becomes the file's current record. ConditionFailedError when the
        file changed since ``previous`` was read."""
        ...

    def set_published(self, previous: VersionedFile, changed: list[FileItem]) -> None:
        """Write the changed versions' published state and tokens (the current record's too, when the current
        version is among them), and move the file's publish generation on. More versions than one transaction holds
        are written in several: the first (the current record and up to 99 versions) under the condition that the
        file is as ``previous`` read it (its version and its publish generation), each later one under the
        condition that the file still holds the generation the first wrote. ConditionFailedError when a condition
        fails: that transaction is not written (earlier ones stay; a retry on a fresh read completes them)."""
        ...

    def delete_version(self, account_id: str, file_id: str, version_id: str) -> None:
        """Remove a non-current version's record. ConditionFailedError when it is current or absent."""
        ...

    def folder_children_by_created(
        self, account_id: str, folder_path: str, *, only: Child, ascending: bool, page_size: int = 100
    ) -> Iterator[Entry]:
        """Direct children of a folder of one kind, by creation time (then id); ``ascending=False`` reverses.
        (SEARCH: a folder's listing by creation time reads only the page it answers.)"""
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


def _version_key(account_id: str, file_id: str, version_id: str) -> tuple[str, str]:
    return f"ACCOUNT#{account_id}#FILE#{file_id}", f"VERSION#{version_id}"


def _folder_key(account_id: str, folder_path: str) -> tuple[str, str]:
    return _folder_pk(account_id, folder_path), "FOLDER"


def _parent_of(path: str) -> str:
    return path.rsplit("/", 1)[0] or "/"


def _row(item: FileItem | FolderItem) -> dict[str, Any]:
    return item.model_dump(by_alias=True, mode="json", exclude_none=True)


def _file_row(item: FileItem, seq: int, count: int, publish_seq: int = 0) -> dict[str, Any]:
    """The current record: in its folder (GSI1) and in the account's files (GSI2), with the version counters and
    the publish generation (``publishSeq``, absent = 0; see ``set_published``)."""
    row = _row(item.model_copy(update={"type": "file"}))
    pk, sk = _file_key(item.account_id, item.file_id)
    return {
        **row,
        "PK": pk,
        "SK": sk,
        "GSI1PK": _folder_pk(item.account_id, _parent_of(item.file_path)),
        "GSI1SK": f"FILE#{item.name}",
        "GSI2PK": _listing_pk(item.account_id, Listing.FILES),
        "GSI2SK": f"{row['createdAt']}#{item.file_id}",
        **_created_in_folder(item.account_id, _parent_of(item.file_path), f"FILE#{row['createdAt']}#{item.file_id}"),
        "versionSeq": seq,
        "versionCount": count,
        "publishSeq": publish_seq or None,  # absent = 0 (None is not written)
    }


def _version_row(item: FileItem) -> dict[str, Any]:
    """A version's record. It enters the account's versions listing (GSI2) only once it is not current."""
    pk, sk = _version_key(item.account_id, item.file_id, item.version_id)
    return {**_row(item.model_copy(update={"type": "file-version"})), "PK": pk, "SK": sk}


def _into_history(item: FileItem) -> table.Update:
    """The version that stops being current enters the account's versions listing."""
    return table.Update(
        *_version_key(item.account_id, item.file_id, item.version_id),
        expression="SET GSI2PK = :pk, GSI2SK = :sk",
        values={
            ":pk": _listing_pk(item.account_id, Listing.VERSIONS),
            ":sk": f"{_row(item)['createdAt']}#{item.version_id}",
        },
        condition="attribute_exists(PK)",
    )


def _folder_upsert(folder: FolderItem) -> table.Update:
    """Create the folder unless it exists (each attribute is kept when present): no read, no condition."""
    row = {
        **_row(folder),
        "GSI1PK": _folder_pk(folder.account_id, _parent_of(folder.folder_path)),
        "GSI1SK": f"FOLDER#{folder.name}",
        "GSI2PK": _listing_pk(folder.account_id, Listing.FOLDERS),
        "GSI2SK": f"{_row(folder)['createdAt']}#{folder.folder_id}",
        **_created_in_folder(
            folder.account_id,
            _parent_of(folder.folder_path),
            f"FOLDER#{_row(folder)['createdAt']}#{folder.folder_id}",
        ),
    }
    names = {f"#a{i}": name for i, name in enumerate(row)}
    values = {f":a{i}": value for i, value in enumerate(row.values())}
    sets = ", ".join(f"#a{i} = if_not_exists(#a{i}, :a{i})" for i in range(len(row)))
    return table.Update(
        *_folder_key(folder.account_id, folder.folder_path), expression=f"SET {sets}", values=values, names=names
    )


def _unchanged(previous: VersionedFile) -> dict[str, Any]:
    return {
        "condition": "versionSeq = :seq AND versionId = :vid",
        "values": {":seq": previous.seq, ":vid": previous.item.version_id},
    }


def _publication(
    key: tuple[str, str],
    version: FileItem,
    *,
    condition: str,
    values: dict[str, Any] | None = None,
    also: str | None = None,
) -> table.Update:
    """Set a record's published state, its ik-obj-version token and its update time from ``version`` (and
    ``also``, more SET clauses)."""
    row = _row(version)
    more = f", {also}" if also else ""
    return table.Update(
        *key,
        expression=f"SET isPublished = :published, objectToken = :token, updatedAt = :updated{more}",
        values={":published": row["isPublished"], ":token": row["objectToken"], ":updated": row["updatedAt"]}
        | (values or {}),
        condition=condition,
    )


def _entry(item: dict[str, Any]) -> Entry:
    return FolderItem.model_validate(item) if "folderId" in item else FileItem.model_validate(item)


class TableFileStore:
    def get_file(self, account_id: str, file_id: str) -> FileItem | None:
        item = table.get(*_file_key(account_id, file_id))
        return None if item is None else FileItem.model_validate(item)

    def get_files(self, account_id: str, file_ids: list[str]) -> list[FileItem]:
        keys = [_file_key(account_id, file_id) for file_id in dict.fromkeys(file_ids)]
        return [FileItem.model_validate(item) for item in table.batch_get(keys)]

    def path_claimed(self, account_id: str, file_path: str) -> bool:
        return table.get(*_path_key(account_id, file_path)) is not None

    def folder_children(
        self, account_id: str, folder_path: str, *, only: Child | None, ascending: bool, page_size: int = 100
    ) -> Iterator[Entry]:
        items = table.query(
            _folder_pk(account_id, folder_path),
            index=_FOLDER_INDEX,
            sk_prefix=_CHILD_PREFIX[only] if only else None,
            forward=ascending,
            page_size=page_size,
        )
        return (_entry(item) for item in items)

    def account_entries(
        self, account_id: str, listings: Iterable[Listing], *, ascending: bool, page_size: int = 100
    ) -> Iterator[Entry]:
        items = chain.from_iterable(
            table.query(_listing_pk(account_id, listing), index=_ACCOUNT_INDEX, forward=ascending, page_size=page_size)
            for listing in listings
        )
        return (_entry(item) for item in items)

    def file_id_at(self, account_id: str, file_path: str) -> str | None:
        item = table.get(*_path_key(account_id, file_path))
        return None if item is None else str(item["fileId"])

    def versioned(self, account_id: str, file_id: str) -> VersionedFile | None:
        item = table.get(*_file_key(account_id, file_id))
        if item is None:
            return None
        return VersionedFile(
            item=FileItem.model_validate(item),
            seq=int(item.get("versionSeq") or item.get("versionNumber") or 1),
            count=int(item.get("versionCount", 1)),
            publish_seq=int(item.get("publishSeq", 0)),
        )

    def create_file(self, item: FileItem, folders: list[FolderItem]) -> None:
        pk, sk = _path_key(item.account_id, item.file_path)
        claim = {"PK": pk, "SK": sk, "accountId": item.account_id, "fileId": item.file_id}
        table.transact_write(
            [
                table.Put(claim, only_if_new=True),
                table.Put(_file_row(item, seq=item.version_number, count=1), only_if_new=True),
                table.Put(_version_row(item), only_if_new=True),
                *(_folder_upsert(folder) for folder in folders),
            ]
        )

    def add_version(self, item: FileItem, previous: VersionedFile) -> None:
        table.transact_write(
            [
                table.Put(
                    _file_row(
                        item, seq=item.version_number, count=previous.count + 1, publish_seq=previous.publish_seq
                    ),
                    **_unchanged(previous),
                ),
                table.Put(_version_row(item), only_if_new=True),
                _into_history(previous.item),
            ]
        )

    def versions(self, account_id: str, file_id: str) -> list[FileItem]:
        pk, _ = _file_key(account_id, file_id)
        found = [FileItem.model_validate(row) for row in table.query(pk, sk_prefix="VERSION#")]
        return sorted(found, key=lambda version: version.version_number)

    def get_version(self, account_id: str, file_id: str, version_id: str) -> FileItem | None:
        row = table.get(*_version_key(account_id, file_id, version_id))
        return None if row is None else FileItem.model_validate(row)

    def restore_version(self, current: FileItem, previous: VersionedFile) -> None:
        table.transact_write(
            [
                table.Put(
                    _file_row(current, seq=previous.seq, count=previous.count, publish_seq=previous.publish_seq),
                    **_unchanged(previous),
                ),
                table.Update(
                    *_version_key(current.account_id, current.file_id, current.version_id),
                    expression="REMOVE GSI2PK, GSI2SK",
                    condition="attribute_exists(PK)",
                ),
                _into_history(previous.item),
            ]
        )

    def set_published(self, previous: VersionedFile, changed: list[FileItem]) -> None:
        # The first transaction moves the file's publish generation on (under the version guard and the
        # generation read), every later one checks the file still holds that generation: a set_published that
        # came in between (it moved the generation on) makes the later chunk fail, and the service re-reads.
        account_id, file_id = previous.item.account_id, previous.item.file_id
        file_key = _file_key(account_id, file_id)
        generation = previous.publish_seq + 1
        guard = _unchanged(previous)
        was = "publishSeq = :pseq" if previous.publish_seq else "attribute_not_exists(publishSeq)"
        condition = f"{guard['condition']} AND {was}"
        values = (
            guard["values"] | {":next": generation} | ({":pseq": previous.publish_seq} if previous.publish_seq else {})
        )
        current = next((v for v in changed if v.version_id == previous.item.version_id), None)
        first = (
            _publication(file_key, current, condition=condition, values=values, also="publishSeq = :next")
            if current is not None
            else table.Update(*file_key, expression="SET publishSeq = :next", values=values, condition=condition)
        )
        # The current version's own record first: it is written with the current record, so the two never disagree.
        in_order = sorted(changed, key=lambda v: v.version_id != previous.item.version_id)
        versions = [
            _publication(_version_key(v.account_id, v.file_id, v.version_id), v, condition="attribute_exists(PK)")
            for v in in_order
        ]
        still = table.Check(*file_key, condition="publishSeq = :gen", values={":gen": generation})
        per_chunk = PUBLISH_CHUNK_WRITES - 1  # each transaction's first write is the file row's
        for index, start in enumerate(range(0, max(len(versions), 1), per_chunk)):
            table.transact_write([first if index == 0 else still, *versions[start : start + per_chunk]])

    def delete_version(self, account_id: str, file_id: str, version_id: str) -> None:
        table.transact_write(
            [
                table.Delete(*_version_key(account_id, file_id, version_id), condition="attribute_exists(PK)"),
                table.Update(
                    *_file_key(account_id, file_id),
                    expression="SET versionCount = versionCount - :one",
                    values={":one": 1, ":vid": version_id},
                    condition="attribute_exists(PK) AND versionId <> :vid",
                ),
            ]
        )

    # ------------------------------------------------------------------ search: a folder's children by creation time

    def folder_children_by_created(
        self, account_id: str, folder_path: str, *, only: Child, ascending: bool, page_size: int = 100
    ) -> Iterator[Entry]:
        items = table.query(
            _folder_pk(account_id, folder_path),
            index=_FOLDER_CREATED_INDEX,
            sk_prefix=_CHILD_PREFIX[only],
            forward=ascending,
            page_size=page_size,
        )
        return (_entry(item) for item in items)


# ------------------------------------------------------------------ search: GSI3, a folder's children by creation time
# ``ACCOUNT#<acc>#FOLDER#<path>`` / ``FILE#<createdAt>#<fileId>`` or ``FOLDER#<createdAt>#<folderId>``, on the
# current file rows and the folder rows (the rows GSI1 lists by name): a folder's listing sorted by creation time
# reads only the page it answers, however large the folder.
_FOLDER_CREATED_INDEX = "GSI3"


def _created_in_folder(account_id: str, folder_path: str, sort_key: str) -> dict[str, str]:
    return {"GSI3PK": _folder_pk(account_id, folder_path), "GSI3SK": sort_key}
