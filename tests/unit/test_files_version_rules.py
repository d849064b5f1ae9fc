"""The version records of seed 001 as pure rules: the record an upload stores (a new file's first version, or a new
version over the file at that path, with seed 002's overwrite flags) and the record a restore makes current."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from medialib.files.models import FileItem, NewVersion, VersionedFile
from medialib.files.rules import new_version_item, restored_item, to_file_response

ACCOUNT = "acme"
EARLIER = datetime(2026, 4, 1, 8, 30, 0, 125000, tzinfo=UTC)
NOW = datetime(2026, 5, 1, 12, 0, 0, 250000, tzinfo=UTC)
AI_TAGS = [{"name": "Shoe", "confidence": 91.5, "source": "google-auto-tagging"}]


def _new(**changes: Any) -> NewVersion:
    """An upload that sends every optional field, each different from its default."""
    fields: dict[str, Any] = {
        "name": "shoe.png",
        "folder": "/shop",
        "mime": "image/png",
        "size": 2048,
        "file_type": "image",
        "width": 640,
        "height": 480,
        "has_alpha": True,
        "embedded_metadata": {"DateTimeOriginal": "2026:05:01 12:00:00"},
        "tags": ["red", "sale"],
        "custom_coordinates": "10,20,300,400",
        "custom_metadata": {"brand": "acme"},
        "is_private_file": True,
        "is_published": False,
        "description": "A red shoe",
        "transformation": {"pre": "w-300", "post": [{"type": "thumbnail", "value": "w-100"}]},
        **changes,
    }
    return NewVersion.model_validate(fields)


def _current(**changes: Any) -> FileItem:
    """The record of the file already at /shop/shoe.png: Version 3, with values of its own."""
    fields: dict[str, Any] = {
        "accountId": ACCOUNT,
        "fileId": "file-1",
        "versionId": "ver-3",
        "versionNumber": 3,
        "name": "shoe.png",
        "filePath": "/shop/shoe.png",
        "fileType": "image",
        "mime": "image/jpeg",
        "size": 99,
        "width": 10,
        "height": 20,
        "hasAlpha": False,
        "tags": ["old"],
        "AITags": AI_TAGS,
        "customCoordinates": "1,1,1,1",
        "customMetadata": {"brand": "old"},
        "embeddedMetadata": {"Make": "old camera"},
        "description": "old",
        "transformation": {"pre": "w-50"},
        "objectToken": "old-token",
        "createdAt": EARLIER,
        "updatedAt": EARLIER,
        **changes,
    }
    return FileItem.model_validate(fields)


def _stored(new: NewVersion, previous: VersionedFile | None = None) -> dict[str, Any]:
    item = new_version_item(new, previous, account_id=ACCOUNT, version_id="ver-new", token="tok-new", now=NOW)
    return item.model_dump(by_alias=True, exclude={"blob_key"})  # moves: None for every upload


def _over_existing(seq: int = 3, count: int = 2, **changes: Any) -> VersionedFile:
    return VersionedFile(item=_current(**changes), seq=seq, count=count)


def test_a_first_upload_stores_version_1_whose_id_is_the_file_id_with_every_field_sent() -> None:
    """Given nothing at /shop/shoe.png, When an upload sending every optional field is stored, Then the record is
    the current file, Version 1, its version id also its file id, at /shop/shoe.png, carrying each value sent, no
    AITags, the upload's object token, and created and updated now."""
    assert _stored(_new()) == {
        "type": "file",
        "accountId": ACCOUNT,
        "fileId": "ver-new",
        "versionId": "ver-new",
        "versionNumber": 1,
        "name": "shoe.png",
        "filePath": "/shop/shoe.png",
        "fileType": "image",
        "mime": "image/png",
        "size": 2048,
        "width": 640,
        "height": 480,
        "hasAlpha": True,
        "tags": ["red", "sale"],
        "AITags": None,
        "isPrivateFile": True,
        "isPublished": False,
        "customCoordinates": "10,20,300,400",
        "customMetadata": {"brand": "acme"},
        "embeddedMetadata": {"DateTimeOriginal": "2026:05:01 12:00:00"},
        "description": "A red shoe",
        "transformation": {"pre": "w-300", "post": [{"type": "thumbnail", "value": "w-100"}]},
        "objectToken": "tok-new",
        "createdAt": NOW,
        "updatedAt": NOW,
    }


