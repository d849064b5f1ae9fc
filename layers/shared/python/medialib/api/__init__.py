"""What every API function shares: the resolver, the error mapping to ImageKit's body, the caller's account,
the body checks (:mod:`medialib.api.body`), the 404/405 of paths no route serves (:mod:`medialib.api.routes`)
and the statuses each route documents (:mod:`medialib.api.contract`)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Annotated, Any, TypeVar, cast
from urllib.parse import quote

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestUnsupportedContentType, RequestValidationError
from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from medialib.accounts import service as accounts
from medialib.accounts.models import Account
from medialib.api.body import JSON, check_body, expected_object, parse_json
from medialib.api.routes import MANAGEMENT_ROUTES, PREFLIGHT, allowed_methods
from medialib.delivery.models import Answer, NotModified, Redirected
from medialib.errors import (
    BadRequestError,
    InternalError,
    MedialibError,
    MethodNotAllowedError,
    NotFoundError,
    UnauthorizedError,
    UnsupportedMediaTypeError,
)
from medialib.images.errors import image_error, is_images_route
from medialib.models import ID_MAX_LENGTH, ID_PATTERN
from medialib.observability import logger

# An id in a path: the same bounds as ResourceId in bodies.
Identifier = Annotated[str, Path(min_length=1, max_length=ID_MAX_LENGTH, pattern=ID_PATTERN)]

# A purge answer's remaining monthly purge quota of the account (docs/purge.md).
PURGE_REMAINING_HEADER = "x-ik-purge-remaining"

# Browsers call the API from other origins (client-side upload first): answers carry CORS headers when the
# request has an Origin; API Gateway answers the preflight itself (template.yaml, MedialibApi Cors).
CORS = CORSConfig(
    allow_origin="*",
    expose_headers=["x-ik-requestId", "x-should-retry", "Retry-After", PURGE_REMAINING_HEADER],
    max_age=600,
)


def new_resolver(routes: tuple[str, ...] = MANAGEMENT_ROUTES) -> APIGatewayRestResolver:
    """One resolver per function, validating with pydantic and answering errors in ImageKit's shape. ``routes``:
    the API's route table, which tells a 405 (path known, other method) from a 404."""
    app = APIGatewayRestResolver(enable_validation=True, cors=CORS, json_body_deserializer=parse_json)
    register_error_handlers(app, routes)
    return app


BinaryRoute = TypeVar("BinaryRoute", bound=Callable[..., Response[bytes]])


def binary(route: BinaryRoute) -> BinaryRoute:
    """For a route that answers bytes (delivery, a download): Powertools validates what a route returns against its
    return annotation by serialising the body as JSON; bytes are not JSON, so the resolver is shown the route
    without it (mypy still checks it)."""
    route.__annotations__.pop("return", None)
    return route


def bytes_response(answer: Answer) -> Response[bytes]:
    """A binary answer (delivery, a download) as the resolver sends it: 304, a 302 to its location, or the bytes."""
    if isinstance(answer, NotModified):
        return Response(status_code=304, body=b"", headers=answer.headers)
    if isinstance(answer, Redirected):
        return Response(status_code=302, body=b"", headers={**answer.headers, "Location": answer.location})
    return Response(status_code=200, content_type=answer.content_type, body=answer.body, headers=answer.headers)


def new_router() -> Router:
    """A Router for one resource group of a function (``app.include_router``)."""
    return Router()  # type: ignore[no-untyped-call]  # Powertools' Router.__init__ carries no annotations


def json_response(status: int, body: Any, *, headers: dict[str, str] | None = None) -> Response[str]:
    return Response(status_code=status, content_type=JSON, body=json.dumps(body), headers=headers or {})


def _error_headers(error: MedialibError) -> dict[str, str]:
    headers = {"x-should-retry": "true" if error.retryable else "false"}
    if isinstance(error, MethodNotAllowedError):
        headers["Allow"] = ", ".join(error.allowed)
    if error.retry_after is not None:
        headers["Retry-After"] = str(error.retry_after)
    return headers


