"""One retry contract: a throttled DynamoDB call in the publish worker is retried by the state machine (the
worker raises RetryableError, every Task retries it by name), so a file's result is its real outcome."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError

from medialib.adapters import clients
from tests.conftest import basic
from tests.integration.test_jobs import _wait_for_job

THROTTLED_CALLS = 2  # moto's interpreter sleeps the real intervals: 1 s then 2 s, each with full jitter


class ThrottledGets:
    """The real DynamoDB client, except that the first ``times`` GetItem calls whose key names ``marker``
    fail as DynamoDB fails when throttled."""

    def __init__(self, real: Any, marker: str, times: int) -> None:
        self.real, self.marker, self.remaining, self.throttled = real, marker, times, 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    def get_item(self, **kwargs: Any) -> Any:
        if self.remaining and self.marker in json.dumps(kwargs["Key"]):
            self.remaining -= 1
            self.throttled += 1
            code, message = "ProvisionedThroughputExceededException", "Rate of requests exceeds"
            raise ClientError({"Error": {"Code": code, "Message": message}}, "GetItem")
        return self.real.get_item(**kwargs)


def test_a_throttled_file_succeeds_on_retry(
    api: Any, account: Any, stack: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given DynamoDB throttling the first two reads of one file (and not the other), When a bulk publish of
    both runs on the state machine, Then the job completes and the throttled file's result is its real outcome
    (FILE_NOT_FOUND: it does not exist), as for the other file, never a failure caused by the throttling."""
    throttled_file, other_file = f"throttled-{uuid.uuid4().hex[:8]}", f"calm-{uuid.uuid4().hex[:8]}"
    throttle = ThrottledGets(clients.dynamodb(), marker=f"#FILE#{throttled_file}", times=THROTTLED_CALLS)
    monkeypatch.setattr(clients, "dynamodb", lambda: throttle)

    started = time.monotonic()
    response = api.post(
        "/v1/files/publish",
        json={"fileIds": [throttled_file, other_file], "isPublished": True},
        headers=basic(account.private_key),
    )
    assert response.status_code == 202
    job = _wait_for_job(api, account.private_key, json.loads(response.get_data())["jobId"])
    elapsed = time.monotonic() - started

    assert job["status"] == "Completed"
    assert {f["fileId"]: f["reason"] for f in job["failedFiles"]} == {
        throttled_file: "FILE_NOT_FOUND",
        other_file: "FILE_NOT_FOUND",
    }
    assert throttle.throttled == THROTTLED_CALLS, "the file was throttled, then retried"
    assert elapsed < 10, f"two retries (at most 1 s + 2 s of jittered waits) took {elapsed:.1f} s"
