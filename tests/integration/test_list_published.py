"""``GET /v1/files?isPublished=true|false`` (medialib extension) through the local API Gateway on moto: files
uploaded published and as drafts through the API, listed by folder and account-wide, current files and older
versions, each by its own state; folders kept; anything but true/false a 400."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from tests.conftest import basic
from tests.upload_helpers import image, multipart

UPLOAD = "/api/v1/files/upload"


def upload(api: Any, key: str, folder: str, name: str, **fields: str) -> dict[str, Any]:
    values = {"fileName": name, "folder": folder, "useUniqueFileName": "false"} | fields
    body, content_type = multipart(values, image())
    response = api.post(UPLOAD, headers={**basic(key), "Content-Type": content_type}, data=body)
    assert response.status_code == 200, response.get_data()
    answer: dict[str, Any] = json.loads(response.get_data())
    return answer


def listing(api: Any, key: str, query: str) -> list[dict[str, Any]]:
    response = api.get(f"/v1/files?{query}", headers=basic(key))
    assert response.status_code == 200, response.get_data()
    answer: list[dict[str, Any]] = json.loads(response.get_data())
    return answer


def api_of(stack: Any) -> Any:
    """A client of the local API for a module-scoped fixture (the ``api`` fixture is per test)."""
    from werkzeug.test import Client

    return Client(stack.app)


@pytest.fixture(scope="module")
def library(stack: Any) -> dict[str, Any]:
    """In a fresh folder of the development account: published.png (published), draft.png (uploaded with
    isPublished=false), a subfolder, and mixed.png uploaded twice at one path, first as a draft, then published,
    so that its older version is a draft and its current version is published."""
    key = stack.account.private_key
    folder = "/published-filter-" + uuid.uuid4().hex[:10]
    api = api_of(stack)
    published = upload(api, key, folder, "published.png")
    draft = upload(api, key, folder, "draft.png", isPublished="false")
    upload(api, key, folder + "/sub", "inside.png")
    first = upload(api, key, folder, "mixed.png", isPublished="false")
    second = upload(api, key, folder, "mixed.png", isPublished="true")
    assert (published["isPublished"], draft["isPublished"], first["isPublished"], second["isPublished"]) == (
        True, False, False, True
    )  # fmt: skip
    assert first["fileId"] == second["fileId"]
    return {"key": key, "folder": folder, "mixed": first["fileId"], "old": first["versionInfo"]["id"]}


@pytest.mark.parametrize(
    ("filter_", "expected"),
    [
        pytest.param("", {"draft.png", "mixed.png", "published.png"}, id="no-filter-lists-both"),
        pytest.param("&isPublished=false", {"draft.png"}, id="false-lists-the-draft"),
        pytest.param("&isPublished=true", {"mixed.png", "published.png"}, id="true-lists-the-published"),
    ],
)
def test_files_of_a_folder_by_published_state(
    api: Any, library: dict[str, Any], filter_: str, expected: set[str]
) -> None:
    """Given a folder with a published file, a draft, and a file whose current version is published, When its
    files are listed with the filter, Then exactly the files in that state (by their current version)."""
    listed = listing(api, library["key"], f"path={library['folder']}{filter_}")
    assert {entry["name"] for entry in listed} == expected
    assert all(entry["type"] == "file" for entry in listed)


@pytest.mark.parametrize(
    ("is_published", "expected"),
    [pytest.param("false", {"draft.png", "sub"}, id="false-keeps-the-folder"), pytest.param("true", {"mixed.png", "published.png", "sub"}, id="true-keeps-the-folder")],
)  # fmt: skip
def test_type_all_keeps_folders_and_filters_files(
    api: Any, library: dict[str, Any], is_published: str, expected: set[str]
) -> None:
    """Given the folder above (with a subfolder), When listed with type=all and the filter, Then the subfolder is
    listed either way and the files are filtered."""
    listed = listing(api, library["key"], f"type=all&path={library['folder']}&isPublished={is_published}")
    assert {entry["name"] for entry in listed} == expected


def test_account_wide_listing_filters_files(api: Any, library: dict[str, Any]) -> None:
    """Given the account's files (newest first), When listed account-wide with isPublished=false, Then the draft
    is there and the published files are not, and every entry listed is a draft."""
    mine = library["folder"] + "/"
    drafts = listing(api, library["key"], "sort=DESC_CREATED&isPublished=false")
    assert all(entry["isPublished"] is False for entry in drafts)
    assert {e["name"] for e in drafts if e["filePath"].startswith(mine) and e["filePath"].count("/") == 2} == {
        "draft.png"
    }
    published = listing(api, library["key"], "sort=DESC_CREATED&isPublished=true")
    assert all(entry["isPublished"] is True for entry in published)
    assert "draft.png" not in {e["name"] for e in published if e["filePath"].startswith(mine)}


@pytest.mark.parametrize(
    ("is_published", "listed"),
    [pytest.param("false", True, id="false-lists-the-draft-older-version"), pytest.param("true", False, id="true-leaves-it-out")],
)  # fmt: skip
def test_versions_are_filtered_by_their_own_state(
    api: Any, library: dict[str, Any], is_published: str, listed: bool
) -> None:
    """Given mixed.png, whose older version is a draft and whose current version is published, When versions are
    listed (type=file-version) with the filter, Then the older version is listed for false, not for true, and
    each version listed is in the state asked."""
    versions = listing(api, library["key"], f"type=file-version&sort=DESC_CREATED&isPublished={is_published}")
    assert all(entry["type"] == "file-version" for entry in versions)
    assert all(entry["isPublished"] is (is_published == "true") for entry in versions)
    older = [v for v in versions if v["fileId"] == library["mixed"] and v["versionInfo"]["id"] == library["old"]]
    assert bool(older) is listed


def test_the_filter_applies_before_skip_and_limit(api: Any, library: dict[str, Any]) -> None:
    """Given a folder whose files list by name (ASC_NAME) draft.png, mixed.png, published.png, When the published ones are
    listed with limit=1, and with skip=1, Then the first published file (the draft, first by name, is filtered out
    before the page is cut), then the second: skip and limit count matching files only."""
    folder, key = library["folder"], library["key"]
    assert [e["name"] for e in listing(api, key, f"path={folder}&sort=ASC_NAME")] == [
        "draft.png",
        "mixed.png",
        "published.png",
    ]
    assert [e["name"] for e in listing(api, key, f"path={folder}&sort=ASC_NAME&isPublished=true&limit=1")] == [
        "mixed.png"
    ]
    assert [e["name"] for e in listing(api, key, f"path={folder}&sort=ASC_NAME&isPublished=true&skip=1")] == [
        "published.png"
    ]


@pytest.mark.parametrize("text", ["yes", "1", "True", "no"], ids=["yes", "one", "capitalised", "no"])
def test_is_published_other_than_true_or_false_is_400(api: Any, account: Any, text: str) -> None:
    """Given isPublished that is not exactly true or false, When listing, Then 400 INVALID_PARAMETER naming it."""
    response = api.get(f"/v1/files?isPublished={text}", headers=basic(account.private_key))
    assert response.status_code == 400
    body = json.loads(response.get_data())
    assert body["reason"] == "INVALID_PARAMETER"
    assert "isPublished: must be true or false" in body["message"]


def test_a_file_unpublished_through_the_api_is_listed_as_a_draft(api: Any, account: Any) -> None:
    """Given a published file, When it is unpublished with PATCH details {publish} (as the SDKs send it), Then the
    drafts listing has it and the published listing does not; When published again, Then the other way round."""
    key, folder = account.private_key, "/published-filter-" + uuid.uuid4().hex[:10]
    file_id = upload(api, key, folder, "toggled.png")["fileId"]

    def names(is_published: str) -> list[str]:
        return [e["name"] for e in listing(api, key, f"path={folder}&isPublished={is_published}")]

    for state, drafts, published in ((False, ["toggled.png"], []), (True, [], ["toggled.png"])):
        changed = api.patch(
            f"/v1/files/{file_id}/details",
            json={"publish": {"isPublished": state, "includeFileVersions": True}},
            headers=basic(key),
        )
        assert changed.status_code == 200, changed.get_data()
        assert (names("false"), names("true")) == (drafts, published)