def error_response(error: MedialibError) -> Response[str]:
    """ImageKit's error body, with the headers its SDKs read."""
    return json_response(error.status, error.body(), headers=_error_headers(error))


def image_error_response(error: MedialibError) -> Response[str]:
    """img-processing.com's style, for the /v1/images routes: ``{"error": {"code", "message"}}``, same headers."""
    body = image_error(error.status, error.reason, error.message).model_dump()
    return json_response(error.status, body, headers=_error_headers(error))


def management_error_response(path: str, error: MedialibError) -> Response[str]:
    """The error answer of a management API request: img-processing.com's style under /v1/images, else ImageKit's."""
    return image_error_response(error) if is_images_route(path) else error_response(error)


def register_error_handlers(app: APIGatewayRestResolver, routes: tuple[str, ...] = MANAGEMENT_ROUTES) -> None:
    """Map domain errors, validation errors, unknown routes and anything unexpected to ImageKit's body (to
    img-processing.com's under /v1/images on the management API)."""

    def shaped(error: MedialibError) -> Response[str]:
        if routes is MANAGEMENT_ROUTES:
            return management_error_response(app.current_event.path, error)
        return error_response(error)

    @app.exception_handler(MedialibError)
    def _domain(error: MedialibError) -> Response[str]:
        if error.status >= 500:
            logger.warning("request failed", extra={"status": error.status, "error": error.message})
        return shaped(error)

    @app.exception_handler(RequestValidationError)
    def _invalid(error: RequestValidationError) -> Response[str]:
        return shaped(_validation_error(error, _expected_body(app)))

    @app.exception_handler(RequestUnsupportedContentType)
    def _unsupported(_: RequestUnsupportedContentType) -> Response[str]:
        return shaped(UnsupportedMediaTypeError(f"The body must be sent as {JSON}.", reason="UNSUPPORTED_MEDIA_TYPE"))

    @app.not_found
    def _no_route(_: Exception) -> Response[str]:
        return shaped(no_route_error(routes, app.current_event.http_method, app.current_event.path))

    @app.exception_handler(Exception)
    def _unexpected(_: Exception) -> Response[str]:
        logger.exception("unexpected error")  # the trace goes to the log; the client gets no detail
        return shaped(InternalError())


def no_route_error(routes: tuple[str, ...], method: str, path: str) -> MedialibError:
    """404 for a path no route has; 405 naming the methods of a path that exists."""
    allowed = allowed_methods(routes, path)
    if not allowed:
        return NotFoundError("The requested resource does not exist.", reason="NOT_FOUND")
    preflight = [PREFLIGHT] if routes is MANAGEMENT_ROUTES else []
    return MethodNotAllowedError(method, allowed + preflight)


# Route parameters that carry a whole model (a query or a body) are named so; their name is not a field.
_MODEL_PARAMETERS = {"query", "request"}


def _validation_error(error: RequestValidationError, expected_body: str | None) -> MedialibError:
    """A 400 naming each invalid field (by its wire name) and why; a 422 never reaches a client. A rule of the
    body as a whole (a model's own validator) is said without a field name."""
    problems = []
    for detail in error.errors():
        location = [str(part) for part in detail.get("loc", ())]
        parts = location[1:]  # [0] is the location: query, body, path
        kind = detail.get("type", "")
        message = str(detail.get("msg", "invalid value"))
        if kind == "value_error":  # our validators' own sentences, without pydantic's prefix
            message = message.removeprefix("Value error, ")
        if location == ["body"] and expected_body and kind != "value_error":  # the body: missing, or not an object
            return _body_shape_error(kind, expected_body)
        if len(parts) > 1 and parts[0] in _MODEL_PARAMETERS:
            parts = parts[1:]
        if kind == "value_error" and location == ["body"]:  # a body model's own rule: its sentence says it all
            problems.append(message)
        else:
            problems.append(f"{'.'.join(parts) or 'request'}: {message}")
    return BadRequestError(
        "Your request contains invalid parameters. " + "; ".join(problems), reason="INVALID_PARAMETER"
    )


