"""The error contract without AWS: which AWS error code becomes which answer (``translate``), and how every
domain error, validation error, unknown route and unexpected exception reaches a client (status, ImageKit's
body, ``x-should-retry``) through a resolver built like every function's (``new_resolver``)."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Annotated, Any

import pytest
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.params import Query
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ParamValidationError,
    ReadTimeoutError,
)
from pydantic import BaseModel, Field, model_validator

from medialib.adapters.errors import ConditionFailedError, error_code, translate
from medialib.api import (
    caller_account_id,
    error_response,
    json_response,
    new_resolver,
    respond,
)
from medialib.errors import (
    DEFAULT_HELP,
    BadRequestError,
    ConflictError,
    ForbiddenError,
    InternalError,
    MedialibError,
    NotFoundError,
    PayloadTooLargeError,
    QuotaExceededError,
    ServiceUnavailableError,
    UnauthorizedError,
)


@pytest.fixture
def logs() -> Iterator[io.StringIO]:
    """What the one Powertools logger writes (JSON lines) during a test."""
    from medialib.observability import logger

    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(logger.registered_formatter)  # the JSON lines Lambda would get
    logging.getLogger(logger.name).addHandler(handler)
    yield buffer
    logging.getLogger(logger.name).removeHandler(handler)


def log_records(buffer: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in buffer.getvalue().splitlines() if line.strip()]


# --- translate: AWS error codes -> domain errors -----------------------------------------------------------


def client_error(code: str | None) -> ClientError:
    response: Any = {"Error": {"Code": code, "Message": "aws says no"}} if code is not None else {}
    return ClientError(response, "AnyOperation")


RETRYABLE_CODES = [
    "ProvisionedThroughputExceededException", "ThrottlingException", "Throttling", "RequestLimitExceeded",
    "TooManyRequestsException", "InternalServerError", "InternalError", "ServiceUnavailable",
    "TransactionConflictException", "SlowDown",
]  # fmt: skip
MISCONFIGURATION_CODES = ["AccessDeniedException", "ResourceNotFoundException", "UnrecognizedClientException", ""]


@pytest.mark.parametrize("code", ["ConditionalCheckFailedException", "TransactionCanceledException"])
def test_lost_condition_is_a_409_conflict_not_retried(code: str, logs: io.StringIO) -> None:
    """Given a conditional write that lost (or a cancelled transaction), When translated, Then 409
    CONDITION_FAILED, not retried by the SDKs, and not logged as an AWS failure (it is the expected race)."""
    error = translate(client_error(code), "DynamoDB")
    assert isinstance(error, ConditionFailedError)
    assert (error.status, error.retryable, error.reason) == (409, False, "CONDITION_FAILED")
    assert error.message == "The resource was changed by another request. Please retry."
    assert log_records(logs) == []


def test_validation_exception_is_the_callers_400(logs: io.StringIO) -> None:
    """Given DynamoDB refusing a value (a key too long, an empty string), When translated, Then 400
    INVALID_VALUE, not retried, not logged as an AWS failure, and AWS's own message is not repeated."""
    error = translate(client_error("ValidationException"), "DynamoDB")
    assert isinstance(error, BadRequestError)
    assert (error.status, error.retryable, error.reason) == (400, False, "INVALID_VALUE")
    assert error.message == "The request contains an identifier or value that cannot be stored."
    assert log_records(logs) == []


@pytest.mark.parametrize("code", RETRYABLE_CODES)
def test_throttling_and_server_errors_are_a_retryable_503(code: str, logs: io.StringIO) -> None:
    """Given AWS throttling or failing on its side with ``code``, When translated, Then 503 that the SDKs
    retry, and the code and service are logged (never the message, which may quote the request)."""
    error = translate(client_error(code), "DynamoDB")
    assert isinstance(error, ServiceUnavailableError)
    assert (error.status, error.retryable) == (503, True)
    records = log_records(logs)
    assert [(r["message"], r["service"], r["error_code"]) for r in records] == [
        ("AWS request failed", "DynamoDB", code)
    ]
    assert "aws says no" not in logs.getvalue()


@pytest.mark.parametrize("code", MISCONFIGURATION_CODES, ids=lambda c: c or "no-code")
def test_misconfiguration_is_a_500_not_retried_and_logged(code: str, logs: io.StringIO) -> None:
    """Given an AWS error a retry cannot fix (access denied, a missing resource, no code at all), When
    translated, Then a generic 500 that the SDKs do not retry, with the code logged for the operator."""
    error = translate(client_error(code), "Step Functions")
    assert isinstance(error, InternalError)
    assert (error.status, error.retryable) == (500, False)
    assert [(r["service"], r["error_code"]) for r in log_records(logs)] == [("Step Functions", code)]


