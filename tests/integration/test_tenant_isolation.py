"""Tenant isolation across the whole API: account B's key on account A's file, version, folder, field, job, purge
request and upload session is a 404 on every route, and nothing of A's changes or shows in B's listings. The routes
that take no id of A's answer B's own result (an Idempotency-Key, a path, a field name or a purge URL that A also
uses; the account settings), never A's. Every route of template.yaml's MedialibApi is in one of the three tables
(``test_every_route_of_the_template_is_in_the_matrix``)."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest

from tests.conftest import basic
from tests.integration.delivery_helpers import halves, upload
from tests.upload_helpers import multipart


@dataclass(frozen=True)
class Owned:
    """What account A owns: a file with two versions, its folder, a custom metadata field, a folder job and a purge."""

    file_id: str
    version_id: str
    file_path: str
    url: str
    folder: str
    field_id: str
    field_name: str
    job_id: str
    purge_id: str
    session_id: str


def _call(api: Any, method: str, path: str, key: str, body: Any = None, *, api_key: bool = False) -> Any:
    headers = {"x-api-key": key} if api_key else basic(key)
    data = None
    if body is not None:
        headers["Content-Type"] = "application/json"
        data = json.dumps(body)
    return api.open(path, method=method, headers=headers, data=data)


def _upload(api: Any, key: str, content: bytes, fields: dict[str, str], idempotency_key: str) -> Any:
    body, content_type = multipart(fields, content)
    headers = {**basic(key), "Content-Type": content_type, "Idempotency-Key": idempotency_key}
    return api.post("/api/v1/files/upload", headers=headers, data=body)


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
    session = _json(
        _call(api, "POST", SESSIONS, key, {"fileName": "big.png", "fileSize": 1024, "contentType": "image/png"}), 201
    )
    return Owned(
        file_id=first.file_id,
        version_id=first.file_id,  # the first version's id is the file's id
        file_path=first.file_path,
        url=first.url,
        folder=folder,
        field_id=field["id"],
        field_name=field["name"],
        job_id=job["jobId"],
        purge_id=purge["requestId"],
        session_id=session["sessionId"],
    )


SESSIONS = "/api/v1/files/upload/sessions"


@dataclass(frozen=True)
class Case:
    """One call of B's with A's ids: ``route`` is the template's (method and path with its parameters)."""

    id: str
    route: str
    method: str
    path: str
    body: Any = None