def _body_shape_error(kind: str, expected: str) -> MedialibError:
    if kind == "missing":
        return BadRequestError(f"The body is empty; expected {expected}.", reason="INVALID_BODY")
    return BadRequestError(f"The body must be a JSON object; expected {expected}.", reason="INVALID_BODY")


def _expected_body(app: APIGatewayRestResolver) -> str | None:
    """The object the current route's body model expects, in words: its required fields, else (every field
    optional) any of its fields. None: the route takes no body."""
    route = app.context.get("_route")
    params = getattr(getattr(route, "dependant", None), "body_params", None) or []
    for param in params:
        model = getattr(getattr(param, "field_info", None), "annotation", None)
        fields = getattr(model, "model_fields", None)
        if fields:
            required = [info.alias or name for name, info in fields.items() if info.is_required()]
            if required:
                return expected_object(required)
            return expected_object([info.alias or name for name, info in fields.items()], conjunction="or")
    return None


def caller_account_id(app: APIGatewayRestResolver | Router) -> str:
    """The account the authorizer resolved for this request (its context is the only source of truth)."""
    event = cast(APIGatewayProxyEvent, app.current_event)
    authorizer = event.request_context.authorizer
    account_id = authorizer.get("accountId") if authorizer else None
    if not account_id:
        raise UnauthorizedError("Your account cannot be authenticated.")
    return str(account_id)


def caller_account(app: APIGatewayRestResolver | Router) -> Account:
    """The caller's account (for its settings and quota); 401 when it went away since the authorizer let it in."""
    return accounts.existing(caller_account_id(app))


def respond(
    app: APIGatewayRestResolver, event: dict[str, Any], context: Any, *, accepts: tuple[str, ...] = (JSON,)
) -> dict[str, Any]:
    """Resolve one request and stamp ImageKit's ``x-ik-requestId`` (API Gateway's request id) on the answer.
    ``accepts``: the media types of bodies this function's routes read (none: bodies are ignored)."""
    _route_on_resource(event)
    refused = check_body(event, accepts)
    response = _answer(event, refused) if refused is not None else app.resolve(event, context)
    request_id = (event.get("requestContext") or {}).get("requestId")
    if request_id:
        response.setdefault("multiValueHeaders", {})["x-ik-requestId"] = [request_id]
    return response


def _answer(event: dict[str, Any], error: MedialibError) -> dict[str, Any]:
    """The proxy answer of an error found before routing, with the CORS headers a route's answer would have."""
    origin = next((str(v) for k, v in (event.get("headers") or {}).items() if k.lower() == "origin"), None)
    response = management_error_response(str(event.get("path") or ""), error)
    response.headers.update(CORS.to_dict(CORS.allowed_origin(origin) if origin else None))  # as routed answers
    headers: dict[str, list[str]] = {}
    for name, value in response.headers.items():
        headers[name] = value if isinstance(value, list) else [str(value)]
    return {
        "statusCode": response.status_code,
        "multiValueHeaders": headers,
        "body": response.body,
        "isBase64Encoded": False,
    }


_PARAMETER = re.compile(r"\{([^}+]+)\}")


def _route_on_resource(event: dict[str, Any]) -> None:
    """Route on the resource API Gateway matched, not on the decoded path: an id holding ``/`` (``%2F``) or
    characters outside the resolver's set then reaches its route and fails the id's rule (400 naming it),
    instead of looking like another path (404). Greedy resources ({proxy+}) keep the path as sent."""
    resource, parameters = event.get("resource"), event.get("pathParameters") or {}
    if not resource or "+}" in resource or not parameters:
        return
    event["path"] = _PARAMETER.sub(lambda m: quote(str(parameters.get(m.group(1), "")), safe=""), resource)
