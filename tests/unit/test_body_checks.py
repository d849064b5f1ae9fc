"""The body checks every function runs before routing (``medialib.api.body`` through ``respond``): media type
(415), encoding (invalid UTF-8), JSON that cannot be read, a body that is empty or no object. Each mistake is a
400/415 in ImageKit's shape, never a 500, and what a route receives is the caller's JSON as text."""

from __future__ import annotations

import json
from typing import Annotated, Any

import pytest
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler.openapi.params import Body
from pydantic import BaseModel, Field

from medialib.api import new_resolver
from medialib.api.body import JSON, MAX_JSON_DEPTH, MULTIPART, check_body, expected_object, media_type, parse_json
from medialib.errors import DEFAULT_HELP, BadRequestError
from tests.unit.gateway import ORIGIN, PROXY_ANSWER_KEYS, REQUEST_ID, answer, proxy_event


class Thing(BaseModel):
    name: str = Field(min_length=1)
    size: int = Field(ge=1)


class Note(BaseModel):
    text: str


@pytest.fixture
def app() -> APIGatewayRestResolver:
    """A JSON function's resolver (built per test: mutants of what runs at import are switched on per test)."""
    app = new_resolver()

    @app.post("/things")
    def create_thing(request: Thing) -> dict[str, Any]:
        return {"name": request.name, "size": request.size}

    @app.post("/notes")
    def create_note(request: Note) -> dict[str, Any]:
        return {"text": request.text}

    @app.post("/tags")
    def add_tags(request: Annotated[list[str], Body()]) -> dict[str, Any]:
        return {"tags": request}

    return app


@pytest.fixture
def upload_app() -> APIGatewayRestResolver:
    """A multipart function's resolver (the upload function's kind): its route reads the raw body."""
    app = new_resolver()

    @app.post("/upload")
    def upload() -> dict[str, Any]:
        event = app.current_event
        return {"base64": event.is_base64_encoded, "body": event.body}

    return app


def json_headers(content_type: str | None = JSON, **more: str) -> dict[str, str]:
    return {**({"Content-Type": content_type} if content_type else {}), **more}


THING = {"name": "lamp", "size": 2}


# --- media type: 415 before any route runs ----------------------------------------------------------------


REFUSED_TYPES = {
    "text-plain-to-a-json-function": (
        (JSON,), "text/plain", "The body must be sent as application/json; Content-Type was text/plain.",
        "Send Content-Type: application/json with a body of that type.",
    ),
    "json-to-a-multipart-function": (
        (MULTIPART,), JSON, "The body must be sent as multipart/form-data; Content-Type was application/json.",
        "Send Content-Type: multipart/form-data with a body of that type.",
    ),
    "no-content-type-to-a-multipart-function-says-missing": (
        (MULTIPART,), None, "The body must be sent as multipart/form-data; Content-Type was missing.",
        "Send Content-Type: multipart/form-data with a body of that type.",
    ),
}  # fmt: skip


@pytest.mark.parametrize(
    ("accepts", "content_type", "message", "help_"), REFUSED_TYPES.values(), ids=REFUSED_TYPES.keys()
)
def test_body_of_a_type_the_function_cannot_read_is_a_415_in_imagekit_shape(
    app: APIGatewayRestResolver, accepts: tuple[str, ...], content_type: str | None, message: str, help_: str
) -> None:
    """Given a body whose Content-Type the function does not read (or none, where JSON is not read), When
    answered, Then 415 UNSUPPORTED_MEDIA_TYPE, not retried, whose message names what to send and what was sent,
    stamped with the request id like any answer."""
    got = answer(
        app, proxy_event("POST", "/things", body=json.dumps(THING), headers=json_headers(content_type)), accepts=accepts
    )
    assert (got.status, got.headers["x-should-retry"], got.headers["content-type"]) == (415, "false", JSON)
    assert got.body == {"message": message, "help": help_, "reason": "UNSUPPORTED_MEDIA_TYPE"}
    assert got.headers["x-ik-requestid"] == REQUEST_ID


def test_refused_body_is_a_well_formed_proxy_answer_like_a_routed_one(app: APIGatewayRestResolver) -> None:
    """Given a body refused before routing and one a route answers, When each is answered, Then both are Lambda
    proxy answers API Gateway accepts (only its keys, every header a list, the body as text, not base64)."""
    refused = answer(app, proxy_event("POST", "/things", body="{}", headers=json_headers("text/plain"))).proxy
    routed = answer(app, proxy_event("POST", "/things", body=json.dumps(THING), headers=json_headers())).proxy
    assert set(refused) == set(routed) <= PROXY_ANSWER_KEYS
    assert refused["isBase64Encoded"] is routed["isBase64Encoded"] is False
    assert all(isinstance(values, list) for values in refused["multiValueHeaders"].values())