def test_a_new_version_keeps_the_file_id_and_takes_every_sent_value_from_the_upload() -> None:
    """Given Version 3 of file-1 at /shop/shoe.png (two versions left after a deletion), When an upload sending
    every field is stored there, Then the record is the current file-1 as Version 4 (numbers follow the last one,
    never the count) with its own version id and token, and every value is the upload's, none the old version's."""
    assert _stored(_new(), _over_existing(seq=3, count=2)) == {
        "type": "file",
        "accountId": ACCOUNT,
        "fileId": "file-1",
        "versionId": "ver-new",
        "versionNumber": 4,
        "name": "shoe.png",
        "filePath": "/shop/shoe.png",
        "fileType": "image",
        "mime": "image/png",
        "size": 2048,
        "width": 640,
        "height": 480,
        "hasAlpha": True,
        "tags": ["red", "sale"],
        "AITags": None,
        "isPrivateFile": True,
        "isPublished": False,
        "customCoordinates": "10,20,300,400",
        "customMetadata": {"brand": "acme"},
        "embeddedMetadata": {"DateTimeOriginal": "2026:05:01 12:00:00"},
        "description": "A red shoe",
        "transformation": {"pre": "w-300", "post": [{"type": "thumbnail", "value": "w-100"}]},
        "objectToken": "tok-new",
        "createdAt": NOW,
        "updatedAt": NOW,
    }


def test_a_bare_upload_over_a_private_file_sets_the_upload_defaults() -> None:
    """Given a private, unpublished file with dimensions, When an upload sending nothing optional (a PDF) is
    stored there, Then the new version is public and published, has no dimensions, alpha, description, embedded
    metadata or transformation: nothing is inherited from the version before."""
    bare = NewVersion.model_validate(
        {"name": "shoe.png", "folder": "/shop", "mime": "application/pdf", "size": 5, "file_type": "non-image"}
    )
    stored = _stored(bare, _over_existing(isPrivateFile=True, isPublished=False))
    inherited = ("width", "height", "hasAlpha", "description", "embeddedMetadata", "transformation")
    assert {key: stored[key] for key in inherited} == dict.fromkeys(inherited)
    assert (stored["isPrivateFile"], stored["isPublished"], stored["fileType"]) == (False, True, "non-image")


