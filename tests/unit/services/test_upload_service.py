"""Storing uploads and versions against in-memory stores: the first version, new versions and what the
overwrite flags keep, the refusals that write nothing, a lost race, a failed metadata write, and the versions
use cases (list, get, restore, delete)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from medialib.accounts.models import Account, AccountSettings
from medialib.adapters.errors import ConditionFailedError
from medialib.errors import BadRequestError, NotFoundError, ServiceUnavailableError
from medialib.files import service as files
from medialib.files.models import FileItem, NewVersion
from medialib.upload import service as upload
from medialib.upload.fetch import FetchedFile
from medialib.upload.models import FileSource, UploadRequest
from tests.unit.services.fakes import FakeBlobs, FakeFileStore
from tests.upload_helpers import image

ACC = "acme"
BASE = "https://media.example.com"
NOW = datetime(2026, 5, 1, tzinfo=UTC)


def new(name: str = "a.png", folder: str = "/x/y", **changes: Any) -> NewVersion:
    return NewVersion.model_validate(
        {"name": name, "folder": folder, "mime": "image/png", "size": 3, "file_type": "image", **changes}
    )


@pytest.fixture
def stores(file_store: FakeFileStore, blob_store: FakeBlobs) -> tuple[FakeFileStore, FakeBlobs]:
    return file_store, blob_store


def test_a_new_file_is_its_first_version_with_its_folders(stores: tuple[FakeFileStore, FakeBlobs]) -> None:
    """Given nothing at /x/y/a.png, When stored, Then a file whose first version id is its file id, Version 1, its
    bytes under acme/<fileId>/<fileId>, and the folders /x and /x/y created on the way."""
    file_store, blobs = stores
    item = files.store_version(ACC, new(), b"abc", NOW)
    assert (item.version_id, item.version_number, item.file_path) == (item.file_id, 1, "/x/y/a.png")
    assert blobs.objects == {f"{ACC}/{item.file_id}/{item.file_id}": b"abc"}
    folders = sorted(
        e.folder_path for (acc, _), es in file_store.entries.items() for e in es if hasattr(e, "folder_path")
    )
    assert folders == ["/x", "/x/y"]


def _two_versions(first: dict[str, Any], second: dict[str, Any]) -> FileItem:
    files.store_version(ACC, new(**first), b"1", NOW)
    return files.store_version(ACC, new(**second), b"2", NOW)


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        pytest.param({"tags": ["a"]}, {}, {"tags": None}, id="absent-tags-removed-by-default"),
        pytest.param({"tags": ["a"]}, {"overwrite_tags": False}, {"tags": ["a"]}, id="absent-tags-kept-without-overwrite"),
        pytest.param({"tags": ["a"]}, {"tags": ["b"], "overwrite_tags": False}, {"tags": ["b"]}, id="sent-tags-always-win"),
        pytest.param({"custom_metadata": {"k": 1}}, {}, {"custom_metadata": {}}, id="absent-metadata-removed"),
        pytest.param({"custom_metadata": {"k": 1}}, {"overwrite_custom_metadata": False}, {"custom_metadata": {"k": 1}},
                     id="absent-metadata-kept-without-overwrite"),
        pytest.param({"custom_coordinates": "1,1,1,1"}, {}, {"custom_coordinates": None}, id="absent-coordinates-removed"),
    ],
)  # fmt: skip
def test_a_new_version_applies_the_overwrite_flags(
    stores: Any, first: dict[str, Any], second: dict[str, Any], expected: dict[str, Any]
) -> None:
    """Given a file uploaded with some values, When the same path is uploaded again, Then the same file at Version 2
    and each value removed, kept or replaced as seed 002's overwrite flags say."""
    item = _two_versions(first, second)
    assert item.version_number == 2
    assert {key: getattr(item, key) for key in expected} == expected


@pytest.mark.parametrize(
    "overwrite_ai_tags", [pytest.param(True, id="ai-tags-removed"), pytest.param(False, id="ai-tags-kept")]
)
def test_ai_tags_follow_overwrite_ai_tags(
    file_store: FakeFileStore, blob_store: FakeBlobs, overwrite_ai_tags: bool
) -> None:
    """Given a file with AITags, When a new version is uploaded, Then they are removed unless overwriteAITags=false."""
    first = files.store_version(ACC, new(), b"1", NOW)
    tags = [{"name": "Shirt", "confidence": 90.1, "source": "google-auto-tagging"}]
    file_store.entries[(ACC, first.file_id)][0] = first.model_copy(update={"ai_tags": tags})
    second = files.store_version(ACC, new(overwrite_ai_tags=overwrite_ai_tags), b"2", NOW)
    assert second.ai_tags == (None if overwrite_ai_tags else tags)


