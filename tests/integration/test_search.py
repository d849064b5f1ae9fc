"""``GET /v1/files?searchQuery=...`` through the local gateway over a fixed library written by the real store: the
table of queries and what each finds, versions of a folder, paging after filters, the 400 of a malformed query,
query-string decoding as API Gateway does it, and tenant isolation."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode

import pytest

from medialib.files.models import FileItem, FolderItem
from medialib.files.store import TableFileStore
from medialib_local.gateway import query_parameters
from tests.conftest import basic

OLD = datetime(2018, 1, 1, tzinfo=UTC)


def _file(acc: str, label: str, path: str, created: datetime, **fields: Any) -> FileItem:
    name = path.rsplit("/", 1)[1]
    base = {
        "accountId": acc, "fileId": f"f-{label}", "versionId": f"f-{label}", "versionNumber": 1, "name": name,
        "filePath": path, "fileType": "image" if fields.get("mime", "image/").startswith("image/") else "non-image",
        "mime": "image/jpeg", "size": 100, "objectToken": "tok", "createdAt": created, "updatedAt": created,
    }  # fmt: skip
    return FileItem.model_validate(base | fields)


def _folders(acc: str, folder: str) -> list[FolderItem]:
    levels = [level for level in folder.split("/") if level]
    return [
        FolderItem(account_id=acc, folder_id=f"d-{levels[depth]}", name=levels[depth],
                   folder_path="/" + "/".join(levels[: depth + 1]), created_at=OLD, updated_at=OLD)
        for depth in range(len(levels))
    ]  # fmt: skip


def _write_library(acc: str, now: datetime) -> None:
    """The library, through the store's own writes (folders made on the way, as upload makes them)."""
    store = TableFileStore()
    sunset = _file(
        acc, "sunset", "/photos/beach-sunset.jpg", now - timedelta(hours=2), width=2048, height=1536, size=250_000,
        hasAlpha=False, tags=["beach", "summer"], AITags=[{"name": "Sea", "confidence": 95, "source": "google"}],
        customMetadata={"brand": "Nike", "price": 120, "onSale": True, "colors": ["red", "blue"]},
        embeddedMetadata={"Keywords": ["holiday", "sea"], "DateTimeOriginal": "2019:07:14 18:30:00"},
    )  # fmt: skip
    party_old = _file(
        acc, "party", "/photos/beach-party.png", now - timedelta(days=5), mime="image/png", width=800, height=600,
        size=1_000, tags=["draft-party"],
    )  # fmt: skip
    party = party_old.model_copy(
        update={"version_id": "party-v2", "version_number": 2, "created_at": now - timedelta(days=3),
                "updated_at": now - timedelta(days=3), "size": 2_000_000, "has_alpha": True,
                "tags": ["beach", "party"], "custom_metadata": {"brand": "Adidas", "price": 80}}
    )  # fmt: skip
    mountain = _file(
        acc, "mountain", "/photos/2019/old-mountain.jpg", datetime(2019, 5, 1, 10, tzinfo=UTC), width=4000,
        height=3000, size=5_000_000, tags=["mountain"], isPrivateFile=True,
    )  # fmt: skip
    report = _file(
        acc, "report", "/docs/report-2024.pdf", now - timedelta(days=40), mime="application/pdf", size=40_000,
        customMetadata={"brand": "Nike"}, isPublished=False,
    )  # fmt: skip
    notes = _file(
        acc, "notes", "/docs/notes.txt", now - timedelta(days=10), mime="text/plain", size=1024, tags=["size+fit"],
        customMetadata={"price": 5},
    )  # fmt: skip
    logo = _file(
        acc, "logo", "/logo.svg", datetime(2021, 1, 1, tzinfo=UTC), mime="image/svg+xml", width=512, height=512,
        size=3000, hasAlpha=True, tags=["brand"], customMetadata={"launch": "2021-06-01T00:00:00.000Z"},
    )  # fmt: skip
    for item in (sunset, party_old, mountain, report, notes, logo):
        store.create_file(item, _folders(acc, item.file_path.rsplit("/", 1)[0]))
    previous = store.versioned(acc, party_old.file_id)
    assert previous is not None
    store.add_version(party, previous)


