"""A `medialib local start-api` of the delivery tests' own, started once for all the modules that use it.

The delivery and purge modules upload files; on the shared `local_api` stack those would be in the account that
test_python_sdk.py and test_node_sdk.py (collected after test_delivery_*.py) expect empty. A test module gets this
stack by importing ``delivery_api`` and overriding ``local_api`` with it. Each importing module registers the
fixture anew, so the stack is kept here and started only by the first; its teardown stops it at the session's
end."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.conftest import RunningStack, _start_api

_started: list[RunningStack] = []


@pytest.fixture(scope="session")
def delivery_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    if _started:
        yield _started[0]
        return
    starting = _start_api(tmp_path_factory)
    _started.append(next(starting))
    try:
        yield _started[0]
    finally:
        _started.clear()
        next(starting, None)  # the generator's own `finally` terminates start-api
