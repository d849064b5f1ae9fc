"""Tenant isolation across the whole API: account B's key on account A's file, version, folder, field, job and
purge request is a 404 on every route, and nothing of A's changes or shows in B's listings."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest

from tests.conftest import basic
from tests.integration.delivery_helpers import halves, upload


@dataclass(frozen=True)
class Owned:
    """What account A owns: a file with two versions, its folder, a custom metadata field, a folder job and a purge."""

    file_id: str
    version_id: str
    file_path: str
    url: str
    folder: str
    field_id: str
    job_id: str
    purge_id: str


def _call(api: Any, method: str, path: str, key: str, body: Any = None, *, api_key: bool = False) -> Any:
    headers = {"x-api-key": key} if api_key else basic(key)
    data = None
    if body is not None:
        headers["Content-Type"] = "application/json"
        data = json.dumps(body)
    return api.open(path, method=method, headers=headers, data=data)


def _json(answer: Any, status: int) -> Any:
    assert answer.status_code == status, answer.get_data()
    return json.loads(answer.get_data())


@pytest.fixture(scope="module")
def owned(stack: Any) -> Owned:
    from werkzeug.test import Client

    api, key = Client(stack.app), stack.account.private_key
    first = upload(api, key, halves())
    folder = first.file_path.rsplit("/", 1)[0]
    upload(api, key, halves(60, 30), folder=folder)  # a second version: the first is now non-current
    field = _json(
        _call(
            api,
            "POST",
            "/v1/customMetadataFields",
            key,
            {"name": "t" + uuid.uuid4().hex[:12], "label": "T " + uuid.uuid4().hex[:12], "schema": {"type": "Text"}},
        ),
        201,
    )
    job = _json(
        _call(
            api,
            "POST",
            "/v1/bulkJobs/copyFolder",
            key,
            {"sourceFolderPath": folder, "destinationPath": folder + "-copy"},
        ),
        200,
    )
    purge = _json(_call(api, "POST", "/v1/files/purge", key, {"url": first.url}), 201)
    return Owned(
        file_id=first.file_id,
        version_id=first.file_id,  # the first version's id is the file's id
        file_path=first.file_path,
        url=first.url,
        folder=folder,
        field_id=field["id"],
        job_id=job["jobId"],
        purge_id=purge["requestId"],
    )


def _routes(a: Owned) -> list[tuple[str, str, Any]]:
    fid, vid, path, folder = a.file_id, a.version_id, a.file_path, a.folder
    return [
        ("GET", f"/v1/files/{fid}/details", None),
        ("PATCH", f"/v1/files/{fid}/details", {"tags": ["stolen"]}),
        ("PATCH", f"/v1/files/{fid}/details", {"publish": {"isPublished": False}}),
        ("DELETE", f"/v1/files/{fid}", None),
        ("POST", "/v1/files/batch/deleteByFileIds", {"fileIds": [fid]}),
        ("POST", "/v1/files/addTags", {"fileIds": [fid], "tags": ["stolen"]}),
        ("POST", "/v1/files/removeTags", {"fileIds": [fid], "tags": ["stolen"]}),
        ("POST", "/v1/files/removeAITags", {"fileIds": [fid], "AITags": ["stolen"]}),
        ("POST", "/v1/files/copy", {"sourceFilePath": path, "destinationPath": "/stolen/"}),
        ("POST", "/v1/files/move", {"sourceFilePath": path, "destinationPath": "/stolen/"}),
        ("PUT", "/v1/files/rename", {"filePath": path, "newFileName": "stolen.png"}),
        ("GET", f"/v1/files/{fid}/versions", None),
        ("GET", f"/v1/files/{fid}/versions/{vid}", None),
        ("PUT", f"/v1/files/{fid}/versions/{vid}/restore", None),
        ("DELETE", f"/v1/files/{fid}/versions/{vid}", None),
        ("GET", f"/v1/files/{fid}/metadata", None),
        ("GET", f"/v1/metadata?url={quote(a.url, safe='')}", None),
        ("DELETE", "/v1/folder", {"folderPath": folder}),
        ("POST", "/v1/bulkJobs/copyFolder", {"sourceFolderPath": folder, "destinationPath": "/stolen"}),
        ("POST", "/v1/bulkJobs/moveFolder", {"sourceFolderPath": folder, "destinationPath": "/stolen"}),
        ("POST", "/v1/bulkJobs/renameFolder", {"folderPath": folder, "newFolderName": "stolen"}),
        ("GET", f"/v1/bulkJobs/{a.job_id}", None),
        ("PATCH", f"/v1/customMetadataFields/{a.field_id}", {"label": "stolen"}),
        ("DELETE", f"/v1/customMetadataFields/{a.field_id}", None),
        ("GET", f"/v1/files/purge/{a.purge_id}", None),
    ]


_ROUTE_IDS = [
    "details",
    "update-details",
    "unpublish",
    "delete",
    "bulk-delete",
    "add-tags",
    "remove-tags",
    "remove-ai-tags",
    "copy",
    "move",
    "rename",
    "versions",
    "version",
    "restore-version",
    "delete-version",
    "metadata",
    "metadata-by-url",
    "delete-folder",
    "copy-folder",
    "move-folder",
    "rename-folder",
    "bulk-job",
    "update-field",
    "delete-field",
    "purge-status",
]


@pytest.mark.parametrize("index", range(len(_ROUTE_IDS)), ids=_ROUTE_IDS)
def test_another_accounts_ids_are_not_found(api: Any, owned: Owned, other_account: Any, index: int) -> None:
    # Given account A's file, version, folder, field, job and purge request
    method, path, body = _routes(owned)[index]
    # When account B calls the route with A's ids
    answer = _call(api, method, path, other_account.private_key, body)
    # Then it is a 404 in ImageKit's shape, with nothing of A's in it
    assert answer.status_code == 404, (method, path, answer.get_data())
    text = answer.get_data(as_text=True)
    assert "message" in json.loads(text)
    sent = path + json.dumps(body)
    assert all(mine not in text or mine in sent for mine in (owned.file_id, owned.file_path, owned.field_id))


@pytest.mark.parametrize("route", ["", "/download", "/publish", "/unpublish"])
def test_another_accounts_image_is_not_found_on_img_processing_routes(
    api: Any, owned: Owned, other_account: Any, route: str
) -> None:
    method = "GET" if route in {"", "/download"} else "POST"
    answer = _call(api, method, f"/v1/images/{owned.file_id}{route}", other_account.private_key, api_key=True)
    assert answer.status_code == 404, answer.get_data()


def test_another_accounts_data_never_shows_in_listings_and_is_left_as_it_was(
    api: Any, owned: Owned, account: Any, other_account: Any
) -> None:
    # Given B has called every route with A's ids
    b = other_account.private_key
    for method, path, body in _routes(owned):
        assert _call(api, method, path, b, body).status_code == 404
    # When B lists and searches
    search = quote('id = "' + owned.file_id + '"')
    by_id = _json(_call(api, "GET", "/v1/files?searchQuery=" + search, b), 200)
    in_folder = _json(_call(api, "GET", f"/v1/files?type=all&path={quote(owned.folder)}", b), 200)
    versions = _json(_call(api, "GET", "/v1/files?type=file-version", b), 200)
    fields = _json(_call(api, "GET", "/v1/customMetadataFields?includeDeleted=true", b), 200)
    # Then none of A's things are there
    assert by_id == [] and in_folder == []
    assert all(v["fileId"] != owned.file_id for v in versions)
    assert all(f["id"] != owned.field_id for f in fields)
    # And A's file, versions, folder and field are unchanged
    a = account.private_key
    details = _json(_call(api, "GET", f"/v1/files/{owned.file_id}/details", a), 200)
    assert details["filePath"] == owned.file_path and details["isPublished"] is True
    assert not details["tags"]
    assert len(_json(_call(api, "GET", f"/v1/files/{owned.file_id}/versions", a), 200)) == 2
    listed = _json(
        _call(api, "GET", f"/v1/files?type=folder&path={quote(owned.folder.rsplit('/', 1)[0] or '/')}", a), 200
    )
    assert owned.folder in [entry["folderPath"] for entry in listed]
    labels = {f["id"]: f["label"] for f in _json(_call(api, "GET", "/v1/customMetadataFields", a), 200)}
    assert labels[owned.field_id] != "stolen"