def _routes(a: Owned) -> list[Case]:
    fid, vid, path, folder = a.file_id, a.version_id, a.file_path, a.folder
    file, version = "/v1/files/{fileId}", "/v1/files/{fileId}/versions/{versionId}"
    return [
        Case("details", f"GET {file}/details", "GET", f"/v1/files/{fid}/details"),
        Case("update-details", f"PATCH {file}/details", "PATCH", f"/v1/files/{fid}/details", {"tags": ["stolen"]}),
        Case("unpublish", f"PATCH {file}/details", "PATCH", f"/v1/files/{fid}/details", {"publish": {"isPublished": False}}),
        Case("delete", f"DELETE {file}", "DELETE", f"/v1/files/{fid}"),
        Case("bulk-delete", "POST /v1/files/batch/deleteByFileIds", "POST", "/v1/files/batch/deleteByFileIds", {"fileIds": [fid]}),
        Case("add-tags", "POST /v1/files/addTags", "POST", "/v1/files/addTags", {"fileIds": [fid], "tags": ["stolen"]}),
        Case("remove-tags", "POST /v1/files/removeTags", "POST", "/v1/files/removeTags", {"fileIds": [fid], "tags": ["stolen"]}),
        Case("remove-ai-tags", "POST /v1/files/removeAITags", "POST", "/v1/files/removeAITags", {"fileIds": [fid], "AITags": ["stolen"]}),
        Case("copy", "POST /v1/files/copy", "POST", "/v1/files/copy", {"sourceFilePath": path, "destinationPath": "/stolen/"}),
        Case("move", "POST /v1/files/move", "POST", "/v1/files/move", {"sourceFilePath": path, "destinationPath": "/stolen/"}),
        Case("rename", "PUT /v1/files/rename", "PUT", "/v1/files/rename", {"filePath": path, "newFileName": "stolen.png"}),
        Case("versions", f"GET {file}/versions", "GET", f"/v1/files/{fid}/versions"),
        Case("version", f"GET {version}", "GET", f"/v1/files/{fid}/versions/{vid}"),
        Case("restore-version", f"PUT {version}/restore", "PUT", f"/v1/files/{fid}/versions/{vid}/restore"),
        Case("delete-version", f"DELETE {version}", "DELETE", f"/v1/files/{fid}/versions/{vid}"),
        Case("metadata", f"GET {file}/metadata", "GET", f"/v1/files/{fid}/metadata"),
        Case("metadata-by-url", "GET /v1/metadata", "GET", f"/v1/metadata?url={quote(a.url, safe='')}"),
        Case("delete-folder", "DELETE /v1/folder", "DELETE", "/v1/folder", {"folderPath": folder}),
        Case("copy-folder", "POST /v1/bulkJobs/copyFolder", "POST", "/v1/bulkJobs/copyFolder", {"sourceFolderPath": folder, "destinationPath": "/stolen"}),
        Case("move-folder", "POST /v1/bulkJobs/moveFolder", "POST", "/v1/bulkJobs/moveFolder", {"sourceFolderPath": folder, "destinationPath": "/stolen"}),
        Case("rename-folder", "POST /v1/bulkJobs/renameFolder", "POST", "/v1/bulkJobs/renameFolder", {"folderPath": folder, "newFolderName": "stolen"}),
        Case("bulk-job", "GET /v1/bulkJobs/{jobId}", "GET", f"/v1/bulkJobs/{a.job_id}"),
        Case("update-field", "PATCH /v1/customMetadataFields/{fieldId}", "PATCH", f"/v1/customMetadataFields/{a.field_id}", {"label": "stolen"}),
        Case("delete-field", "DELETE /v1/customMetadataFields/{fieldId}", "DELETE", f"/v1/customMetadataFields/{a.field_id}"),
        Case("purge-status", "GET /v1/files/purge/{requestId}", "GET", f"/v1/files/purge/{a.purge_id}"),
        Case("upload-session", f"GET {SESSIONS}/{{sessionId}}", "GET", f"{SESSIONS}/{a.session_id}"),
    ]  # fmt: skip


_ROUTE_IDS = [case.id for case in _routes(Owned(*["x"] * 10))]


@pytest.mark.parametrize("index", range(len(_ROUTE_IDS)), ids=_ROUTE_IDS)
def test_another_accounts_ids_are_not_found(api: Any, owned: Owned, other_account: Any, index: int) -> None:
    # Given account A's file, version, folder, field, job and purge request
    case = _routes(owned)[index]
    method, path, body = case.method, case.path, case.body
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
    for case in _routes(owned):
        assert _call(api, case.method, case.path, b, case.body).status_code == 404
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


# ---------------------------------------------------------------- routes that take no id of A's: B's own result


