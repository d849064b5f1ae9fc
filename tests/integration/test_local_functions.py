"""The local stack runs functions like Lambda: one request per execution environment at a time."""

from __future__ import annotations

from typing import Any


def test_requests_in_flight_never_share_an_execution_environment(stack: Any) -> None:
    """Given a request in flight in FilesFunction, When a second one starts before it ends, Then it runs in
    another copy of the handler module (its own resolver and current event), and a finished environment
    is reused afterwards, as a warm Lambda would be."""
    functions = stack.functions
    with functions.environment("FilesFunction") as first, functions.environment("FilesFunction") as second:
        assert first is not second
        assert first.app is not second.app
    with functions.environment("FilesFunction") as again:
        assert again in (first, second)
