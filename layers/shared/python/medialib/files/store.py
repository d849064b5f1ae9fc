"""The files domain's part of the single table: its keys, index names and queries (docs/data-model.md).

Services speak domain terms to a ``FileStore``; ``TableFileStore`` is the only code that knows how files,
versions, folders and path claims are laid out. Other domains reach files through ``medialib.files.service``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from enum import StrEnum
from itertools import chain
from typing import Any, Protocol

from medialib.adapters import table
from medialib.adapters.errors import ConditionFailedError
from medialib.files.models import FileItem, FolderItem, MoveRecord, VersionedFile
from medialib.files.rules import version_object_key

Entry = FileItem | FolderItem

# The writes of one set_published transaction (DynamoDB's limit); a module constant so tests can lower it.
PUBLISH_CHUNK_WRITES = table.MAX_TRANSACTION_WRITES
# The writes of one delete_file transaction (DynamoDB's limit); a module constant so tests can lower it.
DELETE_CHUNK_WRITES = table.MAX_TRANSACTION_WRITES
# What a details update rewrites on the current record and the current version's record (their stored names).
_DETAILS_ATTRIBUTES = ("tags", "AITags", "customCoordinates", "customMetadata", "description", "updatedAt")


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

    # ------------------------------------------------------------------ details: delete a file, update details

    def delete_file(self, previous: VersionedFile, versions: list[FileItem]) -> None:
        """Remove the file's records: its current record, its path claim and every version's record
        (``versions``, all of them as read with ``previous``). A file with more versions than one transaction holds
        first loses non-current versions in transactions of their own (each keeps the file consistent: its
        ``versionCount`` goes down with them), then the rest goes in one. ConditionFailedError when the file is not
        as ``previous`` read it (a version added, deleted or restored): that transaction is not written."""
        ...

    def update_details(self, previous: VersionedFile, item: FileItem) -> None:
        """Write ``item``'s details (tags, AITags, custom coordinates, custom metadata, description, update time) to
        the current record and to the current version's record, in one transaction, on condition that the file is
        as ``previous`` read it (same version, same update time). ConditionFailedError otherwise."""

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
    """The file is as ``previous`` read it: its version, its path (a move or rename changes the path only) and its
    version count (a copy or move onto it adds rows in later transactions, each growing the count without a new
    ``versionSeq``: a writer that read the count before such a transaction and wrote it after would lose rows)."""
    return {
        "condition": "versionSeq = :seq AND versionId = :vid AND filePath = :fpath AND versionCount = :gcount",
        "values": {
            ":seq": previous.seq,
            ":vid": previous.item.version_id,
            ":fpath": previous.item.file_path,
            ":gcount": previous.count,
        },
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
        rows = table.query(pk, sk_prefix="VERSION#", consistent=True)  # a version just added is never missed
        found = [FileItem.model_validate(row) for row in rows]
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

    # ------------------------------------------------------------------ details: delete a file, update details

    def delete_file(self, previous: VersionedFile, versions: list[FileItem]) -> None:
        account_id, file_id = previous.item.account_id, previous.item.file_id
        current_id = previous.item.version_id
        older = [_version_key(account_id, file_id, v.version_id) for v in versions if v.version_id != current_id]
        guard = _unchanged(previous)  # its versionCount: the running count, as each transaction lowers it
        condition = guard["condition"]
        # The last transaction: the file row, the path claim, the current version's row and what is left.
        room = DELETE_CHUNK_WRITES - 3
        count = previous.count
        while len(older) > room:
            chunk, older = older[: DELETE_CHUNK_WRITES - 1], older[DELETE_CHUNK_WRITES - 1 :]
            table.transact_write(
                [
                    table.Update(
                        *_file_key(account_id, file_id),
                        expression="SET versionCount = versionCount - :n",
                        values=guard["values"] | {":gcount": count, ":n": len(chunk)},
                        condition=condition,
                    ),
                    *(table.Delete(*key) for key in chunk),
                ]
            )
            count -= len(chunk)
        table.transact_write(
            [
                table.Delete(
                    *_file_key(account_id, file_id), condition=condition, values=guard["values"] | {":gcount": count}
                ),
                table.Delete(
                    *_path_key(account_id, previous.item.file_path),
                    condition="fileId = :fid",
                    values={":fid": file_id},
                ),
                table.Delete(*_version_key(account_id, file_id, current_id)),
                *(table.Delete(*key) for key in older),
            ]
        )

    def update_details(self, previous: VersionedFile, item: FileItem) -> None:
        row = _row(item)
        names = {f"#d{i}": name for i, name in enumerate(_DETAILS_ATTRIBUTES)}
        sets = [f"#d{i} = :d{i}" for i, name in enumerate(_DETAILS_ATTRIBUTES) if name in row]
        removes = [f"#d{i}" for i, name in enumerate(_DETAILS_ATTRIBUTES) if name not in row]
        values = {f":d{i}": row[name] for i, name in enumerate(_DETAILS_ATTRIBUTES) if name in row}
        expression = f"SET {', '.join(sets)}" + (f" REMOVE {', '.join(removes)}" if removes else "")
        guard = _unchanged(previous)
        account_id, file_id = item.account_id, item.file_id
        table.transact_write(
            [
                table.Update(
                    *_file_key(account_id, file_id),
                    expression=expression,
                    values=values | guard["values"] | {":was": _row(previous.item)["updatedAt"]},
                    names=names,
                    condition=f"{guard['condition']} AND updatedAt = :was",
                ),
                table.Update(
                    *_version_key(account_id, file_id, item.version_id),
                    expression=expression,
                    values=values,
                    names=names,
                    condition="attribute_exists(PK)",
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


# ------------------------------------------------------------------ folders: rows of folders and walks of a tree
#
# A folder row is listed while it has its index keys (GSI1: its parent's children, GSI2: the account's folders).
# Deleting a folder first hides its row (the index keys removed, ``deletingJob`` set): it leaves every listing at
# once and is no longer found, while its job deletes what it held; an upload into it re-creates the keys
# (``_folder_upsert`` sets what is absent), and the folder is back with what the upload put there.


class TableFolderStore:
    """Folder rows and the queries that walk a folder's tree (``medialib.folders``)."""

    def get_folder(self, account_id: str, folder_path: str) -> FolderItem | None:
        """The folder at ``folder_path`` when it is listed (a folder being deleted is not)."""
        item = table.get(*_folder_key(account_id, folder_path))
        return None if item is None or "GSI1PK" not in item else FolderItem.model_validate(item)

    def create_folders(self, folders: list[FolderItem]) -> None:
        """Each folder unless it exists (a listed one is kept as it is; a hidden one is listed again), in one
        transaction (at most 50 levels, under DynamoDB's 100 writes)."""
        if folders:
            table.transact_write([_folder_upsert(folder) for folder in folders])

    def hide_folder(self, account_id: str, folder_path: str, job_id: str) -> None:
        """Take a listed folder out of every listing, marked with the job that deletes it. ConditionFailedError
        when it is not listed (absent, or hidden by another delete)."""
        table.transact_write(
            [
                table.Update(
                    *_folder_key(account_id, folder_path),
                    expression="REMOVE GSI1PK, GSI1SK, GSI2PK, GSI2SK, GSI3PK, GSI3SK SET deletingJob = :job",
                    values={":job": job_id},
                    condition="attribute_exists(GSI1PK)",
                )
            ]
        )

    def deleting_job(self, account_id: str, folder_path: str) -> str | None:
        """The job that hid the folder at ``folder_path`` to delete it (None: the folder is listed, or gone)."""
        item = table.get(*_folder_key(account_id, folder_path))
        return None if item is None or "GSI1PK" in item else item.get("deletingJob")

    def delete_folder(self, account_id: str, folder_path: str) -> None:
        """Remove a folder's row (nothing when it is gone already)."""
        table.transact_write([table.Delete(*_folder_key(account_id, folder_path))])

    def files_after(self, account_id: str, folder_path: str, after: str | None, limit: int) -> list[FileItem]:
        """Up to ``limit`` files of the folder by name, those after the name ``after`` (all when None)."""
        items = table.query_after(
            _folder_pk(account_id, folder_path), index=_FOLDER_INDEX, sk_after=f"FILE#{after or ''}", page_size=limit
        )
        found: list[FileItem] = []
        for item in items:
            if not str(item["GSI1SK"]).startswith("FILE#") or len(found) == limit:
                break
            found.append(FileItem.model_validate(item))
        return found

    def subfolder_after(self, account_id: str, folder_path: str, after: str | None) -> FolderItem | None:
        """The folder's first subfolder by name, after the name ``after`` (the first one when None)."""
        items = table.query_after(
            _folder_pk(account_id, folder_path), index=_FOLDER_INDEX, sk_after=f"FOLDER#{after or ''}", page_size=1
        )
        for item in items:
            return FolderItem.model_validate(item) if str(item["GSI1SK"]).startswith("FOLDER#") else None
        return None

    def children(self, account_id: str, folder_path: str) -> Iterator[Entry]:
        """Every direct child (files, then folders, by name), as the folder index has them."""
        return (_entry(item) for item in table.query(_folder_pk(account_id, folder_path), index=_FOLDER_INDEX))

    def holds_file(self, account_id: str, folder_path: str) -> bool:
        """Whether a file is in the folder now: each file its index lists is read again (strongly consistent),
        since the index lags behind a file just moved or deleted."""
        for entry in self.children(account_id, folder_path):
            if isinstance(entry, FileItem):
                current = table.get(*_file_key(account_id, entry.file_id))
                if current is not None and _parent_of(str(current["filePath"])) == folder_path:
                    return True
        return False


