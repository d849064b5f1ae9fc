"""The pure rules of copy, move and rename (seed 001): the order in which versions join a history, what a copied
and a moved version keep, where a version's object is, the version cap, and the request bodies' path rules."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from medialib.errors import BadRequestError
from medialib.files.models import CopyFileRequest, FileItem, MoveFileRequest, RenameFileRequest
from medialib.files.rules import (
    check_version_room,
    copied_version,
    destination_of,
    in_append_order,
    moved_version,
    relocated,
    version_object_key,
)

EARLIER = datetime(2026, 1, 1, tzinfo=UTC)
NOW = datetime(2026, 12, 2, tzinfo=UTC)


def _version(version_id: str, number: int, **changes: Any) -> FileItem:
    fields: dict[str, Any] = {
        "type": "file-version",
        "accountId": "acc",
        "fileId": "src",
        "versionId": version_id,
        "versionNumber": number,
        "name": "a.jpg",
        "filePath": "/from/a.jpg",
        "fileType": "image",
        "mime": "image/jpeg",
        "size": 3,
        "tags": ["t"],
        "customMetadata": {"brand": "x"},
        "isPrivateFile": True,
        "isPublished": False,
        "objectToken": f"tok-{version_id}",
        "createdAt": EARLIER,
        "updatedAt": EARLIER,
        **changes,
    }
    return FileItem.model_validate(fields)


def test_versions_join_a_history_oldest_first_with_the_current_one_last() -> None:
    """Given versions 1..3 of which 1 is current (restored), When ordered to append, Then 2, 3, then 1: the source's
    current version becomes the destination's current version."""
    versions = [_version("v3", 3), _version("v1", 1), _version("v2", 2)]

    assert [v.version_id for v in in_append_order(versions, "v1")] == ["v2", "v3", "v1"]


def test_a_copy_is_a_new_version_with_the_sources_description_and_its_own_object() -> None:
    copy = copied_version(
        _version("v1", 1, blobKey="acc/older/v1"),
        file_id="dst", file_path="/to/a.jpg", version_id="new", number=7, token="tok-new", now=NOW,
    )  # fmt: skip

    assert (copy.file_id, copy.version_id, copy.version_number, copy.object_token) == ("dst", "new", 7, "tok-new")
    assert (copy.file_path, copy.name, copy.created_at, copy.updated_at) == ("/to/a.jpg", "a.jpg", NOW, NOW)
    assert (copy.tags, copy.custom_metadata, copy.is_private_file, copy.is_published) == (
        ["t"],
        {"brand": "x"},
        True,
        False,
    )
    assert version_object_key(copy) == "acc/dst/new"


@pytest.mark.parametrize(
    ("blob", "into", "expected_blob_key"),
    [
        pytest.param(None, "dst", "acc/src/v1", id="moved-out-of-its-file-names-its-object"),
        pytest.param("acc/first/v1", "dst", "acc/first/v1", id="moved-twice-still-names-its-first-object"),
        pytest.param("acc/dst/v1", "dst", None, id="back-in-the-file-its-key-names-is-derived-again"),
    ],
)
def test_a_moved_version_keeps_its_id_token_and_object(
    blob: str | None, into: str, expected_blob_key: str | None
) -> None:
    source = _version("v1", 1, **({"blobKey": blob} if blob else {}))

    moved = moved_version(source, file_id=into, file_path="/to/b.jpg", number=4, now=NOW)

    assert (moved.version_id, moved.object_token, moved.version_number) == ("v1", "tok-v1", 4)
    assert (moved.file_id, moved.file_path, moved.name) == (into, "/to/b.jpg", "b.jpg")
    assert moved.blob_key == expected_blob_key
    assert version_object_key(moved) == version_object_key(source)


def test_a_relocated_version_changes_only_its_path_and_name() -> None:
    version = _version("v1", 1)

    assert relocated(version, "/x/y.jpg").model_dump() == {
        **version.model_dump(),
        "file_path": "/x/y.jpg",
        "name": "y.jpg",
    }


