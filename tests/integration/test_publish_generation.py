"""A publish/unpublish too big for one DynamoDB transaction (``TableFileStore.set_published`` writes more than 99
changed versions in several) against the table on the local stack: each later transaction holds only while the
file keeps the publish generation its first one wrote, so a concurrent opposite publish that comes in between makes
it fail, and the service's retry converges. The chunk size is lowered (``PUBLISH_CHUNK_WRITES``) so that a file of
five versions needs three transactions; a file can hold at most 100 versions (MAX_VERSIONS)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import pytest

from medialib.adapters import table
from medialib.adapters.errors import ConditionFailedError
from medialib.files import service as files
from medialib.files import store as file_store
from medialib.files.rules import republished
from medialib.files.store import FileStore, TableFileStore
from tests.unit.services.fakes import FakeFileStore
from tests.unit.services.test_files_service import file

NOW = datetime(2030, 1, 1, tzinfo=UTC)


def five_versions(store: FileStore) -> tuple[str, str]:
    """A published file of a new account with five versions (v5 current), written through the store."""
    acc = f"acc-{uuid.uuid4().hex[:12]}"
    base = file("f1", "/g/a.png", 0).model_copy(update={"account_id": acc, "is_published": True})
    items = [base.model_copy(update={"version_id": f"v{n}", "version_number": n}) for n in range(1, 6)]
    store.create_file(items[0], [])
    for item in items[1:]:
        previous = store.versioned(acc, "f1")
        assert previous is not None
        store.add_version(item, previous)
    return acc, "f1"


def states(acc: str, file_id: str) -> tuple[bool | None, list[bool | None]]:
    """The current record's published state and each version's, by version number."""
    current = TableFileStore().get_file(acc, file_id)
    assert current is not None
    return current.is_published, [v.is_published for v in TableFileStore().versions(acc, file_id)]


@pytest.fixture
def chunks_of_three(monkeypatch: pytest.MonkeyPatch) -> None:
    """Three writes per transaction: the file's row (or its check) and two versions."""
    monkeypatch.setattr(file_store, "PUBLISH_CHUNK_WRITES", 3)