def test_error_answer_without_an_error_element_is_a_500(logs: io.StringIO) -> None:
    """Given an AWS answer with no Error element at all, When translated, Then a 500 (never a crash), logged
    with an empty code."""
    assert isinstance(translate(client_error(None), "S3"), InternalError)
    assert [(r["service"], r["error_code"]) for r in log_records(logs)] == [("S3", "")]


@pytest.mark.parametrize(
    ("failure", "expected"),
    [
        pytest.param(EndpointConnectionError(endpoint_url="https://dynamodb"), ServiceUnavailableError, id="no-connection-is-503-retried"),
        pytest.param(ConnectTimeoutError(endpoint_url="https://dynamodb"), ServiceUnavailableError, id="connect-timeout-is-503-retried"),
        pytest.param(ReadTimeoutError(endpoint_url="https://dynamodb"), ServiceUnavailableError, id="read-timeout-is-503-retried"),
        pytest.param(ConnectionClosedError(endpoint_url="https://dynamodb"), ServiceUnavailableError, id="connection-reset-is-503-retried"),
        pytest.param(ParamValidationError(report="bad"), InternalError, id="refused-parameters-are-a-bug-500-not-retried"),
    ],
)  # fmt: skip
def test_no_answer_from_aws_is_translated_too(
    failure: BotoCoreError, expected: type[MedialibError], logs: io.StringIO
) -> None:
    """Given a call that got no answer from AWS (no connection, a timeout) or that botocore refused to send,
    When translated, Then a retryable 503 for the first (the SDKs retry it) and a 500 for the second, with the
    failure's kind logged, never its text (it quotes the endpoint or the parameters)."""
    error = translate(failure, "DynamoDB")
    assert type(error) is expected
    assert error.retryable is (expected is ServiceUnavailableError)
    assert [(r["message"], r["service"], r["error_code"]) for r in log_records(logs)] == [
        ("AWS request failed", "DynamoDB", type(failure).__name__)
    ]


@pytest.mark.parametrize(
    ("err", "code"),
    [
        pytest.param(client_error("NoSuchInvalidation"), "NoSuchInvalidation", id="error-answer-gives-its-code"),
        pytest.param(client_error(None), "", id="answer-without-error-element-gives-no-code"),
        pytest.param(EndpointConnectionError(endpoint_url="https://s3"), "", id="no-answer-gives-no-code"),
        pytest.param(ParamValidationError(report="bad"), "", id="refused-parameters-give-no-code"),
    ],
)
def test_error_code_is_the_services_or_none(err: ClientError | BotoCoreError, code: str) -> None:
    """Given what a boto3 call raised, When an adapter reads its code (to tell "no such object" from a failure),
    Then the service's code, or "" when no answer came: a connection failure never passes for a known code."""
    assert error_code(err) == code


# --- domain errors: status, body, retry ----------------------------------------------------------------


@dataclass(frozen=True)
class Expected:
    error: MedialibError
    status: int
    retry: str


ERRORS = {
    "bad-request-is-400-not-retried": Expected(BadRequestError("bad"), 400, "false"),
    "unauthorized-is-401-not-retried": Expected(UnauthorizedError("who"), 401, "false"),
    "forbidden-is-403-not-retried": Expected(ForbiddenError("no"), 403, "false"),
    "not-found-is-404-not-retried": Expected(NotFoundError("gone"), 404, "false"),
    "conflict-is-409-not-retried": Expected(ConflictError("race"), 409, "false"),
    "payload-too-large-is-413-not-retried": Expected(PayloadTooLargeError("too big"), 413, "false"),
    "quota-exceeded-is-429-not-retried": Expected(QuotaExceededError("spent"), 429, "false"),
    "internal-error-is-500-not-retried": Expected(InternalError(), 500, "false"),
    "service-unavailable-is-503-retried": Expected(ServiceUnavailableError(), 503, "true"),
}


@pytest.mark.parametrize("expected", ERRORS.values(), ids=ERRORS.keys())
def test_error_response_carries_status_body_and_retry_header(expected: Expected) -> None:
    """Given a domain error, When answered, Then its status, ImageKit's JSON body and ``x-should-retry``
    ("true" only for what a retry may fix)."""
    response = error_response(expected.error)
    assert response.status_code == expected.status
    assert response.content_type == "application/json"
    assert response.headers == {"Content-Type": "application/json", "x-should-retry": expected.retry}
    assert json.loads(str(response.body)) == expected.error.body()


