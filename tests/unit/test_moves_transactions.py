"""How the moves store cuts a write of up to 100 versions into DynamoDB transactions (files/store.py, moves section):
each transaction holds at most 100 writes and never two writes of one item (DynamoDB refuses both; moto enforces
neither strictly), and the first carries the file's record with its current version's row. The adapter's
``transact_write`` is replaced by a recorder: no AWS is involved."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from medialib.adapters import table
from medialib.files import store as file_store
from medialib.files.models import FileItem, MoveRecord, VersionedFile
from medialib.files.rules import moved_version, relocated

NOW = datetime(2026, 12, 2, tzinfo=UTC)


def _version(file_id: str, number: int, path: str = "/a/x.jpg") -> FileItem:
    return FileItem.model_validate(
        {
            "accountId": "acc", "fileId": file_id, "versionId": f"{file_id}-v{number}", "versionNumber": number,
            "name": path.rsplit("/", 1)[1], "filePath": path, "fileType": "image", "mime": "image/jpeg", "size": 1,
            "objectToken": f"t{number}", "createdAt": NOW, "updatedAt": NOW,
        }
    )  # fmt: skip


def _file(file_id: str, versions: int, path: str = "/a/x.jpg") -> tuple[VersionedFile, list[FileItem]]:
    rows = [_version(file_id, n, path) for n in range(1, versions + 1)]
    return VersionedFile(item=rows[-1].model_copy(update={"type": "file"}), seq=versions, count=versions), rows


@pytest.fixture
def transactions(monkeypatch: pytest.MonkeyPatch) -> list[list[Any]]:
    written: list[list[Any]] = []
    monkeypatch.setattr(table, "transact_write", lambda writes, **_: written.append(list(writes)))
    return written


def _key(write: Any) -> tuple[str, str]:
    if isinstance(write, table.Put):
        return str(write.item["PK"]), str(write.item["SK"])
    return write.pk, write.sk


def _well_formed(transactions: list[list[Any]]) -> None:
    for writes in transactions:
        assert 1 <= len(writes) <= table.MAX_TRANSACTION_WRITES
        keys = [_key(write) for write in writes]
        assert len(keys) == len(set(keys)), "one item written twice in a transaction"


def _record(source: FileItem, to: FileItem, numbers: dict[str, int] | None = None) -> MoveRecord:
    return MoveRecord(
        account_id="acc", source_path=source.file_path, from_file_id=source.file_id, to_file_id=to.file_id,
        to_path=to.file_path, numbers=numbers or {}, moved_at=NOW,
    )  # fmt: skip


def test_a_relocation_of_100_versions_takes_two_transactions(transactions: list[list[Any]]) -> None:
    """Given a file of 100 versions, When it takes a new path, Then two transactions: the record, the two claims,
    the move record and 96 version rows (the current one first), then a check of the new path and the last 4."""
    previous, rows = _file("f", 100)
    current = relocated(previous.item, "/b/x.jpg")
    moved = [relocated(v, "/b/x.jpg") for v in [rows[-1], *rows[:-1]]]

    file_store.TableMoveStore().relocate(previous, current, moved, _record(previous.item, current))

    _well_formed(transactions)
    assert [len(writes) for writes in transactions] == [100, 5]
    assert _key(transactions[0][4]) == ("ACCOUNT#acc#FILE#f", "VERSION#f-v100")
    assert isinstance(transactions[1][0], table.Check)


def test_a_move_of_100_versions_onto_a_file_of_none_to_spare_fits_in_four(transactions: list[list[Any]]) -> None:
    """Given a source of 100 versions and a destination, When the source's versions move onto it, Then each
    transaction holds at most 100 writes, one item once, the first the destination's record, the source's removal
    and the current version's three writes, and every version row is written once and deleted once."""
    source, rows = _file("src", 100, "/a/x.jpg")
    dest, _ = _file("dst", 1, "/b/x.jpg")
    ordered = [*rows[:-1], rows[-1]]
    moved = [
        moved_version(v, file_id="dst", file_path="/b/x.jpg", number=dest.seq + i + 1, now=NOW)
        for i, v in enumerate(ordered)
    ]

    file_store.TableMoveStore().append_moved(source, dest, moved, _record(source.item, dest.item))

    _well_formed(transactions)
    assert len(transactions) == 4
    first = [_key(write) for write in transactions[0]]
    assert first[:4] == [
        ("ACCOUNT#acc#FILE#dst", "FILE"),
        ("ACCOUNT#acc#FILE#dst", "VERSION#dst-v1"),
        ("ACCOUNT#acc#FILE#src", "FILE"),
        ("ACCOUNT#acc#PATH#/a/x.jpg", "PATH"),
    ]
    assert ("ACCOUNT#acc#FILE#dst", "VERSION#src-v100") in first
    written = [_key(w) for writes in transactions for w in writes if isinstance(w, table.Put)]
    assert sum(1 for pk, _ in written if pk == "ACCOUNT#acc#FILE#dst" and _ != "FILE") == 100
    assert sum(1 for pk, sk in written if pk == "ACCOUNT#acc#FILE#src" and sk.startswith("BLOBREF#")) == 100


@pytest.mark.parametrize("onto", [False, True], ids=["new-file", "onto-a-file"])
def test_a_copy_of_100_versions_counts_each_transactions_rows(transactions: list[list[Any]], onto: bool) -> None:
    """Given 100 copies, When they make a new file or join one, Then the first transaction's record counts the rows
    it carries and each later one adds its own: the count ends at exactly the rows written."""
    dest, _ = _file("dst", 1, "/b/x.jpg")
    copies = [_version("dst", dest.seq + n if onto else n, "/b/x.jpg") for n in range(1, 101)]
    moves = file_store.TableMoveStore()

    if onto:
        moves.append_copies(dest, copies)
    else:
        moves.create_copy(copies)

    _well_formed(transactions)
    record = next(w for w in transactions[0] if isinstance(w, table.Put) and w.item["SK"] == "FILE")
    added = [w.values[":k"] for writes in transactions[1:] for w in writes[:1]]
    assert record.item["versionCount"] + sum(added) == 100 + (1 if onto else 0)
