"""Retried uploads with an ``Idempotency-Key`` through the local API Gateway on moto: Powertools' idempotency
record in the single table makes a retry answer the first attempt, never a second version."""

from __future__ import annotations

import json
import threading
import uuid
from typing import Any

import boto3
import pytest

from medialib.files import service as files
from tests.conftest import basic
from tests.upload_helpers import image, multipart

UPLOAD = "/api/v1/files/upload"
SAME_PATH = {"fileName": "retried.png", "folder": "/idem", "useUniqueFileName": "false"}


def post(api: Any, key: str, fields: dict[str, str], file: bytes, idempotency_key: str | None = None) -> Any:
    body, content_type = multipart(fields, file)  # a fresh boundary each time, as a retrying client sends it
    headers = {**basic(key), "Content-Type": content_type}
    if idempotency_key is not None:
        headers["Idempotency-Key"] = idempotency_key
    return api.post(UPLOAD, headers=headers, data=body)


def versions(api: Any, key: str, file_id: str) -> list[dict[str, Any]]:
    listed: list[dict[str, Any]] = json.loads(api.get(f"/v1/files/{file_id}/versions", headers=basic(key)).get_data())
    return listed


@pytest.fixture
def folder() -> dict[str, str]:
    """The same path for the attempts of one test, apart from every other test's."""
    return {**SAME_PATH, "folder": f"/idem-{uuid.uuid4().hex[:8]}"}


@pytest.fixture
def key() -> str:
    """A fresh Idempotency-Key, as a client makes one per distinct upload (a UUID)."""
    return str(uuid.uuid4())


def test_a_retry_with_the_same_key_answers_the_first_upload_without_a_second_version(
    api: Any, account: Any, folder: dict[str, str], key: str, stack: Any
) -> None:
    """Given an upload with Idempotency-Key K that made a file, When the same upload is sent again with K (as an
    SDK retries after a timeout), Then 200 with the very same body (fileId, versionInfo), and the file has one
    version; the record lives in the account's partition with the table's TTL attribute."""
    first = post(api, account.private_key, folder, image(), key)
    again = post(api, account.private_key, folder, image(), key)

    assert (first.status_code, again.status_code) == (200, 200)
    assert json.loads(again.get_data()) == json.loads(first.get_data())
    file_id = json.loads(first.get_data())["fileId"]
    assert [v["versionInfo"]["name"] for v in versions(api, account.private_key, file_id)] == ["Version 1"]
    rows = boto3.client("dynamodb").query(
        TableName=stack.provisioned.physical["MediaTable"],
        KeyConditionExpression="PK = :pk",
        ExpressionAttributeValues={":pk": {"S": f"ACCOUNT#{account.account_id}#IDEMPOTENCY"}},
    )["Items"]
    completed = [row for row in rows if json.loads(row["response"]["S"])["fileId"] == file_id]
    assert len(completed) == 1 and completed[0]["status"]["S"] == "COMPLETED"
    assert completed[0]["SK"]["S"].startswith("upload#") and key not in completed[0]["SK"]["S"]
    assert int(completed[0]["expiresAt"]["N"]) > 0


def test_without_a_key_each_upload_to_one_path_is_a_new_version(api: Any, account: Any, folder: dict[str, str]) -> None:
    """Given no Idempotency-Key, When the same upload to one path is sent twice, Then two versions (the API behaves
    as ImageKit's, which has no idempotency)."""
    first = post(api, account.private_key, folder, image())
    second = post(api, account.private_key, folder, image())

    bodies = [json.loads(first.get_data()), json.loads(second.get_data())]
    assert bodies[0]["fileId"] == bodies[1]["fileId"]
    assert bodies[0]["versionInfo"]["id"] != bodies[1]["versionInfo"]["id"]
    assert len(versions(api, account.private_key, bodies[0]["fileId"])) == 2