@pytest.mark.parametrize(
    ("count", "changes", "reason"),
    [
        pytest.param(1, {"overwrite_file": False}, "FILE_ALREADY_EXISTS", id="overwrite-file-false"),
        pytest.param(100, {}, "VERSION_LIMIT_REACHED", id="the-101st-version"),
    ],
)
def test_refused_versions_write_nothing(stores: Any, count: int, changes: dict[str, Any], reason: str) -> None:
    """Given a file with ``count`` versions, When another is uploaded that may not be, Then 400 and no blob."""
    file_store, blobs = stores
    item = files.store_version(ACC, new(), b"1", NOW)
    file_store.counters[(ACC, item.file_id)] = (count, count)
    before = dict(blobs.objects)
    with pytest.raises(BadRequestError) as caught:
        files.store_version(ACC, new(**changes), b"2", NOW)
    assert caught.value.reason == reason and blobs.objects == before


def test_a_failed_metadata_write_deletes_the_blob(stores: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Given DynamoDB failing on the transaction, When a file is stored, Then the error is raised and the blob
    written first is deleted: nothing half-made remains."""
    file_store, blobs = stores
    monkeypatch.setattr(file_store, "create_file", lambda *_: (_ for _ in ()).throw(ServiceUnavailableError()))
    with pytest.raises(ServiceUnavailableError):
        files.store_version(ACC, new(), b"1", NOW)
    assert blobs.objects == {}


def test_a_lost_race_for_a_new_path_becomes_a_version(stores: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Given another upload creating the same path between our read and our write, When our transaction loses,
    Then we retry as Version 2 of that file, with our bytes under its id, and our first blob deleted."""
    file_store, blobs = stores
    create = file_store.create_file
    other: list[FileItem] = []

    def racing(item: FileItem, folders: Any) -> None:
        if other:
            create(item, folders)
            return
        monkeypatch.setattr(file_store, "create_file", create)  # the other upload writes normally
        other.append(files.store_version(ACC, new(), b"theirs", NOW))
        raise ConditionFailedError()

    monkeypatch.setattr(file_store, "create_file", racing)
    ours = files.store_version(ACC, new(), b"ours", NOW)
    assert (ours.file_id, ours.version_number) == (other[0].file_id, 2)
    assert sorted(blobs.objects.values()) == [b"ours", b"theirs"]
    assert f"{ACC}/{ours.file_id}/{ours.version_id}" in blobs.objects


def _account(draft: bool = False) -> Account:
    return Account(account_id=ACC, public_key="public_acme", private_key="private_acme_key",
                   settings=AccountSettings(upload_as_draft=draft))  # fmt: skip


def _request(**fields: Any) -> UploadRequest:
    return UploadRequest.model_validate({"file": FileSource(kind="binary"), "fileName": "p.png", **fields})


@pytest.mark.parametrize(
    ("draft", "sent", "published"),
    [
        pytest.param(False, None, True, id="published-by-default"),
        pytest.param(True, None, False, id="account-uploads-as-draft"),
        pytest.param(True, "true", True, id="is-published-true-overrides-draft-setting"),
        pytest.param(False, "false", False, id="is-published-false-is-a-draft"),
    ],
)
def test_is_published_defaults_to_the_account_setting(
    stores: Any, draft: bool, sent: str | None, published: bool
) -> None:
    """Given the account's upload-as-draft setting and isPublished (or not), When ingested, Then isPublished."""
    request = _request(**({"isPublished": sent} if sent else {}))
    answer = upload.ingest(_account(draft), request, image(), None, BASE, now=NOW)
    assert answer["isPublished"] is published


def test_response_fields_add_metadata_on_request(stores: Any) -> None:
    """Given responseFields=customMetadata,embeddedMetadata,metadata, When ingested, Then those fields are in the
    answer; without it they are not (seed 002)."""
    plain = upload.ingest(_account(), _request(), image(), None, BASE, now=NOW)
    asked = upload.ingest(
        _account(), _request(responseFields="customMetadata,embeddedMetadata,metadata"), image(), None, BASE, now=NOW
    )
    assert not {"customMetadata", "embeddedMetadata", "metadata"} & plain.keys()
    assert (asked["customMetadata"], asked["embeddedMetadata"], asked["metadata"]["width"]) == ({}, {}, 40)


@pytest.mark.parametrize(
    ("fields", "content", "reason"),
    [
        pytest.param({"customCoordinates": "35,0,10,10"}, image(40, 30), "INVALID_PARAMETER", id="coordinates-outside"),
        pytest.param({"checks": '"file.mime" : "video/"'}, image(), "CHECKS_FAILED", id="mime-check-fails"),
        pytest.param({}, b"", "EMPTY_FILE", id="empty-file"),
    ],
)
def test_ingest_refusals_write_nothing(stores: Any, fields: dict[str, str], content: bytes, reason: str) -> None:
    """Given an upload that breaks a rule only the bytes can tell, When ingested, Then 400 and nothing stored."""
    with pytest.raises(BadRequestError) as caught:
        upload.ingest(_account(), _request(**fields), content, None, BASE, now=NOW)
    assert caught.value.reason == reason and stores[1].objects == {}


def test_an_over_size_file_is_refused(stores: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Given a file over the size limit (lowered to 10 bytes here), When ingested, Then 400 FILE_TOO_LARGE."""
    monkeypatch.setattr("medialib.upload.rules.MAX_FILE_BYTES", 10)
    with pytest.raises(BadRequestError, match="at most 10 bytes"):
        upload.ingest(_account(), _request(), b"x" * 11, None, BASE, now=NOW)


def test_a_url_is_fetched_by_the_server_within_the_size_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """Given file=URL, When its bytes are asked for, Then the SSRF-safe fetcher gets the URL with the upload size
    limit, and its body and media type are the file's."""
    asked: list[tuple[str, int]] = []

    def fetch(url: str, *, max_bytes: int) -> FetchedFile:
        asked.append((url, max_bytes))
        return FetchedFile(content=b"png bytes", content_type="image/png", final_url=url)

    monkeypatch.setattr(upload, "fetch_url", fetch)
    got = upload._content(FileSource(kind="url", url="https://example.com/a.png"))
    assert got == (b"png bytes", "image/png")
    assert asked == [("https://example.com/a.png", 25 * 1024 * 1024)]


# ------------------------------------------------------------------ versions


@pytest.fixture
def three(stores: Any) -> FileItem:
    """A file with Versions 1, 2 and 3 (3 current)."""
    for body in (b"1", b"2", b"3"):
        item = files.store_version(ACC, new(), body, NOW)
    return item


def test_versions_are_listed_current_as_file(three: FileItem) -> None:
    """Given three versions, When listed, Then Versions 1..3, only the current one of type file with a bare URL and
    the others file-version with ik-obj-version."""
    listed = files.list_versions(ACC, three.file_id, BASE)
    assert [(v.version_info.name, v.type) for v in listed] == [
        ("Version 1", "file-version"), ("Version 2", "file-version"), ("Version 3", "file"),
    ]  # fmt: skip
    assert "ik-obj-version=" in listed[0].url and "?" not in listed[2].url


def test_restore_makes_a_version_current_and_keeps_history(three: FileItem) -> None:
    """Given three versions, When Version 1 is restored, Then the file's details are Version 1, all three versions
    remain, and Version 3 is now a file-version."""
    first = files.list_versions(ACC, three.file_id, BASE)[0].version_info.id
    restored = files.restore_version(ACC, three.file_id, first, BASE)
    assert (restored.version_info.name, files.get_file(ACC, three.file_id, BASE).version_info.id) == (
        "Version 1",
        first,
    )
    types = {v.version_info.name: v.type for v in files.list_versions(ACC, three.file_id, BASE)}
    assert types == {"Version 1": "file", "Version 2": "file-version", "Version 3": "file-version"}


def test_delete_a_non_current_version(three: FileItem, blob_store: FakeBlobs) -> None:
    """Given three versions, When Version 1 is deleted, Then two remain and its blob is gone; the next upload is
    Version 4 (numbers are never reused)."""
    first = files.list_versions(ACC, three.file_id, BASE)[0].version_info.id
    files.delete_version(ACC, three.file_id, first)
    assert [v.version_info.name for v in files.list_versions(ACC, three.file_id, BASE)] == ["Version 2", "Version 3"]
    assert f"{ACC}/{three.file_id}/{first}" not in blob_store.objects
    assert files.store_version(ACC, new(), b"4", NOW).version_number == 4


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        pytest.param("delete-current", BadRequestError, "You cannot delete current version of a file.", id="delete-current-400"),
        pytest.param("restore-current", BadRequestError, "already the current version", id="restore-current-400"),
        pytest.param("get-missing", NotFoundError, "The requested file version does not exist.", id="get-unknown-version-404"),
        pytest.param("delete-missing", NotFoundError, "The requested asset does not exist.", id="delete-unknown-version-404"),
        pytest.param("list-missing-file", NotFoundError, "The requested file does not exist.", id="list-unknown-file-404"),
    ],
)  # fmt: skip
def test_version_refusals(three: FileItem, call: str, error: type[Exception], message: str) -> None:
    """Given three versions, When the current one is deleted or restored, or an unknown id is used, Then ImageKit's
    400 or 404 with its message."""
    actions: dict[str, Callable[[], object]] = {
        "delete-current": lambda: files.delete_version(ACC, three.file_id, three.version_id),
        "restore-current": lambda: files.restore_version(ACC, three.file_id, three.version_id, BASE),
        "get-missing": lambda: files.get_version(ACC, three.file_id, "nope", BASE),
        "delete-missing": lambda: files.delete_version(ACC, three.file_id, "nope"),
        "list-missing-file": lambda: files.list_versions(ACC, "nope", BASE),
    }
    with pytest.raises(error, match=message):
        actions[call]()
