"""The adapters on the local stack (moto provisioned from template.yaml): transactions, S3 blobs, CloudFront."""

from __future__ import annotations

import os
import urllib.error
import urllib.request
import uuid
from typing import Any

import boto3
import pytest

from medialib.adapters import blobs, cdn, table
from medialib.adapters.errors import ConditionFailedError
from medialib.errors import InternalError
from tests.integration.aws_requests import sent


def _key(name: str) -> tuple[str, str]:
    return f"TEST#{name}#{uuid.uuid4().hex}", "ITEM"


def test_a_transaction_writes_all_of_its_items(stack: Any) -> None:
    """Given a counter item, When one transaction puts a new item, increments the counter and checks a third
    item exists, Then both writes are visible."""
    counter, new, anchor = _key("counter"), _key("new"), _key("anchor")
    table.put({"PK": counter[0], "SK": counter[1], "n": 1})
    table.put({"PK": anchor[0], "SK": anchor[1]})

    table.transact_write(
        [
            table.Put({"PK": new[0], "SK": new[1], "v": "x"}, only_if_new=True),
            table.Update(*counter, expression="SET n = n + :one", values={":one": 1}, condition="n = :one"),
            table.Check(*anchor, condition="attribute_exists(PK)"),
        ]
    )

    assert table.get(*new) == {"PK": new[0], "SK": new[1], "v": "x"}
    assert (table.get(*counter) or {})["n"] == 2


@pytest.mark.parametrize(
    "failing",
    [
        lambda pk, sk: table.Put({"PK": pk, "SK": sk}, only_if_new=True),
        lambda pk, sk: table.Check(pk, sk, condition="attribute_not_exists(PK)"),
        lambda pk, sk: table.Delete(pk, sk, condition="v = :v", values={":v": "other"}),
    ],
    ids=["put-of-an-existing-key", "failed-check", "delete-with-a-false-condition"],
)
def test_a_transaction_with_one_failed_condition_writes_nothing(stack: Any, failing: Any) -> None:
    """Given an existing item, When a transaction holds a write whose condition fails beside a valid put and
    update, Then ConditionFailedError (a 409) and none of the writes happened."""
    existing, new, counter = _key("existing"), _key("new"), _key("counter")
    table.put({"PK": existing[0], "SK": existing[1], "v": "mine"})
    table.put({"PK": counter[0], "SK": counter[1], "n": 1})

    with pytest.raises(ConditionFailedError) as caught:
        table.transact_write(
            [
                table.Put({"PK": new[0], "SK": new[1]}),
                table.Update(*counter, expression="SET n = n + :one", values={":one": 1}),
                failing(*existing),
            ]
        )

    assert caught.value.status == 409
    assert table.get(*new) is None
    assert (table.get(*counter) or {})["n"] == 1
    assert (table.get(*existing) or {})["v"] == "mine"


@pytest.mark.parametrize("count", [0, table.MAX_TRANSACTION_WRITES + 1], ids=["empty", "over-the-limit"])
def test_a_transaction_outside_dynamodb_limits_is_refused_before_sending(count: int) -> None:
    """Given no writes or 101 writes, When transact_write, Then ValueError: DynamoDB takes 1..100 per call."""
    with pytest.raises(ValueError, match=r"1\.\.100"):
        table.transact_write([table.Check("PK", "SK", "attribute_exists(PK)")] * count)


def test_a_blob_round_trip_and_a_presigned_url(stack: Any) -> None:
    """Given a blob put in the originals bucket, When read back, fetched through a presigned URL, then deleted,
    Then the same bytes twice, and after the delete it is absent (and a second delete succeeds)."""
    bucket, key = os.environ["ORIGINALS_BUCKET"], f"acme/{uuid.uuid4().hex}/v1"
    body = b"\x89PNG\r\n\x1a\n-test-bytes"
    blobs.put(bucket, key, body, content_type="image/png")

    assert blobs.get(bucket, key) == body
    with urllib.request.urlopen(blobs.presign(bucket, key, expires_in=60), timeout=10) as response:
        assert response.read() == body

    blobs.delete(bucket, key)
    blobs.delete(bucket, key)
    assert blobs.get(bucket, key) is None