@pytest.mark.parametrize("origin_header", ["Origin", "origin"], ids=["origin", "origin-in-lower-case"])
def test_refused_body_answered_to_a_browser_carries_cors_headers_as_a_routed_answer_does(
    app: APIGatewayRestResolver, origin_header: str
) -> None:
    """Given a browser's request (an Origin header, in any case) refused before routing, When answered, Then the
    browser may read it as it reads a route's answer: the same allowed origin (``*``), request id, retry and
    purge-quota headers exposed."""
    headers = json_headers("text/plain", **{origin_header: ORIGIN})
    refused = answer(app, proxy_event("POST", "/things", body="{}", headers=headers))
    routed = answer(
        app, proxy_event("POST", "/things", body=json.dumps(THING), headers=json_headers(**{origin_header: ORIGIN}))
    )
    assert refused.headers["access-control-allow-origin"] == routed.headers["access-control-allow-origin"] == "*"
    for got in (refused, routed):
        assert set(got.headers["access-control-expose-headers"].split(",")) == {
            "x-ik-requestId",
            "x-should-retry",
            "Retry-After",
            "x-ik-purge-remaining",
        }
        assert got.headers["access-control-max-age"] == "600"
    assert refused.status == 415


def test_refused_body_answered_without_an_origin_has_no_cors_headers(app: APIGatewayRestResolver) -> None:
    """Given a request without an Origin (a server-side SDK) refused before routing, When answered, Then no CORS
    header: they are for browsers only."""
    got = answer(app, proxy_event("POST", "/things", body="{}", headers=json_headers("text/plain")))
    assert got.status == 415
    assert not [name for name in got.headers if name.startswith("access-control-")]


@pytest.mark.parametrize(
    "content_type",
    ["Application/JSON", "application/json; charset=UTF-8", "application/merge-patch+json"],
    ids=["media-type-in-another-case", "with-a-charset", "a-json-suffix-type"],
)
def test_json_body_in_any_spelling_of_json_reaches_the_route(app: APIGatewayRestResolver, content_type: str) -> None:
    """Given a JSON body labelled with another spelling of a JSON media type (media types are case-insensitive;
    ``+json`` types are JSON), When answered, Then the route reads it, as text or base64 alike: what the body
    check accepts is never refused afterwards."""
    for body in (json.dumps(THING), json.dumps(THING).encode()):
        got = answer(app, proxy_event("POST", "/things", body=body, headers=json_headers(content_type)))
        assert (got.status, got.body) == (200, THING)


# --- encoding: what API Gateway base64-encodes reaches routes as text -------------------------------------


@pytest.mark.parametrize("content_type", [JSON, None], ids=["json", "no-content-type"])
def test_base64_encoded_json_reaches_the_route_as_the_callers_json(
    app: APIGatewayRestResolver, content_type: str | None
) -> None:
    """Given a JSON body that API Gateway base64-encoded (a binary media type matched), When answered, Then the
    route reads the caller's JSON as if it had come as text."""
    got = answer(
        app, proxy_event("POST", "/things", body=json.dumps(THING).encode(), headers=json_headers(content_type))
    )
    assert (got.status, got.body) == (200, THING)


def test_base64_encoded_json_in_utf8_keeps_its_characters(app: APIGatewayRestResolver) -> None:
    """Given a base64-encoded JSON body holding non-ASCII text in UTF-8, When answered, Then the route reads the
    same characters."""
    text = "crème brûlée, 東京"
    got = answer(
        app, proxy_event("POST", "/notes", body=json.dumps({"text": text}, ensure_ascii=False).encode("utf-8"))
    )
    assert (got.status, got.body) == (200, {"text": text})


NOT_UTF8 = {
    "latin-1-json": ("application/json", json.dumps({"name": "crème"}, ensure_ascii=False).encode("latin-1")),
    "utf-16-json-without-content-type": (None, json.dumps(THING).encode("utf-16")),
    "binary-sent-as-a-json-suffix-type": ("application/merge-patch+json", b"\xff\xd8\xff\xe0 not text"),
}


@pytest.mark.parametrize(("content_type", "raw"), NOT_UTF8.values(), ids=NOT_UTF8.keys())
def test_json_body_that_is_not_utf8_is_a_400_not_a_500(
    app: APIGatewayRestResolver, content_type: str | None, raw: bytes
) -> None:
    """Given a JSON body (by its Content-Type, or none) whose bytes are not UTF-8, When answered, Then 400
    INVALID_BODY saying JSON must be UTF-8, not retried; never a 500."""
    got = answer(app, proxy_event("POST", "/things", body=raw, headers=json_headers(content_type)))
    assert (got.status, got.headers["x-should-retry"]) == (400, "false")
    assert got.body == {
        "message": "The body is not valid UTF-8 text; JSON must be encoded in UTF-8.",
        "help": DEFAULT_HELP,
        "reason": "INVALID_BODY",
    }


