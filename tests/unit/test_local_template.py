"""How the local stack reads template.yaml: routes, their precedence, and what moto is given."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from medialib_local.template import describe

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"


@pytest.fixture(scope="module")
def spec() -> Any:
    return describe(TEMPLATE)


def test_every_api_event_of_the_template_is_a_route(spec: Any) -> None:
    """Given the template, When it is described, Then each Api event is one route of its function."""
    resources = spec.sam["Resources"]
    declared = sum(
        1
        for res in resources.values()
        if res["Type"] == "AWS::Serverless::Function"
        for event in (res["Properties"].get("Events") or {}).values()
        if event["Type"] == "Api"
    )
    assert len(spec.routes) == declared
    by_path = {(r.method, r.path): r for r in spec.routes}
    assert by_path[("GET", "/v1/files")].function_id == "FilesFunction"
    assert by_path[("GET", "/v1/files")].authorizer_id == "AuthorizerFunction"
    assert by_path[("ANY", "/{proxy+}")].authorizer_id is None, "delivery and the catch-all are public"


def test_the_schedules_are_read(spec: Any) -> None:
    """Given the Schedule events of the purge and sweep functions, When described, Then the local scheduler knows
    both: the monthly quota reset and the daily orphan sweep."""
    assert {(s.function_id, s.expression) for s in spec.schedules} == {
        ("PurgeFunction", "cron(0 0 1 * ? *)"),
        ("SweepFunction", "cron(15 3 * * ? *)"),
    }


@pytest.mark.parametrize(
    ("method", "path", "function", "params"),
    [
        pytest.param("GET", "/v1/files", "FilesFunction", {}, id="literal"),
        pytest.param("GET", "/v1/files/abc/details", "FilesFunction", {"fileId": "abc"}, id="parameter"),
        pytest.param("POST", "/v1/files/purge", "PurgeFunction", {}, id="literal-beats-parameter"),
        pytest.param("GET", "/v1/files/purge/r1", "PurgeFunction", {"requestId": "r1"}, id="deeper-literal"),
        pytest.param(
            "GET", "/v1/files/purge/details", "PurgeFunction", {"requestId": "details"}, id="first-difference-decides"
        ),
        pytest.param("POST", "/v1/files/publish", "PublishFunction", {}, id="publish-literal"),
        pytest.param("GET", "/dev/a/b%20c.jpg", "DeliverFunction", {"proxy": "dev/a/b c.jpg"}, id="greedy-last"),
        pytest.param("GET", "/v1/files/a%2520b/details", "FilesFunction", {"fileId": "a%20b"}, id="decoded-once"),
    ],
)
def test_routes_match_like_api_gateway(
    spec: Any, method: str, path: str, function: str, params: dict[str, str]
) -> None:
    """Given a request, When routed, Then the most specific route wins, and path parameters are decoded."""
    from medialib_local.gateway import Gateway

    gateway = Gateway(spec, functions=None)  # type: ignore[arg-type]
    found = gateway.match(method, path)
    assert found is not None
    route, path_params = found
    assert route.function_id == function
    assert path_params == params


@pytest.mark.parametrize("path", ["/v1/filez", "/v1/files/x", "/api/v2/files/upload", "/v1/files/a/b/c/d"])
def test_unknown_api_paths_never_fall_through_to_delivery(spec: Any, path: str) -> None:
    """Given a path under /v1 or /api that no route declares, When routed, Then the management API's catch-all
    (ANY /{proxy+}, FallbackFunction: 404/405) takes it, although delivery's /{proxy+} on the same local port
    would match any GET."""
    from medialib_local.gateway import Gateway

    found = Gateway(spec, functions=None).match("GET", path)  # type: ignore[arg-type]
    assert found is not None
    assert found[0].function_id == "FallbackFunction"


@pytest.mark.parametrize(
    ("method", "path", "function"),
    [
        pytest.param("GET", "/v1/files/abc/details", "FilesFunction", id="declared-pair-wins"),
        pytest.param("DELETE", "/v1/files/abc", "FilesFunction", id="parameter-route-with-the-method"),
        pytest.param("GET", "/v1/files/publish", "FallbackFunction", id="literal-without-the-method-falls-through"),
        pytest.param("DELETE", "/v1/files/publish", "FilesFunction", id="falls-to-a-parameter-sibling-with-it"),
        pytest.param("HEAD", "/dev/a.jpg", "DeliverFunction", id="delivery-takes-every-method"),
    ],
)
def test_routing_is_on_the_resource_and_method_pair(spec: Any, method: str, path: str, function: str) -> None:
    """Given API Gateway REST's routing (measured in AWS: the most specific resource that declares the method,
    else a less specific one such as a {param} sibling or the greedy ANY /{proxy+}), When a request is routed,
    Then the local gateway picks the same function."""
    from medialib_local.gateway import Gateway

    found = Gateway(spec, functions=None).match(method, path)  # type: ignore[arg-type]
    assert found is not None
    assert found[0].function_id == function


def test_unknown_method_on_a_known_path_falls_through_to_the_catch_all(spec: Any) -> None:
    """Given DELETE /v1/files (not declared), When routed, Then the greedy ANY /{proxy+} takes it (its function
    answers 405), not the GET route of /v1/files."""
    from medialib_local.gateway import Gateway

    found = Gateway(spec, functions=None).match("DELETE", "/v1/files")  # type: ignore[arg-type]
    assert found is not None
    assert (found[0].function_id, found[0].path) == ("FallbackFunction", "/{proxy+}")


def test_transform_is_cached_by_content(spec: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Given a first transform of the template, When it is asked again unchanged, Then the cached document
    is returned without translating; and a changed template is translated anew."""
    from medialib_local import template

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    first = template.to_cloudformation(spec, "us-east-1")
    assert len(list((tmp_path / "medialib").glob("cfn-*.json"))) == 1

    def must_not_translate(*_: Any) -> Any:
        raise AssertionError("translated again although nothing changed")

    monkeypatch.setattr(template, "_transform", must_not_translate)
    assert template.to_cloudformation(spec, "us-east-1") == first

    spec.sam["Resources"]["MediaTable"]["Properties"]["BillingMode"] = "PROVISIONED"
    try:
        with pytest.raises(AssertionError, match="translated again"):
            template.to_cloudformation(spec, "us-east-1")
    finally:
        spec.sam["Resources"]["MediaTable"]["Properties"]["BillingMode"] = "PAY_PER_REQUEST"


def test_only_the_upload_routes_authenticate_their_callers_themselves(spec: Any) -> None:
    """Given the template, When the routes of the management API are read, Then every one runs the authorizer
    except the catch-all (404/405, nothing read), the upload and its sessions, whose function verifies Basic or
    ImageKit's client-side fields (an authorizer cannot read a body; a browser sends no Authorization)."""
    open_routes = {(r.method, r.path) for r in spec.routes if r.api_id == "MedialibApi" and r.authorizer_id is None}
    assert open_routes == {
        ("ANY", "/{proxy+}"),
        ("POST", "/api/v1/files/upload"),
        ("POST", "/api/v1/files/upload/sessions"),
        ("GET", "/api/v1/files/upload/sessions/{sessionId}"),
    }
