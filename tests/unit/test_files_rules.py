"""The wire mapping of files: URLs, version tokens, timestamps and folder paths; the listing's isPublished filter."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from medialib.files.models import FileItem, FolderItem, ListFilesQuery
from medialib.files.rules import bulk_status, folder_of, iso, matches_published, to_file_response


def _item(**overrides: object) -> FileItem:
    fields: dict[str, object] = {
        "accountId": "dev",
        "fileId": "f1",
        "versionId": "f1",
        "versionNumber": 1,
        "name": "my photo.jpg",
        "filePath": "/products/my photo.jpg",
        "fileType": "image",
        "mime": "image/jpeg",
        "size": 1234,
        "width": 10,
        "height": 20,
        "objectToken": "tok123",
        "createdAt": datetime(2026, 11, 23, 12, 0, 1, 313000, tzinfo=UTC),
        "updatedAt": datetime(2026, 11, 23, 12, 0, 1, 313000, tzinfo=UTC),
    }
    fields.update(overrides)
    return FileItem.model_validate(fields)


def test_current_file_maps_to_imagekit_object() -> None:
    """Given a stored current file, When it is mapped, Then the wire object has ImageKit's names and URLs."""
    body = to_file_response(_item(), "http://127.0.0.1:3000/").model_dump(by_alias=True)
    assert body["fileId"] == "f1"
    assert body["type"] == "file"
    assert body["url"] == "http://127.0.0.1:3000/dev/products/my%20photo.jpg"
    assert body["thumbnail"] == "http://127.0.0.1:3000/dev/tr:n-ik_ml_thumbnail/products/my%20photo.jpg"
    assert body["versionInfo"] == {"id": "f1", "name": "Version 1"}
    assert body["AITags"] is None
    assert body["tags"] is None
    assert body["customMetadata"] == {}
    assert body["createdAt"] == "2026-11-23T12:00:01.313Z"


def test_older_version_url_carries_its_token() -> None:
    """Given a non-current version, When it is mapped, Then its URL pins the version with ik-obj-version."""
    body = to_file_response(_item(type="file-version", versionNumber=2), "https://cdn.example").model_dump(
        by_alias=True
    )
    assert body["url"].endswith("/dev/products/my%20photo.jpg?ik-obj-version=tok123")
    assert body["versionInfo"]["name"] == "Version 2"


def test_non_images_have_no_thumbnail() -> None:
    """Given a PDF, When it is mapped, Then thumbnail is null."""
    item = _item(fileType="non-image", mime="application/pdf", name="a.pdf", filePath="/a.pdf")
    assert to_file_response(item, "https://cdn.example").thumbnail is None


def test_iso_is_utc_with_milliseconds() -> None:
    """Given any aware datetime, When formatted, Then it is UTC with milliseconds and a Z."""
    assert iso(datetime(2019, 8, 24, 6, 14, 41, 313999, tzinfo=UTC)) == "2019-08-24T06:14:41.313Z"


@pytest.mark.parametrize(
    ("path", "folder"),
    [("/", "/"), ("/sales-banner/", "/sales-banner"), ("/a/b", "/a/b"), ("//a//", "/a")],
)
def test_folder_of(path: str, folder: str) -> None:
    """Given a path query value, When normalised, Then it is the folder path without a trailing slash."""
    assert folder_of(path) == folder


@pytest.mark.parametrize(
    ("entry", "is_published", "kept"),
    [
        pytest.param("published", None, True, id="no-filter-keeps-published"),
        pytest.param("draft", None, True, id="no-filter-keeps-drafts"),
        pytest.param("published", True, True, id="true-keeps-published"),
        pytest.param("draft", True, False, id="true-drops-drafts"),
        pytest.param("published", False, False, id="false-drops-published"),
        pytest.param("draft", False, True, id="false-keeps-drafts"),
        pytest.param("folder", True, True, id="folders-pass-true"),
        pytest.param("folder", False, True, id="folders-pass-false"),
    ],
)
def test_the_published_filter_applies_to_files_not_folders(entry: str, is_published: bool | None, kept: bool) -> None:
    """Given a published file, a draft or a folder, When the isPublished filter reads it, Then kept as the table says."""
    at = datetime(2026, 1, 1, tzinfo=UTC)
    candidates: dict[str, FileItem | FolderItem] = {
        "published": _item(),
        "draft": _item(isPublished=False),
        "folder": FolderItem(
            account_id="acme", folder_id="f", name="f", folder_path="/f", created_at=at, updated_at=at
        ),
    }
    assert matches_published(candidates[entry], is_published) is kept


@pytest.mark.parametrize(
    ("text", "parsed"),
    [pytest.param("true", True, id="true"), pytest.param("false", False, id="false")],
)
def test_is_published_in_a_query_string_is_true_or_false(text: str, parsed: bool) -> None:
    """Given isPublished as the SDKs write booleans in a query string, When parsed, Then that boolean."""
    assert ListFilesQuery.model_validate({"isPublished": text}).is_published is parsed
    assert ListFilesQuery.model_validate({}).is_published is None


def test_an_empty_query_value_means_the_default() -> None:
    """Given ``?isPublished=&sort=&limit=`` (a form left blank), When parsed, Then the defaults, as if absent."""
    query = ListFilesQuery.model_validate({"isPublished": "", "sort": "", "limit": "", "path": ""})
    assert query == ListFilesQuery()


@pytest.mark.parametrize(
    "text",
    ["True", "FALSE", "1", "0", "yes", "no", "on", " true", "published"],
    ids=["capitalised", "upper-case", "one", "zero", "yes", "no", "on", "leading-space", "a-word"],
)
def test_any_other_is_published_text_is_refused(text: str) -> None:
    """Given isPublished text that is not exactly true or false, When parsed, Then refused (a 400 at the API)
    naming the accepted values, never guessed."""
    with pytest.raises(ValidationError, match="must be true or false"):
        ListFilesQuery.model_validate({"isPublished": text})


@pytest.mark.parametrize(
    ("errors", "status"),
    [(None, 200), ([], 200), (["one file failed"], 207)],
    ids=["no-errors-field", "empty-errors", "some-failed"],
)
def test_a_bulk_answer_is_200_when_every_file_was_done_and_207_otherwise(errors: list[str] | None, status: int) -> None:
    """Given a bulk request's errors, When its status is chosen, Then 200 without errors and 207 with some."""
    assert bulk_status(errors) == status
