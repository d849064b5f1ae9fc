"""Every file in events/ runs through the template's function, as `sam local invoke -e` would run it: all of
them on the shared in-process stack (``stack.functions.invoke`` is what `medialib local invoke` calls), and
the `medialib local invoke` command itself once, in a subprocess, for its output contract."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from medialib_local.functions import FunctionError
from tests.conftest import EVENTS, ROOT

MEDIALIB = Path(sys.executable).parent / "medialib"

# event file -> (function's logical id, check of its result)
EXPECTED: dict[str, tuple[str, Any]] = {
    "authorizer": ("AuthorizerFunction", lambda r: r["context"] == {"accountId": "dev"}
                   and r["policyDocument"]["Statement"][0]["Effect"] == "Allow"),
    # the dev account's files: other tests upload to it on the shared stack, so only their shape is fixed here
    # (a new account's empty list is tested in test_gateway.py and through the SDKs in tests/e2e)
    "files-list": ("FilesFunction", lambda r: r["statusCode"] == 200
                   and all({"fileId", "filePath", "versionInfo"} <= set(f) for f in json.loads(r["body"]))),
    "files-details": ("FilesFunction", lambda r: r["statusCode"] == 404
                      and json.loads(r["body"])["message"] == "The requested file does not exist."),
    "upload": ("UploadFunction", lambda r: r["statusCode"] == 200
               and json.loads(r["body"])["filePath"].startswith("/products/photo_")
               and json.loads(r["body"])["fileType"] == "non-image"),
    "upload-session-open": ("UploadFunction", lambda r: r["statusCode"] == 201
                            and json.loads(r["body"])["upload"]["fields"]["key"].startswith("incoming/dev/")),
    "upload-session-status": ("UploadFunction", lambda r: r["statusCode"] == 404),
    "upload-session-finalise": ("UploadFunction", lambda r: r["outcome"] == "UNKNOWN_SESSION"),
    "publish-bulk": ("PublishFunction", lambda r: r["statusCode"] == 202
                     and len(json.loads(r["body"])["jobId"]) == 32),
    # img-processing.com's unpublish of an id the dev account does not have: its own error body
    "images-unpublish": ("PublishFunction", lambda r: r["statusCode"] == 404
                         and json.loads(r["body"]) == {"error": {"code": "image_not_found",
                                                                 "message": "The requested image does not exist."}}),
    "publish-worker-file": ("PublishWorkerFunction", lambda r: r == {
        "fileId": "6f2b1c9e0d4a", "status": "FAILED", "reason": "FILE_NOT_FOUND",
        "message": "The requested file does not exist.",
    }),
    "purge-status": ("PurgeFunction", lambda r: r["statusCode"] == 404),
    "purge-schedule": ("PurgeFunction", lambda r: r == {"reset": True, "period": "2026-12"}),
    # no x-medialib-origin-secret (each local stack makes its own): the regional API refuses what skips the CDN
    "deliver": ("DeliverFunction", lambda r: r["statusCode"] == 403
                and json.loads(r["body"])["message"] == "Forbidden"),
    "sweep-schedule": ("SweepFunction", lambda r: r["complete"] is True and r["resumeAfter"] is None
                       and r["deleted"] + r["failed"] <= r["checked"]),
}  # fmt: skip


def test_every_event_file_has_an_expectation() -> None:
    """Given events/, When listed, Then each file is covered below (none is left untested)."""
    assert {p.stem for p in EVENTS.glob("*.json")} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_event_file_runs_through_its_function(stack: Any, name: str) -> None:
    """Given an event file, When the template's function is invoked with it (as `medialib local invoke
    FUNCTION -e events/NAME.json` does), Then its result (or Lambda's error payload) is what that request means
    for the dev account."""
    function_id, check = EXPECTED[name]
    event = json.loads((EVENTS / f"{name}.json").read_text())
    try:
        result = stack.functions.invoke(function_id, event)
    except FunctionError as err:
        result = err.payload()
    assert check(result), result


def test_local_invoke_prints_one_result_on_stdout_and_logs_on_stderr(tmp_path: Path) -> None:
    """Given the authorizer's event with a wrong key, When `medialib local invoke authorizer -e FILE` runs,
    Then stdout holds exactly one JSON document, Lambda's error payload ("Unauthorized"), the exit code is 1,
    and the function's log line went to stderr, never mixed into the result."""
    event = json.loads((EVENTS / "authorizer.json").read_text())
    wrong = "Basic " + base64.b64encode(b"private_wrong_key:do_not_set").decode()
    event["headers"]["Authorization"] = wrong
    event["multiValueHeaders"]["Authorization"] = [wrong]
    path = tmp_path / "authorizer-wrong-key.json"
    path.write_text(json.dumps(event))

    done = subprocess.run(
        [str(MEDIALIB), "local", "invoke", "authorizer", "-e", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert done.stdout.count("\n") == 1, done.stdout
    result = json.loads(done.stdout)
    assert (result["errorType"], result["errorMessage"]) == ("Exception", "Unauthorized")
    assert done.returncode == 1
    assert "request not authenticated" in done.stderr
    assert "request not authenticated" not in done.stdout
