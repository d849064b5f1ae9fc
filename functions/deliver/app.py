"""Delivery, ``GET``/``HEAD /{accountId}/{filePath}`` behind CloudFront (public: no authorizer). The template
routes every method here (``ANY``), so that another method is a 405 naming GET and HEAD, not API Gateway's 403."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.utilities.typing import LambdaContext

from medialib.api import new_resolver, respond
from medialib.api.contract import answers
from medialib.api.routes import DELIVERY_ROUTES
from medialib.delivery import service
from medialib.observability import api_handler

app = new_resolver(DELIVERY_ROUTES)
_DELIVERED = answers(400, 404, 501, 503) | {200: {"description": "The file or its transformation (image bytes)"}}


@app.get(
    "/.+", summary="Deliver a file or its transformation", responses=_DELIVERED, tags=["Delivery"]
)  # API Gateway's /{proxy+}
def deliver() -> Response[bytes]:
    service.resolve(app.current_event.path)
    raise AssertionError("unreachable: resolve() serves or raises")


@app.head("/.+", summary="The headers GET would answer, without the body", responses=_DELIVERED, tags=["Delivery"])
def deliver_headers() -> Response[bytes]:
    service.resolve(app.current_event.path)
    raise AssertionError("unreachable: resolve() serves or raises")


@api_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return respond(app, event, context, accepts=())