@pytest.fixture
def transactions(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The size of each transaction written (the real ``transact_write`` still writes it)."""
    sizes: list[int] = []
    write = table.transact_write

    def counted(writes: Sequence[table.Write], **kwargs: Any) -> None:
        write(writes, **kwargs)
        sizes.append(len(writes))

    monkeypatch.setattr(table, "transact_write", counted)
    return sizes


def after_first_transaction(monkeypatch: pytest.MonkeyPatch, meanwhile: Callable[[], None]) -> None:
    """Run ``meanwhile`` once, right after the first transaction of the next set_published is written."""
    write = table.transact_write
    pending = [meanwhile]

    def interleaved(writes: Sequence[table.Write], **kwargs: Any) -> None:
        write(writes, **kwargs)
        if pending:
            monkeypatch.setattr(table, "transact_write", write)  # the interleaved writer writes normally
            pending.pop()()
            monkeypatch.setattr(table, "transact_write", interleaved)

    monkeypatch.setattr(table, "transact_write", interleaved)


def unpublish_all(store: FileStore, acc: str, file_id: str) -> None:
    previous = store.versioned(acc, file_id)
    assert previous is not None
    changed = [republished(v, is_published=False, token="t", now=NOW) for v in store.versions(acc, file_id)]
    store.set_published(previous, changed)


def test_a_publish_of_more_versions_than_a_transaction_holds_is_written_in_chunks(
    stack: Any, chunks_of_three: None, transactions: list[int]
) -> None:
    """Given a published file of five versions and transactions of three writes, When every version is
    unpublished, Then three transactions (the file's row + 2 versions, its check + 2, its check + 1) unpublish the
    current record and all five versions, and the file's publish generation is 1."""
    store = TableFileStore()
    acc, file_id = five_versions(store)
    transactions.clear()

    unpublish_all(store, acc, file_id)

    assert transactions == [3, 3, 2]
    assert states(acc, file_id) == (False, [False] * 5)
    after = store.versioned(acc, file_id)
    assert after is not None and after.publish_seq == 1


def test_a_publish_between_two_chunks_of_another_makes_its_later_chunk_fail(
    stack: Any, chunks_of_three: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given a file of five published versions, When an unpublish of all of them is between its first and second
    transaction and a publish of all of them runs then, Then the publish completes and the unpublish's second
    transaction fails (ConditionFailedError), writing nothing: every record is published, none mixed."""
    store = TableFileStore()
    acc, file_id = five_versions(store)

    def publish_all() -> None:
        files.set_published(acc, file_id, is_published=True, include_file_versions=True, now=NOW)

    after_first_transaction(monkeypatch, publish_all)

    with pytest.raises(ConditionFailedError):
        unpublish_all(store, acc, file_id)

    assert states(acc, file_id) == (True, [True] * 5)


def test_the_service_retries_a_publish_whose_later_chunk_failed_and_converges(
    stack: Any, chunks_of_three: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given a file of five published versions, When the service unpublishes all of them and a publish of all of
    them comes in after its first transaction, Then the service's unpublish retries on a fresh read and ends with
    the current record and every version unpublished, the current record agreeing with its version record."""
    acc, file_id = five_versions(TableFileStore())

    def publish_all() -> None:
        files.set_published(acc, file_id, is_published=True, include_file_versions=True, now=NOW)

    after_first_transaction(monkeypatch, publish_all)

    publication = files.set_published(acc, file_id, is_published=False, include_file_versions=True, now=NOW)

    assert publication.changed and publication.item.is_published is False
    assert states(acc, file_id) == (False, [False] * 5)
    current = TableFileStore().get_file(acc, file_id)
    version = TableFileStore().get_version(acc, file_id, "v5")
    assert current is not None and version is not None and current.object_token == version.object_token


@pytest.mark.parametrize("backend", ["table-on-moto", "in-memory-fake"])
def test_the_publish_generation_moves_on_each_publish_and_survives_new_versions(stack: Any, backend: str) -> None:
    """Given a file of five versions, When it is unpublished, a version is restored, it is published again, a
    sixth version is uploaded, Then each backend reads the generation 0, 1, 1, 2, 2 (a new version or a restore
    keeps it), and a publish from a read older than the last publish is a conflict that writes nothing."""
    store: FileStore = FakeFileStore() if backend == "in-memory-fake" else TableFileStore()
    acc, file_id = five_versions(store)

    def generation() -> int:
        now = store.versioned(acc, file_id)
        assert now is not None
        return now.publish_seq

    before = store.versioned(acc, file_id)
    assert before is not None and before.publish_seq == 0
    unpublish_all(store, acc, file_id)
    assert generation() == 1
    third = store.versions(acc, file_id)[2]
    latest = store.versioned(acc, file_id)
    assert latest is not None
    store.restore_version(third.model_copy(update={"type": "file"}), latest)
    assert generation() == 1
    restored = store.versioned(acc, file_id)
    assert restored is not None
    store.set_published(restored, [republished(restored.item, is_published=True, token="p", now=NOW)])
    assert generation() == 2
    sixth = restored.item.model_copy(update={"version_id": "v6", "version_number": 6})
    latest = store.versioned(acc, file_id)
    assert latest is not None
    store.add_version(sixth, latest)
    assert generation() == 2
    stale = store.versioned(acc, file_id)
    assert stale is not None
    store.set_published(stale, [republished(stale.item, is_published=False, token="q", now=NOW)])
    with pytest.raises(ConditionFailedError):
        store.set_published(stale, [republished(stale.item, is_published=True, token="r", now=NOW)])
    current = store.get_file(acc, file_id)
    assert current is not None and (current.is_published, current.object_token) == (False, "q")
