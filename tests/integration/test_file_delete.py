"""``DELETE /v1/files/{fileId}`` and ``POST /v1/files/batch/deleteByFileIds`` on the local stack: every version's
record and object gone, the path free, delivery 404 at once (no purge), retries, another account's ids, a delete
racing an upload to the same path, and the bulk refusals that leave everything in place."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import pytest

from medialib.files import store as file_store
from tests.conftest import basic
from tests.integration.aws_requests import sent
from tests.integration.delivery_helpers import Uploaded, halves, invalidations, upload, versions


def _delete(api: Any, key: str, file_id: str) -> Any:
    return api.delete(f"/v1/files/{file_id}", headers={**basic(key), "Accept": "*/*"})


def _objects(stack: Any, account_id: str, file_id: str) -> list[str]:
    bucket = stack.provisioned.physical["OriginalsBucket"]
    listed = boto3.client("s3").list_objects_v2(Bucket=bucket, Prefix=f"{account_id}/{file_id}/")
    return [o["Key"] for o in listed.get("Contents", [])]


def _rows(stack: Any, account_id: str, file_id: str) -> list[dict[str, Any]]:
    name = stack.provisioned.physical["MediaTable"]
    found = boto3.client("dynamodb").query(
        TableName=name,
        KeyConditionExpression="PK = :pk",
        ExpressionAttributeValues={":pk": {"S": f"ACCOUNT#{account_id}#FILE#{file_id}"}},
    )
    return list(found["Items"])


def _three_versions(api: Any, key: str) -> Uploaded:
    first = upload(api, key, halves(40, 20))
    folder = first.file_path.rsplit("/", 1)[0]
    for _ in range(2):
        upload(api, key, halves(40, 20), folder=folder)
    return first


def test_delete_removes_every_version_and_delivery_404s_at_once_without_a_purge(
    api: Any, stack: Any, account: Any
) -> None:
    """Given a delivered file with three versions, When it is deleted, Then 204 with an empty body, its records
    and its three objects are gone, its URL answers 404 at the origin at once, no invalidation was made, and the
    details answer 404."""
    file = _three_versions(api, account.private_key)
    assert api.get(f"/{account.account_id}{file.file_path}").status_code == 200
    assert len(_objects(stack, account.account_id, file.file_id)) == 3
    purges_before = len(invalidations(stack))

    answer = _delete(api, account.private_key, file.file_id)

    assert (answer.status_code, answer.get_data()) == (204, b"")
    assert _rows(stack, account.account_id, file.file_id) == []
    assert _objects(stack, account.account_id, file.file_id) == []
    assert api.get(f"/{account.account_id}{file.file_path}").status_code == 404
    assert len(invalidations(stack)) == purges_before
    details = api.get(f"/v1/files/{file.file_id}/details", headers=basic(account.private_key))
    assert details.status_code == 404


def test_a_deleted_files_path_takes_a_new_file(api: Any, account: Any) -> None:
    """Given a deleted file, When a file is uploaded to its path, Then it is a new file (new id, Version 1)."""
    file = upload(api, account.private_key, halves(40, 20))
    assert _delete(api, account.private_key, file.file_id).status_code == 204

    again = upload(api, account.private_key, halves(20, 20), folder=file.file_path.rsplit("/", 1)[0])

    assert again.file_path == file.file_path and again.file_id != file.file_id
    assert again.body["versionInfo"]["name"] == "Version 1"


def test_a_retried_delete_is_a_404_and_changes_nothing(api: Any, account: Any) -> None:
    file = upload(api, account.private_key, halves(40, 20))
    assert _delete(api, account.private_key, file.file_id).status_code == 204

    retried = _delete(api, account.private_key, file.file_id)

    assert retried.status_code == 404
    assert json.loads(retried.get_data())["reason"] == "FILE_NOT_FOUND"


def test_another_accounts_file_is_a_404_and_stays(api: Any, stack: Any, account: Any, other_account: Any) -> None:
    """Given account A's file, When account B deletes it by id, Then 404 as for no file, and A's file is whole."""
    file = upload(api, account.private_key, halves(40, 20))

    answer = _delete(api, other_account.private_key, file.file_id)

    assert answer.status_code == 404
    assert api.get(f"/{account.account_id}{file.file_path}").status_code == 200
    assert len(_objects(stack, account.account_id, file.file_id)) == 1


def test_a_file_with_more_versions_than_one_transaction_holds_is_deleted_whole(
    api: Any, stack: Any, account: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given a file with six versions and transactions of at most four writes, When deleted, Then every record and
    object is gone (earlier transactions took non-current versions, the last the rest)."""
    monkeypatch.setattr(file_store, "DELETE_CHUNK_WRITES", 4)
    first = upload(api, account.private_key, halves(40, 20))
    for _ in range(5):
        upload(api, account.private_key, halves(40, 20), folder=first.file_path.rsplit("/", 1)[0])
    assert len(versions(api, account.private_key, first.file_id)) == 6

    assert _delete(api, account.private_key, first.file_id).status_code == 204

    assert _rows(stack, account.account_id, first.file_id) == []
    assert _objects(stack, account.account_id, first.file_id) == []