# ------------------------------------------------------------------ moves: copy, move and rename (seed 001)

# The writes of one transaction of a copy, move or rename (DynamoDB's limit); a module constant so tests can lower it.
MOVE_CHUNK_WRITES = table.MAX_TRANSACTION_WRITES
# A move's record at its source path is kept this long (the table's TTL then deletes it): a retry comes sooner.
MOVE_RECORD_SECONDS = 7 * 24 * 3600


class UnfinishedWriteError(Exception):
    """A write larger than one transaction: the first transaction was written (the change is made), a later one's
    condition failed (another writer changed the file in between); ``done``: the groups written."""

    def __init__(self, done: int) -> None:
        super().__init__(f"{done} written")
        self.done = done


class MoveStore(Protocol):
    def relocate(
        self, previous: VersionedFile, current: FileItem, versions: list[FileItem], record: MoveRecord
    ) -> None:
        """A file takes a new path (move without a file there, or rename). The first transaction, under the
        condition that the file is as ``previous`` read it, writes the current record's path, moves the path claim
        (the new one only if free), writes ``record`` at the old path, and the first version rows; each later one
        writes more version rows under the condition that the file still has the new path. ``versions``: the
        rows to rewrite (the current version's first). ConditionFailedError: that transaction is not written."""
        ...

    def finish_relocation(self, current: FileItem, versions: list[FileItem]) -> None:
        """The later transactions of ``relocate`` alone: rows a crashed or raced relocation left at an old path."""
        ...

    def create_copy(self, copies: list[FileItem]) -> None:
        """A new file made of ``copies`` (oldest first, the last one current): the path claim (only if free), the
        file and its current version's row first, then the older versions' rows; the file's version count grows
        with each transaction, so it always equals its rows."""
        ...

    def append_copies(self, dest: VersionedFile, copies: list[FileItem]) -> None:
        """``copies`` (oldest first, the last becomes current) join ``dest``'s history: the first transaction under
        the condition that ``dest`` is as read (the version numbers it takes are then reserved), the later ones
        while it exists."""
        ...

    def append_moved(
        self, source: VersionedFile, dest: VersionedFile, moved: list[FileItem], record: MoveRecord
    ) -> None:
        """Every version of ``source`` joins ``dest``'s history (``moved``: renumbered, the last becomes current),
        keeping its object (a reference row per moved object, for the orphan sweep). The first transaction, under
        both files' conditions, removes the source file and its path claim and writes ``record`` at its path;
        each version row moves (written under ``dest``, removed under ``source``) in one transaction with its
        reference, so a retry finds the rows still to move under ``source``."""
        ...

    def move_rows(self, dest_file_id: str, source_file_id: str, moved: list[FileItem]) -> None:
        """The later transactions of ``append_moved`` alone (a retry finishing a move)."""
        ...

    def drop_rows(self, versions: list[FileItem]) -> None:
        """Delete these version rows (left under a source file whose destination is gone), in transactions."""
        ...

    def move_record(self, account_id: str, source_path: str) -> MoveRecord | None: ...

    def blob_holder(self, account_id: str, file_id: str, version_id: str) -> str | None:
        """The file now holding the version whose object is ``{acc}/{file_id}/{version_id}`` (moved away), or None."""
        ...