def test_event_whose_base64_body_is_corrupt_is_a_400_not_a_500(app: APIGatewayRestResolver) -> None:
    """Given an event flagged base64 whose body is not base64 (a hand-made event, as under events/ for
    `medialib local invoke`), When answered, Then 400 INVALID_BODY: nothing of it is guessed into JSON."""
    event = proxy_event("POST", "/things", body=json.dumps(THING).encode(), headers=json_headers())
    event["body"] += "!"  # not of the base64 alphabet: a lenient decoder would drop it and read the JSON
    got = answer(app, event)
    assert (got.status, got.body["reason"]) == (400, "INVALID_BODY")


def test_binary_multipart_body_reaches_the_route_as_api_gateway_sent_it(upload_app: APIGatewayRestResolver) -> None:
    """Given a multipart upload holding binary bytes (base64-encoded by API Gateway), When answered by a
    multipart function, Then the route receives it untouched: it is not text, and is not refused as UTF-8."""
    raw = b'--x\r\nContent-Disposition: form-data; name="file"\r\n\r\n\xff\xd8\xff\xe0\x00\x10JFIF\r\n--x--\r\n'
    event = proxy_event("POST", "/upload", body=raw, headers=json_headers("multipart/form-data; boundary=x"))
    sent = event["body"]
    got = answer(upload_app, event, accepts=(MULTIPART,))
    assert (got.status, got.body) == (200, {"base64": True, "body": sent})


# --- JSON that cannot be read, and bodies that are no object -----------------------------------------------


UNREADABLE = {
    "malformed-json-says-where": (
        "{nope", "The body is not valid JSON (Expecting property name enclosed in double quotes at line 1, column 2)."
    ),
    "second-line-is-counted": ('{\n"name": }', "The body is not valid JSON (Expecting value at line 2, column 9)."),
    "too-deep-json-says-so": ("[" * 100_000 + "]" * 100_000, "The body is not valid JSON: it is nested too deeply."),
    "deeper-than-the-limit-on-any-python": (
        '{"a": ' * 101 + "1" + "}" * 101, "The body is not valid JSON: it is nested too deeply."
    ),
}  # fmt: skip


@pytest.mark.parametrize(("text", "message"), UNREADABLE.values(), ids=UNREADABLE.keys())
def test_json_that_cannot_be_read_is_a_400_saying_why(app: APIGatewayRestResolver, text: str, message: str) -> None:
    """Given a JSON body that is malformed or nested too deeply, When answered (and when parsed alone), Then 400
    INVALID_BODY, not retried, whose message says what is wrong and where; never a 500 or a validation list."""
    got = answer(app, proxy_event("POST", "/things", body=text, headers=json_headers()))
    assert (got.status, got.headers["x-should-retry"]) == (400, "false")
    assert got.body == {"message": message, "help": DEFAULT_HELP, "reason": "INVALID_BODY"}
    with pytest.raises(BadRequestError) as raised:
        parse_json(text)
    assert raised.value.body() == got.body