@pytest.mark.parametrize(
    ("fields", "file"),
    [
        pytest.param({}, image(width=41), id="same-key-other-file-bytes"),
        pytest.param({"tags": "other"}, image(), id="same-key-other-form-field"),
    ],
)
def test_the_same_key_for_a_different_upload_is_a_400_and_stores_nothing(  # noqa: PLR0917 - fixtures + case
    api: Any, account: Any, folder: dict[str, str], key: str, fields: dict[str, str], file: bytes
) -> None:
    """Given an upload done with Idempotency-Key K, When another upload (other bytes, or another field) is sent
    with K, Then 400 IDEMPOTENCY_KEY_REUSED, not retried, and the file still has its one version."""
    first = json.loads(post(api, account.private_key, folder, image(), key).get_data())

    other = post(api, account.private_key, {**folder, **fields}, file, key)

    body = json.loads(other.get_data())
    assert (other.status_code, other.headers["x-should-retry"], body["reason"]) == (
        400,
        "false",
        "IDEMPOTENCY_KEY_REUSED",
    )
    assert len(versions(api, account.private_key, first["fileId"])) == 1


def test_keys_are_scoped_to_the_account(
    api: Any, account: Any, other_account: Any, folder: dict[str, str], key: str
) -> None:
    """Given account A uploaded with key K, When account B uploads other bytes with K, Then B's upload is done (B
    gets its own file, never A's answer)."""
    mine = json.loads(post(api, account.private_key, folder, image(), key).get_data())
    theirs = post(api, other_account.private_key, folder, image(width=7), key)

    assert theirs.status_code == 200
    assert json.loads(theirs.get_data())["fileId"] != mine["fileId"]


@pytest.mark.parametrize(
    "key",
    [pytest.param("", id="empty"), pytest.param("x" * 256, id="over-255-characters"), pytest.param("a b", id="space")],
)
def test_a_malformed_key_is_a_400(api: Any, account: Any, folder: dict[str, str], key: str) -> None:
    """Given an Idempotency-Key that is empty, too long or not visible ASCII, When uploading, Then 400
    INVALID_IDEMPOTENCY_KEY and nothing is stored at the path."""
    response = post(api, account.private_key, folder, image(), key)

    assert (response.status_code, json.loads(response.get_data())["reason"]) == (400, "INVALID_IDEMPOTENCY_KEY")
    assert not files.path_exists(account.account_id, f"{folder['folder']}/{folder['fileName']}")


def test_a_retry_while_the_first_attempt_runs_is_a_retryable_409_and_a_failed_attempt_frees_the_key(
    api: Any, account: Any, folder: dict[str, str], key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given a first attempt with key K still storing (held inside the store step), When a retry with K arrives,
    Then 409 IDEMPOTENCY_KEY_IN_USE with x-should-retry true; and once the first attempt has failed, a retry with K
    runs and makes the file's only version."""
    entered, release = threading.Event(), threading.Event()
    real = files.store_version

    def held(*args: Any, **kwargs: Any) -> Any:
        entered.set()
        release.wait(10)
        raise RuntimeError("the first attempt dies")

    monkeypatch.setattr(files, "store_version", held)
    first: list[Any] = []
    worker = threading.Thread(target=lambda: first.append(post(api, account.private_key, folder, image(), key)))
    worker.start()
    assert entered.wait(10)
    during = post(api, account.private_key, folder, image(), key)
    release.set()
    worker.join(10)
    monkeypatch.setattr(files, "store_version", real)
    after = post(api, account.private_key, folder, image(), key)

    body = json.loads(during.get_data())
    assert (during.status_code, during.headers["x-should-retry"], body["reason"]) == (
        409,
        "true",
        "IDEMPOTENCY_KEY_IN_USE",
    )
    assert first[0].status_code == 500
    assert after.status_code == 200
    assert len(versions(api, account.private_key, json.loads(after.get_data())["fileId"])) == 1


def test_a_browser_may_send_the_key(api: Any) -> None:
    """Given a browser's preflight for an upload with an Idempotency-Key header, When OPTIONS is sent, Then the
    template's CORS settings allow that header."""
    response = api.options(
        UPLOAD,
        headers={
            "Origin": "https://app.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "idempotency-key",
        },
    )
    assert response.status_code == 200
    assert "Idempotency-Key" in response.headers["Access-Control-Allow-Headers"].split(",")
