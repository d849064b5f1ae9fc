"""schemathesis over every operation of docs/openapi.json against `medialib local start-api`: no 5xx, and every
answer's status, content type and body as the document says. The operations come from the document (a route added
later is fuzzed as soon as `make openapi` documents it); only the seeding names routes, so that path parameters
hit a real file, version, custom metadata field, bulk job, purge request, upload session and delivery path.

CI-sized by default (a few examples per operation, one worker, a fixed seed, no example database: the same run
every time). `make schemathesis` runs the same test longer (docs/testing.md); FUZZ_MAX_EXAMPLES, FUZZ_WORKERS,
FUZZ_SEED and FUZZ_TIMEOUT change the budget."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import ROOT
from tests.e2e.conftest import RunningStack
from tests.e2e.pictures import grid

pytestmark = pytest.mark.e2e

DOCUMENT = ROOT / "docs" / "openapi.json"
SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"
CHECKS = ["not_a_server_error", "status_code_conformance", "content_type_conformance", "response_schema_conformance"]
METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
FOLDER = "/fuzz"


@dataclass(frozen=True)
class Budget:
    max_examples: int
    workers: int
    seed: int
    timeout: float


def _budget() -> Budget:
    return Budget(
        max_examples=int(os.environ.get("FUZZ_MAX_EXAMPLES", "3")),
        workers=int(os.environ.get("FUZZ_WORKERS", "1")),
        seed=int(os.environ.get("FUZZ_SEED", "1")),
        timeout=float(os.environ.get("FUZZ_TIMEOUT", "240")),
    )


def documented_operations() -> set[str]:
    """Every operation of docs/openapi.json as 'METHOD /path'."""
    paths: dict[str, dict[str, Any]] = json.loads(DOCUMENT.read_text())["paths"]
    return {f"{method.upper()} {path}" for path, item in paths.items() for method in item if method in METHODS}


# ---------------------------------------------------------------- seeding: real ids for the path parameters


def _upload(api: httpx.Client, name: str) -> dict[str, Any]:
    answer = api.post(
        "/api/v1/files/upload",
        data={"fileName": name, "folder": FOLDER, "useUniqueFileName": "false"},
        files={"file": (name, grid(), "image/png")},
    )
    assert answer.status_code == 200, answer.text
    uploaded: dict[str, Any] = answer.json()
    return uploaded


def _created(answer: httpx.Response) -> dict[str, Any]:
    assert answer.status_code in {200, 201}, answer.text
    body: dict[str, Any] = answer.json()
    return body


def seed(stack: RunningStack) -> dict[str, Any]:
    """Seeds the stack's account and returns schemathesis's configuration: ``parameters`` for every operation, and
    ``operations``, each an operation that destroys what it is given, with ids of its own (so that deleting the
    file, its old version or the field early in the run leaves the other operations real ids to work on). Each is
    picked by name: schemathesis ORs an entry's include-method and include-path."""
    with httpx.Client(base_url=stack.base_url, auth=(stack.private_key, ""), timeout=60) as api:
        first = _upload(api, "fuzz.png")
        again = _upload(api, "fuzz.png")  # a second version: the first is an old version to read and restore
        doomed = _upload(api, "doomed.png")
        _upload(api, "versions.png")
        versions_file = _upload(api, "versions.png")["fileId"]  # two versions: the old one is DELETE's
        field = _created(api.post("/v1/customMetadataFields", json={"name": "fuzz", "label": "Fuzz", "schema": {"type": "Text"}}))  # fmt: skip
        doomed_field = _created(api.post("/v1/customMetadataFields", json={"name": "doomed", "label": "Doomed", "schema": {"type": "Text"}}))  # fmt: skip
        job = _created(api.post("/v1/bulkJobs/copyFolder", json={"sourceFolderPath": FOLDER, "destinationPath": "/fuzz-copy"}))  # fmt: skip
        purge = _created(api.post("/v1/files/purge", json={"url": first["url"]}))
        session = _created(api.post("/api/v1/files/upload/sessions", json={"fileName": "s.png", "fileSize": 10, "contentType": "image/png", "folder": FOLDER}))  # fmt: skip
        file_id, old_version = first["fileId"], first["versionInfo"]["id"]
        assert again["fileId"] == file_id and again["versionInfo"]["id"] != old_version, again
        for path in (f"/v1/files/{file_id}/versions/{old_version}", f"/v1/bulkJobs/{job['jobId']}"):
            assert api.get(path).status_code == 200, path
    old_of_versions_file = _old_version(stack, versions_file)
    return {
        "parameters": {
            "path.fileId": file_id,
            "path.imageId": file_id,
            "path.versionId": old_version,
            "path.fieldId": field["id"],
            "path.jobId": job["jobId"],
            "path.requestId": purge["requestId"],
            "path.sessionId": session["sessionId"],
            "path.accountId": stack.account_id,
            "path.filePath": first["filePath"].lstrip("/"),
        },
        "operations": [
            {"include-name": "DELETE /v1/files/{fileId}",
             "parameters": {"path.fileId": doomed["fileId"]}},
            {"include-name": "DELETE /v1/files/{fileId}/versions/{versionId}",
             "parameters": {"path.fileId": versions_file, "path.versionId": old_of_versions_file}},
            {"include-name": "DELETE /v1/customMetadataFields/{fieldId}",
             "parameters": {"path.fieldId": doomed_field["id"]}},
        ],
    }  # fmt: skip