def test_a_spent_quota_answers_retry_after_and_is_not_retried() -> None:
    """Given a QuotaExceededError with the seconds to the reset, When answered, Then 429, ImageKit's body,
    ``x-should-retry: false`` and ``Retry-After`` in whole seconds."""
    error = QuotaExceededError("spent", reason="PURGE_QUOTA_EXCEEDED", retry_after=3600)
    response = error_response(error)
    assert response.status_code == 429
    assert response.headers == {"Content-Type": "application/json", "x-should-retry": "false", "Retry-After": "3600"}
    assert json.loads(str(response.body)) == {
        "message": "spent",
        "help": DEFAULT_HELP,
        "reason": "PURGE_QUOTA_EXCEEDED",
    }


def test_error_body_is_message_and_help_then_reason_only_when_set() -> None:
    """Given errors with and without a reason and extra fields, When their body is built, Then ImageKit's
    ``{message, help[, reason]}`` plus the extras, with the default help when none is given."""
    assert NotFoundError("gone").body() == {"message": "gone", "help": DEFAULT_HELP}
    assert BadRequestError("bad", help="read the docs", reason="WHY", field="limit").body() == {
        "message": "bad",
        "help": "read the docs",
        "reason": "WHY",
        "field": "limit",
    }
    assert BadRequestError("bad", reason="").body() == {"message": "bad", "help": DEFAULT_HELP}


def test_generic_errors_say_what_happened_without_detail() -> None:
    """Given the two generic server errors, When read, Then their fixed messages: nothing of the cause."""
    assert InternalError().body() == {
        "message": "We encountered an internal error.",
        "help": "The error was logged; nothing was changed.",
    }
    assert ServiceUnavailableError().body() == {
        "message": "The service is temporarily unavailable. Please retry.",
        "help": "Nothing was changed by this request.",
    }


def test_error_reads_as_its_message() -> None:
    """Given a domain error, When printed or logged as an exception, Then it reads as its message."""
    assert str(NotFoundError("The requested file does not exist.")) == "The requested file does not exist."
    assert str(InternalError()) == "We encountered an internal error."


def test_json_response_has_json_content_and_only_the_given_headers() -> None:
    """Given a body and headers, When answered, Then JSON content and exactly those headers (none but the type by default)."""
    plain = json_response(202, {"jobId": "j"})
    assert (plain.status_code, plain.content_type, plain.headers, json.loads(str(plain.body))) == (
        202,
        "application/json",
        {"Content-Type": "application/json"},
        {"jobId": "j"},
    )
    assert json_response(200, [], headers={"a": "b"}).headers == {"Content-Type": "application/json", "a": "b"}


# --- the resolver every function builds: validation, unknown routes, unexpected errors -------------------


class Thing(BaseModel):
    name: str = Field(min_length=1)
    size: int = Field(ge=1)
    tags: list[str] = Field(default_factory=list)


class SearchQuery(BaseModel):
    limit: int = Field(default=1, ge=1)


class Change(BaseModel):
    """A body of optional fields with a rule of its own (as PATCH /v1/accounts/settings has)."""

    colour: str | None = None
    size: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _something(self) -> Change:
        if not self.model_fields_set:
            raise ValueError("Nothing to change: send colour, size or both.")
        return self


@pytest.fixture
def app() -> APIGatewayRestResolver:
    """A resolver built as every function builds its own (built per test: what runs at a handler's import
    runs inside the test here)."""
    app = new_resolver()

    @app.post("/things")
    def create_thing(request: Thing) -> dict[str, Any]:
        return {"name": request.name}

    @app.patch("/things")
    def change_thing(request: Change) -> dict[str, Any]:
        return request.model_dump(exclude_unset=True)

    @app.get("/search")
    def search(query: Annotated[SearchQuery, Query()]) -> dict[str, Any]:
        return {"limit": query.limit}

    @app.get("/lookup")
    def lookup(query: Annotated[int, Query()]) -> dict[str, Any]:
        return {"query": query}

    @app.get("/checked")
    def checked() -> dict[str, Any]:
        raise RequestValidationError([{"type": "value_error"}])  # a check of the route's own, no location

    @app.get("/fail/<kind>")
    def fail(kind: str) -> dict[str, Any]:
        failures: dict[str, Exception] = {
            "domain": NotFoundError("No such thing.", reason="THING_NOT_FOUND"),
            "unavailable": ServiceUnavailableError(),
            "bug": KeyError("private_secret_value"),
        }
        raise failures[kind]

    @app.get("/me")
    def me() -> dict[str, Any]:
        return {"accountId": caller_account_id(app)}

    @app.get("/context")
    def context() -> dict[str, Any]:
        return {"function": app.lambda_context.function_name}

    return app