@pytest.fixture(scope="module")
def library(stack: Any) -> Iterator[dict[str, Any]]:
    """An account of its own holding the library: /photos/beach-sunset.jpg, /photos/beach-party.png (two
    versions), /photos/2019/old-mountain.jpg, /docs/report-2024.pdf (a draft), /docs/notes.txt, /logo.svg; folders
    photos, 2019 and docs."""
    from werkzeug.test import Client

    from medialib.accounts.models import Account
    from medialib.accounts.service import seed_account
    from medialib.fields.service import create_field

    acc = f"search{uuid.uuid4().hex[:10]}"
    key = f"private_{acc}"
    seed_account(Account(account_id=acc, public_key=f"public_{acc}", private_key=key))
    create_field(acc, {"name": "launch", "label": "Launch", "schema": {"type": "Date"}})
    create_field(acc, {"name": "price", "label": "Price", "schema": {"type": "Number"}})
    _write_library(acc, datetime.now(UTC))
    yield {"account": acc, "key": key, "client": Client(stack.app)}


def _label(entry: dict[str, Any]) -> str:
    if entry["type"] == "folder":
        return f"dir:{entry['name']}"
    return f"v:{entry['name']}" if entry["type"] == "file-version" else entry["name"]


def _get(library: dict[str, Any], params: dict[str, Any], key: str | None = None) -> Any:
    return library["client"].get(f"/v1/files?{urlencode(params)}", headers=basic(key or library["key"]))


def found(library: dict[str, Any], **params: Any) -> list[str]:
    response = _get(library, params)
    assert response.status_code == 200, response.get_data(as_text=True)
    return [_label(entry) for entry in response.json]


