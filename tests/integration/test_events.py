"""Every file in events/ runs through `medialib local invoke`, as `sam local invoke -e` would run it."""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import EVENTS, ROOT

MEDIALIB = Path(sys.executable).parent / "medialib"

# event file -> (function, check of the printed result)
EXPECTED: dict[str, tuple[str, Any]] = {
    "authorizer": ("authorizer", lambda r: r["context"] == {"accountId": "dev"}
                   and r["policyDocument"]["Statement"][0]["Effect"] == "Allow"),
    "files-list": ("files", lambda r: r["statusCode"] == 200 and json.loads(r["body"]) == []),
    "files-details": ("files", lambda r: r["statusCode"] == 404
                      and json.loads(r["body"])["message"] == "The requested file does not exist."),
    "upload": ("upload", lambda r: r["statusCode"] == 501 and json.loads(r["body"])["reason"] == "NOT_IMPLEMENTED"),
    "upload-session-finalise": ("upload", lambda r: r["errorType"] == "NotImplementedYetError"),
    "publish-bulk": ("publish", lambda r: r["statusCode"] == 202 and len(json.loads(r["body"])["jobId"]) == 32),
    "publish-worker-file": ("PublishWorkerFunction", lambda r: r == {
        "fileId": "6f2b1c9e0d4a", "status": "FAILED", "reason": "FILE_NOT_FOUND",
        "message": "File 6f2b1c9e0d4a does not exist.",
    }),
    "purge-status": ("purge", lambda r: r["statusCode"] == 404),
    "purge-schedule": ("purge", lambda r: r == {"reset": True, "period": "2026-12"}),
    "deliver": ("deliver", lambda r: r["statusCode"] == 404),
}  # fmt: skip


def _invoke(name: str) -> tuple[int, str, str]:
    function = EXPECTED[name][0]
    done = subprocess.run(
        [str(MEDIALIB), "local", "invoke", function, "-e", str(EVENTS / f"{name}.json")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return done.returncode, done.stdout, done.stderr


@pytest.fixture(scope="module")
def results() -> dict[str, tuple[int, str, str]]:
    names = sorted(EXPECTED)
    with ThreadPoolExecutor(3) as pool:
        return dict(zip(names, pool.map(_invoke, names), strict=True))


def test_every_event_file_has_an_expectation() -> None:
    """Given events/, When listed, Then each file is covered below (none is left untested)."""
    assert {p.stem for p in EVENTS.glob("*.json")} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_event_runs_through_local_invoke(results: dict[str, tuple[int, str, str]], name: str) -> None:
    """Given an event file, When `medialib local invoke FUNCTION -e events/NAME.json` runs, Then the function's
    result (stdout, logs go to stderr) is what that request means for a fresh dev account."""
    code, stdout, stderr = results[name]
    assert stdout.strip(), f"no output; stderr:\n{stderr[-2000:]}"
    result = json.loads(stdout)
    assert EXPECTED[name][1](result), result
    assert code == (1 if "errorType" in result else 0)