def _claim_row(account_id: str, file_path: str, file_id: str) -> dict[str, Any]:
    pk, sk = _path_key(account_id, file_path)
    return {"PK": pk, "SK": sk, "accountId": account_id, "fileId": file_id}


def _record_key(account_id: str, source_path: str) -> tuple[str, str]:
    return _path_key(account_id, source_path)[0], "MOVED"


def _blob_ref_key(account_id: str, file_id: str, version_id: str) -> tuple[str, str]:
    """The reference to a moved version's object, in the partition of the file id its key names."""
    return _file_key(account_id, file_id)[0], f"BLOBREF#{version_id}"


def _history_row(item: FileItem) -> dict[str, Any]:
    """A non-current version's record, in the account's versions listing (GSI2)."""
    return {
        **_version_row(item),
        "GSI2PK": _listing_pk(item.account_id, Listing.VERSIONS),
        "GSI2SK": f"{_row(item)['createdAt']}#{item.version_id}",
    }


def _path_change(version: FileItem) -> table.Update:
    return table.Update(
        *_version_key(version.account_id, version.file_id, version.version_id),
        expression="SET filePath = :path, #n = :name",
        values={":path": version.file_path, ":name": version.name},
        names={"#n": "name"},
        condition="attribute_exists(PK)",
    )


