"""Publish and unpublish end to end against `medialib local start-api`: the Python SDK's
``client.files.update(file_id, publish={...})`` (PATCH details), the bulk job (POST /v1/files/publish, then
GET /v1/bulkJobs/{jobId}; run by the state machine of template.yaml inside the stack), delivery over real HTTP on
every URL form, and the CloudFront invalidation each unpublish leaves in the stack's moto. The Node SDK's
``client.files.update`` runs in tests/e2e/node/publish.test.mjs, started from here.

tests/integration/test_publish.py holds the rules (tokens, purge paths, a busy CDN, careless clients) in process;
this module checks that the official SDKs and a real HTTP client see them through the running stack."""

from __future__ import annotations

import io
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpx
import imagekitio
import pytest
from imagekitio import ImageKit
from PIL import Image

from tests.e2e.conftest import RunningStack, run_node_tests
from tests.e2e.test_local_aws import _banner, _client, _invalidations

pytestmark = pytest.mark.e2e

BULK_FILES = 100


@pytest.fixture(scope="module")
def local_api(delivery_api: RunningStack) -> RunningStack:
    """The delivery tests' stack: these uploads stay out of the shared one, whose account test_python_sdk.py
    expects empty."""
    return delivery_api


@pytest.fixture(scope="module")
def client(local_api: RunningStack) -> ImageKit:
    return ImageKit(private_key=local_api.private_key, base_url=local_api.base_url)


@pytest.fixture(scope="module")
def api(local_api: RunningStack) -> Iterator[httpx.Client]:
    """Plain HTTP with the private key, for the routes the SDKs do not have (bulk publish, bulk job counts)."""
    with httpx.Client(base_url=local_api.base_url, auth=(local_api.private_key, ""), timeout=30) as http:
        yield http


def small_png(shade: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 20), (shade % 256, 128, 64)).save(out, "PNG")
    return out.getvalue()


@dataclass(frozen=True)
class Stored:
    file_id: str
    file_path: str  # /folder/name.png


def upload(client: ImageKit, folder: str, name: str, shade: int = 0) -> Stored:
    answer = client.files.upload(file=small_png(shade), file_name=name, folder=folder, use_unique_file_name=False)
    assert answer.file_id is not None and answer.file_path is not None
    return Stored(answer.file_id, answer.file_path)


@pytest.fixture
def two_versions(client: ImageKit) -> Stored:
    """A published file with two versions (the second current), alone in a fresh folder."""
    folder = "/publish-e2e-" + uuid.uuid4().hex[:10]
    upload(client, folder, "photo.png", shade=10)
    return upload(client, folder, "photo.png", shade=200)


def forms(local_api: RunningStack, file: Stored) -> dict[str, str]:
    """Every public URL form of the current version of ``file`` on the stack's delivery endpoint."""
    endpoint = f"{local_api.base_url}/{local_api.account_id}"
    return {
        "original": f"{endpoint}{file.file_path}",
        "path-transformation": f"{endpoint}/tr:w-20{file.file_path}",
        "query-transformation": f"{endpoint}{file.file_path}?tr=w-20",
        "named": f"{endpoint}/tr:n-ik_ml_thumbnail{file.file_path}",
    }


def version_url(local_api: RunningStack, file: Stored, token: str) -> str:
    return f"{local_api.base_url}/{local_api.account_id}{file.file_path}?ik-obj-version={token}"


def statuses(urls: dict[str, str]) -> dict[str, int]:
    return {name: httpx.get(url, timeout=30).status_code for name, url in urls.items()}


def older_token(client: ImageKit, file_id: str) -> str:
    """The ik-obj-version token in the older version's URL (the current version's URL has none)."""
    older, _current = client.files.versions.list(file_id)
    assert older.url is not None
    return older.url.split("ik-obj-version=", 1)[1]


def published_versions(client: ImageKit, file_id: str) -> list[bool | None]:
    """isPublished of each version, oldest first, as the SDK reads the versions list."""
    return [version.is_published for version in client.files.versions.list(file_id)]


def invalidations_of(local_api: RunningStack, file: Stored) -> list[list[str]]:
    """The paths of each invalidation that names ``file``'s path (with every query variant)."""
    wanted = f"/{local_api.account_id}{file.file_path}*"
    batches = [found["InvalidationBatch"]["Paths"]["Items"] for found in _invalidations(local_api)]
    return [list(paths) for paths in batches if wanted in paths]


