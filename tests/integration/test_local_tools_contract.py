"""The local tools keep the contract: gateway responses evaluated from the template, handler siblings loaded
as Lambda loads them, and `medialib local invoke` errors in one line."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from werkzeug.test import Client

from tests.conftest import ROOT, TEMPLATE


def test_gateway_responses_are_evaluated_from_the_template(stack: Any) -> None:
    """Given gateway response settings (a header copied from the request, a static one, the request id), When
    the gateway answers by itself, Then each header is evaluated from those settings, not hard-coded."""
    from medialib_local.gateway import Gateway

    api = stack.spec.apis["MedialibApi"]
    unauthorized = {
        "StatusCode": "418",
        "ResponseParameters": {
            "Headers": {"x-echo": "method.request.header.X-Trace", "x-static": "'fixed'", "x-id": "context.requestId"}
        },
        "ResponseTemplates": {
            "application/json": '{"message": $context.error.messageString, "id": "$context.requestId"}'
        },
    }
    changed = dataclasses.replace(api, gateway_responses={**api.gateway_responses, "UNAUTHORIZED": unauthorized})
    spec = dataclasses.replace(stack.spec, apis={**stack.spec.apis, "MedialibApi": changed})
    response = Client(Gateway(spec, stack.functions)).get("/v1/files", headers={"X-Trace": "t-1"})
    assert response.status_code == 418
    assert response.headers["x-echo"] == "t-1"
    assert response.headers["x-static"] == "fixed"
    assert response.headers["x-id"] == response.headers["x-amzn-RequestId"]
    assert response.json == {"message": "Unauthorized", "id": response.headers["x-amzn-RequestId"]}


def test_a_mapping_the_local_gateway_cannot_evaluate_is_refused(stack: Any) -> None:
    """Given a gateway response header mapped from an expression the emulation does not know, When the gateway
    answers, Then it fails loudly instead of sending a value AWS would not send."""
    from medialib_local.gateway import Gateway

    api = stack.spec.apis["MedialibApi"]
    odd = {"ResponseParameters": {"Headers": {"x-odd": "stageVariables.name"}}}
    changed = dataclasses.replace(api, gateway_responses={**api.gateway_responses, "UNAUTHORIZED": odd})
    spec = dataclasses.replace(stack.spec, apis={**stack.spec.apis, "MedialibApi": changed})
    with pytest.raises(ValueError, match=r"stageVariables\.name"):
        Client(Gateway(spec, stack.functions)).get("/v1/files")


def test_each_execution_environment_has_its_own_routers(stack: Any) -> None:
    """Given FilesFunction's routes split into Routers (sibling modules), When two execution environments are
    in use at once, Then each one's routers belong to its own resolver, as two Lambda sandboxes would."""
    functions = stack.functions
    with functions.environment("FilesFunction") as first, functions.environment("FilesFunction") as second:
        assert first.files.router is not second.files.router
        assert first.files.router.api_resolver is first.app
        assert second.files.router.api_resolver is second.app
    assert "routes" not in sys.modules, "a function's siblings must not be left for another function to import"


def test_the_files_function_imports_as_lambda_imports_it(tmp_path: Path) -> None:
    """Given Lambda's import (the CodeUri directory first on sys.path, the layer after, cwd = CodeUri), When
    app is imported in a fresh interpreter, Then its routes package is found and every group is included: one
    route per API event of FilesFunction in template.yaml."""
    from medialib_local.template import load_sam

    events = load_sam(TEMPLATE)["Resources"]["FilesFunction"]["Properties"]["Events"]
    code = "import app; print(len(app.app._static_routes) + len(app.app._dynamic_routes))"
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'functions' / 'files'}:{ROOT / 'layers' / 'shared' / 'python'}"}
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT / "functions" / "files",
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) == sum(event["Type"] == "Api" for event in events.values())


@pytest.mark.parametrize(
    ("content", "says"),
    [
        pytest.param(None, "cannot read the event file", id="missing-file"),
        pytest.param("{not json", "is not JSON", id="invalid-json"),
    ],
)
def test_invoke_with_a_bad_event_file_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | None, says: str
) -> None:
    """Given `medialib local invoke files -e EVENT` with a missing or non-JSON file, When run, Then exit code 2
    and one line on stderr naming the file, no traceback (and no stack started for nothing)."""
    from medialib_local.cli import main

    event = tmp_path / "event.json"
    if content is not None:
        event.write_text(content)
    with pytest.raises(SystemExit) as exited:
        main(["local", "invoke", "files", "-e", str(event)])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert says in err and str(event) in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_every_preflight_answers_what_sams_cors_deploys(api: Any, stack: Any) -> None:
    """Given the CloudFormation SAM makes of template.yaml (each path's OPTIONS mock integration), When the
    local gateway is preflighted on each path, Then it answers 200 with exactly the headers that mock returns."""
    import re

    from medialib_local.template import to_cloudformation

    body = to_cloudformation(stack.spec, "us-east-1")["Resources"]["MedialibApi"]["Properties"]["Body"]
    preflights = {path: item["options"] for path, item in body["paths"].items() if "options" in item}
    assert "/api/v1/files/upload" in preflights
    for path, options in preflights.items():
        deployed = options["x-amazon-apigateway-integration"]["responses"]["default"]["responseParameters"]
        expected = {k.removeprefix("method.response.header."): v.strip("'") for k, v in deployed.items()}
        local = re.sub(r"\{[^}]+\}", "abc", path.replace("{proxy+}", "v1/unknown"))  # one port: keep it off delivery
        response = api.options(local, headers={"Origin": "https://app.example"})
        assert response.status_code == 200, path
        assert {name: response.headers.get(name) for name in expected} == expected, path