def test_json_nested_up_to_the_limit_is_read_and_one_level_more_is_not() -> None:
    """Given arrays nested exactly MAX_JSON_DEPTH deep, and one level more, When parsed, Then the first is read and the
    second is refused as nested too deeply, whichever Python runs (3.11's json gives up near 1,000, 3.13's later)."""
    nested: list[Any] = []
    for _ in range(MAX_JSON_DEPTH - 1):
        nested = [nested]
    assert parse_json("[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH) == nested
    with pytest.raises(BadRequestError, match="nested too deeply"):
        parse_json("[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1))


SHAPES = {
    "no-body-is-empty": (None, "The body is empty; expected an object with name and size."),
    "empty-body-is-empty": ("", "The body is empty; expected an object with name and size."),
    "json-null-is-empty": ("null", "The body is empty; expected an object with name and size."),
    "json-array-is-no-object": ("[1, 2]", "The body must be a JSON object; expected an object with name and size."),
    "json-string-is-no-object": ('"lamp"', "The body must be a JSON object; expected an object with name and size."),
}


@pytest.mark.parametrize(("body", "message"), SHAPES.values(), ids=SHAPES.keys())
def test_body_that_is_empty_or_no_object_is_a_400_naming_the_expected_fields(
    app: APIGatewayRestResolver, body: str | None, message: str
) -> None:
    """Given a route whose body is an object with required fields, When the body is missing, empty, null or not
    an object, Then 400 INVALID_BODY that says which and names the fields expected (not a field-by-field list)."""
    got = answer(app, proxy_event("POST", "/things", body=body, headers=json_headers()))
    assert (got.status, got.headers["x-should-retry"]) == (400, "false")
    assert got.body == {"message": message, "help": DEFAULT_HELP, "reason": "INVALID_BODY"}


LIST_BODIES = {
    "object-for-a-list-is-named-as-the-request": ('{"tags": ["a"]}', "request: Input should be a valid list"),
    "no-body-for-a-list-is-named-as-the-request": (None, "request: Field required"),
}


@pytest.mark.parametrize(("body", "problem"), LIST_BODIES.values(), ids=LIST_BODIES.keys())
def test_wrong_body_of_a_route_that_takes_a_list_is_a_400_not_a_500(
    app: APIGatewayRestResolver, body: str | None, problem: str
) -> None:
    """Given a route whose body is a JSON list (no object, so no fields to name), When sent something else,
    Then 400 INVALID_PARAMETER naming the request and why; never a 500."""
    got = answer(app, proxy_event("POST", "/tags", body=body, headers=json_headers()))
    assert (got.status, got.body["reason"]) == (400, "INVALID_PARAMETER")
    assert got.body["message"] == f"Your request contains invalid parameters. {problem}"
    assert answer(app, proxy_event("POST", "/tags", body='["a"]', headers=json_headers())).body == {"tags": ["a"]}


@pytest.mark.parametrize(
    ("fields", "said"),
    [
        pytest.param(["fileIds"], "an object with fileIds", id="one-field-alone"),
        pytest.param(["sourceFilePath", "destinationPath"], "an object with sourceFilePath and destinationPath", id="two-fields-joined-by-and"),
        pytest.param(["a", "b", "c", "d"], "an object with a, b, c and d", id="more-fields-by-commas-then-and"),
    ],
)  # fmt: skip
def test_expected_object_reads_as_a_sentence(fields: list[str], said: str) -> None:
    """Given a body model's required fields, When the expected object is described, Then as a reader would."""
    assert expected_object(fields) == said


def test_an_object_of_optional_fields_reads_with_or() -> None:
    """Given a body model whose fields are all optional (any will do), When described, Then joined by "or"."""
    assert expected_object(["uploadAsDraft", "namedTransformations"], conjunction="or") == (
        "an object with uploadAsDraft or namedTransformations"
    )


# --- check_body and media_type alone ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "media"),
    [
        pytest.param({"Content-Type": "Application/JSON"}, "application/json", id="case-is-ignored"),
        pytest.param({"content-type": " application/json ; charset=utf-8"}, "application/json", id="parameters-and-spaces-dropped"),
        pytest.param({"CONTENT-TYPE": "multipart/form-data; boundary=x; charset=utf-8"}, "multipart/form-data", id="every-parameter-dropped"),
        pytest.param({"Accept": "application/json"}, "", id="no-content-type"),
        pytest.param(None, "", id="no-headers"),
    ],
)  # fmt: skip
def test_media_type_is_the_content_types_type_alone(headers: dict[str, str] | None, media: str) -> None:
    """Given a request's headers, When its media type is read, Then the Content-Type's type/subtype in lower case,
    whatever the header's case and parameters."""
    assert media_type(headers) == media


def test_message_of_a_function_accepting_several_types_names_each() -> None:
    """Given a function that reads JSON or multipart bodies, When sent text, Then the 415 names both types and
    its help the first."""
    error = check_body(proxy_event("POST", "/x", body="hi", headers={"Content-Type": "text/plain"}), (JSON, MULTIPART))
    assert error is not None and error.status == 415
    assert (
        error.message
        == "The body must be sent as application/json or multipart/form-data; Content-Type was text/plain."
    )
    assert error.help == "Send Content-Type: application/json with a body of that type."


@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS"])
def test_body_on_a_method_without_one_is_ignored(method: str) -> None:
    """Given a body (of any type) on a method whose routes read none, When checked, Then nothing to refuse."""
    assert check_body(proxy_event(method, "/x", body="hi", headers={"Content-Type": "text/plain"}), (JSON,)) is None


def test_function_that_reads_no_body_refuses_none() -> None:
    """Given a function that reads no body (delivery, the fallback), When sent any body, Then nothing is
    refused: its route (or its 404/405) answers."""
    event = proxy_event("POST", "/x", body=b"\xff\xfe", headers={"Content-Type": "image/png"})
    assert check_body(event, ()) is None