def test_a_delete_racing_uploads_to_the_same_path_leaves_consistent_files(api: Any, stack: Any, account: Any) -> None:
    """Given a file, When it is deleted while four uploads to its path run, Then the old id is gone whole (no
    record, no object), and whatever holds the path now is a file whose every version has its object: uploads
    that committed before the delete went with it, those after it made a new file."""
    file = upload(api, account.private_key, halves(40, 20))
    folder = file.file_path.rsplit("/", 1)[0]

    def again(_: int) -> Uploaded:
        return upload(api, account.private_key, halves(30, 20), folder=folder)

    with ThreadPoolExecutor(5) as pool:
        uploads = [pool.submit(again, n) for n in range(4)]
        deleted = pool.submit(_delete, api, account.private_key, file.file_id)
        results = [u.result() for u in uploads]
    assert deleted.result().status_code == 204

    assert _rows(stack, account.account_id, file.file_id) == []
    assert _objects(stack, account.account_id, file.file_id) == []
    survivors = {r.file_id for r in results} - {file.file_id}
    assert len(survivors) <= 1
    for survivor in survivors:
        listed = versions(api, account.private_key, survivor)
        ids = sorted(v["versionInfo"]["id"] for v in listed)
        assert sorted(k.rsplit("/", 1)[1] for k in _objects(stack, account.account_id, survivor)) == ids
        assert api.get(f"/{account.account_id}{file.file_path}").status_code == 200


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(("nope" * 6, 404), id="unknown-id-404"),
        pytest.param(("a" * 200, 400), id="too-long-id-400"),
        pytest.param(("bad%20id", 400), id="id-with-a-space-400"),
    ],
)
def test_a_careless_delete_gets_a_clear_4xx(api: Any, account: Any, case: tuple[str, int]) -> None:
    file_id, status = case
    answer = _delete(api, account.private_key, file_id)
    assert answer.status_code == status
    assert {"message", "help"} <= json.loads(answer.get_data()).keys()


def test_delete_with_a_json_content_type_and_no_body_is_accepted(api: Any, account: Any) -> None:
    """The Python SDK sends Content-Type: application/json with an empty body on DELETE."""
    file = upload(api, account.private_key, halves(40, 20))
    answer = api.delete(
        f"/v1/files/{file.file_id}", headers={**basic(account.private_key), "Content-Type": "application/json"}
    )
    assert answer.status_code == 204


def test_a_bulk_delete_removes_each_files_objects_in_one_request(api: Any, stack: Any, account: Any) -> None:
    """Given two files of three versions each, When both are deleted by deleteByFileIds, Then each file's objects
    leave in one S3 DeleteObjects request (not one request per object: 100 files of 100 versions must fit in the
    API's 29 s) and every object is gone."""
    files = [_three_versions(api, account.private_key) for _ in range(2)]
    body = json.dumps({"fileIds": [file.file_id for file in files]})
    headers = {**basic(account.private_key), "Content-Type": "application/json"}

    with sent("s3", "DeleteObjects") as batches, sent("s3", "DeleteObject") as singles:
        answer = api.post("/v1/files/batch/deleteByFileIds", headers=headers, data=body)

    assert answer.status_code == 200, answer.get_data()
    assert singles == []
    assert sorted(len(batch["Delete"]["Objects"]) for batch in batches) == [3, 3]
    assert all(_objects(stack, account.account_id, file.file_id) == [] for file in files)
