"""The ``isPublished`` filter of ``GET /v1/files`` (medialib extension), against an in-memory store."""

from __future__ import annotations

from typing import Any

import pytest

from medialib.files import listing
from medialib.files.models import FileItem, ListFilesQuery
from tests.unit.services.fakes import FakeFileStore
from tests.unit.services.test_files_service import ACCOUNT, BASE, file, folder


def draft(item: FileItem) -> FileItem:
    return item.model_copy(update={"is_published": False})


@pytest.fixture
def drafts(file_store: FakeFileStore) -> FakeFileStore:
    """Files by creation: p1 (published), d1 (draft), p2 (published), d2 (draft); a folder; a draft older version
    of p1 and a published older version of d1; another account's draft."""
    file_store.add(
        file("p1", "/p1.png", 1),
        draft(file("d1", "/d1.png", 2)),
        file("p2", "/p2.png", 3),
        draft(file("d2", "/d2.pdf", 4, file_type="non-image")),
        folder("f", "/f", 0),
        draft(file("p1", "/p1.png", 0, version=True)),
        file("d1", "/d1.png", 0, version=True).model_copy(update={"version_id": "d1-old"}),
    )
    file_store.add(draft(file("x", "/x.png", 5)).model_copy(update={"account_id": "other"}))
    return file_store


def listed(query: dict[str, Any]) -> list[tuple[str, bool | None]]:
    answers = listing.list_files(ACCOUNT, ListFilesQuery.model_validate(query), BASE)
    return [(entry.name, getattr(entry, "is_published", None)) for entry in answers]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param({}, [("p1.png", True), ("d1.png", False), ("p2.png", True), ("d2.pdf", False)], id="no-filter-lists-both"),
        pytest.param({"isPublished": "false"}, [("d1.png", False), ("d2.pdf", False)], id="false-lists-drafts-only"),
        pytest.param({"isPublished": "true"}, [("p1.png", True), ("p2.png", True)], id="true-lists-published-only"),
        pytest.param({"type": "file-version", "isPublished": "false"}, [("p1.png", False)], id="versions-by-their-own-state-draft"),
        pytest.param({"type": "file-version", "isPublished": "true"}, [("d1.png", True)], id="versions-by-their-own-state-published"),
        pytest.param({"type": "all", "isPublished": "false"}, [("f", None), ("d1.png", False), ("d2.pdf", False)], id="all-keeps-folders-and-filters-files"),
        pytest.param({"type": "folder", "isPublished": "false"}, [("f", None)], id="folders-are-not-filtered"),
        pytest.param({"isPublished": "false", "skip": 1, "limit": 1}, [("d2.pdf", False)], id="skip-and-limit-page-the-filtered-list"),
        pytest.param({"isPublished": "false", "fileType": "image"}, [("d1.png", False)], id="combines-with-file-type"),
        pytest.param({"isPublished": "false", "sort": "DESC_CREATED"}, [("d2.pdf", False), ("d1.png", False)], id="keeps-the-order"),
        pytest.param({"path": "/", "isPublished": "false"}, [("d1.png", False), ("d2.pdf", False)], id="within-a-folder"),
    ],
)  # fmt: skip
def test_the_published_filter(drafts: FakeFileStore, query: dict[str, Any], expected: list[Any]) -> None:
    """Given published and draft files and versions, When listed with the query, Then exactly these entries (never
    another account's draft), the filter applied before skip and limit."""
    assert listed(query) == expected
