"""Folders end to end against `medialib local start-api`: the Python SDK's ``client.folders.create / copy / move /
rename / delete`` and ``client.folders.job.get`` until Completed (the jobs run by the template's folders state
machine inside the stack), the result seen through ``client.assets.list(path=...)``; a careless client's mistakes
over plain HTTP; and the Node SDK's create, copy and job.get (tests/e2e/node/folders.test.mjs).

tests/integration/test_folders.py holds the rules in process (nested trees, clashes, refusals, retried batches);
this module checks that the official SDKs parse what the running stack answers."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import imagekitio
import pytest
from imagekitio import ImageKit

from tests.e2e.conftest import RunningStack, run_node_tests

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def local_api(delivery_api: RunningStack) -> RunningStack:
    """The delivery tests' stack: these folders stay out of the shared one, whose account test_python_sdk.py
    expects empty."""
    return delivery_api


@pytest.fixture(scope="module")
def client(local_api: RunningStack) -> ImageKit:
    return ImageKit(private_key=local_api.private_key, base_url=local_api.base_url)


@pytest.fixture(scope="module")
def http(local_api: RunningStack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=local_api.base_url, auth=(local_api.private_key, ""), timeout=30) as plain:
        yield plain


def _completed(client: ImageKit, job_id: str) -> Any:
    """The job through the SDK, polled until it is no longer Pending (a minute at most)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job = client.folders.job.get(job_id)
        if job.status != "Pending":
            return job
        time.sleep(0.1)
    raise TimeoutError(job_id)


def _paths(client: ImageKit, path: str) -> list[str]:
    """What ``client.assets.list(path=...)`` shows in a folder: files by path, folders by path + /."""
    listed = client.assets.list(path=path, type="all")
    return sorted(getattr(e, "file_path", None) or f"{e.folder_path}/" for e in listed)  # type: ignore[union-attr]


def test_create_copy_move_rename_delete_with_the_python_sdk(client: ImageKit) -> None:
    """Given a folder made by the SDK and a file of two versions in a subfolder, When the SDK copies it (with its
    versions), moves the copy, renames the original with purgeCache and deletes the moved copy, Then each job is
    Completed with its type (the rename with a purge request id), and assets.list shows each result."""
    root = "/folders-e2e-" + uuid.uuid4().hex[:8]
    assert client.folders.create(folder_name="src", parent_folder_path=root) is not None
    for content in (b"one", b"two!"):
        client.files.upload(file=content, file_name="a.txt", folder=f"{root}/src/sub", use_unique_file_name=False)

    copy = client.folders.copy(source_folder_path=f"{root}/src", destination_path=f"{root}/copies",
                               include_versions=True)  # fmt: skip
    job = _completed(client, str(copy.job_id))
    assert (job.type, job.status) == ("COPY_FOLDER", "Completed")
    [copied] = client.assets.list(path=f"{root}/copies/src/sub")
    copied_id = str(copied.file_id)  # type: ignore[union-attr]
    assert [v.size for v in client.files.versions.list(copied_id)] == [3, 4]

    move = client.folders.move(source_folder_path=f"{root}/copies/src", destination_path=f"{root}/moved")
    assert _completed(client, str(move.job_id)).type == "MOVE_FOLDER"
    assert _paths(client, f"{root}/moved/src/sub") == [f"{root}/moved/src/sub/a.txt"]
    assert _paths(client, f"{root}/copies") == []

    rename = client.folders.rename(folder_path=f"{root}/src", new_folder_name="renamed", purge_cache=True)
    job = _completed(client, str(rename.job_id))
    assert (job.type, job.status) == ("RENAME_FOLDER", "Completed") and job.purge_request_id
    assert _paths(client, root) == [f"{root}/copies/", f"{root}/moved/", f"{root}/renamed/"]

    client.folders.delete(folder_path=f"{root}/moved")
    assert _paths(client, root) == [f"{root}/copies/", f"{root}/renamed/"]
    with pytest.raises(imagekitio.NotFoundError) as missing:
        client.folders.delete(folder_path=f"{root}/moved")
    assert missing.value.status_code == 404


def test_sdk_errors_are_imagekits(client: ImageKit) -> None:
    """Given no such folder and a folder with a sibling, When the SDK copies the missing one, or renames onto the
    sibling, Then NotFoundError (NO_FILES_FOLDER) and ConflictError after one attempt (x-should-retry false)."""
    root = "/folders-e2e-" + uuid.uuid4().hex[:8]
    client.folders.create(folder_name="a", parent_folder_path=root)
    client.folders.create(folder_name="b", parent_folder_path=root)
    with pytest.raises(imagekitio.NotFoundError) as missing:
        client.folders.copy(source_folder_path=f"{root}/nope", destination_path="/")
    assert missing.value.body["reason"] == "NO_FILES_FOLDER"  # type: ignore[index]
    started = time.monotonic()
    with pytest.raises(imagekitio.ConflictError):
        client.folders.rename(folder_path=f"{root}/a", new_folder_name="b")
    assert time.monotonic() - started < 1, "a deterministic 409 is not retried"


