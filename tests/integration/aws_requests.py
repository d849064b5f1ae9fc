"""What the code under test sends to AWS: botocore's parameter events on the real clients (moto behind them)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from medialib.adapters import clients


@contextmanager
def sent(service: str, operation: str) -> Iterator[list[dict[str, Any]]]:
    """The parameters of each ``operation`` (``"Query"``, ``"DeleteObjects"``) sent to ``service`` (``"dynamodb"``,
    ``"s3"``) while the block runs."""
    found: list[dict[str, Any]] = []

    def record(params: dict[str, Any], **_: Any) -> None:
        found.append(dict(params))

    client = clients.dynamodb() if service == "dynamodb" else clients.s3()
    event = f"provide-client-params.{service}.{operation}"
    client.meta.events.register(event, record)
    try:
        yield found
    finally:
        client.meta.events.unregister(event, record)