def _old_version(stack: RunningStack, file_id: str) -> str:
    """The id of a version of ``file_id`` that is not its current one."""
    with httpx.Client(base_url=stack.base_url, auth=(stack.private_key, ""), timeout=30) as api:
        current = api.get(f"/v1/files/{file_id}/details").json()["versionInfo"]["id"]
        versions = [v["versionInfo"]["id"] for v in api.get(f"/v1/files/{file_id}/versions").json()]
    old = [v for v in versions if v != current]
    assert old, versions
    return str(old[0])


def config_toml(config: dict[str, Any]) -> str:
    """schemathesis.toml for ``config`` (strings only, which is all the seed holds)."""

    def table(values: dict[str, str]) -> str:
        return "{ " + ", ".join(f"{json.dumps(k)} = {json.dumps(v)}" for k, v in values.items()) + " }"

    lines = ["[parameters]", *(f"{json.dumps(k)} = {json.dumps(v)}" for k, v in config["parameters"].items())]
    for operation in config["operations"]:
        lines += ["", "[[operations]]"]
        lines += [f"{k} = {table(v) if isinstance(v, dict) else json.dumps(v)}" for k, v in operation.items()]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- the run


@dataclass(frozen=True)
class FuzzRun:
    returncode: int
    output: str
    tested: set[str]
    seconds: float
    log: Path


@pytest.fixture(scope="module")
def fuzz_run(fuzzed_api: RunningStack, tmp_path_factory: pytest.TempPathFactory) -> FuzzRun:
    budget, work = _budget(), tmp_path_factory.mktemp("schemathesis")
    (work / "schemathesis.toml").write_text(config_toml(seed(fuzzed_api)))
    junit = work / "junit.xml"
    started = time.monotonic()
    result = subprocess.run(
        [str(SCHEMATHESIS), "--no-color", "--config-file", str(work / "schemathesis.toml"), "run", str(DOCUMENT),
         "--url", fuzzed_api.base_url, "--auth", f"{fuzzed_api.private_key}:",
         "--header", f"x-api-key: {fuzzed_api.private_key}", "--checks", ",".join(CHECKS),
         "--phases", "examples,coverage,fuzzing", "--max-examples", str(budget.max_examples),
         "--workers", str(budget.workers), "--seed", str(budget.seed), "--generation-database", "none",
         "--report", "junit", "--report-junit-path", str(junit)],
        cwd=work, capture_output=True, text=True, timeout=budget.timeout, check=False,
        env={k: v for k, v in os.environ.items() if not k.startswith("SCHEMATHESIS_")},
    )  # fmt: skip
    seconds = time.monotonic() - started
    tested = {case.get("name", "") for case in ET.parse(junit).getroot().iter("testcase")} if junit.exists() else set()
    return FuzzRun(result.returncode, result.stdout + result.stderr, tested, seconds, fuzzed_api.log)


def _failures(run: FuzzRun) -> str:
    """What schemathesis reports as failed (each with its curl to reproduce), and the stack's errors."""
    report = run.output[run.output.find("FAILURES") :] if "FAILURES" in run.output else run.output[-6000:]
    errors = [line for line in run.log.read_text().splitlines() if re.search(r'"level": ?"ERROR"|Traceback', line)]
    return f"{report[:12000]}\n--- start-api log, errors ({len(errors)}) ---\n" + "\n".join(errors[:20])


def test_every_documented_operation_answers_as_documented_and_never_5xx(fuzz_run: FuzzRun) -> None:
    """Given the local stack with a real file, version, field, job, purge, session and delivery path, When
    schemathesis fuzzes every operation of docs/openapi.json (examples, coverage and fuzzing phases, fixed seed),
    Then no answer is a 5xx, and each status, content type and body is one the document gives that operation."""
    assert fuzz_run.returncode == 0, _failures(fuzz_run)


def test_the_run_reached_every_operation_of_the_document(fuzz_run: FuzzRun) -> None:
    """Given the same run, When its report is read, Then it tested each operation the document has (none skipped
    or filtered out), so a passing run speaks for the whole API."""
    summary = re.search(r"Tested: (\d+)", fuzz_run.output)
    assert summary is not None, fuzz_run.output[-3000:]
    assert fuzz_run.tested >= documented_operations(), sorted(documented_operations() - fuzz_run.tested)
    cases = re.search(r"Test cases:\s*\n\s*(.+)", fuzz_run.output)
    print(f"schemathesis: {len(fuzz_run.tested)} operations, {cases[1] if cases else '?'}, {fuzz_run.seconds:.1f} s")