def _wait_for_job(api: Any, key: str, job_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job: dict[str, Any] = _json(_call(api, "GET", f"/v1/bulkJobs/{job_id}", key), 200)
        if job["status"] != "Pending":
            return job
        time.sleep(0.05)
    raise TimeoutError(job_id)


def _new_account() -> Any:
    from medialib.accounts.models import Account
    from medialib.accounts.service import seed_account
    from medialib_local.stack import DevAccount

    suffix = uuid.uuid4().hex
    account = DevAccount(f"iso{suffix[:12]}", f"public_{suffix}", f"private_{suffix}")
    seed_account(Account(account_id=account.account_id, public_key=account.public_key, private_key=account.private_key))
    return account


def test_an_idempotency_key_of_a_never_answers_bs_upload(api: Any, account: Any, other_account: Any) -> None:
    """Given A uploaded a file with Idempotency-Key K, When B sends the very same upload (bytes, fields, K), Then B
    gets a new file of its own, never A's answer, and A's file has still one version."""
    fields = {"fileName": "same.png", "folder": f"/iso-idem-{uuid.uuid4().hex[:8]}", "useUniqueFileName": "false"}
    content, key = halves(), str(uuid.uuid4())
    mine = _json(_upload(api, account.private_key, content, fields, key), 200)

    theirs = _json(_upload(api, other_account.private_key, content, fields, key), 200)

    assert theirs["fileId"] != mine["fileId"]
    assert _call(api, "GET", f"/v1/files/{theirs['fileId']}/details", account.private_key).status_code == 404
    assert _json(_call(api, "GET", f"/v1/files/{theirs['fileId']}/details", other_account.private_key), 200)
    assert len(_json(_call(api, "GET", f"/v1/files/{mine['fileId']}/versions", account.private_key), 200)) == 1


def test_a_bulk_publish_of_as_files_is_bs_job_that_finds_none(
    api: Any, owned: Owned, account: Any, other_account: Any
) -> None:
    """Given A's published file, When B bulk-unpublishes it, Then B's own job, which reports the file not found (as
    an id nobody has), A cannot read B's job, and A's file is still published."""
    b = other_account.private_key
    job_id = _json(_call(api, "POST", "/v1/files/publish", b, {"fileIds": [owned.file_id], "isPublished": False}), 202)[
        "jobId"
    ]
    job = _wait_for_job(api, b, job_id)

    assert (job["status"], job["succeededFiles"]) == ("Completed", 0)
    assert [(f["fileId"], f["reason"]) for f in job["failedFiles"]] == [(owned.file_id, "FILE_NOT_FOUND")]
    assert _call(api, "GET", f"/v1/bulkJobs/{job_id}", account.private_key).status_code == 404
    details = _json(_call(api, "GET", f"/v1/files/{owned.file_id}/details", account.private_key), 200)
    assert details["isPublished"] is True


def test_a_purge_of_as_url_is_answered_as_for_an_account_nobody_has(api: Any, owned: Owned, other_account: Any) -> None:
    """Given A's file URL, When B asks to purge it, Then B is refused exactly as for the same path under an account
    id nobody has (nothing tells B that A's file exists), and nothing is purged."""
    b = other_account.private_key
    nobodys = owned.url.replace(f"/{owned.url.split('/')[3]}/", "/nobody0000/", 1)

    answer = _call(api, "POST", "/v1/files/purge", b, {"url": owned.url})
    control = _call(api, "POST", "/v1/files/purge", b, {"url": nobodys})

    assert answer.status_code == control.status_code == 400
    assert _json(answer, 400)["reason"] == _json(control, 400)["reason"] == "INVALID_PURGE_URL"
    assert "x-ik-purge-remaining" not in answer.headers


def test_a_field_name_of_as_is_free_for_b(api: Any, owned: Owned, other_account: Any) -> None:
    """Given A's custom metadata field, When B creates a field of the same name and label, Then B's own (201, another
    id): names are per account, and a 409 would tell B what A named its fields."""
    body = {"name": owned.field_name, "label": "Own " + uuid.uuid4().hex[:8], "schema": {"type": "Text"}}
    created = _json(_call(api, "POST", "/v1/customMetadataFields", other_account.private_key, body), 201)
    assert created["id"] != owned.field_id


def test_a_folder_path_of_as_is_bs_own_folder(api: Any, owned: Owned, account: Any, other_account: Any) -> None:
    """Given A's folder, When B creates a folder at the same path, Then B's own (201); A's folder keeps its files."""
    parent, name = owned.folder.rsplit("/", 1)
    body = {"folderName": name, "parentFolderPath": parent or "/"}
    assert _call(api, "POST", "/v1/folder", other_account.private_key, body).status_code == 201
    listed = _json(_call(api, "GET", f"/v1/files?path={quote(owned.folder)}", other_account.private_key), 200)
    assert listed == []
    mine = _json(_call(api, "GET", f"/v1/files?path={quote(owned.folder)}", account.private_key), 200)
    assert owned.file_id in [entry.get("fileId") for entry in mine]


def test_bs_upload_session_is_bs_own(api: Any, account: Any, other_account: Any) -> None:
    """Given B opens an upload session, When A polls it, Then 404; B reads it PENDING."""
    body = {"fileName": "b.png", "fileSize": 10, "contentType": "image/png"}
    session = _json(_call(api, "POST", SESSIONS, other_account.private_key, body), 201)["sessionId"]
    assert _call(api, "GET", f"{SESSIONS}/{session}", account.private_key).status_code == 404
    assert _json(_call(api, "GET", f"{SESSIONS}/{session}", other_account.private_key), 200)["status"] == "PENDING"


def test_account_settings_are_each_accounts_own(api: Any, stack: Any) -> None:
    """Given two accounts, A with a named transformation and uploads as drafts, When B changes its settings, Then
    B's GET answers B's, and A's settings are as A left them."""
    a, b = _new_account().private_key, _new_account().private_key
    mine = {"uploadAsDraft": True, "namedTransformations": {"a-card": "w-100"}}
    assert _json(_call(api, "PATCH", "/v1/accounts/settings", a, mine), 200)["namedTransformations"] == {
        "a-card": "w-100"
    }

    theirs = _json(
        _call(api, "PATCH", "/v1/accounts/settings", b, {"uploadAsDraft": False, "namedTransformations": {"b": "w-1"}}),
        200,
    )

    assert (theirs["uploadAsDraft"], theirs["namedTransformations"]) == (False, {"b": "w-1"})
    read_b = _json(_call(api, "GET", "/v1/accounts/settings", b), 200)
    assert (read_b["uploadAsDraft"], read_b["namedTransformations"]) == (False, {"b": "w-1"})
    read_a = _json(_call(api, "GET", "/v1/accounts/settings", a), 200)
    assert (read_a["uploadAsDraft"], read_a["namedTransformations"]) == (True, {"a-card": "w-100"})


# The routes whose test is above, by the template's route: each answers B's own result for something A also has.
OWN_RESULT = {
    "POST /api/v1/files/upload": test_an_idempotency_key_of_a_never_answers_bs_upload,
    "POST /v1/files/publish": test_a_bulk_publish_of_as_files_is_bs_job_that_finds_none,
    "POST /v1/files/purge": test_a_purge_of_as_url_is_answered_as_for_an_account_nobody_has,
    "POST /v1/customMetadataFields": test_a_field_name_of_as_is_free_for_b,
    "POST /v1/folder": test_a_folder_path_of_as_is_bs_own_folder,
    f"POST {SESSIONS}": test_bs_upload_session_is_bs_own,
    "GET /v1/accounts/settings": test_account_settings_are_each_accounts_own,
    "PATCH /v1/accounts/settings": test_account_settings_are_each_accounts_own,
}

# The img-processing.com routes (test_another_accounts_image_is_not_found_on_img_processing_routes).
IMAGE_ROUTES = {
    "GET /v1/images/{imageId}",
    "GET /v1/images/{imageId}/download",
    "POST /v1/images/{imageId}/publish",
    "POST /v1/images/{imageId}/unpublish",
}

# Routes that take no id at all, and why they cannot reach A's data.
NO_IDS = {
    "GET /v1/files": "lists and searches the caller's own partition; A's never show "
    "(test_another_accounts_data_never_shows_in_listings_and_is_left_as_it_was)",
    "GET /v1/customMetadataFields": "lists the caller's own fields; A's never show (same test)",
    "ANY /{proxy+}": "the fallback of paths no route has: no authorizer, no account, 404 or 405 from the route table",
}


def test_every_route_of_the_template_is_in_the_matrix() -> None:
    """Given template.yaml's MedialibApi routes, When compared with the matrix (404 with A's ids), the routes that
    answer B's own result, the img-processing routes and the documented routes without ids, Then each route is in
    exactly one of them: a new route fails here until it is added to one."""
    from medialib_local.template import describe
    from tests.conftest import TEMPLATE

    template = {f"{r.method} {r.path}" for r in describe(TEMPLATE).routes if r.api_id == "MedialibApi"}
    matrix = {case.route for case in _routes(Owned(*["x"] * 10))}
    tables = [matrix, set(OWN_RESULT), IMAGE_ROUTES, set(NO_IDS)]

    assert set().union(*tables) == template
    assert sum(len(table) for table in tables) == len(template), "a route is in two tables"
