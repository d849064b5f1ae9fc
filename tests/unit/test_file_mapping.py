"""The wire mapping of files and folders, field by field, and the URL and timestamp rules at their edges."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import pytest

from medialib.files.models import FileItem, FolderItem
from medialib.files.rules import file_url, folder_of, iso, thumbnail_url, to_file_response, to_folder_response

CREATED = datetime(2026, 11, 23, 12, 0, 1, 313000, tzinfo=UTC)


def _item(**overrides: object) -> FileItem:
    fields: dict[str, object] = {
        "accountId": "dev",
        "fileId": "f1",
        "versionId": "v1",
        "versionNumber": 3,
        "name": "photo.png",
        "filePath": "/shop/photo.png",
        "fileType": "image",
        "mime": "image/png",
        "size": 1234,
        "width": 640,
        "height": 480,
        "hasAlpha": True,
        "tags": ["red", "sale"],
        "AITags": [{"name": "Shoe", "confidence": 91.5, "source": "google-auto-tagging"}],
        "isPrivateFile": True,
        "isPublished": False,
        "customCoordinates": "10,10,100,100",
        "customMetadata": {"brand": "acme"},
        "embeddedMetadata": {"DateTimeOriginal": "2026:11:23 12:00:01"},
        "description": "A red shoe",
        "objectToken": "tok",
        "createdAt": CREATED,
        "updatedAt": CREATED + timedelta(days=1),
    }
    fields.update(overrides)
    return FileItem.model_validate(fields)


def test_every_stored_field_reaches_the_imagekit_object() -> None:
    """Given a file with every optional field set, When mapped, Then each appears under ImageKit's name."""
    body = to_file_response(_item(), "https://media.example").model_dump(by_alias=True)

    assert body == {
        "fileId": "f1",
        "type": "file",
        "name": "photo.png",
        "filePath": "/shop/photo.png",
        "url": "https://media.example/dev/shop/photo.png",
        "thumbnail": "https://media.example/dev/tr:n-ik_ml_thumbnail/shop/photo.png",
        "fileType": "image",
        "mime": "image/png",
        "width": 640,
        "height": 480,
        "size": 1234,
        "hasAlpha": True,
        "tags": ["red", "sale"],
        "AITags": [{"name": "Shoe", "confidence": 91.5, "source": "google-auto-tagging"}],
        "versionInfo": {"id": "v1", "name": "Version 3"},
        "isPrivateFile": True,
        "isPublished": False,
        "customCoordinates": "10,10,100,100",
        "customMetadata": {"brand": "acme"},
        "embeddedMetadata": {"DateTimeOriginal": "2026:11:23 12:00:01"},
        "description": "A red shoe",
        "createdAt": "2026-11-23T12:00:01.313Z",
        "updatedAt": "2026-11-24T12:00:01.313Z",
    }


def test_empty_tag_lists_read_as_null() -> None:
    """Given a file stored with empty tag lists, When mapped, Then tags and AITags are null, as ImageKit sends."""
    body = to_file_response(_item(tags=[], AITags=[]), "https://media.example").model_dump(by_alias=True)
    assert (body["tags"], body["AITags"]) == (None, None)


def test_folder_maps_to_imagekit_folder_object() -> None:
    """Given a stored folder, When mapped, Then ImageKit's folder object with its name, id, path and times."""
    folder = FolderItem.model_validate(
        {
            "accountId": "dev",
            "folderId": "fo1",
            "name": "shoes",
            "folderPath": "/shop/shoes",
            "createdAt": CREATED,
            "updatedAt": CREATED + timedelta(hours=1),
        }
    )
    assert to_folder_response(folder).model_dump(by_alias=True) == {
        "type": "folder",
        "name": "shoes",
        "folderId": "fo1",
        "folderPath": "/shop/shoes",
        "customMetadata": {},
        "createdAt": "2026-11-23T12:00:01.313Z",
        "updatedAt": "2026-11-23T13:00:01.313Z",
    }


@pytest.mark.parametrize(
    ("base_url", "url", "thumbnail"),
    [
        ("https://media.example/", "https://media.example/dev/shop/photo.png",
         "https://media.example/dev/tr:n-ik_ml_thumbnail/shop/photo.png"),
        ("https://media.example/BOX/", "https://media.example/BOX/dev/shop/photo.png",
         "https://media.example/BOX/dev/tr:n-ik_ml_thumbnail/shop/photo.png"),
    ],
    ids=["trailing-slash-dropped", "only-the-slash-is-dropped-from-a-path-ending-in-x"],
)  # fmt: skip
def test_urls_join_base_and_path_with_one_slash(base_url: str, url: str, thumbnail: str) -> None:
    """Given a delivery base URL with a trailing slash, When a file's URLs are built, Then exactly one slash
    joins it to the account and path, and nothing else of the base is trimmed."""
    assert (file_url(base_url, _item()), thumbnail_url(base_url, _item())) == (url, thumbnail)


@pytest.fixture
def server_in_tokyo() -> Iterator[None]:
    """The process's local time zone set to UTC+9, as a developer's laptop may be."""
    previous = os.environ.get("TZ")
    os.environ["TZ"] = "Asia/Tokyo"
    time.tzset()
    yield
    if previous is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = previous
    time.tzset()


def test_timestamps_are_utc_whatever_the_local_time_zone(server_in_tokyo: None) -> None:
    """Given a server whose local time zone is UTC+9 and a time stored with another offset, When formatted,
    Then it is written in UTC with a Z."""
    paris = timezone(timedelta(hours=1))
    assert iso(datetime(2026, 1, 1, 1, 30, 0, 5000, tzinfo=paris)) == "2026-01-01T00:30:00.005Z"


@pytest.mark.parametrize(
    ("path", "folder"),
    [("/X/", "/X"), ("X", "/X"), ("", "/"), ("///", "/")],
    ids=["folder-ending-in-x-keeps-it", "missing-leading-slash-added", "empty-is-root", "slashes-only-is-root"],
)
def test_folder_path_edges(path: str, folder: str) -> None:
    """Given a path query value at an edge, When normalised, Then only slashes are trimmed and root is '/'."""
    assert folder_of(path) == folder
