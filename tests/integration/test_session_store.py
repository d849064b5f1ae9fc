"""The upload-session store's contract, against the table on the local stack and the in-memory fake that the
service unit tests use, and the presigned POST that opening a session hands out, as S3 reads its policy."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

import pytest

from medialib.adapters import blobs
from medialib.adapters.errors import ConditionFailedError
from medialib.upload.session_models import SessionItem
from medialib.upload.session_store import TableUploadSessionStore, UploadSessionStore
from tests.unit.services.session_fakes import FakeUploadSessionStore


def _session(account_id: str) -> SessionItem:
    return SessionItem(
        account_id=account_id,
        session_id=uuid.uuid4().hex,
        status="PENDING",
        options={"fileName": "a.jpg", "tags": "a,b"},
        file_size=10,
        content_type="image/jpeg",
        created_at="2026-05-01T12:00:00.000Z",
        expires_at=1_800_000_000,
    )


@pytest.mark.parametrize("backend", ["table-on-moto", "in-memory-fake"])
def test_upload_session_store_contract(stack: Any, backend: str) -> None:
    """Given a PENDING session, When it is created twice, claimed by two finalisers, released, claimed after a
    lapsed lease and finished by the wrong then the right claimant, Then the second create, the held claim and
    the wrong claimant's finish are conflicts, and the session reads back COMPLETED with its result (floats
    included) and no longer claimable."""
    store: UploadSessionStore = FakeUploadSessionStore() if backend == "in-memory-fake" else TableUploadSessionStore()
    item = _session(f"acc-{uuid.uuid4().hex[:8]}")
    acc, sid = item.account_id, item.session_id
    store.create(item)
    with pytest.raises(ConditionFailedError):
        store.create(item)
    assert store.get(acc, sid) == item

    store.claim(acc, sid, claimant="one", now=100, until=160)
    with pytest.raises(ConditionFailedError):
        store.claim(acc, sid, claimant="two", now=150, until=210)
    store.release(acc, sid, claimant="one")
    store.claim(acc, sid, claimant="two", now=150, until=210)
    store.claim(acc, sid, claimant="three", now=211, until=271)  # two's lease lapsed
    result = {"fileId": "f1", "embeddedMetadata": {"XResolution": 72.5}}
    with pytest.raises(ConditionFailedError):
        store.finish(item.model_copy(update={"claimant": "two", "status": "COMPLETED", "result": result}))
    store.finish(
        item.model_copy(update={"claimant": "three", "status": "COMPLETED", "result": result, "finished_at": "t"})
    )

    done = store.get(acc, sid)
    assert done is not None
    assert (done.status, done.result, done.error, done.finished_at) == ("COMPLETED", result, None, "t")
    with pytest.raises(ConditionFailedError):
        store.claim(acc, sid, claimant="four", now=999, until=1059)
    assert store.get(acc, uuid.uuid4().hex) is None


def test_presigned_post_fixes_key_exact_size_and_type(stack: Any) -> None:
    """Given the originals bucket, When a POST is presigned for a key, 1234 bytes and image/png, Then its policy
    names exactly that bucket and key, the size range 1234..1234, the Content-Type, SigV4, and expires."""
    bucket = stack.provisioned.physical["OriginalsBucket"]

    post = blobs.presign_post(bucket, "incoming/acc/s1", content_type="image/png", size=1234, expires_in=900)

    policy = json.loads(base64.b64decode(post["fields"]["policy"]))
    conditions = policy["conditions"]
    assert {"bucket": bucket} in conditions
    assert {"key": "incoming/acc/s1"} in conditions
    assert ["content-length-range", 1234, 1234] in conditions
    assert {"Content-Type": "image/png"} in conditions
    assert post["fields"]["x-amz-algorithm"] == "AWS4-HMAC-SHA256"
    assert (post["fields"]["key"], post["fields"]["Content-Type"]) == ("incoming/acc/s1", "image/png")
    assert policy["expiration"].endswith("Z")
    with pytest.raises(ValueError, match="expires_in"):
        blobs.presign_post(bucket, "k", content_type="image/png", size=1, expires_in=0)
