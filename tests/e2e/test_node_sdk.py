"""The official Node SDK (@imagekit/nodejs), unchanged but for its base URL, against `medialib local start-api`.

The cases live in tests/e2e/node/sdk.test.mjs (node's built-in test runner); this test starts the stack
and runs them. `make bootstrap` installs the pinned SDK from tests/e2e/node/package-lock.json.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from tests.conftest import ROOT
from tests.e2e.conftest import RunningStack

pytestmark = pytest.mark.e2e

NODE_DIR = ROOT / "tests" / "e2e" / "node"
NODE_TESTS = NODE_DIR / "sdk.test.mjs"


def test_node_sdk_drives_the_local_stack(local_api: RunningStack) -> None:
    """Given the local stack and the pinned Node SDK installed by `make bootstrap`,
    When `node --test tests/e2e/node/sdk.test.mjs` runs with BASE_URL and PRIVATE_KEY pointing at the stack,
    Then every case passes: empty list, 401/404 raised once without retries, 400 for limit=0."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("`node` is not on PATH: install Node.js 20+, then run `make bootstrap`")
    if not (NODE_DIR / "node_modules" / "@imagekit" / "nodejs").is_dir():
        pytest.fail(f"the Node SDK is not installed in {NODE_DIR.relative_to(ROOT)}/node_modules: run `make bootstrap`")
    env = {**os.environ, "BASE_URL": local_api.base_url, "PRIVATE_KEY": local_api.private_key}
    for inherited in ("IMAGEKIT_PRIVATE_KEY", "IMAGE_KIT_BASE_URL", "OPTIONAL_IMAGEKIT_IGNORES_THIS"):
        env.pop(inherited, None)

    result = subprocess.run(
        [node, "--test", str(NODE_TESTS.relative_to(ROOT))],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, (
        f"node --test exited with {result.returncode}\n"
        f"--- stdout ---\n{result.stdout}\n--- stderr ---\n{result.stderr}\n"
        f"--- start-api log (tail) ---\n{local_api.log.read_text()[-3000:]}"
    )