def event(
    method: str, path: str, body: Any = None, query: dict[str, str] | None = None, **extra: Any
) -> dict[str, Any]:
    return {
        "httpMethod": method,
        "path": path,
        "resource": path,
        "headers": {"Content-Type": "application/json"},
        "multiValueHeaders": {"Content-Type": ["application/json"]},
        "queryStringParameters": query,
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
        "requestContext": {"requestId": "req-123", "stage": "local", **extra.pop("context", {})},
        "body": None if body is None else json.dumps(body),
        "isBase64Encoded": False,
        **extra,
    }


def answer(
    app: APIGatewayRestResolver, request: dict[str, Any], context: Any = None
) -> tuple[int, dict[str, Any], Any]:
    response = respond(app, request, context)
    headers = {k: v[-1] for k, v in (response.get("multiValueHeaders") or {}).items()}
    headers.update(response.get("headers") or {})
    return response["statusCode"], headers, json.loads(response["body"])


def problems(message: str) -> list[str]:
    assert message.startswith("Your request contains invalid parameters. "), message
    return message.removeprefix("Your request contains invalid parameters. ").split("; ")


INVALID_BODIES = {
    "missing-field-is-named": ({"size": 2}, ["name"]),
    "each-invalid-field-is-named": ({"name": "", "size": 0}, ["name", "size"]),
    "wrong-type-is-named": ({"name": "a", "size": "big"}, ["size"]),
    "nested-value-is-named-by-its-path": ({"name": "a", "size": 1, "tags": ["ok", 7]}, ["tags.1"]),
}


@pytest.mark.parametrize(("body", "fields"), INVALID_BODIES.values(), ids=INVALID_BODIES.keys())
def test_invalid_body_is_400_naming_each_field_never_422(
    app: APIGatewayRestResolver, body: Any, fields: list[str]
) -> None:
    """Given a body that breaks the route's model, When resolved, Then 400 INVALID_PARAMETER, not retried,
    whose message names each invalid field by its name alone (not the parameter that holds the model)."""
    status, headers, answer_body = answer(app, event("POST", "/things", body))
    assert (status, headers["x-should-retry"], answer_body["reason"]) == (400, "false", "INVALID_PARAMETER")
    assert [problem.split(":")[0] for problem in problems(answer_body["message"])] == fields
    assert "request.name" not in answer_body["message"]


@pytest.mark.parametrize(
    ("body", "status", "reason", "message"),
    [
        pytest.param({}, 400, "INVALID_PARAMETER", "Your request contains invalid parameters. Nothing to change: send colour, size or both.", id="a-models-own-rule-is-its-sentence-alone"),
        pytest.param({"size": 0}, 400, "INVALID_PARAMETER", "Your request contains invalid parameters. size: Input should be greater than or equal to 1", id="a-field-is-still-named"),
        pytest.param(None, 400, "INVALID_BODY", "The body is empty; expected an object with colour or size.", id="no-body-names-the-optional-fields-with-or"),
        pytest.param([1], 400, "INVALID_BODY", "The body must be a JSON object; expected an object with colour or size.", id="a-list-is-not-the-object"),
        pytest.param({"size": 2}, 200, None, None, id="one-field-is-enough"),
    ],
)  # fmt: skip
def test_a_body_of_optional_fields_says_what_it_expects(
    app: APIGatewayRestResolver, body: Any, status: int, reason: str | None, message: str | None
) -> None:
    """Given a route whose body fields are all optional and whose model has a rule of its own, When sent a body
    that breaks the rule, a field, or the shape, Then 400 saying so in plain words (no "Value error," prefix, no
    parameter name for the model's own rule), and a valid change passes."""
    got_status, _, got = answer(app, event("PATCH", "/things", body))
    assert got_status == status
    if message is not None:
        assert (got["reason"], got["message"]) == (reason, message)


QUERIES = {
    "field-of-a-query-model-is-named-alone": ("/search", {"limit": "0"}, "limit: Input should be greater than or equal to 1"),
    "query-parameter-named-query-keeps-its-name": ("/lookup", {"query": "x"}, "query: Input should be a valid integer"),
    "route-check-without-location-blames-the-request": ("/checked", None, "request: invalid value"),
}  # fmt: skip


@pytest.mark.parametrize(("path", "query", "problem"), QUERIES.values(), ids=QUERIES.keys())
def test_invalid_query_is_400_naming_the_parameter(
    app: APIGatewayRestResolver, path: str, query: dict[str, str] | None, problem: str
) -> None:
    """Given an invalid query parameter (or a route's own check failing), When resolved, Then 400 whose
    problem names the parameter as a client sent it, or the request when nothing more precise is known."""
    status, _, answer_body = answer(app, event("GET", path, query=query))
    assert status == 400
    assert [p[: len(problem)] for p in problems(answer_body["message"])] == [problem]