SUNSET, PARTY, MOUNTAIN = "beach-sunset.jpg", "beach-party.png", "old-mountain.jpg"
REPORT, NOTES, LOGO = "report-2024.pdf", "notes.txt", "logo.svg"
FILES = {SUNSET, PARTY, MOUNTAIN, REPORT, NOTES, LOGO}
QUERIES = [
    ('name = "logo.svg"', {LOGO}, "name-equals-exact"),
    ('name : "beach"', {SUNSET, PARTY}, "name-colon-is-a-prefix"),
    ('name : "Beach"', set(), "name-prefix-is-case-sensitive"),
    ('name HAS "SUNSET"', {SUNSET}, "name-has-is-case-insensitive-by-token"),
    ('name HAS "beach par"', {PARTY}, "name-has-last-token-is-a-prefix"),
    ('name IN ["logo.svg", "notes.txt"]', {LOGO, NOTES}, "name-in-a-list"),
    ('name NOT = "logo.svg" AND type = "file"', FILES - {LOGO}, "name-not-equals"),
    ('name NOT IN ["logo.svg", "notes.txt"] AND path = "/"', {"dir:photos", "dir:docs"}, "name-not-in-at-the-root"),
    ('tags IN ["beach"]', {SUNSET, PARTY}, "tags-in"),
    ('tags IN ["Sea"]', {SUNSET}, "tags-include-ai-tags"),
    ('tags HAS "summ"', {SUNSET}, "tags-has-prefix"),
    ("tags EXISTS", {SUNSET, PARTY, MOUNTAIN, NOTES, LOGO}, "tags-exists"),
    ('tags NOT EXISTS AND type = "file"', {REPORT}, "tags-not-exists"),
    ('tags NOT IN ["beach"] AND type = "file"', {MOUNTAIN, REPORT, NOTES, LOGO}, "tags-not-in-includes-untagged"),
    ('type = "folder"', {"dir:photos", "dir:2019", "dir:docs"}, "type-folder"),
    ('type = "file-version"', {f"v:{PARTY}"}, "type-file-version-finds-non-current-versions"),
    ('type IN ["file-version", "folder"]', {f"v:{PARTY}", "dir:photos", "dir:2019", "dir:docs"}, "type-in"),
    ('type = "file-version" AND tags IN ["draft-party"]', {f"v:{PARTY}"}, "a-version-matches-its-own-tags"),
    ('id = "f-sunset"', {SUNSET}, "id-equals"),
    ('id IN ["f-logo", "d-docs"]', {LOGO, "dir:docs"}, "id-of-files-and-folders"),
    ('format = "jpg"', {SUNSET, MOUNTAIN}, "format-from-the-mime-type"),
    ('format IN ["png", "svg"]', {PARTY, LOGO}, "format-in"),
    ('size > "1mb"', {PARTY, MOUNTAIN}, "size-with-a-unit"),
    ('size <= "1kb"', {NOTES}, "size-kb-is-1024-bytes"),
    ("size >= 3000 AND size < 50000", {LOGO, REPORT}, "size-range-in-bytes"),
    ("width > 1000 AND height >= 1536", {SUNSET, MOUNTAIN}, "width-and-height"),
    ("width IN [512, 800]", {LOGO, PARTY}, "width-in"),
    ('createdAt > "1d"', {SUNSET}, "created-within-a-relative-day"),
    ('createdAt > "7d" AND type = "file"', {SUNSET, PARTY}, "created-within-a-week"),
    ('createdAt < 2020-01-01 AND type = "file"', {MOUNTAIN}, "created-before-an-iso-date"),
    ('createdAt >= "2021-01-01T00:00:00" AND createdAt < 2021-01-02', {LOGO}, "created-on-a-day-by-iso-times"),
    ('updatedAt > "1w"', {SUNSET, PARTY}, "updated-within-a-week"),
    ("private = true", {MOUNTAIN}, "private-files"),
    ("published = false", {REPORT}, "published-false-finds-drafts"),
    ("transparency = true", {PARTY, LOGO}, "transparency-is-has-alpha"),
    ('path = "/photos"', {SUNSET, PARTY, "dir:2019"}, "path-equals-is-that-folder-only"),
    ('path : "/photos"', {SUNSET, PARTY, "dir:2019", MOUNTAIN}, "path-colon-is-the-folder-and-subfolders"),
    ('path IN ["/docs", "/photos/2019/"]', {REPORT, NOTES, MOUNTAIN}, "path-in-normalises-slashes"),
    ('path NOT = "/photos" AND type = "file"', {MOUNTAIN, REPORT, NOTES, LOGO}, "path-not-equals"),
    ('"customMetadata.brand" = "Nike"', {SUNSET, REPORT}, "custom-text-equals"),
    ('"customMetadata.brand" HAS "adi"', {PARTY}, "custom-text-has"),
    ('"customMetadata.price" > 100', {SUNSET}, "custom-number-greater"),
    ('"customMetadata.price" <= 80', {PARTY, NOTES}, "custom-number-at-most"),
    ('"customMetadata.onSale" = true', {SUNSET}, "custom-boolean"),
    ('"customMetadata.colors" IN ["blue"]', {SUNSET}, "custom-multi-select-in"),
    ('"customMetadata.brand" NOT IN ["Nike"] AND type = "file"', {PARTY, MOUNTAIN, NOTES, LOGO}, "custom-not-in"),
    ('"customMetadata.launch" > 2021-05-01', {LOGO}, "custom-date-typed-by-the-accounts-field"),
    ('"customMetadata.launch" < "1y"', {LOGO}, "custom-date-before-a-relative-date"),
    ('"customMetadata.price" = "80"', {PARTY}, "custom-number-equals-a-quoted-number"),
    ('"embeddedMetadata.Keywords" IN ["holiday"]', {SUNSET}, "embedded-keywords-in"),
    ('"embeddedMetadata.Keywords" EXISTS', {SUNSET}, "embedded-keywords-exist"),
    ('"embeddedMetadata.DateTimeOriginal" < 2020-01-01', {SUNSET}, "embedded-date-taken-exif-format"),
    ("videoDuration > 0", set(), "no-file-has-a-video-duration"),
    ('createdBy = "someone@example.com"', set(), "no-uploader-is-recorded"),
    ('(tags IN ["beach"] OR format = "pdf") AND published = true', {SUNSET, PARTY}, "groups-and-or"),
    ('tags in ["mountain"] or name = "logo.svg"', {MOUNTAIN, LOGO}, "keywords-are-case-insensitive"),
    ('tags IN ["size+fit"]', {NOTES}, "a-literal-plus-in-a-value"),
]


@pytest.mark.parametrize(("query", "expected"), [q[:2] for q in QUERIES], ids=[q[2] for q in QUERIES])
def test_search_finds_exactly(library: dict[str, Any], query: str, expected: set[str]) -> None:
    """Given the library, When GET /v1/files?searchQuery=<query>, Then exactly these files, versions and folders
    (labels: a file's name, ``v:`` a non-current version, ``dir:`` a folder)."""
    assert sorted(found(library, searchQuery=query)) == sorted(expected)


def test_the_type_parameter_is_ignored_with_a_query(library: dict[str, Any]) -> None:
    """Given type=folder and a query naming a file, When searched, Then the query decides: the file."""
    assert found(library, type="folder", searchQuery='name = "logo.svg"') == [LOGO]


