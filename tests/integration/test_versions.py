"""File versions through the files function on the local stack: list, get, restore and delete, each version's
own URL, and the refusals (current version, unknown ids, another account's file)."""

from __future__ import annotations

import json
import uuid
from typing import Any

import boto3
import pytest

from tests.conftest import basic
from tests.integration.test_upload import post


@pytest.fixture
def three_versions(api: Any, account: Any) -> str:
    """A file at a fresh path uploaded three times (bytes b"1", b"2", b"3"); returns its id."""
    fields = {"fileName": "v.txt", "folder": "/versions-" + uuid.uuid4().hex[:8], "useUniqueFileName": "false"}
    bodies = [json.loads(post(api, account.private_key, fields, str(n).encode()).get_data()) for n in (1, 2, 3)]
    return str(bodies[0]["fileId"])


def _get(api: Any, account: Any, path: str) -> Any:
    response = api.get(path, headers=basic(account.private_key))
    return response.status_code, json.loads(response.get_data() or b"null")


def test_list_and_get_versions_with_their_own_urls(api: Any, account: Any, three_versions: str) -> None:
    """Given three versions, When listed and one is got, Then Versions 1..3 in ImageKit's File shape, the current
    one of type file at its bare URL, the others file-version with distinct ik-obj-version URLs."""
    status, listed = _get(api, account, f"/v1/files/{three_versions}/versions")
    assert status == 200 and [v["versionInfo"]["name"] for v in listed] == ["Version 1", "Version 2", "Version 3"]
    assert [v["type"] for v in listed] == ["file-version", "file-version", "file"]
    assert listed[0]["versionInfo"]["id"] == three_versions and "?" not in listed[2]["url"]
    old_urls = {v["url"] for v in listed[:2]}
    assert len(old_urls) == 2 and all("?ik-obj-version=" in url for url in old_urls)
    status, one = _get(api, account, f"/v1/files/{three_versions}/versions/{listed[1]['versionInfo']['id']}")
    assert status == 200 and (one["versionInfo"]["name"], one["type"], one["size"]) == ("Version 2", "file-version", 1)


def test_restore_then_delete(api: Any, account: Any, stack: Any, three_versions: str) -> None:
    """Given three versions, When Version 1 is restored, Then the details are Version 1 and nothing is lost; When
    Version 2 is deleted, Then 204, two versions remain and its S3 object is gone."""
    auth = basic(account.private_key)
    _, listed = _get(api, account, f"/v1/files/{three_versions}/versions")
    v1, v2 = listed[0]["versionInfo"]["id"], listed[1]["versionInfo"]["id"]
    restored = api.put(
        f"/v1/files/{three_versions}/versions/{v1}/restore", headers={**auth, "Content-Type": "application/json"}
    )
    assert restored.status_code == 200 and json.loads(restored.get_data())["versionInfo"]["name"] == "Version 1"
    _, details = _get(api, account, f"/v1/files/{three_versions}/details")
    assert details["versionInfo"]["id"] == v1
    deleted = api.delete(f"/v1/files/{three_versions}/versions/{v2}", headers=auth)
    assert (deleted.status_code, deleted.get_data()) == (204, b"")
    _, after = _get(api, account, f"/v1/files/{three_versions}/versions")
    assert [v["versionInfo"]["name"] for v in after] == ["Version 1", "Version 3"]
    bucket = stack.provisioned.physical["OriginalsBucket"]
    keys = boto3.client("s3").list_objects_v2(Bucket=bucket, Prefix=f"{account.account_id}/{three_versions}/")
    assert sorted(o["Key"].rsplit("/", 1)[1] for o in keys["Contents"]) == sorted([v1, after[1]["versionInfo"]["id"]])


@pytest.mark.parametrize(
    "row",
    [
        pytest.param(("DELETE", "/versions/{current}", 400, "You cannot delete current version of a file."), id="delete-current-400"),
        pytest.param(("PUT", "/versions/{current}/restore", 400, "already the current version"), id="restore-current-400"),
        pytest.param(("GET", "/versions/nope", 404, "The requested file version does not exist."), id="unknown-version-404"),
        pytest.param(("DELETE", "/versions/nope", 404, "The requested asset does not exist."), id="delete-unknown-404"),
    ],
)  # fmt: skip
def test_version_refusals(api: Any, account: Any, three_versions: str, row: tuple[str, str, int, str]) -> None:
    """Given three versions, When the current one is deleted or restored or an unknown version is used, Then
    ImageKit's status and message, x-should-retry false, and the three versions are all still there."""
    method, suffix, status, message = row
    _, details = _get(api, account, f"/v1/files/{three_versions}/details")
    path = f"/v1/files/{three_versions}" + suffix.format(current=details["versionInfo"]["id"])
    response = api.open(path, method=method, headers=basic(account.private_key))
    assert response.status_code == status and message in json.loads(response.get_data())["message"]
    assert response.headers["x-should-retry"] == "false"
    assert len(_get(api, account, f"/v1/files/{three_versions}/versions")[1]) == 3


def test_another_accounts_versions_are_not_found(api: Any, other_account: Any, three_versions: str) -> None:
    """Given a file of the dev account, When another account lists its versions, Then 404."""
    assert _get(api, other_account, f"/v1/files/{three_versions}/versions")[0] == 404
