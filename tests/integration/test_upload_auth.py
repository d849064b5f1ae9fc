"""Client-side upload tokens on the local stack's table: a token is usable once, its row is laid out as
docs/data-model.md says (with the table's TTL attribute), and of concurrent uses of one token exactly one wins."""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

from medialib.adapters.errors import ConditionFailedError
from medialib.errors import BadRequestError
from medialib.upload.auth import authenticate_upload
from medialib.upload.signing import sign
from medialib.upload.store import TableUploadTokenStore

THREADS = 8


@pytest.fixture
def frequent_thread_switches() -> Iterator[None]:
    """Switch threads every 0.1 ms (not 5 ms), so that concurrent writers interleave inside the moto server."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-4)
    yield
    sys.setswitchinterval(interval)


def _signed(account: Any, now: datetime, token: str) -> dict[str, str]:
    expire = str(int(now.timestamp()) + 1800)
    return {
        "publicKey": account.public_key,
        "token": token,
        "expire": expire,
        "signature": sign(account.private_key, token, expire),
    }


def test_a_replayed_token_is_refused_and_its_row_expires(stack: Any, account: Any) -> None:
    """Given the seeded dev account and a signed upload's fields, When they are used twice, Then the first is
    authenticated, the second is 400 TOKEN_REUSED, and the table holds one row for the token under the
    account, whose expiresAt (a Number, the table's TTL attribute) is an hour after expire."""
    now = datetime.now(UTC)
    token = uuid.uuid4().hex
    fields = _signed(account, now, token)
    assert authenticate_upload(None, fields, now).account_id == account.account_id
    with pytest.raises(BadRequestError) as caught:
        authenticate_upload(None, fields, now)
    assert caught.value.reason == "TOKEN_REUSED"

    table = stack.provisioned.physical["MediaTable"]
    key = {"PK": {"S": f"ACCOUNT#{account.account_id}#UPLOADTOKEN#{token}"}, "SK": {"S": "UPLOADTOKEN"}}
    row = boto3.client("dynamodb").get_item(TableName=table, Key=key, ConsistentRead=True)["Item"]
    assert row["expiresAt"] == {"N": str(int(fields["expire"]) + 3600)}
    ttl = boto3.client("dynamodb").describe_time_to_live(TableName=table)["TimeToLiveDescription"]
    assert ttl["AttributeName"] == "expiresAt"


def test_concurrent_claims_of_one_token_have_one_winner(stack: Any, frequent_thread_switches: None) -> None:
    """Given 20 tokens, When 8 threads claim each one at the same time (each its own claimant), Then every token
    has exactly one accepted claim, the others get ConditionFailedError, and the claimant stored is the
    winner's."""
    store = TableUploadTokenStore()
    account_id = f"acc-{uuid.uuid4().hex[:12]}"
    for _round in range(20):
        token = uuid.uuid4().hex

        def claim(thread: int, token: str = token) -> str | None:
            try:
                store.claim(account_id, token, claimant=f"thread-{thread}", expires_at=2_000_000_000)
            except ConditionFailedError:
                return None
            return f"thread-{thread}"

        with ThreadPoolExecutor(THREADS) as pool:
            winners = [w for w in pool.map(claim, range(THREADS)) if w is not None]
        assert len(winners) == 1, winners
        assert store.claimant(account_id, token) == winners[0]


def test_concurrent_uploads_with_one_token_authenticate_once(
    stack: Any, account: Any, frequent_thread_switches: None
) -> None:
    """Given one signed upload's fields, When 8 requests present them at the same time, Then exactly one is
    authenticated and the 7 others are 400 TOKEN_REUSED (none mistakes another's claim for its own)."""
    now = datetime.now(UTC)
    fields = _signed(account, now, uuid.uuid4().hex)

    def attempt(_: int) -> str:
        try:
            return authenticate_upload(None, fields, now).account_id
        except BadRequestError as refused:
            return str(refused.reason)

    with ThreadPoolExecutor(THREADS) as pool:
        outcomes = sorted(pool.map(attempt, range(THREADS)))
    assert outcomes == sorted([account.account_id] + ["TOKEN_REUSED"] * (THREADS - 1))


def test_a_browser_upload_without_authorization_reaches_the_upload_function(
    api: Any, stack: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given a browser's client-side upload (multipart, an Origin, no Authorization header), When posted through
    the local API Gateway, Then the gateway runs no authorizer and hands it to UploadFunction (which verifies
    the form), and the answer is readable cross-origin."""
    invoked: list[str] = []
    real_invoke = stack.functions.invoke

    def spy(function_id: str, event: Any) -> Any:
        invoked.append(function_id)
        return real_invoke(function_id, event)

    monkeypatch.setattr(stack.functions, "invoke", spy)
    body = b'--x\r\nContent-Disposition: form-data; name="fileName"\r\n\r\na.jpg\r\n--x--\r\n'
    response = api.post(
        "/api/v1/files/upload",
        data=body,
        headers={"Content-Type": "multipart/form-data; boundary=x", "Origin": "https://app.example"},
    )
    assert invoked == ["UploadFunction"]
    assert response.headers["Access-Control-Allow-Origin"] == "*"
