"""The evaluation rules of a searchQuery over one file or folder (pure): custom metadata typed by the account's
field schemas, tokens of HAS, the folder of ``path``, dates at the millisecond, and the fields nothing records."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from medialib.files.evaluation import Context, format_of, matches
from medialib.files.models import FileItem, FolderItem
from medialib.files.search import parse

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
CREATED = datetime(2026, 5, 30, 8, 0, 0, 123456, tzinfo=UTC)
TYPES = {"launch": "Date", "price": "Number", "sku": "Text", "size": "SingleSelect", "colors": "MultiSelect",
         "sale": "Boolean", "code": "Text"}  # fmt: skip


def item(**fields: Any) -> FileItem:
    base = {
        "accountId": "a", "fileId": "f1", "versionId": "f1", "versionNumber": 1, "name": "Summer_Sale-2026.JPG",
        "filePath": "/shop/xy/Summer_Sale-2026.JPG", "fileType": "image", "mime": "image/jpeg", "size": 10,
        "objectToken": "t", "createdAt": CREATED, "updatedAt": CREATED,
        "customMetadata": {"launch": "2026-05-01T00:00:00.000Z", "price": 12.5, "sku": "AB-12", "size": "M",
                           "colors": ["red", "green"], "sale": False, "code": "42"},
    }  # fmt: skip
    return FileItem.model_validate(base | fields)


FOLDER = FolderItem(account_id="a", folder_id="d1", name="xy", folder_path="/shop/xy", created_at=NOW, updated_at=NOW)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ('"customMetadata.launch" > 2026-04-30', True),
        ('"customMetadata.launch" > "7d"', False),
        ('"customMetadata.launch" < "2w"', True),
        ('"customMetadata.price" >= 12.5', True),
        ('"customMetadata.price" IN [12, 13]', False),
        ('"customMetadata.sku" : "AB"', True),
        ('"customMetadata.sku" HAS "ab 1"', True),
        ('"customMetadata.code" = 42', False),
        ('"customMetadata.code" = "42"', True),
        ('"customMetadata.size" IN ["S", "M"]', True),
        ('"customMetadata.size" NOT IN ["M"]', False),
        ('"customMetadata.colors" = "green"', True),
        ('"customMetadata.colors" NOT IN ["blue"]', True),
        ('"customMetadata.sale" = false', True),
        ('"customMetadata.sale" = "false"', False),
        ('"customMetadata.gone" NOT IN ["x"]', True),
        ('"customMetadata.gone" = "x"', False),
        ('name HAS "sale 20"', True),
        ('name HAS "summer sale jpg"', True),
        ('name HAS "ale"', False),
        ('name : "Summer"', True),
        ('path = "/shop/xy/"', True),
        ('path : "/shop"', True),
        ('path : "/shop/x"', False),
        ('createdAt = "2026-05-30T08:00:00.123Z"', True),
        ('createdAt > "3d"', True),
        ('createdAt > "2d"', False),
        ('format = "JPG"', True),
        ('createdBy NOT = "x@y.z"', True),
        ('createdBy IN ["x@y.z"]', False),
        ("videoDuration < 10", False),
        ('"embeddedMetadata.DateTimeOriginal" < 2030-01-01', False),
    ],
    ids=[
        "date-field-after-a-day", "date-field-not-within-7-days", "date-field-before-two-weeks-ago",
        "number-field-compared-as-a-number", "number-field-in-a-list", "text-field-prefix", "text-field-has-tokens",
        "a-text-field-is-not-a-number", "text-field-equals-its-text", "single-select-in", "single-select-not-in",
        "multi-select-equals-one-of-its-values", "multi-select-not-in-none-shared", "boolean-field",
        "boolean-field-is-not-text", "a-missing-field-is-not-in-any-list", "a-missing-field-equals-nothing",
        "has-tokens-of-the-name-last-a-prefix", "has-every-token-any-case", "has-needs-a-token-start",
        "name-colon-prefix", "path-equals-its-folder-slashes-ignored", "path-colon-subfolders",
        "path-colon-is-by-folder-not-by-text-prefix", "dates-equal-at-the-millisecond", "relative-three-days",
        "relative-two-days", "format-case-insensitive", "no-uploader-is-never-equal", "no-uploader-is-in-no-list",
        "no-file-has-a-duration", "no-date-taken-no-match",
    ],
)  # fmt: skip
def test_a_clause_over_a_file(query: str, expected: bool) -> None:
    """Given a file with custom metadata of every schema type (typed by the account's fields), When a query is
    evaluated at a fixed now, Then it matches or not as the rule says."""
    assert matches(parse(query), item(), Context(now=NOW, field_types=TYPES)) is expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ('path = "/shop"', True),
        ('type = "folder" AND name = "xy"', True),
        ("size > 0", False),
        ('tags NOT IN ["x"]', True),
        ("tags NOT EXISTS", True),
        ("published = false", False),
        ('format IN ["jpg"]', False),
    ],
    ids=[
        "a-folder-is-in-its-parent", "folder-by-type-and-name", "a-folder-has-no-size",
        "negations-are-complements", "a-folder-has-no-tags", "a-folder-is-not-a-draft", "a-folder-has-no-format",
    ],
)  # fmt: skip
def test_a_clause_over_a_folder(query: str, expected: bool) -> None:
    """Given a folder /shop/xy, When a query is evaluated, Then fields a folder lacks never match, and their
    negations do."""
    assert matches(parse(query), FOLDER, Context(now=NOW)) is expected


@pytest.mark.parametrize(
    ("mime", "name", "expected"),
    [("image/jpeg", "a.jpeg", "jpg"), ("image/png", "a", "png"), ("application/octet-stream", "a.HEIC", "heic"),
     ("text/plain", "notes.txt", "txt"), ("image/svg+xml", "x", "svg"), ("video/mp4", "clip", "mp4")],
    ids=["jpeg-is-jpg", "from-the-mime", "unknown-mime-by-extension", "extension-first-for-others",
         "svg-from-its-mime", "mp4"],
)  # fmt: skip
def test_format(mime: str, name: str, expected: str) -> None:
    """Given a file's MIME type and name, When its format is read, Then ImageKit's short format name."""
    assert format_of(item(mime=mime, name=name)) == expected