def test_body_that_is_no_object_is_400_for_the_whole_request(app: APIGatewayRestResolver) -> None:
    """Given a JSON body that is not an object, When resolved, Then 400 INVALID_BODY saying what was expected."""
    status, _, answer_body = answer(app, event("POST", "/things", ["not", "an", "object"]))
    assert (status, answer_body["reason"]) == (400, "INVALID_BODY")
    assert answer_body["message"] == "The body must be a JSON object; expected an object with name and size."


def test_valid_body_reaches_the_route(app: APIGatewayRestResolver) -> None:
    """Given a valid body, When resolved, Then the route answers and the request id is stamped on it."""
    status, headers, answer_body = answer(app, event("POST", "/things", {"name": "a", "size": 1}))
    assert (status, answer_body, headers["x-ik-requestId"]) == (200, {"name": "a"}, "req-123")


def test_route_sees_the_lambda_context(app: APIGatewayRestResolver) -> None:
    """Given a Lambda context, When resolved, Then the route reads it (Powertools' logger and metrics do)."""
    context = SimpleNamespace(function_name="medialib-files")
    assert answer(app, event("GET", "/context"), context)[2] == {"function": "medialib-files"}


@dataclass(frozen=True)
class Failure:
    kind: str  # what the route raises
    status: int
    retry: str
    message: str


FAILURES = {
    "domain-error-keeps-its-status-and-reason": Failure("domain", 404, "false", "No such thing."),
    "retryable-error-says-retry": Failure(
        "unavailable", 503, "true", "The service is temporarily unavailable. Please retry."
    ),
    "unexpected-exception-is-a-generic-500": Failure("bug", 500, "false", "We encountered an internal error."),
}


@pytest.mark.parametrize("failure", FAILURES.values(), ids=FAILURES.keys())
def test_route_failure_is_answered_in_imagekit_shape(
    app: APIGatewayRestResolver, failure: Failure, logs: io.StringIO
) -> None:
    """Given a route that raises, When resolved, Then its status, ImageKit's body, ``x-should-retry`` and the
    request id; an unexpected exception is logged with its trace, and nothing of it reaches the client."""
    kind = failure.kind
    got_status, headers, body = answer(app, event("GET", f"/fail/{kind}"))
    assert (got_status, headers["x-should-retry"], body["message"]) == (failure.status, failure.retry, failure.message)
    assert headers["x-ik-requestId"] == "req-123"
    assert "private_secret_value" not in json.dumps(body)
    records = log_records(logs)
    if kind == "bug":
        assert [r["message"] for r in records] == ["unexpected error"]
        assert "KeyError" in records[0]["exception"]
    elif kind == "unavailable":
        assert [(r["message"], r["status"], r["error"]) for r in records] == [
            ("request failed", 503, "The service is temporarily unavailable. Please retry.")
        ]
    else:
        assert records == [], "a client's mistake is not an operator's problem"


def test_unknown_route_is_404_in_imagekit_shape(app: APIGatewayRestResolver) -> None:
    """Given a path no route of the function declares, When resolved, Then 404, not retried."""
    status, headers, body = answer(app, event("GET", "/nothing"))
    assert (status, headers["x-should-retry"]) == (404, "false")
    assert body == {"message": "The requested resource does not exist.", "help": DEFAULT_HELP, "reason": "NOT_FOUND"}


def test_caller_account_is_the_authorizers_and_nothing_else(app: APIGatewayRestResolver) -> None:
    """Given the authorizer's context, When a route asks for the caller's account, Then its accountId; without
    one (or with an empty one), 401 not retried."""
    assert answer(app, event("GET", "/me", context={"authorizer": {"accountId": "acme"}}))[2] == {"accountId": "acme"}
    for context in ({}, {"authorizer": {"accountId": ""}}, {"authorizer": {"principalId": "acme"}}):
        status, headers, body = answer(app, event("GET", "/me", context=context))
        assert (status, headers["x-should-retry"]) == (401, "false")
        assert body["message"] == "Your account cannot be authenticated."


def test_answer_without_a_request_id_gets_none_stamped(app: APIGatewayRestResolver) -> None:
    """Given an event without requestContext.requestId, When resolved, Then no x-ik-requestId header."""
    request = event("GET", "/nothing")
    request["requestContext"] = {}
    response = respond(app, request, None)
    assert "x-ik-requestId" not in (response.get("multiValueHeaders") or {})
