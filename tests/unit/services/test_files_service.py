"""Getting and listing files, against an in-memory store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from medialib.errors import NotFoundError
from medialib.files import listing
from medialib.files import service as files
from medialib.files.models import FileItem, FolderItem, ListFilesQuery
from tests.unit.services.fakes import FakeFileStore

ACCOUNT = "acme"
BASE = "https://media.example.com"
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def file(file_id: str, path: str, minute: int, *, file_type: str = "image", version: bool = False) -> FileItem:
    at = T0 + timedelta(minutes=minute)
    return FileItem.model_validate(
        {
            "type": "file-version" if version else "file",
            "accountId": ACCOUNT,
            "fileId": file_id,
            "versionId": f"{file_id}-v",
            "versionNumber": 1,
            "name": path.rsplit("/", 1)[-1],
            "filePath": path,
            "fileType": file_type,
            "mime": "image/png" if file_type == "image" else "application/pdf",
            "size": 10,
            "objectToken": "tok",
            "createdAt": at,
            "updatedAt": at,
        }
    )


def folder(folder_id: str, path: str, minute: int) -> FolderItem:
    at = T0 + timedelta(minutes=minute)
    name = path.rstrip("/").rsplit("/", 1)[-1]
    return FolderItem(
        account_id=ACCOUNT, folder_id=folder_id, name=name, folder_path=path, created_at=at, updated_at=at
    )


@pytest.fixture
def library(file_store: FakeFileStore) -> FakeFileStore:
    """/b.png (minute 2), /a.pdf (minute 1), /photos/c.png (minute 3), folders /photos (0) and /docs (4),
    an older version of /b.png; and a file of another account."""
    file_store.add(
        file("b", "/b.png", 2),
        file("a", "/a.pdf", 1, file_type="non-image"),
        file("c", "/photos/c.png", 3),
        folder("photos", "/photos", 0),
        folder("docs", "/docs", 4),
        file("b", "/b.png", 0, version=True),
    )
    file_store.add(file("x", "/b.png", 0).model_copy(update={"account_id": "other"}))
    return file_store


def names(query: dict[str, Any]) -> list[str]:
    return [entry.name for entry in listing.list_files(ACCOUNT, ListFilesQuery.model_validate(query), BASE)]


def test_a_missing_file_is_not_found(library: FakeFileStore) -> None:
    """Given no file "zzz" (and "x" belongs to another account), When get_file, Then 404 FILE_NOT_FOUND."""
    for file_id in ("zzz", "x"):
        with pytest.raises(NotFoundError) as caught:
            files.get_file(ACCOUNT, file_id, BASE)
        assert caught.value.reason == "FILE_NOT_FOUND"


def test_a_file_is_answered_with_its_url(library: FakeFileStore) -> None:
    """Given /photos/c.png, When get_file, Then ImageKit's File object with its delivery URL."""
    answer = files.get_file(ACCOUNT, "c", BASE)
    assert (answer.file_path, answer.url) == ("/photos/c.png", f"{BASE}/acme/photos/c.png")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, ["a.pdf", "b.png", "c.png"]),
        ({"sort": "DESC_CREATED"}, ["c.png", "b.png", "a.pdf"]),
        ({"type": "all"}, ["photos", "docs", "a.pdf", "b.png", "c.png"]),
        ({"type": "all", "sort": "DESC_CREATED"}, ["docs", "photos", "c.png", "b.png", "a.pdf"]),
        ({"type": "folder"}, ["photos", "docs"]),
        ({"type": "file-version"}, ["b.png"]),
        ({"type": "all", "fileType": "image"}, ["photos", "docs", "b.png", "c.png"]),
        ({"fileType": "non-image"}, ["a.pdf"]),
        ({"skip": 1, "limit": 1}, ["b.png"]),
        ({"path": "/", "type": "all"}, ["photos", "docs", "a.pdf", "b.png"]),
        ({"path": "/", "type": "all", "sort": "ASC_NAME"}, ["docs", "photos", "a.pdf", "b.png"]),
        ({"path": "/photos/"}, ["c.png"]),
        ({"path": "/", "type": "folder", "sort": "DESC_CREATED"}, ["docs", "photos"]),
    ],
    ids=[
        "files-oldest-first-by-default",
        "desc-created-newest-first",
        "all-lists-folders-before-files",
        "desc-reverses-within-folders-and-files",
        "folders-only",
        "versions-only-non-current",
        "file-type-filter-keeps-folders",
        "non-image-filter",
        "skip-and-limit-page-the-listing",
        "path-lists-direct-children-folders-then-files-by-creation",
        "path-by-name-folders-then-files",
        "path-normalised-without-trailing-slash",
        "path-folders-desc",
    ],
)
def test_listing_order_and_filters(library: FakeFileStore, query: dict[str, Any], expected: list[str]) -> None:
    """Given the library above, When GET /v1/files with the query, Then exactly these entries, in this order,
    and never another account's."""
    assert names(query) == expected


def test_other_domains_ask_files_for_existence(library: FakeFileStore) -> None:
    """Given /photos/c.png, When another domain asks by id and by path, Then only the current file's id and
    path exist, and only in its own account."""
    assert files.file_exists(ACCOUNT, "c") and not files.file_exists(ACCOUNT, "zzz")
    assert files.path_exists(ACCOUNT, "/photos/c.png") and not files.path_exists(ACCOUNT, "/photos/d.png")
    assert not files.file_exists("other", "c")


@pytest.mark.parametrize(
    ("prefix", "limit", "expected"),
    [
        pytest.param("/photos/", 10, ["/photos/c.png", "/photos/2024/d.png", "/photos/2024/x/e.png"], id="folder"),
        pytest.param("/photos/2024/", 10, ["/photos/2024/d.png", "/photos/2024/x/e.png"], id="subfolder"),
        pytest.param(
            "/pho",
            10,
            ["/photos/c.png", "/photos/2024/d.png", "/photos/2024/x/e.png", "/photosx/f.png", "/phone.png"],
            id="prefix-of-a-folder-name-and-a-file-name",
        ),
        pytest.param("/photos/c", 10, ["/photos/c.png"], id="prefix-of-a-file-name"),
        pytest.param("/photosx/", 10, ["/photosx/f.png"], id="the-folder-starting-alike-alone"),
        pytest.param("/photos/", 2, ["/photos/c.png", "/photos/2024/d.png"], id="bounded"),
    ],
)
def test_files_under_a_prefix_are_the_accounts_files_whose_path_starts_with_it(
    file_store: FakeFileStore, prefix: str, limit: int, expected: list[str]
) -> None:
    """Given files in /photos, /photos/2024, /photos/2024/x, /photosx and at the root, When the files under a
    purge prefix are listed (by folder, never the whole account), Then exactly those whose path starts with it,
    folder by folder, at most ``limit``."""
    file_store.add(
        folder("photos", "/photos", 0),
        folder("y2024", "/photos/2024", 0),
        folder("x", "/photos/2024/x", 0),
        folder("photosx", "/photosx", 0),
        file("c", "/photos/c.png", 1),
        file("d", "/photos/2024/d.png", 2),
        file("e", "/photos/2024/x/e.png", 3),
        file("f", "/photosx/f.png", 4),
        file("p", "/phone.png", 5),
    )
    file_store.add(file("o", "/photos/o.png", 6).model_copy(update={"account_id": "other"}))

    found = [item.file_path for item in files.files_under(ACCOUNT, prefix, limit=limit)]

    assert sorted(found) == sorted(expected)