@pytest.mark.parametrize(
    ("method", "path", "content", "headers", "status"),
    [
        pytest.param("POST", "/v1/folder", b"{nope", {"Content-Type": "application/json"}, 400, id="invalid-json"),
        pytest.param(
            "POST", "/v1/folder", b'{"folderName":"x"}', {"Content-Type": "text/plain"}, 415, id="wrong-content-type"
        ),
        pytest.param("POST", "/v1/folder", b"", {"Content-Type": "application/json"}, 400, id="empty-body"),
        pytest.param(
            "POST", "/v1/folder", b'{"folderName":"\xff"}', {"Content-Type": "application/json"}, 400, id="invalid-utf8"
        ),
        pytest.param(
            "POST",
            "/v1/folder",
            b'{"folderName":"' + b"x" * 300 + b'"}',
            {"Content-Type": "application/json"},
            400,
            id="name-too-long",
        ),
        pytest.param("POST", "/v1/folder", b"[1]", {"Content-Type": "application/json"}, 400, id="array-body"),
        pytest.param(
            "POST",
            "/v1/folder",
            b'{"folderName":"' + b"x" * (11 * 1024 * 1024) + b'"}',
            {"Content-Type": "application/json"},
            413,
            id="huge-body-413",
        ),
        pytest.param(
            "POST",
            "/v1/folder",
            b'{"folderName":"x","parentFolderPath":"' + b"/a" * 60 + b'"}',
            {"Content-Type": "application/json"},
            400,
            id="too-deep-400",
        ),
        pytest.param("DELETE", "/v1/folder", b"", {"Content-Type": "application/json"}, 400, id="delete-no-body"),
        pytest.param(
            "DELETE",
            "/v1/folder",
            b'{"folderPath":7}',
            {"Content-Type": "application/json"},
            400,
            id="delete-path-not-a-string",
        ),
        pytest.param(
            "POST",
            "/v1/bulkJobs/moveFolder",
            b'{"sourceFolderPath":"/x"}',
            {"Content-Type": "application/json"},
            400,
            id="move-without-destination",
        ),
        pytest.param(
            "POST",
            "/v1/bulkJobs/renameFolder",
            b'{"folderPath":"/x","newFolderName":"y","purgeCache":"1"}',
            {"Content-Type": "application/json"},
            400,
            id="purge-cache-not-a-boolean",
        ),
        pytest.param(
            "POST",
            "/v1/bulkJobs/copyFolder",
            b'{"sourceFolderPath":"/missing-x","destinationPath":"/","unknown":1}',
            {"Content-Type": "application/json"},
            404,
            id="unknown-field-ignored",
        ),
        pytest.param("PUT", "/v1/folder", b"{}", {"Content-Type": "application/json"}, 405, id="other-method-405"),
        pytest.param("GET", "/v1/bulkJobs/not-a-job", b"", {}, 404, id="unknown-job-404"),
        pytest.param("GET", "/v1/bulkJobs/bad%20id", b"", {}, 400, id="malformed-job-id-400"),
    ],
)
def test_careless_clients_get_imagekit_errors(  # noqa: PLR0917 - the table's columns
    http: httpx.Client, method: str, path: str, content: bytes, headers: dict[str, str], status: int
) -> None:
    """Given a careless request to a folder route, When sent over HTTP, Then a 4xx JSON error in ImageKit's shape,
    never a 5xx or a trace."""
    response = http.request(method, path, content=content, headers=headers)
    assert response.status_code == status, response.text
    body = response.json()
    assert body["message"] and body["help"] and "Traceback" not in response.text


def test_head_and_options_on_folder_routes(http: httpx.Client) -> None:
    """Given the folder routes, When HEAD or a CORS preflight is sent, Then no 5xx: the gateway's or the
    fallback's answer."""
    assert http.request("HEAD", "/v1/folder").status_code < 500
    preflight = http.options(
        "/v1/folder", headers={"Origin": "https://example.com", "Access-Control-Request-Method": "POST"}
    )
    assert preflight.status_code == 200


def test_node_sdk_create_copy_and_job(local_api: RunningStack) -> None:
    """Given the stack, When the Node SDK creates a folder, copies it and polls the job, Then every case passes."""
    run_node_tests("folders.test.mjs", local_api, ROOT="/folders-node-" + uuid.uuid4().hex[:8])
