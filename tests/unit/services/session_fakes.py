"""In-memory upload-session store and incoming/ objects, with the behaviour of the table and S3 ones
(tests/integration/test_session_store.py runs the store's contract against both)."""

from __future__ import annotations

from typing import Any

from medialib.adapters.errors import ConditionFailedError
from medialib.upload.session_models import SessionItem
from tests.unit.services.fakes import Failing


class FakeUploadSessionStore(Failing):
    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], SessionItem] = {}

    def create(self, item: SessionItem) -> None:
        self.check()
        if (item.account_id, item.session_id) in self.items:
            raise ConditionFailedError()
        self.items[(item.account_id, item.session_id)] = item

    def get(self, account_id: str, session_id: str) -> SessionItem | None:
        self.check()
        return self.items.get((account_id, session_id))

    def claim(self, account_id: str, session_id: str, *, claimant: str, now: int, until: int) -> None:
        self.check()
        item = self.items.get((account_id, session_id))
        held = item is not None and item.claimed_until is not None and item.claimed_until >= now
        if item is None or item.status != "PENDING" or held:
            raise ConditionFailedError()
        self.items[(account_id, session_id)] = item.model_copy(update={"claimant": claimant, "claimed_until": until})

    def release(self, account_id: str, session_id: str, *, claimant: str) -> None:
        self.check()
        item = self.items.get((account_id, session_id))
        if item is None or item.status != "PENDING" or item.claimant != claimant:
            raise ConditionFailedError()
        self.items[(account_id, session_id)] = item.model_copy(update={"claimed_until": None})

    def finish(self, item: SessionItem) -> None:
        self.check()
        current = self.items.get((item.account_id, item.session_id))
        if current is None or current.status != "PENDING" or current.claimant != item.claimant:
            raise ConditionFailedError()
        outcome = {"result": item.result} if item.status == "COMPLETED" else {"error": item.error}
        self.items[(item.account_id, item.session_id)] = current.model_copy(
            update={"status": item.status, "finished_at": item.finished_at, "claimed_until": None, **outcome}
        )


class FakeIncoming(Failing):
    """incoming/ objects by (bucket, key), and the POSTs presigned for them."""

    def __init__(self) -> None:
        super().__init__()
        self.objects: dict[tuple[str, str], bytes] = {}
        self.posts: list[dict[str, Any]] = []

    def presign_post(self, bucket: str, key: str, *, content_type: str, size: int, expires_in: int) -> dict[str, Any]:
        self.check()
        post = {"bucket": bucket, "key": key, "content_type": content_type, "size": size, "expires_in": expires_in}
        self.posts.append(post)
        return {"url": f"https://{bucket}.s3.amazonaws.com/", "fields": {"key": key, "Content-Type": content_type}}

    def get(self, bucket: str, key: str) -> bytes | None:
        self.check()
        return self.objects.get((bucket, key))

    def delete(self, bucket: str, key: str) -> None:
        self.check()
        self.objects.pop((bucket, key), None)