@pytest.mark.parametrize(
    ("sent", "expected"),
    [
        pytest.param({"tags": None}, {"tags": None}, id="absent-tags-are-removed-by-default"),
        pytest.param({"tags": None, "overwrite_tags": False}, {"tags": ["old"]},
                     id="absent-tags-are-kept-when-overwriteTags-is-false"),
        pytest.param({"tags": ["new"], "overwrite_tags": False}, {"tags": ["new"]},
                     id="sent-tags-replace-the-old-ones-even-when-overwriteTags-is-false"),
        pytest.param({"tags": None, "overwrite_custom_metadata": False}, {"tags": None},
                     id="overwriteCustomMetadata-false-does-not-keep-tags"),
        pytest.param({"custom_metadata": None}, {"customMetadata": {}}, id="absent-customMetadata-is-removed-by-default"),
        pytest.param({"custom_metadata": None, "overwrite_custom_metadata": False}, {"customMetadata": {"brand": "old"}},
                     id="absent-customMetadata-is-kept-when-overwriteCustomMetadata-is-false"),
        pytest.param({"custom_metadata": {"brand": "new"}, "overwrite_custom_metadata": False},
                     {"customMetadata": {"brand": "new"}},
                     id="sent-customMetadata-replaces-the-old-even-when-overwriteCustomMetadata-is-false"),
        pytest.param({"custom_metadata": None, "overwrite_tags": False}, {"customMetadata": {}},
                     id="overwriteTags-false-does-not-keep-customMetadata"),
        pytest.param({}, {"AITags": None}, id="AITags-are-removed-by-default"),
        pytest.param({"overwrite_ai_tags": False}, {"AITags": AI_TAGS}, id="AITags-are-kept-when-overwriteAITags-is-false"),
        pytest.param({"overwrite_tags": False, "overwrite_custom_metadata": False}, {"AITags": None},
                     id="the-other-overwrite-flags-do-not-keep-AITags"),
        pytest.param({"custom_coordinates": None, "overwrite_tags": False, "overwrite_custom_metadata": False},
                     {"customCoordinates": None}, id="absent-customCoordinates-are-removed-whatever-the-flags"),
        pytest.param({"custom_coordinates": "5,5,50,50"}, {"customCoordinates": "5,5,50,50"},
                     id="sent-customCoordinates-replace-the-old-ones"),
    ],
)  # fmt: skip
def test_a_new_version_removes_keeps_or_replaces_the_old_values_as_the_overwrite_flags_say(
    sent: dict[str, Any], expected: dict[str, Any]
) -> None:
    """Given a file with tags, AITags, custom metadata and coordinates, When a new version is uploaded sending or
    omitting them with overwrite flags, Then each is removed, kept or replaced as seed 002 says."""
    stored = _stored(_new(**sent), _over_existing())
    assert {key: stored[key] for key in expected} == expected


@pytest.mark.parametrize(
    "flags",
    [
        pytest.param({"overwrite_tags": False}, id="overwriteTags-false"),
        pytest.param({"overwrite_custom_metadata": False}, id="overwriteCustomMetadata-false"),
        pytest.param({"overwrite_ai_tags": False}, id="overwriteAITags-false"),
    ],
)
def test_on_a_first_upload_the_overwrite_flags_keep_nothing(flags: dict[str, bool]) -> None:
    """Given nothing at the path, When an upload without tags or custom metadata sets an overwrite flag to false,
    Then the file has no tags, no AITags and empty custom metadata: there is no version before to keep from."""
    stored = _stored(_new(tags=None, custom_metadata=None, **flags))
    assert (stored["tags"], stored["AITags"], stored["customMetadata"]) == (None, None, {})


@pytest.mark.parametrize(
    ("folder", "path"),
    [
        pytest.param("/", "/shoe.png", id="in-the-root-one-slash"),
        pytest.param("/shop/2026", "/shop/2026/shoe.png", id="in-a-nested-folder"),
        pytest.param("/INBOX", "/INBOX/shoe.png", id="a-folder-ending-in-X-keeps-its-X"),
    ],
)
def test_the_file_path_is_the_folder_then_the_name(folder: str, path: str) -> None:
    """Given an upload to a normalised folder, When stored, Then the file path is that folder, one slash, the name."""
    assert _stored(_new(folder=folder))["filePath"] == path


def test_a_restored_version_becomes_the_current_file_updated_now_and_otherwise_unchanged() -> None:
    """Given Version 2 of file-1 as stored in the history (a file-version), When it is restored now, Then the
    record is the current file, still Version 2 with its version id, token, values and creation time, updated now;
    its URL is the file's bare URL, without ik-obj-version."""
    version = _current(type="file-version", versionId="ver-2", versionNumber=2, objectToken="tok-2")
    restored = restored_item(version, NOW)
    assert restored.model_dump(by_alias=True) == {
        **version.model_dump(by_alias=True),
        "type": "file",
        "updatedAt": NOW,
    }
    answer = to_file_response(restored, "https://media.example")
    assert (answer.url, answer.version_info.model_dump()) == (
        "https://media.example/acme/shop/shoe.png",
        {"id": "ver-2", "name": "Version 2"},
    )
    assert answer.updated_at == "2026-05-01T12:00:00.250Z"