def _blob_ref(version: FileItem) -> table.Put:
    account_id, origin, version_id = version_object_key(version).split("/")
    pk, sk = _blob_ref_key(account_id, origin, version_id)
    return table.Put({"PK": pk, "SK": sk, "accountId": account_id, "heldBy": version.file_id})


def _count_grows(account_id: str, file_id: str) -> Callable[[int], table.Write]:
    return lambda added: table.Update(
        *_file_key(account_id, file_id),
        expression="ADD versionCount :k",
        values={":k": added},
        condition="attribute_exists(PK)",
    )


def _in_chunks(
    fixed: Callable[[int], list[table.Write]],
    groups: Sequence[Sequence[table.Write]],
    later: Callable[[int], table.Write],
) -> None:
    """Write ``groups`` (each a unit that goes in one transaction) after the first transaction's ``fixed(k)``
    writes (``k``: the groups it carries), the rest in transactions headed by ``later(k)``, each ≤ the limit."""
    head = len(fixed(0))
    first = _fitting(groups, MOVE_CHUNK_WRITES - head)
    if groups and first == 0:  # the first group (the current version's row) must go with the file's record
        raise ValueError(f"MOVE_CHUNK_WRITES={MOVE_CHUNK_WRITES} cannot hold the first transaction")
    table.transact_write([*fixed(first), *(write for group in groups[:first] for write in group)])
    rest = groups[first:]
    while rest:
        taken = max(_fitting(rest, MOVE_CHUNK_WRITES - 1), 1)
        try:
            table.transact_write([later(taken), *(write for group in rest[:taken] for write in group)])
        except ConditionFailedError:
            raise UnfinishedWriteError(len(groups) - len(rest)) from None
        rest = rest[taken:]


