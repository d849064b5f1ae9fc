"""Hand-built API Gateway (REST, Lambda proxy) events, and what a client reads of the answer, for unit tests that
drive ``medialib.api.respond`` as a function's handler does, with no stack."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from medialib.api import respond
from medialib.api.body import JSON

REQUEST_ID = "req-123"
ORIGIN = "https://app.example"
# The keys API Gateway reads from a Lambda proxy answer; any other key makes it a malformed answer (502).
PROXY_ANSWER_KEYS = {"statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded"}


def proxy_event(
    method: str,
    path: str,
    *,
    body: str | bytes | None = None,
    headers: dict[str, str] | None = None,
    resource: str | None = None,
    path_parameters: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The event API Gateway sends for ``method path``. ``bytes`` bodies arrive base64-encoded, as API Gateway
    sends a body whose media type is one of the API's binary media types."""
    headers = headers or {}
    binary = isinstance(body, bytes)
    return {
        "httpMethod": method,
        "path": path,
        "resource": resource or path,
        "pathParameters": path_parameters,
        "headers": headers,
        "multiValueHeaders": {name: [value] for name, value in headers.items()},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "requestContext": {"requestId": REQUEST_ID, "stage": "local"},
        "body": base64.b64encode(body).decode() if isinstance(body, bytes) else body,
        "isBase64Encoded": binary,
    }


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]  # names lowercased: HTTP header names are case-insensitive
    body: Any
    proxy: dict[str, Any]  # the Lambda proxy answer itself, as API Gateway reads it


def answer(app: APIGatewayRestResolver, event: dict[str, Any], *, accepts: tuple[str, ...] = (JSON,)) -> Answer:
    """Respond to ``event`` as a function's handler does and read the answer as a client would."""
    proxy = respond(app, event, None, accepts=accepts)
    headers: dict[str, str] = {}
    for name, values in (proxy.get("multiValueHeaders") or {}).items():
        assert isinstance(values, list), f"multiValueHeaders[{name!r}] must be a list, got {values!r}"
        headers[name.lower()] = ", ".join(values)
    headers.update({name.lower(): value for name, value in (proxy.get("headers") or {}).items()})
    return Answer(proxy["statusCode"], headers, json.loads(proxy["body"]) if proxy["body"] else None, proxy)