def test_path_parameter_narrows_a_search_to_one_folder(library: dict[str, Any]) -> None:
    """Given path=/photos and a tag query matching files in /photos only, When searched, Then only /photos'."""
    assert sorted(found(library, path="/photos/", searchQuery='tags EXISTS OR type = "folder"')) == sorted(
        [SUNSET, PARTY, "dir:2019"]
    )


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"path": "/photos", "type": "file-version"}, [f"v:{PARTY}"]),
        ({"path": "/", "type": "all", "sort": "ASC_NAME"}, ["dir:docs", "dir:photos", LOGO]),
        ({"path": "/photos", "type": "all", "sort": "DESC_CREATED"}, ["dir:2019", SUNSET, PARTY]),
        ({"path": "/photos", "sort": "DESC_SIZE"}, [PARTY, SUNSET]),
        ({"searchQuery": 'type = "file"', "sort": "ASC_NAME", "skip": 1, "limit": 2}, [SUNSET, LOGO]),
        ({"searchQuery": 'type = "file"', "sort": "DESC_CREATED", "limit": 2}, [SUNSET, PARTY]),
        ({"searchQuery": 'type = "file"', "sort": "ASC_WIDTH", "fileType": "image"}, [LOGO, PARTY, SUNSET, MOUNTAIN]),
        ({"searchQuery": 'type = "file"', "isPublished": "false"}, [REPORT]),
    ],
    ids=[
        "versions-of-a-folders-files",
        "a-folder-by-name-folders-first",
        "a-folder-by-creation-newest-first",
        "a-folder-by-size",
        "skip-and-limit-after-the-query",
        "a-search-newest-first-limited",
        "file-type-and-a-sort-on-a-search",
        "is-published-on-a-search",
    ],
)
def test_listings_and_pages(library: dict[str, Any], params: dict[str, Any], expected: list[str]) -> None:
    """Given the library, When listed or searched with these parameters, Then exactly these, in this order."""
    assert found(library, **params) == expected


@pytest.mark.parametrize(
    ("query", "position", "expectation"),
    [
        ('name = "a', 10, 'a closing "'),
        ("size > big", 8, "a size"),
        ('tags = "x"', 6, "an operator tags allows"),
        ("(width > 1", 11, ")"),
        ("colour = 1", 1, "a searchable field"),
    ],
    ids=["unclosed-string", "not-a-size", "operator-the-field-refuses", "unclosed-group", "unknown-field"],
)
def test_a_malformed_query_is_a_400_naming_the_position(
    library: dict[str, Any], query: str, position: int, expectation: str
) -> None:
    """Given a malformed query, When searched, Then 400 INVALID_SEARCH_QUERY whose message names the character
    and what was expected there."""
    response = _get(library, {"searchQuery": query})
    assert response.status_code == 400
    body = response.json
    assert body["reason"] == "INVALID_SEARCH_QUERY" and body["help"]
    assert f"at character {position}," in body["message"] and expectation in body["message"], body["message"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("searchQuery=tags+IN+%5B%22size%2Bfit%22%5D", {"searchQuery": ['tags IN ["size+fit"]']}),
        ("searchQuery=tags%20IN%20%5B%22size%2Bfit%22%5D", {"searchQuery": ['tags IN ["size+fit"]']}),
        ("a=1&a=2&b=&c", {"a": ["1", "2"], "b": [""], "c": [""]}),
        ("na+me=x%26y%3Dz", {"na me": ["x&y=z"]}),
        ("q=%E2%82%AC+%C3%A9", {"q": ["€ é"]}),
    ],
    ids=["plus-is-a-space-2B-a-plus", "percent-20-is-a-space", "repeated-and-empty", "names-decoded-too", "utf-8"],
)
def test_query_strings_are_decoded_as_api_gateway_does(raw: str, expected: dict[str, list[str]]) -> None:
    """Given a raw query string, When the local gateway builds the proxy event, Then each name's values decoded
    once as a form (``+`` a space, ``%2B`` a ``+``), as API Gateway's REST proxy hands them to a function."""
    assert query_parameters(raw) == expected