@pytest.mark.parametrize(
    ("existing", "adding", "refused"),
    [(99, 1, False), (100, 1, True), (50, 51, True), (1, 99, False)],
    ids=["reaches-100", "past-100-by-1", "past-100-by-a-batch", "exactly-100"],
)
def test_a_file_holds_at_most_100_versions(existing: int, adding: int, refused: bool) -> None:
    if refused:
        with pytest.raises(BadRequestError, match="at most 100"):
            check_version_room(existing, adding, "/a.jpg")
    else:
        check_version_room(existing, adding, "/a.jpg")


@pytest.mark.parametrize(
    ("folder", "name", "path"),
    [("/", "a.jpg", "/a.jpg"), ("/d", "a.jpg", "/d/a.jpg"), ("/d/", "a.jpg", "/d/a.jpg")],
)
def test_destination_paths(folder: str, name: str, path: str) -> None:
    assert destination_of(folder, name) == path


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        pytest.param("/a.jpg", "/a.jpg", id="a-file-path"),
        pytest.param("a.jpg", "/a.jpg", id="without-its-leading-slash"),
        pytest.param(" /f/a.jpg ", "/f/a.jpg", id="spaces-around"),
    ],
)
def test_a_file_path_is_a_files_path(sent: str, stored: str) -> None:
    assert MoveFileRequest.model_validate({"sourceFilePath": sent, "destinationPath": "/"}).source_file_path == stored


@pytest.mark.parametrize(
    ("sent", "says"),
    [
        pytest.param("/a.jpg?ik-obj-version=tok", "non-current version", id="a-version-url-form"),
        pytest.param("/a.jpg#x", "without a query", id="a-fragment"),
        pytest.param("/folder/", "not a folder", id="a-folder"),
        pytest.param("/", "not a folder", id="the-root"),
        pytest.param("", "not a folder", id="empty"),
    ],
)
def test_what_is_not_a_file_path_is_refused(sent: str, says: str) -> None:
    with pytest.raises(ValidationError, match=says):
        CopyFileRequest.model_validate({"sourceFilePath": sent, "destinationPath": "/"})


@pytest.mark.parametrize(
    ("sent", "folder"),
    [("/dest/", "/dest"), ("dest", "/dest"), ("//a//b", "/a/b"), ("/", "/"), ("/a b/", "/a_b")],
    ids=["trailing-slash", "no-leading-slash", "doubled-slashes", "root", "sanitised-like-upload"],
)
def test_the_destination_is_a_folder_as_upload_reads_it(sent: str, folder: str) -> None:
    assert CopyFileRequest.model_validate({"sourceFilePath": "/a", "destinationPath": sent}).destination_path == folder


@pytest.mark.parametrize(
    ("sent", "result"),
    [
        pytest.param("b.jpg", "b.jpg", id="kept"),
        pytest.param("my photo (1).jpg", "my_photo__1_.jpg", id="sanitised-like-upload"),
        pytest.param(" b.jpg ", "b.jpg", id="trimmed"),
        pytest.param("café.jpg", "café.jpg", id="unicode-letters-kept"),
    ],
)
def test_a_new_file_name_is_sanitised_like_uploads(sent: str, result: str) -> None:
    assert RenameFileRequest.model_validate({"filePath": "/a.jpg", "newFileName": sent}).new_file_name == result


@pytest.mark.parametrize(
    ("sent", "says"),
    [
        pytest.param("a/b.jpg", "without /", id="a-slash"),
        pytest.param("   ", "newFileName is required", id="blank"),
        pytest.param("...", "newFileName must contain", id="dots-only"),
    ],
)
def test_a_new_file_name_that_is_no_name_is_refused(sent: str, says: str) -> None:
    with pytest.raises(ValidationError, match=says):
        RenameFileRequest.model_validate({"filePath": "/a.jpg", "newFileName": sent})


@pytest.mark.parametrize("sent", ["", "   "], ids=["empty", "blank"])
def test_an_empty_destination_is_refused_not_read_as_the_root(sent: str) -> None:
    with pytest.raises(ValidationError, match="/ for the root"):
        MoveFileRequest.model_validate({"sourceFilePath": "/a", "destinationPath": sent})


def test_unknown_fields_are_refused() -> None:
    with pytest.raises(ValidationError, match="includeFileVersion"):
        CopyFileRequest.model_validate({"sourceFilePath": "/a", "destinationPath": "/", "includeFileVersion": True})