def _fitting(groups: Sequence[Sequence[table.Write]], budget: int) -> int:
    count = used = 0
    for group in groups:
        if used + len(group) > budget:
            break
        used += len(group)
        count += 1
    return count


def _record_row(record: MoveRecord) -> dict[str, Any]:
    pk, sk = _record_key(record.account_id, record.source_path)
    expires = int(record.moved_at.timestamp()) + MOVE_RECORD_SECONDS
    row = record.model_dump(by_alias=True, mode="json", exclude_none=True)
    return {**row, "PK": pk, "SK": sk, "expiresAt": expires}


def _current_first(versions: list[FileItem]) -> list[FileItem]:
    """The last of ``versions`` is the current one: its row goes in the first transaction, with the file's."""
    return [versions[-1], *versions[:-1]]


class TableMoveStore:
    def relocate(
        self, previous: VersionedFile, current: FileItem, versions: list[FileItem], record: MoveRecord
    ) -> None:
        account_id, file_id = current.account_id, current.file_id
        guard = _unchanged(previous)
        row = _file_row(current, seq=previous.seq, count=previous.count)
        file_update = table.Update(
            *_file_key(account_id, file_id),
            expression="SET filePath = :path, #n = :name, GSI1PK = :g1pk, GSI1SK = :g1sk, GSI3PK = :g3pk, "
            "updatedAt = :updated",
            values=guard["values"]
            | {
                ":path": row["filePath"],
                ":name": row["name"],
                ":g1pk": row["GSI1PK"],
                ":g1sk": row["GSI1SK"],
                ":g3pk": row["GSI3PK"],
                ":updated": row["updatedAt"],
            },
            names={"#n": "name"},
            condition=guard["condition"],
        )
        fixed: list[table.Write] = [
            file_update,
            table.Delete(
                *_path_key(account_id, previous.item.file_path), condition="fileId = :fid", values={":fid": file_id}
            ),
            table.Put(_claim_row(account_id, current.file_path, file_id), only_if_new=True),
            table.Put(_record_row(record)),
        ]
        groups = [[_path_change(version)] for version in versions]
        _in_chunks(lambda _k: fixed, groups, lambda _k: self._still_at(current))

    @staticmethod
    def _still_at(current: FileItem) -> table.Write:
        return table.Check(
            *_file_key(current.account_id, current.file_id),
            condition="filePath = :path",
            values={":path": current.file_path},
        )

    def finish_relocation(self, current: FileItem, versions: list[FileItem]) -> None:
        groups = [[_path_change(version)] for version in versions]
        if groups:
            _in_chunks(lambda _k: [self._still_at(current)], groups, lambda _k: self._still_at(current))

    def create_copy(self, copies: list[FileItem]) -> None:
        current = copies[-1]
        account_id, file_id = current.account_id, current.file_id
        ordered = _current_first(copies)
        groups = [[table.Put(_version_row(ordered[0]), only_if_new=True)]]
        groups += [[table.Put(_history_row(copy), only_if_new=True)] for copy in ordered[1:]]

        def fixed(carried: int) -> list[table.Write]:
            return [
                table.Put(_claim_row(account_id, current.file_path, file_id), only_if_new=True),
                table.Put(_file_row(current, seq=len(copies), count=carried), only_if_new=True),
            ]

        _in_chunks(fixed, groups, _count_grows(account_id, file_id))

    def append_copies(self, dest: VersionedFile, copies: list[FileItem]) -> None:
        current = copies[-1]
        ordered = _current_first(copies)
        groups = [[table.Put(_version_row(ordered[0]), only_if_new=True)]]
        groups += [[table.Put(_history_row(copy), only_if_new=True)] for copy in ordered[1:]]

        def fixed(carried: int) -> list[table.Write]:
            seq = dest.seq + len(copies)
            row = _file_row(current, seq=seq, count=dest.count + carried, publish_seq=dest.publish_seq)
            return [table.Put(row, **_unchanged(dest)), _into_history(dest.item)]

        _in_chunks(fixed, groups, _count_grows(current.account_id, current.file_id))

    def append_moved(
        self, source: VersionedFile, dest: VersionedFile, moved: list[FileItem], record: MoveRecord
    ) -> None:
        current = moved[-1]
        account_id, source_id = source.item.account_id, source.item.file_id
        groups = self._moving(source_id, moved, current=current)
        source_guard = _unchanged(source)

        def fixed(carried: int) -> list[table.Write]:
            seq = dest.seq + len(moved)
            row = _file_row(current, seq=seq, count=dest.count + carried, publish_seq=dest.publish_seq)
            return [
                table.Put(row, **_unchanged(dest)),
                _into_history(dest.item),
                table.Delete(*_file_key(account_id, source_id), **source_guard),
                table.Delete(
                    *_path_key(account_id, source.item.file_path), condition="fileId = :fid", values={":fid": source_id}
                ),
                table.Put(_record_row(record)),
            ]

        _in_chunks(fixed, groups, _count_grows(account_id, current.file_id))

    @staticmethod
    def _moving(source_id: str, versions: list[FileItem], *, current: FileItem | None) -> list[list[table.Write]]:
        """Per version, in one transaction: its row under the destination, its row under the source removed, and
        the reference to its object when that is not the destination's derived key. ``current`` (the version that
        becomes the destination's current one) first, without a place in the versions listing."""
        ordered = ([current] if current else []) + [v for v in versions if current is None or v is not current]
        groups = []
        for version in ordered:
            row = _version_row(version) if version is current else _history_row(version)
            group: list[table.Write] = [
                table.Put(row, only_if_new=True),
                table.Delete(
                    *_version_key(version.account_id, source_id, version.version_id), condition="attribute_exists(PK)"
                ),
            ]
            if version.blob_key:
                group.append(_blob_ref(version))
            groups.append(group)
        return groups

    def move_rows(self, dest_file_id: str, source_file_id: str, moved: list[FileItem]) -> None:
        if not moved:
            return
        grow = _count_grows(moved[0].account_id, dest_file_id)
        _in_chunks(lambda k: [grow(k)], self._moving(source_file_id, moved, current=None), grow)

    def drop_rows(self, versions: list[FileItem]) -> None:
        deletes = [table.Delete(*_version_key(v.account_id, v.file_id, v.version_id)) for v in versions]
        for start in range(0, len(deletes), MOVE_CHUNK_WRITES):
            table.transact_write(deletes[start : start + MOVE_CHUNK_WRITES])

    def move_record(self, account_id: str, source_path: str) -> MoveRecord | None:
        row = table.get(*_record_key(account_id, source_path))
        return None if row is None else MoveRecord.model_validate(row)

    def blob_holder(self, account_id: str, file_id: str, version_id: str) -> str | None:
        row = table.get(*_blob_ref_key(account_id, file_id, version_id))
        return None if row is None else str(row["heldBy"])


# ------------------------------------------------------------------ search: GSI3, a folder's children by creation time
# ``ACCOUNT#<acc>#FOLDER#<path>`` / ``FILE#<createdAt>#<fileId>`` or ``FOLDER#<createdAt>#<folderId>``, on the
# current file rows and the folder rows (the rows GSI1 lists by name): a folder's listing sorted by creation time
# reads only the page it answers, however large the folder.
_FOLDER_CREATED_INDEX = "GSI3"


def _created_in_folder(account_id: str, folder_path: str, sort_key: str) -> dict[str, str]:
    return {"GSI3PK": _folder_pk(account_id, folder_path), "GSI3SK": sort_key}