def delete_file_rows(local_api: RunningStack, *files: Stored) -> None:
    """Stands in for DELETE /v1/files/{fileId} until issue 11 builds it: the files' rows are deleted from the stack's
    table with boto3 at the moto endpoint the banner prints (keys of medialib/files/store.py: the current record
    ``SK=FILE`` and the ``VERSION#<id>`` rows in each file's partition, and the claim on its path)."""
    dynamodb = _client(local_api, "dynamodb")
    [table] = _banner(local_api)["Table"]
    keys: list[dict[str, Any]] = []
    for file in files:
        keys += dynamodb.query(
            TableName=table,
            KeyConditionExpression="PK = :pk",
            ExpressionAttributeValues={":pk": {"S": f"ACCOUNT#{local_api.account_id}#FILE#{file.file_id}"}},
            ProjectionExpression="PK, SK",
        )["Items"]
        keys.append({"PK": {"S": f"ACCOUNT#{local_api.account_id}#PATH#{file.file_path}"}, "SK": {"S": "PATH"}})
    for start in range(0, len(keys), 25):
        batch = [{"DeleteRequest": {"Key": key}} for key in keys[start : start + 25]]
        dynamodb.batch_write_item(RequestItems={table: batch})


# ------------------------------------------------------------------ one file, PATCH details through the SDK


def test_the_python_sdk_unpublishes_the_current_version_and_publishes_it_back(
    client: ImageKit, local_api: RunningStack, two_versions: Stored
) -> None:
    """Given a published file with two versions, every URL form of it delivered once (renditions cached), When the
    SDK unpublishes it (includeFileVersions false), Then the returned model and get say isPublished false, the
    versions list says [published, unpublished], every URL form answers 404 over HTTP while the older version's
    URL (its token unchanged) still answers 200, and one CloudFront invalidation names the file's path and the
    path transformations; When the SDK publishes it again, Then every form answers 200."""
    urls = forms(local_api, two_versions)
    assert statuses(urls) == dict.fromkeys(urls, 200)
    token = older_token(client, two_versions.file_id)
    invalidated_before = len(invalidations_of(local_api, two_versions))

    updated = client.files.update(two_versions.file_id, publish={"is_published": False})

    assert updated.is_published is False
    assert client.files.get(two_versions.file_id).is_published is False
    assert published_versions(client, two_versions.file_id) == [True, False]
    assert statuses(urls) == dict.fromkeys(urls, 404)
    assert older_token(client, two_versions.file_id) == token
    assert httpx.get(version_url(local_api, two_versions, token)).status_code == 200
    made = invalidations_of(local_api, two_versions)
    assert len(made) == invalidated_before + 1
    assert f"/{local_api.account_id}/tr:*" in made[-1]
    assert all(path.startswith(f"/{local_api.account_id}/") for path in made[-1])

    republished = client.files.update(two_versions.file_id, publish={"is_published": True})

    assert republished.is_published is True
    assert client.files.get(two_versions.file_id).is_published is True
    assert published_versions(client, two_versions.file_id) == [True, True]
    assert statuses(urls) == dict.fromkeys(urls, 200)


def test_include_file_versions_unpublishes_every_version_and_each_change_rotates_the_tokens(
    client: ImageKit, local_api: RunningStack, two_versions: Stored
) -> None:
    """Given a published file with two versions, When the SDK unpublishes it with includeFileVersions, Then every
    version is unpublished, the older version's token changed, and every URL form, the old token and the new one
    answer 404; When the SDK publishes it back with includeFileVersions, Then the token changed again: the two
    earlier tokens answer 404, the newest and every URL form 200."""
    urls = forms(local_api, two_versions)
    first = older_token(client, two_versions.file_id)
    assert httpx.get(version_url(local_api, two_versions, first)).status_code == 200

    updated = client.files.update(two_versions.file_id, publish={"is_published": False, "include_file_versions": True})

    assert updated.is_published is False
    assert client.files.get(two_versions.file_id).is_published is False
    assert published_versions(client, two_versions.file_id) == [False, False]
    second = older_token(client, two_versions.file_id)
    assert second != first
    tokens = {name: version_url(local_api, two_versions, token) for name, token in [("old", first), ("new", second)]}
    assert statuses(urls | tokens) == dict.fromkeys(urls | tokens, 404)

    client.files.update(two_versions.file_id, publish={"is_published": True, "include_file_versions": True})

    assert published_versions(client, two_versions.file_id) == [True, True]
    third = older_token(client, two_versions.file_id)
    assert len({first, second, third}) == 3
    tokens = {
        name: version_url(local_api, two_versions, t) for name, t in [("1st", first), ("2nd", second), ("3rd", third)]
    }
    assert statuses(urls | tokens) == {**dict.fromkeys(urls, 200), "1st": 404, "2nd": 404, "3rd": 200}


# ------------------------------------------------------------------ the bulk job (acceptance of issue 10)


@pytest.fixture
def forget_afterwards(local_api: RunningStack) -> Iterator[list[Stored]]:
    """Files whose rows are deleted after the test: the local moto copies the whole table on every transaction, so
    a hundred files left behind would slow every later upload of the session."""
    files: list[Stored] = []
    yield files
    delete_file_rows(local_api, *files)


