"""What every API function shares: the resolver, the error mapping to ImageKit's body, the caller's account."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError

from medialib.errors import BadRequestError, MedialibError, NotFoundError, UnauthorizedError
from medialib.observability import logger

JSON = "application/json"


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
        if error.status >= 500:
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
        logger.exception("unexpected error")
        return json_response(
            500,
            {"message": "We encountered an internal error. Please retry.", "help": "The error was logged."},
        )


def _validation_error(error: RequestValidationError) -> MedialibError:
    """A 400 naming each invalid field and why (a 422 never reaches a client)."""
    problems = []
    for detail in error.errors():
        location = ".".join(str(part) for part in detail.get("loc", ()) if part not in {"query", "body", "path"})
        problems.append(f"{location or 'request'}: {detail.get('msg', 'invalid value')}")
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
