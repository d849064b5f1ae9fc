"""The local stack as a user runs it: `medialib local start-api` in a subprocess on a free port."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from medialib_local.aws import free_port
from tests.conftest import ROOT

ACCOUNT_ID = "e2e"
PUBLIC_KEY = "public_e2e_key_0001"
PRIVATE_KEY = "private_e2e_key_0001"


@dataclass(frozen=True)
class RunningStack:
    base_url: str
    account_id: str
    public_key: str
    private_key: str
    log: Path


@pytest.fixture(scope="session")
def local_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    """`medialib local start-api` as a user runs it, with every default (URL uploads from loopback refused)."""
    yield from _start_api(tmp_path_factory)


@pytest.fixture(scope="session")
def delivery_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    """A stack of the delivery and purge tests' own (their modules make it their ``local_api``): the files they
    upload would otherwise be in the account that test_python_sdk.py and test_node_sdk.py expect empty."""
    yield from _start_api(tmp_path_factory)


@pytest.fixture(scope="session")
def fuzzed_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    """A stack of schemathesis's own (test_schemathesis.py): it creates, renames and deletes at random, which no
    other test's account should see."""
    yield from _start_api(tmp_path_factory)


@pytest.fixture(scope="session")
def local_api_loopback(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    """A second stack, started with `--allow-loopback-urls`, so that an upload may fetch its `file` URL from a
    server the test runs on this machine. It is its own stack, not a flag on `local_api`, so that every other
    test (the refusal of a loopback URL among them) runs against the defaults a user gets."""
    yield from _start_api(tmp_path_factory, "--allow-loopback-urls")


def _start_api(tmp_path_factory: pytest.TempPathFactory, *flags: str) -> Iterator[RunningStack]:
    port = free_port()
    log = tmp_path_factory.mktemp("local-api") / "start-api.log"
    env = {
        **os.environ,
        "MEDIALIB_ACCOUNT_ID": ACCOUNT_ID,
        "MEDIALIB_PUBLIC_KEY": PUBLIC_KEY,
        "MEDIALIB_PRIVATE_KEY": PRIVATE_KEY,
    }
    env.pop("AWS_ENDPOINT_URL", None)
    medialib = Path(sys.executable).parent / "medialib"
    with log.open("w") as out:
        process = subprocess.Popen(
            [str(medialib), "local", "start-api", "--port", str(port), *flags],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_serving(base_url, process, log)
        yield RunningStack(base_url, ACCOUNT_ID, PUBLIC_KEY, PRIVATE_KEY, log)
    finally:
        process.terminate()
        process.wait(timeout=20)


def _wait_until_serving(base_url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"start-api exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            httpx.get(f"{base_url}/v1/files", timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.2)
    raise TimeoutError(f"start-api did not serve within 60 s:\n{log.read_text()[-3000:]}")


def upload_through_session(
    stack: RunningStack, name: str, content: bytes, mime: str, folder: str, *, timeout: float = 60
) -> dict[str, Any]:
    """``content`` uploaded as a client does past the direct-upload limit: a session opened with Basic auth, the
    file posted to its presigned S3 POST, the session polled until it is no longer PENDING. Its last state."""
    with httpx.Client(base_url=stack.base_url, auth=(stack.private_key, ""), timeout=30) as api:
        opened = api.post(
            "/api/v1/files/upload/sessions",
            json={"fileName": name, "fileSize": len(content), "contentType": mime, "folder": folder,
                  "useUniqueFileName": False},
        )  # fmt: skip
        assert opened.status_code == 201, opened.text
        session = opened.json()
        upload = session["upload"]
        sent = httpx.post(upload["url"], data=upload["fields"], files={"file": (name, content, mime)}, timeout=timeout)
        assert sent.status_code == 204, sent.text
        deadline = time.monotonic() + timeout
        while (state := api.get(f"/api/v1/files/upload/sessions/{session['sessionId']}").json())["status"] == "PENDING":
            assert time.monotonic() < deadline, state
            time.sleep(0.2)
    result: dict[str, Any] = state
    return result


NODE_DIR = ROOT / "tests" / "e2e" / "node"
# Variables the Node SDK reads on its own: inherited from a developer's shell they would point it elsewhere.
_NODE_SDK_VARIABLES = ("IMAGEKIT_PRIVATE_KEY", "IMAGE_KIT_BASE_URL", "OPTIONAL_IMAGEKIT_IGNORES_THIS")


def run_node_tests(name: str, stack: RunningStack, **env: str) -> subprocess.CompletedProcess[str]:
    """``node --test tests/e2e/node/<name>`` against ``stack`` (BASE_URL, PRIVATE_KEY, and ``env``), with the pinned
    Node SDK that `make bootstrap` installs; the test fails with node's output and the stack's log tail unless every
    case passes. Returns node's run (its stdout names how many cases passed)."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("`node` is not on PATH: install Node.js 20+, then run `make bootstrap`")
    if not (NODE_DIR / "node_modules" / "@imagekit" / "nodejs").is_dir():
        pytest.fail(f"the Node SDK is not installed in {NODE_DIR.relative_to(ROOT)}/node_modules: run `make bootstrap`")
    variables = {k: v for k, v in os.environ.items() if k not in _NODE_SDK_VARIABLES}
    variables |= {"BASE_URL": stack.base_url, "PRIVATE_KEY": stack.private_key, **env}
    result = subprocess.run(
        [node, "--test", str((NODE_DIR / name).relative_to(ROOT))],
        cwd=ROOT, env=variables, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, (
        f"node --test {name} exited with {result.returncode}\n--- stdout ---\n{result.stdout}\n"
        f"--- stderr ---\n{result.stderr}\n--- start-api log (tail) ---\n{stack.log.read_text()[-3000:]}"
    )
    return result