def wait_for_job(api: httpx.Client, job_id: str, *, timeout: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while (job := api.get(f"/v1/bulkJobs/{job_id}").json())["status"] == "Pending":
        assert time.monotonic() < deadline, job
        time.sleep(0.2)
    answer: dict[str, Any] = job
    return answer


def test_a_bulk_unpublish_of_100_files_with_one_deleted_completes_and_purges_once(
    client: ImageKit,
    api: httpx.Client,
    local_api: RunningStack,
    forget_afterwards: list[Stored],
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Given 100 published files in one folder, one of them deleted before the job runs, When the 100 ids are
    unpublished in one bulk job (POST /v1/files/publish) and its status polled until Completed, Then totalFiles 100,
    succeededFiles 99, failedFiles exactly the deleted file (FILE_NOT_FOUND), a purgeRequestId whose purge status
    answers 200, one CloudFront invalidation for it clearing the folder and the path transformations (100 paths fold
    into their folder), and each of the 99 files answers 404 on delivery and says isPublished false."""
    folder = "/bulk-publish-e2e-" + uuid.uuid4().hex[:10]
    started = time.monotonic()
    with ThreadPoolExecutor(4) as pool:
        files = list(pool.map(lambda i: upload(client, folder, f"f{i:03}.png", shade=i), range(BULK_FILES)))
    uploaded_in = time.monotonic() - started
    forget_afterwards.extend(files)
    deleted, kept = files[37], [f for i, f in enumerate(files) if i != 37]
    delete_file_rows(local_api, deleted)
    with pytest.raises(imagekitio.NotFoundError):
        client.files.get(deleted.file_id)

    started = time.monotonic()
    answer = api.post("/v1/files/publish", json={"fileIds": [f.file_id for f in files], "isPublished": False})
    assert answer.status_code == 202, answer.text
    job = wait_for_job(api, answer.json()["jobId"])
    with capsys.disabled():  # shown in every run, not only on failure
        print(f"\n{BULK_FILES} uploads: {uploaded_in:.1f} s; bulk unpublish job: {time.monotonic() - started:.1f} s")

    assert (job["status"], job["type"], job["totalFiles"], job["succeededFiles"]) == (
        "Completed", "PUBLISH_FILES", 100, 99
    )  # fmt: skip
    assert [(f["fileId"], f["reason"]) for f in job["failedFiles"]] == [(deleted.file_id, "FILE_NOT_FOUND")]
    purge_id = job["purgeRequestId"]
    assert api.get(f"/v1/files/purge/{purge_id}").status_code == 200
    made = [i for i in _invalidations(local_api) if i["InvalidationBatch"]["CallerReference"] == purge_id]
    assert len(made) == 1
    paths = set(made[0]["InvalidationBatch"]["Paths"]["Items"])
    account = f"/{local_api.account_id}"
    assert paths == {f"{account}{folder}/*", f"{account}/tr:*"}
    assert all(any(f"{account}{f.file_path}".startswith(p.rstrip("*")) for p in paths) for f in kept)
    with ThreadPoolExecutor(4) as pool:
        delivered = list(pool.map(lambda f: httpx.get(f"{local_api.base_url}{account}{f.file_path}"), kept))
        details = list(pool.map(lambda f: client.files.get(f.file_id).is_published, kept))
    assert [d.status_code for d in delivered] == [404] * 99
    assert details == [False] * 99


def test_a_bulk_job_of_101_files_is_refused_with_imagekits_error_shape(
    api: httpx.Client, local_api: RunningStack
) -> None:
    """Given 101 file ids, When they are sent to POST /v1/files/publish, Then 400 with ImageKit's error body
    (message, help) naming fileIds, not retried (x-should-retry: false)."""
    ids = [uuid.uuid4().hex[:24] for _ in range(101)]

    answer = api.post("/v1/files/publish", json={"fileIds": ids, "isPublished": False})

    assert answer.status_code == 400, answer.text
    assert answer.headers["content-type"] == "application/json"
    assert answer.headers["x-should-retry"] == "false"
    body = answer.json()
    assert {"message", "help"} <= body.keys()
    assert "fileIds" in body["message"]


# ------------------------------------------------------------------ the Node SDK


def test_the_node_sdk_unpublishes_and_publishes_a_file(
    client: ImageKit, local_api: RunningStack, two_versions: Stored
) -> None:
    """Given a file with two versions, When tests/e2e/node/publish.test.mjs unpublishes it with
    client.files.update (includeFileVersions) and publishes it back, Then every case passes (details, versions,
    delivery) and the file is published at the end."""
    file_url = forms(local_api, two_versions)["original"]
    run_node_tests("publish.test.mjs", local_api, FILE_ID=two_versions.file_id, FILE_URL=file_url)
    assert client.files.get(two_versions.file_id).is_published is True
