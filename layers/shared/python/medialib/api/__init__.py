"""What every API function shares: the resolver, the error mapping to ImageKit's body, the caller's account."""

from __future__ import annotations

import json
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.params import Path

from medialib.errors import (
    BadRequestError,
    InternalError,
    MedialibError,
    NotFoundError,
    NotImplementedYetError,
    UnauthorizedError,
)
from medialib.models import ID_MAX_LENGTH, ID_PATTERN
from medialib.observability import logger

JSON = "application/json"

# An id in a path: the same bounds as ResourceId in bodies.
Identifier = Annotated[str, Path(min_length=1, max_length=ID_MAX_LENGTH, pattern=ID_PATTERN)]


def new_resolver() -> APIGatewayRestResolver:
    """One resolver per function, validating with pydantic and answering errors in ImageKit's shape."""
    app = APIGatewayRestResolver(enable_validation=True)
    register_error_handlers(app)
    return app


def json_response(status: int, body: Any, *, headers: dict[str, str] | None = None) -> Response[str]:
    return Response(status_code=status, content_type=JSON, body=json.dumps(body), headers=headers or {})


def error_response(error: MedialibError) -> Response[str]:
    headers = {"x-should-retry": "true" if error.retryable else "false"}
    return json_response(error.status, error.body(), headers=headers)


def register_error_handlers(app: APIGatewayRestResolver) -> None:
    """Map domain errors, validation errors, unknown routes and anything unexpected to ImageKit's body."""

    @app.exception_handler(MedialibError)
    def _domain(error: MedialibError) -> Response[str]:
        if error.status >= 500 and not isinstance(error, NotImplementedYetError):
            logger.warning("request failed", extra={"status": error.status, "error": error.message})
        return error_response(error)

    @app.exception_handler(RequestValidationError)
    def _invalid(error: RequestValidationError) -> Response[str]:
        return error_response(_validation_error(error))

    @app.not_found
    def _no_route(_: Exception) -> Response[str]:
        return error_response(NotFoundError("The requested resource does not exist."))

    @app.exception_handler(Exception)
    def _unexpected(_: Exception) -> Response[str]:
        logger.exception("unexpected error")  # the trace goes to the log; the client gets no detail
        return error_response(InternalError())


# Route parameters that carry a whole model (a query or a body) are named so; their name is not a field.
_MODEL_PARAMETERS = {"query", "request"}


def _validation_error(error: RequestValidationError) -> MedialibError:
    """A 400 naming each invalid field (by its wire name) and why; a 422 never reaches a client."""
    problems = []
    for detail in error.errors():
        parts = [str(part) for part in detail.get("loc", ())[1:]]  # [0] is the location: query, body, path
        if len(parts) > 1 and parts[0] in _MODEL_PARAMETERS:
            parts = parts[1:]
        problems.append(f"{'.'.join(parts) or 'request'}: {detail.get('msg', 'invalid value')}")
    return BadRequestError(
        "Your request contains invalid parameters. " + "; ".join(problems), reason="INVALID_PARAMETER"
    )


def caller_account_id(app: APIGatewayRestResolver) -> str:
    """The account the authorizer resolved for this request (its context is the only source of truth)."""
    authorizer = app.current_event.request_context.authorizer
    account_id = authorizer.get("accountId") if authorizer else None
    if not account_id:
        raise UnauthorizedError("Your account cannot be authenticated.")
    return str(account_id)


def respond(app: APIGatewayRestResolver, event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Resolve one request and stamp ImageKit's ``x-ik-requestId`` (API Gateway's request id) on the answer."""
    response = app.resolve(event, context)
    request_id = (event.get("requestContext") or {}).get("requestId")
    if request_id:
        response.setdefault("multiValueHeaders", {})["x-ik-requestId"] = [request_id]
    return response


def not_implemented(app: APIGatewayRestResolver, capability: str, routes: list[tuple[str, str]]) -> None:
    """Answer 501 on routes the template declares for this function and a later issue implements, so that
    a client sees "not available yet", never a 404 that reads as "your file does not exist"."""

    def later() -> Response[str]:
        raise NotImplementedYetError(capability)

    for method, rule in routes:
        app.route(rule, method=method, include_in_schema=False)(later)
