"""Delivery, ``GET``/``HEAD /{accountId}/{filePath}`` behind CloudFront (public: no authorizer). The template
routes every method here (``ANY``), so that another method is a 405 naming GET and HEAD, not API Gateway's 403.

The routes call one service function (``medialib.delivery.service.deliver``) and shape its answer: the bytes
(base64 in the proxy answer), a 304, or a 302 to S3 for answers too large for Lambda."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse, OpenAPIResponseHeader
from aws_lambda_powertools.utilities.typing import LambdaContext

from medialib.api import binary, bytes_response, error_response, new_resolver, respond
from medialib.api.contract import ErrorResponse, answers
from medialib.api.routes import DELIVERY_ROUTES
from medialib.delivery import rules, service
from medialib.delivery.models import DeliveryQuery, Incoming
from medialib.errors import InternalError, MedialibError
from medialib.observability import api_handler, logger

app = new_resolver(DELIVERY_ROUTES)


def _header(description: str) -> OpenAPIResponseHeader:
    return {"description": description, "schema": {"type": "string"}}


_DELIVERED: dict[int, OpenAPIResponse] = answers(400, 404, 503) | {
    200: {
        "description": "The file (its stored type), or its transformation (an image)",
        "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
        "headers": {
            "ETag": _header("Strong; from the version, the transformation and the format"),
            "Cache-Control": _header("A year for versioned and transformed URLs, else an hour"),
            "Last-Modified": _header("When the version was stored"),
            "Vary": _header("Accept, with f-auto"),
            "Content-Disposition": _header("attachment, with ik-attachment=true"),
        },
    },
    302: {
        "description": "Answers over 4.7 MB: the bytes are at Location, a presigned S3 URL valid 5 minutes",
        "content": {},
        "headers": {"Location": _header("The presigned S3 URL")},
    },
    304: {
        "description": "If-None-Match names the current ETag: no body",
        "content": {},
        "headers": {"ETag": _header("The current ETag")},
    },
    401: {
        "description": "A private file without a valid signature, or a signature that is wrong or expired",
        "content": {"application/json": {"model": ErrorResponse}},
    },
    403: {
        "description": "Not through the CDN (no x-medialib-origin-secret, or a wrong one)",
        "content": {"application/json": {"model": ErrorResponse}},
    },
}


def _refused(error: MedialibError) -> Response[str]:
    """ImageKit's error body, with a Cache-Control for the CDN: 401/403 never cached, 400/404 briefly."""
    if error.status >= 500:
        logger.warning("request failed", extra={"status": error.status, "error": error.message})
    response = error_response(error)
    response.headers["Cache-Control"] = rules.error_cache_control(error.status)
    return response


def _unexpected(_: Exception) -> Response[str]:
    """Anything unforeseen: logged with its trace, a generic 500 that no cache keeps (as new_resolver's, plus
    Cache-Control: CloudFront would otherwise keep a 5xx for its default 10 s)."""
    logger.exception("unexpected error")
    return _refused(InternalError())


app.exception_handler(MedialibError)(_refused)  # replaces new_resolver's mapping: the same body, plus Cache-Control
app.exception_handler(Exception)(_unexpected)


def _incoming(*, head: bool) -> Incoming:
    """The request as delivery reads it. The path is {proxy+}'s parameter, which API Gateway decodes once (the
    event's ``path`` is the fallback, for events without it)."""
    event = app.current_event
    proxy = (event.path_parameters or {}).get("proxy")
    return Incoming(
        path=f"/{proxy}" if proxy else event.path,
        query=event.multi_value_query_string_parameters or event.query_string_parameters,
        origin_secret=event.headers.get(rules.ORIGIN_SECRET_HEADER),
        accept=event.headers.get("accept"),
        if_none_match=event.headers.get("if-none-match"),
        head=head,
    )


@app.get(
    "/.+", summary="Deliver a file or its transformation", responses=_DELIVERED, tags=["Delivery"]
)  # API Gateway's /{proxy+}
@binary
def deliver(query: Annotated[DeliveryQuery, Query()]) -> Response[bytes]:
    return bytes_response(service.deliver(_incoming(head=False)))


@app.head("/.+", summary="The headers GET would answer, without the body", responses=_DELIVERED, tags=["Delivery"])
@binary
def deliver_headers(query: Annotated[DeliveryQuery, Query()]) -> Response[bytes]:
    return bytes_response(service.deliver(_incoming(head=True)))


@api_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return respond(app, event, context, accepts=())