@pytest.mark.parametrize("seconds", [0, blobs.MAX_PRESIGN_SECONDS + 1], ids=["zero", "beyond-a-week"])
def test_a_presigned_url_lives_one_second_to_one_week(stack: Any, seconds: int) -> None:
    """Given a lifetime outside SigV4's bounds, When presign, Then ValueError, never a URL that S3 refuses."""
    with pytest.raises(ValueError, match="expires_in"):
        blobs.presign(os.environ["ORIGINALS_BUCKET"], "k", expires_in=seconds)


def test_a_missing_bucket_is_an_internal_error_not_a_raw_botocore_error(stack: Any) -> None:
    """Given a bucket that does not exist (a misconfiguration), When a blob is put, Then the domain's 500,
    not retryable, with no AWS detail in its body."""
    with pytest.raises(InternalError) as caught:
        blobs.put(f"no-such-bucket-{uuid.uuid4().hex[:8]}", "k", b"x")
    assert (caught.value.status, caught.value.retryable) == (500, False)
    assert "NoSuchBucket" not in str(caught.value.body())


def test_an_invalidation_is_created_and_read_back(stack: Any) -> None:
    """Given the stack's distribution, When two paths of an account are invalidated, Then the invalidation has
    an id whose status can be read; an unknown id reads None."""
    distribution = os.environ["DISTRIBUTION_ID"]
    invalidation_id = cdn.create_invalidation(
        distribution, ["/acme/a.png", "/acme/folder/*"], caller_reference=uuid.uuid4().hex
    )

    assert cdn.get_invalidation(distribution, invalidation_id) in {
        "InProgress",
        "Completed",
    }  # AWS spelling, whatever the emulator says
    assert cdn.get_invalidation(distribution, "INOSUCHINVALIDATION") is None


def test_invalidating_an_unknown_distribution_is_an_internal_error(stack: Any) -> None:
    """Given a distribution id that does not exist, When an invalidation is created, Then the domain's 500."""
    with pytest.raises(InternalError):
        cdn.create_invalidation("ENOSUCHDIST", ["/acme/a.png"], caller_reference=uuid.uuid4().hex)


def test_deleting_by_prefix_pages_through_more_than_a_thousand_keys(stack: Any) -> None:
    """Given 1,003 objects under a prefix (more than one page of ListObjectsV2 and of DeleteObjects), one object
    whose key merely starts alike, and one elsewhere, When the prefix is deleted, Then 1,003 are deleted and
    only those: the two others remain, and a second call deletes nothing."""
    bucket = stack.provisioned.physical["RenditionsBucket"]
    prefix = f"renditions/test-{uuid.uuid4().hex[:8]}/file1/"
    s3 = boto3.client("s3")
    for n in range(1003):
        s3.put_object(Bucket=bucket, Key=f"{prefix}v1/{n:04d}", Body=b"x")
    alike, elsewhere = prefix.rstrip("/") + "0/v1/x", f"renditions/other-{uuid.uuid4().hex[:8]}/f/v/x"
    for key in (alike, elsewhere):
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")

    assert blobs.delete_prefix(bucket, prefix) == 1003

    assert s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("KeyCount") == 0
    assert blobs.get(bucket, alike) == b"x"
    assert blobs.get(bucket, elsewhere) == b"x"
    assert blobs.delete_prefix(bucket, prefix) == 0


def test_deleting_by_an_empty_prefix_is_refused() -> None:
    """Given an empty prefix (it would empty the bucket), When deleting by it, Then ValueError, nothing sent."""
    with pytest.raises(ValueError, match="non-empty prefix"):
        blobs.delete_prefix("any-bucket", "")


def test_deleting_many_keys_sends_one_request_per_thousand(stack: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Given 5 objects and 2 keys that hold nothing, When the 7 keys are deleted with batches lowered to 3, Then 3
    DeleteObjects requests, every object gone, an absent key no failure (as in S3), and nothing reported left."""
    monkeypatch.setattr(blobs, "DELETE_BATCH", 3)
    bucket = stack.provisioned.physical["OriginalsBucket"]
    prefix = f"test-{uuid.uuid4().hex[:8]}/"
    s3 = boto3.client("s3")
    keys = [f"{prefix}{n}" for n in range(7)]
    for key in keys[:5]:
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")

    with sent("s3", "DeleteObjects") as requests:
        left = blobs.delete_many(bucket, keys)

    assert left == []
    assert [len(request["Delete"]["Objects"]) for request in requests] == [3, 3, 1]
    assert s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("KeyCount") == 0