@pytest.mark.parametrize(
    "encode",
    [lambda q: q.replace("+", "%2B").replace(" ", "+"), lambda q: quote(q, safe="")],
    ids=["python-sdk-plus-for-space", "node-sdk-percent-20"],
)
def test_a_query_with_spaces_and_a_plus_finds_the_file(library: dict[str, Any], encode: Any) -> None:
    """Given notes.txt tagged "size+fit", When the query is sent with spaces as + (Python SDK) or %20 (Node SDK)
    and the literal + as %2B, through the gateway, Then notes.txt is found."""
    query = 'tags IN ["size+fit"] AND name = "notes.txt"'
    response = library["client"].get(f"/v1/files?searchQuery={encode(query)}", headers=basic(library["key"]))
    assert response.status_code == 200 and [e["name"] for e in response.json] == [NOTES]


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"type": "all"},
        {"type": "file-version"},
        {"type": "folder", "sort": "ASC_NAME"},
        {"path": "/photos", "type": "all"},
        {"path": "/photos", "type": "file-version"},
        {"searchQuery": 'id = "f-sunset"'},
        {"searchQuery": 'path : "/photos"'},
        {"searchQuery": 'type IN ["file", "file-version", "folder"]', "sort": "ASC_SIZE"},
    ],
    ids=["files", "all", "versions", "folders", "a-folder", "a-folders-versions", "by-id", "a-tree", "every-kind"],
)
def test_another_account_never_sees_the_library(
    library: dict[str, Any], other_account: Any, params: dict[str, Any]
) -> None:
    """Given the library in account A, When account B lists or searches (by A's ids and paths too), Then none of
    A's files, versions or folders."""
    response = _get(library, params, key=other_account.private_key)
    assert response.status_code == 200
    assert not [
        entry for entry in response.json if entry.get("fileId", entry.get("folderId", "")).startswith(("f-", "d-"))
    ]


@pytest.mark.parametrize(
    ("method", "url", "sent", "status"),
    [
        ("GET", "/v1/files?searchQuery=%FF%FE", None, 400),
        ("GET", "/v1/files?searchQuery=name%00", None, 400),
        ("GET", "/v1/files?searchQuery=" + "(" * 30 + "size>1" + ")" * 30, None, 400),
        ("GET", "/v1/files?searchQuery=" + "x" * 5000, None, 400),
        ("GET", "/v1/files?searchQuery=&sort=&limit=", None, 200),
        ("GET", "/v1/files?colour=red&limit=1", None, 200),
        ("GET", "/v1/files?limit=1&limit=2", None, 200),
        ("GET", "/v1/files?limit=1", (b"{not json", "application/json"), 200),
        ("GET", "/v1/files?limit=1", (b"\xff\xfe", "text/plain"), 200),
        ("GET", "/v1/files?limit=1", (b"x" * 7_000_000, "application/json"), 413),
        ("GET", "/v1/files?isPublished=maybe", None, 400),
        ("HEAD", "/v1/files", None, 405),
        ("OPTIONS", "/v1/files", None, 200),
    ],
    ids=[
        "invalid-utf-8-in-the-query", "a-nul-character", "parentheses-too-deep", "a-query-too-long",
        "blank-parameters-are-the-defaults", "an-unknown-parameter-is-ignored", "a-repeated-parameter-the-last-wins",
        "a-json-body-on-get-is-ignored", "a-binary-body-on-get-is-ignored", "a-body-over-lambdas-6-mb",
        "is-published-not-a-boolean", "head-is-not-a-method-of-the-route", "options-is-the-cors-preflight",
    ],
)  # fmt: skip
def test_a_careless_client_gets_a_4xx_never_a_5xx(
    library: dict[str, Any], method: str, url: str, sent: tuple[bytes, str] | None, status: int
) -> None:
    """Given a careless request to GET /v1/files, When sent through the gateway, Then this status: a 4xx in ImageKit's
    JSON shape (message, help), or a 200; never a 5xx."""
    extra: dict[str, Any] = {"data": sent[0], "content_type": sent[1]} if sent else {}
    response = library["client"].open(url, method=method, headers=basic(library["key"]), **extra)
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    if 400 <= status < 500 and method != "HEAD":
        assert {"message", "help"} <= set(response.json)


@pytest.mark.parametrize(
    ("skip", "status"),
    [("10000000", 200), ("10000001", 400), ("11573416558206470687992206885650432", 400)],
    ids=["largest-skip-is-an-empty-page", "skip-past-the-bound-is-a-400", "skip-past-a-machine-integer-is-a-400"],
)
def test_a_huge_skip_is_an_empty_page_or_a_400_never_a_500(api: Any, account: Any, skip: str, status: int) -> None:
    """Found by schemathesis: a skip past what Python can slice was a 500."""
    answer = api.get(f"/v1/files?skip={skip}&sort=DESC_HEIGHT&limit=27", headers=basic(account.private_key))
    assert answer.status_code == status, answer.get_data()
    if status == 200:
        assert answer.get_json() == []
