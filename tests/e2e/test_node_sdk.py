"""The official Node SDK (@imagekit/nodejs), unchanged but for its base URL, against `medialib local start-api`.

The cases live in tests/e2e/node/sdk.test.mjs (node's built-in test runner); this test starts the stack
and runs them. `make bootstrap` installs the pinned SDK from tests/e2e/node/package-lock.json.
"""

from __future__ import annotations

import pytest

from tests.e2e.conftest import RunningStack, run_node_tests

pytestmark = pytest.mark.e2e


def test_node_sdk_drives_the_local_stack(local_api: RunningStack) -> None:
    """Given the local stack and the pinned Node SDK installed by `make bootstrap`,
    When `node --test tests/e2e/node/sdk.test.mjs` runs with BASE_URL and PRIVATE_KEY pointing at the stack,
    Then every case passes: empty list, 401/404 raised once without retries, 400 for limit=0."""
    run_node_tests("sdk.test.mjs", local_api)
