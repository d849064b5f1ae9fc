"""Deleting files and rewriting their details against in-memory stores: the retry on a lost race, the objects
deleted after the records, and the bulk answers (404 naming the missing ids, 207 naming the failed ones)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from medialib.adapters.errors import ConditionFailedError
from medialib.errors import MissingFilesError, NotFoundError, ServiceUnavailableError
from medialib.files import details
from medialib.files import service as files
from medialib.files.models import NewVersion
from tests.unit.services.fakes import FakeBlobs, FakeFileStore

ACCOUNT = "acme"
NOW = datetime(2026, 3, 1, tzinfo=UTC)


def stored(name: str, *, tags: list[str] | None = None) -> str:
    new = NewVersion(name=name, folder="/f", mime="text/plain", size=1, file_type="non-image", tags=tags)
    return files.store_version(ACCOUNT, new, b"x", NOW).file_id


@pytest.fixture
def two_files(file_store: FakeFileStore, blob_store: FakeBlobs) -> list[str]:
    ids = [stored("a.txt", tags=["a"]), stored("b.txt")]
    files.store_version(
        ACCOUNT, NewVersion(name="a.txt", folder="/f", mime="text/plain", size=1, file_type="non-image"), b"y", NOW
    )
    return ids


def test_delete_file_removes_the_records_then_every_object(two_files: list[str], blob_store: FakeBlobs) -> None:
    details.delete_file(ACCOUNT, two_files[0])
    assert files.store.get_file(ACCOUNT, two_files[0]) is None
    assert not [key for key in blob_store.objects if f"/{two_files[0]}/" in key]
    assert [key for key in blob_store.objects if f"/{two_files[1]}/" in key]


def test_a_delete_that_lost_a_race_to_an_upload_reads_again(two_files: list[str], file_store: FakeFileStore) -> None:
    """Given an upload that commits a new version between the delete's read and its write, When deleted, Then the
    first write fails its condition, the delete reads again and removes the new version too."""
    original = file_store.delete_file
    raced: list[int] = []

    def upload_first(previous, versions):  # type: ignore[no-untyped-def]
        if not raced:
            raced.append(1)
            new = NewVersion(name="a.txt", folder="/f", mime="text/plain", size=1, file_type="non-image")
            files.store_version(ACCOUNT, new, b"z", NOW)
        original(previous, versions)

    file_store.delete_file = upload_first  # type: ignore[method-assign]
    details.delete_file(ACCOUNT, two_files[0])
    assert files.store.get_file(ACCOUNT, two_files[0]) is None and files.store.versions(ACCOUNT, two_files[0]) == []


def test_an_object_that_cannot_be_deleted_is_left_to_the_sweep(two_files: list[str], blob_store: FakeBlobs) -> None:
    """Given S3 failing once after the records are gone, When deleted, Then the delete succeeds (the sweep deletes
    objects without a version record)."""
    blob_store.pending.append(ServiceUnavailableError())
    details.delete_file(ACCOUNT, two_files[0])
    assert files.store.get_file(ACCOUNT, two_files[0]) is None


def test_deleting_an_unknown_file_is_a_404(file_store: FakeFileStore) -> None:
    with pytest.raises(NotFoundError):
        details.delete_file(ACCOUNT, "nope")


def test_bulk_delete_names_every_missing_id_and_deletes_nothing(two_files: list[str]) -> None:
    with pytest.raises(MissingFilesError) as refused:
        details.delete_files(ACCOUNT, [two_files[0], "x1", two_files[1], "x2"])
    assert refused.value.body()["missingFileIds"] == ["x1", "x2"] and refused.value.status == 404
    assert all(files.store.get_file(ACCOUNT, file_id) for file_id in two_files)


def test_bulk_delete_reports_a_file_that_failed_and_goes_on(two_files: list[str], file_store: FakeFileStore) -> None:
    """Given two files and the store failing on the first file's delete, When both are deleted, Then the second is
    deleted and the first is in errors (a 207)."""
    original = file_store.delete_file

    def failing_once(previous, versions):  # type: ignore[no-untyped-def]
        if previous.item.file_id == two_files[0]:
            raise ServiceUnavailableError()
        original(previous, versions)

    file_store.delete_file = failing_once  # type: ignore[method-assign]
    answer = details.delete_files(ACCOUNT, two_files)
    assert answer.successfully_deleted_file_ids == [two_files[1]]
    assert [(e.file_id, e.error) for e in answer.errors or []] == [
        (two_files[0], "The service is temporarily unavailable. Please retry.")
    ]


def test_add_tags_reads_again_after_a_lost_race(two_files: list[str], file_store: FakeFileStore) -> None:
    original = file_store.update_details
    calls: list[int] = []

    def lose_once(previous, item):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 1:
            raise ConditionFailedError()
        original(previous, item)

    file_store.update_details = lose_once  # type: ignore[method-assign]
    answer = details.add_tags(ACCOUNT, two_files, ["new"], NOW)
    assert answer.successfully_updated_file_ids == two_files and answer.errors is None
    assert files.store.get_file(ACCOUNT, two_files[0]).tags == ["new"]  # type: ignore[union-attr]
    assert files.store.get_file(ACCOUNT, two_files[1]).tags == ["new"]  # type: ignore[union-attr]
    assert len(calls) == 3
