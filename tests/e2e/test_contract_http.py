"""A few rows of the mistakes table through a real `medialib local start-api` over HTTP (httpx), as a client
meets them: real sockets, werkzeug's server, percent-encoding as sent."""

from __future__ import annotations

import json
from typing import Any, NamedTuple

import httpx
import pytest

from tests.e2e.conftest import RunningStack

PUBLISH = json.dumps({"fileIds": ["abc"], "isPublished": True}).encode()


class Row(NamedTuple):
    method: str
    path: str
    content_type: str | None
    body: bytes | None
    status: int
    reason: str


JSON_TYPE = "application/json"
ROWS = [
    pytest.param(
        Row("POST", "/v1/files/publish", "text/plain", PUBLISH, 415, "UNSUPPORTED_MEDIA_TYPE"), id="json-as-text-is-415"
    ),
    pytest.param(
        Row(
            "POST",
            "/v1/files/publish",
            JSON_TYPE,
            b'{"fileIds": ["\xff"], "isPublished": true}',
            400,
            "INVALID_PARAMETER",
        ),
        id="invalid-utf8-is-400",
    ),
    pytest.param(
        Row("POST", "/v1/files/publish", JSON_TYPE, b"[" * 5000 + b"]" * 5000, 400, "INVALID_BODY"),
        id="nested-5000-deep-is-400",
    ),
    pytest.param(Row("POST", "/v1/files/publish", JSON_TYPE, b"", 400, "INVALID_BODY"), id="empty-body-is-400"),
    pytest.param(Row("GET", "/v1/nothing-here", None, None, 404, "NOT_FOUND"), id="unknown-route-is-404"),
    pytest.param(Row("DELETE", "/v1/files", None, None, 405, "METHOD_NOT_ALLOWED"), id="wrong-method-is-405"),
    pytest.param(
        Row("GET", "/v1/files/a%2Fb/details", None, None, 400, "INVALID_PARAMETER"), id="id-with-encoded-slash-is-400"
    ),
    pytest.param(
        Row("GET", "/v1/files/%E2%82%AC/details", None, None, 400, "INVALID_PARAMETER"), id="non-ascii-id-is-400"
    ),
]


@pytest.mark.parametrize("row", ROWS)
def test_mistakes_over_http(local_api: RunningStack, row: Row) -> None:
    """Given a running start-api, When a careless request is sent over HTTP, Then the status of the table,
    ImageKit's body with its reason, x-should-retry: false and x-ik-requestId."""
    headers = {"Content-Type": row.content_type} if row.content_type else {}
    response = httpx.request(
        row.method,
        local_api.base_url + row.path,
        headers=headers,
        content=row.body,
        auth=(local_api.private_key, ""),
        timeout=30,
    )
    assert response.status_code == row.status, response.text[:300]
    answer: dict[str, Any] = response.json()
    assert {"message", "help"} <= set(answer) <= {"message", "help", "reason"}
    assert answer["reason"] == row.reason
    assert response.headers["x-should-retry"] == "false"
    assert response.headers["x-ik-requestId"]


def test_preflight_head_and_docs_over_http(local_api: RunningStack) -> None:
    """Given a running start-api, When a browser preflights the upload route, a client sends HEAD to delivery
    and a person opens /docs, Then 200 with CORS headers, a 404 without body, and the Swagger UI page."""
    preflight = httpx.options(
        f"{local_api.base_url}/api/v1/files/upload",
        headers={"Origin": "https://app.example", "Access-Control-Request-Method": "POST"},
        timeout=30,
    )
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    head = httpx.head(f"{local_api.base_url}/{local_api.account_id}/nothing.jpg", timeout=30)
    assert head.status_code == 404
    assert head.content == b""
    docs = httpx.get(f"{local_api.base_url}/docs", timeout=30)
    assert docs.status_code == 200
    assert "SwaggerUIBundle" in docs.text
    assert (
        httpx.get(f"{local_api.base_url}/docs/openapi.json", timeout=30).json()["servers"][0]["url"]
        == local_api.base_url
    )
