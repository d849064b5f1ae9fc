"""Delivery, ``GET /{accountId}/{filePath}`` behind CloudFront (public: no authorizer)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.utilities.typing import LambdaContext

from medialib.api import new_resolver, respond
from medialib.delivery import service
from medialib.observability import api_handler

app = new_resolver()


@app.get("/.+")  # API Gateway's /{proxy+}: the whole path, slashes included
def deliver() -> Response[bytes]:
    service.resolve(app.current_event.path)
    raise AssertionError("unreachable: resolve() serves or raises")


@api_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return respond(app, event, context)
