"""The local stack's DynamoDB lock: what makes concurrent conditional writes exact on moto."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from medialib_local.aws import serialise_dynamodb


class _Recorder:
    """A WSGI app that records how many requests of each kind it is serving at once."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.in_flight = {"dynamodb": 0, "other": 0}
        self.peak = {"dynamodb": 0, "other": 0}

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        kind = "dynamodb" if environ.get("HTTP_X_AMZ_TARGET", "").startswith("DynamoDB_") else "other"
        with self.lock:
            self.in_flight[kind] += 1
            self.peak[kind] = max(self.peak[kind], self.in_flight[kind])
        time.sleep(0.02)  # moto's read-modify-write window
        with self.lock:
            self.in_flight[kind] -= 1
        start_response("200 OK", [])
        return [b"{}"]


def test_dynamodb_requests_never_overlap_and_others_do() -> None:
    """Given 8 concurrent DynamoDB requests and 8 concurrent S3 requests, When they go through the local
    stack's middleware, Then DynamoDB requests run one at a time (so an update cannot lose another's write)
    while the others still run in parallel."""
    recorder = _Recorder()
    app = serialise_dynamodb(recorder)

    def call(target: str) -> None:
        list(app({"HTTP_X_AMZ_TARGET": target}, lambda *_: None))

    targets = ["DynamoDB_20120810.UpdateItem"] * 8 + [""] * 8
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(call, targets))

    assert recorder.peak["dynamodb"] == 1
    assert recorder.peak["other"] > 1
