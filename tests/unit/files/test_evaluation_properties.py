"""Properties of search evaluation (hypothesis): for any parsed query and any file, version or folder (custom
metadata values of every type, fields missing), evaluating, ranking, planning and sorting never raise; and any
text given to the listing is a page or a 400 INVALID_SEARCH_QUERY, never another exception."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from medialib.files import listing
from medialib.files import service as files
from medialib.files.evaluation import Context, Kind, matches, plan, relevance, sort_entries
from medialib.files.models import FileItem, FolderItem, ListFilesQuery, ListType, SortKey
from medialib.files.search import Query, SearchQueryError
from tests.unit.files.test_search_properties import _TOKEN_SOUP, QUERIES, _mutated
from tests.unit.services.fakes import FakeFileStore

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
_TIMES = st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(UTC))
_SCALARS: st.SearchStrategy[Any] = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=False, allow_infinity=False),  # numbers as DynamoDB returns them (never NaN or inf)
    st.text(max_size=12),
    st.sampled_from(["2020-01-01", "2020:01:01 10:00:00", "7d", "1mb", "", "red", "Red"]),
)
_METADATA_VALUES = st.one_of(_SCALARS, st.lists(_SCALARS, max_size=3), st.dictionaries(st.text(max_size=3), _SCALARS))
_FIELD_NAMES = st.sampled_from(["x", "a", "abc", "XYZ", "0", "b-1"])
_SCHEMAS = st.sampled_from(["Text", "Textarea", "Number", "Date", "Boolean", "SingleSelect", "MultiSelect", "Odd"])


@st.composite
def files_or_folders(draw: st.DrawFn) -> FileItem | FolderItem:
    created = draw(_TIMES)
    if draw(st.booleans()):
        name = draw(st.text(min_size=1, max_size=10))
        return FolderItem(
            account_id="acc",
            folder_id=draw(st.text("abc123", min_size=1, max_size=6)),
            name=name,
            folder_path=draw(st.sampled_from(["/", "/a", "/a/b"])).rstrip("/") + "/" + name,
            created_at=created,
            updated_at=draw(_TIMES),
        )
    name = draw(st.text(min_size=1, max_size=10))
    return FileItem(
        type=draw(st.sampled_from(["file", "file-version"])),
        account_id="acc",
        file_id=draw(st.text("abc123", min_size=1, max_size=6)),
        version_id="v",
        version_number=1,
        name=name,
        file_path=draw(st.sampled_from(["", "/a", "/a/b"])) + "/" + name,
        file_type=draw(st.sampled_from(["image", "non-image"])),
        mime=draw(st.sampled_from(["image/jpeg", "image/png", "application/pdf", "", "x", "video/mp4"])),
        size=draw(st.integers(0, 10**12)),
        width=draw(st.none() | st.integers(0, 10**5)),
        height=draw(st.none() | st.integers(0, 10**5)),
        has_alpha=draw(st.none() | st.booleans()),
        tags=draw(st.none() | st.lists(st.text(max_size=8), max_size=3)),
        ai_tags=draw(st.none() | st.lists(st.dictionaries(st.sampled_from(["name", "confidence"]), _SCALARS))),
        is_private_file=draw(st.booleans()),
        is_published=draw(st.booleans()),
        custom_metadata=draw(st.dictionaries(_FIELD_NAMES, _METADATA_VALUES, max_size=3)),
        embedded_metadata=draw(
            st.none() | st.fixed_dictionaries({}, optional={"Keywords": _METADATA_VALUES, "DateTimeOriginal": _SCALARS})
        ),
        object_token="t",
        created_at=created,
        updated_at=draw(_TIMES),
    )


_CONTEXTS = st.builds(
    Context,
    now=st.one_of(st.just(NOW), _TIMES),
    field_types=st.dictionaries(_FIELD_NAMES, _SCHEMAS, max_size=4),
)
_SORTS = st.sampled_from(SortKey.__args__)  # type: ignore[attr-defined]


@settings(max_examples=150)
@given(QUERIES, st.lists(files_or_folders(), min_size=1, max_size=4), _CONTEXTS, _SORTS)
def test_evaluation_never_raises(query: Query, entries: list[FileItem | FolderItem], ctx: Context, sort: str) -> None:
    """Given any parsed query, any entries (every custom metadata type, fields missing) and any field schemas,
    When each is matched and ranked, the listing planned and the entries sorted, Then each answer is a value."""
    for entry in entries:
        assert matches(query, entry, ctx) in (True, False)
        assert relevance(query, entry, ctx) >= 0
    chosen = plan(query, list_type=ListType.ALL, path=None, sort=sort)
    ordered = sort_entries(entries, sort, kinds=list(Kind), relevance_of=lambda e: relevance(query, e, ctx))
    assert sorted(map(id, ordered)) == sorted(map(id, entries)) and chosen.kinds


@pytest.fixture
def small_library(monkeypatch: pytest.MonkeyPatch) -> None:
    store = FakeFileStore()
    store.add(
        FileItem.model_validate(
            {
                "accountId": "acc",
                "fileId": "f",
                "versionId": "f",
                "versionNumber": 1,
                "name": "a b.jpg",
                "filePath": "/x/a b.jpg",
                "fileType": "image",
                "mime": "image/jpeg",
                "size": 5,
                "tags": ["t"],
                "customMetadata": {"n": 1, "s": "v", "m": ["a"]},
                "objectToken": "t",
                "createdAt": NOW,
                "updatedAt": NOW,
            }
        ),
        FolderItem(account_id="acc", folder_id="d", name="x", folder_path="/x", created_at=NOW, updated_at=NOW),
    )
    monkeypatch.setattr(files, "store", store)
    monkeypatch.setattr(listing, "field_types", lambda account_id: {"n": "Number", "s": "Text", "m": "MultiSelect"})


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])  # the library is read only
@given(st.one_of(st.text(max_size=60), _TOKEN_SOUP, _mutated()), _SORTS)
def test_any_search_text_is_a_page_or_a_400(small_library: None, text: str, sort: str) -> None:
    """Given a small library, When GET /v1/files is asked with any text as searchQuery (any sort), Then a page
    (a list), or a SearchQueryError: 400 INVALID_SEARCH_QUERY; never another exception."""
    query = ListFilesQuery.model_validate({"searchQuery": text, "sort": sort})
    try:
        page = listing.list_files("acc", query, "https://m", NOW)
    except SearchQueryError as error:
        assert (error.status, error.reason) == (400, "INVALID_SEARCH_QUERY")
        return
    assert isinstance(page, list)
