"""Listing rules against an in-memory store: every sort, which index a listing reads (its plan), how much a page
reads, the search's kinds, and paging after the filters."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from medialib.files import listing
from medialib.files import service as files
from medialib.files.evaluation import Kind, Order, Scope, plan
from medialib.files.models import FileItem, FolderItem, ListFilesQuery, ListType
from medialib.files.search import parse
from medialib.files.store import Child, Entry
from tests.unit.services.fakes import FakeFileStore

ACCOUNT = "acme"
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def file(file_id: str, name: str, minute: int, **fields: Any) -> FileItem:
    at = T0 + timedelta(minutes=minute)
    base = {
        "accountId": ACCOUNT, "fileId": file_id, "versionId": file_id, "versionNumber": 1, "name": name,
        "filePath": f"/{name}", "fileType": "image", "mime": "image/png", "size": 10, "objectToken": "t",
        "createdAt": at, "updatedAt": at,
    }  # fmt: skip
    return FileItem.model_validate(base | fields)


def folder(folder_id: str, name: str, minute: int) -> FolderItem:
    at = T0 + timedelta(minutes=minute)
    return FolderItem(account_id=ACCOUNT, folder_id=folder_id, name=name, folder_path=f"/{name}", created_at=at,
                      updated_at=at)  # fmt: skip


@pytest.fixture
def library(file_store: FakeFileStore) -> FakeFileStore:
    """At the root: b.png (minute 3, 300x100, 30 bytes, updated at minute 9, taken 2001), a.pdf (minute 1, no
    dimensions, 500 bytes), c.png (minute 2, 100x200, 30 bytes, tagged "sea"), d.png (minute 4, 50x50, 5 bytes,
    tagged "sea shore"); folders z (minute 0) and y (minute 5)."""
    file_store.add(
        file("fb", "b.png", 3, width=300, height=100, size=30, updatedAt=T0 + timedelta(minutes=9),
             embeddedMetadata={"DateTimeOriginal": "2001:02:03 04:05:06"}),
        file("fa", "a.pdf", 1, fileType="non-image", mime="application/pdf", size=500),
        file("fc", "c.png", 2, width=100, height=200, size=30, tags=["sea"]),
        file("fd", "d.png", 4, width=50, height=50, size=5, tags=["sea shore"]),
        folder("dz", "z", 0),
        folder("dy", "y", 5),
    )  # fmt: skip
    return file_store


def names(query: dict[str, Any]) -> list[str]:
    return [e.name for e in listing.list_files(ACCOUNT, ListFilesQuery.model_validate(query), "https://m", T0)]


SORTS = [
    ("ASC_NAME", ["a.pdf", "b.png", "c.png", "d.png"]),
    ("DESC_NAME", ["d.png", "c.png", "b.png", "a.pdf"]),
    ("ASC_CREATED", ["a.pdf", "c.png", "b.png", "d.png"]),
    ("DESC_CREATED", ["d.png", "b.png", "c.png", "a.pdf"]),
    ("ASC_UPDATED", ["a.pdf", "c.png", "d.png", "b.png"]),
    ("DESC_UPDATED", ["b.png", "d.png", "c.png", "a.pdf"]),
    ("ASC_HEIGHT", ["d.png", "b.png", "c.png", "a.pdf"]),
    ("DESC_HEIGHT", ["c.png", "b.png", "d.png", "a.pdf"]),
    ("ASC_WIDTH", ["d.png", "c.png", "b.png", "a.pdf"]),
    ("DESC_WIDTH", ["b.png", "c.png", "d.png", "a.pdf"]),
    ("ASC_SIZE", ["d.png", "b.png", "c.png", "a.pdf"]),
    ("DESC_SIZE", ["a.pdf", "c.png", "b.png", "d.png"]),
    ("ASC_DURATION", ["a.pdf", "b.png", "c.png", "d.png"]),
    ("DESC_DURATION", ["a.pdf", "b.png", "c.png", "d.png"]),
    ("ASC_RELEVANCE", ["a.pdf", "c.png", "b.png", "d.png"]),
    ("DESC_RELEVANCE", ["d.png", "b.png", "c.png", "a.pdf"]),
    ("ASC_ORIGINAL_CREATION_DATE", ["b.png", "a.pdf", "c.png", "d.png"]),
    ("DESC_ORIGINAL_CREATION_DATE", ["d.png", "c.png", "a.pdf", "b.png"]),
]
SORT_IDS = [
    "name-by-code-point", "name-reversed", "created-oldest-first", "created-newest-first", "updated-oldest-first",
    "updated-newest-first", "height-missing-last", "height-desc-missing-still-last", "width-missing-last",
    "width-desc-missing-still-last", "size-ties-by-id", "size-desc-ties-by-id-reversed",
    "duration-none-has-one-all-by-id", "duration-desc-all-by-id", "relevance-without-text-is-created",
    "relevance-desc-without-text-is-created-desc", "original-date-taken-else-created",
    "original-date-desc",
]  # fmt: skip


@pytest.mark.parametrize(("sort", "expected"), SORTS, ids=SORT_IDS)
@pytest.mark.parametrize(
    "where", [{}, {"path": "/"}, {"searchQuery": 'type = "file"'}], ids=["account", "path", "search"]
)
def test_every_sort(library: FakeFileStore, sort: str, expected: list[str], where: dict[str, Any]) -> None:
    """Given the library, When files are listed with each sort (account-wide, in one folder, or searched), Then in
    this order: missing values last in both directions, ties by id (reversed with DESC)."""
    assert names({"sort": sort, **where}) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"type": "all", "sort": "ASC_NAME"}, ["y", "z", "a.pdf", "b.png", "c.png", "d.png"]),
        ({"type": "all", "sort": "DESC_SIZE"}, ["y", "z", "a.pdf", "c.png", "b.png", "d.png"]),
        ({"searchQuery": 'tags HAS "sea" OR tags HAS "shore"', "sort": "DESC_RELEVANCE"}, ["d.png", "c.png"]),
        ({"searchQuery": 'tags HAS "sea" OR tags HAS "shore"', "sort": "ASC_RELEVANCE"}, ["c.png", "d.png"]),
        ({"searchQuery": 'createdAt > "1h"', "sort": "ASC_NAME", "skip": 1, "limit": 2}, ["z", "a.pdf"]),
        (
            {"searchQuery": 'type = "folder" OR size > 20', "sort": "DESC_CREATED"},
            ["y", "z", "b.png", "c.png", "a.pdf"],
        ),
        ({"searchQuery": "size > 20", "fileType": "image", "skip": 1}, ["b.png"]),
    ],
    ids=[
        "all-folders-first-each-group-by-name",
        "folders-have-no-size-they-sort-by-id-in-their-group",
        "relevance-most-has-clauses-matched-first",
        "relevance-ascending-least-first",
        "skip-and-limit-count-what-matched",
        "a-search-finds-folders-first-then-files",
        "file-type-applies-to-a-search-before-skip",
    ],
)
def test_groups_relevance_and_paging(library: FakeFileStore, query: dict[str, Any], expected: list[str]) -> None:
    """Given the library, When listed or searched, Then folders come first, then files, each group in the sort's
    order, and skip/limit count only what matched."""
    assert names(query) == expected


@pytest.mark.parametrize(
    ("query", "list_type", "path", "sort", "expected"),
    [
        (None, ListType.FILE, None, "ASC_CREATED", ((Kind.FILES,), Scope.ACCOUNT, "/", Order.CREATED)),
        (None, ListType.ALL, "/a/", "DESC_CREATED", ((Kind.FOLDERS, Kind.FILES), Scope.FOLDER, "/a", Order.CREATED)),
        (None, ListType.FILE, "/a", "ASC_NAME", ((Kind.FILES,), Scope.FOLDER, "/a", Order.NAME)),
        (None, ListType.FILE, None, "ASC_NAME", ((Kind.FILES,), Scope.ACCOUNT, "/", Order.SORTED)),
        (None, ListType.FILE, "/a", "ASC_SIZE", ((Kind.FILES,), Scope.FOLDER, "/a", Order.SORTED)),
        (None, ListType.FILE_VERSION, "/a", "ASC_CREATED", ((Kind.VERSIONS,), Scope.FOLDER, "/a", Order.SORTED)),
        ('path = "/a/b/"', ListType.FILE, None, "ASC_CREATED", ((Kind.FOLDERS, Kind.FILES), Scope.FOLDER, "/a/b", Order.CREATED)),
        ('path : "/a" AND size > 1', ListType.FILE, None, "ASC_CREATED", ((Kind.FOLDERS, Kind.FILES), Scope.TREE, "/a", Order.SORTED)),
        ('path : "/"', ListType.FILE, None, "ASC_CREATED", ((Kind.FOLDERS, Kind.FILES), Scope.ACCOUNT, "/", Order.CREATED)),
        ('path = "/a" OR size > 1', ListType.FILE, None, "ASC_CREATED", ((Kind.FOLDERS, Kind.FILES), Scope.ACCOUNT, "/", Order.CREATED)),
        ('type = "file-version"', ListType.FOLDER, None, "DESC_CREATED", ((Kind.VERSIONS,), Scope.ACCOUNT, "/", Order.CREATED)),
        ('type IN ["file", "folder"]', ListType.FILE, None, "ASC_CREATED", ((Kind.FOLDERS, Kind.FILES), Scope.ACCOUNT, "/", Order.CREATED)),
        ('type = "file" OR type = "file-version"', ListType.FILE, None, "ASC_CREATED", ((Kind.FOLDERS, Kind.FILES, Kind.VERSIONS), Scope.ACCOUNT, "/", Order.CREATED)),
        ('type NOT = "file-version"', ListType.FILE, None, "ASC_CREATED", ((Kind.FOLDERS, Kind.FILES), Scope.ACCOUNT, "/", Order.CREATED)),
        ('name HAS "x"', ListType.FILE, None, "DESC_RELEVANCE", ((Kind.FOLDERS, Kind.FILES), Scope.ACCOUNT, "/", Order.SORTED)),
        ('name = "x"', ListType.FILE, None, "DESC_RELEVANCE", ((Kind.FOLDERS, Kind.FILES), Scope.ACCOUNT, "/", Order.CREATED)),
        ('size > 1', ListType.FILE, "/p", "ASC_NAME", ((Kind.FOLDERS, Kind.FILES), Scope.FOLDER, "/p", Order.NAME)),
    ],
    ids=[
        "default-account-files-by-creation-index",
        "path-by-creation-uses-the-folder-creation-index",
        "path-by-name-uses-the-folder-name-index",
        "account-by-name-reads-all-then-sorts",
        "path-by-size-reads-the-folder-then-sorts",
        "versions-of-a-folder-read-file-by-file-then-sort",
        "path-equals-clause-reads-that-folder",
        "path-colon-clause-walks-the-tree",
        "path-colon-root-is-the-account",
        "path-under-or-is-not-a-scope",
        "type-param-ignored-the-query-decides",
        "type-in-narrows-the-kinds",
        "versions-read-when-named-under-or",
        "versions-never-read-unless-named",
        "relevance-with-has-sorts-in-memory",
        "relevance-without-has-is-the-creation-index",
        "path-param-with-a-query-reads-that-folder",
    ],
)  # fmt: skip
def test_the_plan_picks_the_cheapest_index(
    query: str | None, list_type: ListType, path: str | None, sort: str, expected: tuple[Any, ...]
) -> None:
    """Given a listing, When planned, Then it reads these kinds within this scope, in the index's order when the
    sort is that order (a page then reads about skip + limit entries) or sorted after a whole read."""
    chosen = plan(parse(query) if query else None, list_type=list_type, path=path, sort=sort)
    assert (chosen.kinds, chosen.scope, chosen.folder, chosen.order) == expected


class CountingStore(FakeFileStore):
    """Counts the entries a listing pulls out of the store's iterators."""

    def __init__(self) -> None:
        super().__init__()
        self.pulled = 0
        self.pages: list[int] = []

    def _counted(self, entries: Iterator[Entry]) -> Iterator[Entry]:
        for entry in entries:
            self.pulled += 1
            yield entry

    def folder_children_by_created(
        self, account_id: str, folder_path: str, *, only: Child, ascending: bool, page_size: int = 100
    ) -> Iterator[Entry]:
        self.pages.append(page_size)
        return self._counted(
            super().folder_children_by_created(account_id, folder_path, only=only, ascending=ascending)
        )

    def folder_children(
        self, account_id: str, folder_path: str, *, only: Child | None, ascending: bool, page_size: int = 100
    ) -> Iterator[Entry]:
        self.pages.append(page_size)
        return self._counted(super().folder_children(account_id, folder_path, only=only, ascending=ascending))


@pytest.mark.parametrize("sort", ["ASC_CREATED", "DESC_CREATED", "ASC_NAME", "DESC_NAME"])
def test_a_folder_page_reads_about_skip_plus_limit(monkeypatch: pytest.MonkeyPatch, sort: str) -> None:
    """Given a folder of 500 files, When a page of 10 after 20 is listed by creation or by name, Then 30 entries
    are read from the index, not 500, in one Query page of 30."""
    store = CountingStore()
    store.add(*(file(f"f{n:03}", f"n{n:03}.png", n) for n in range(500)))
    monkeypatch.setattr(files, "store", store)

    page = names({"path": "/", "sort": sort, "skip": 20, "limit": 10})

    assert len(page) == 10 and store.pulled == 30 and store.pages == [30]
