"""The route tables the 404/405 answers come from are the template's routes, and the body checks' rules."""

from __future__ import annotations

import pytest

from medialib.api.body import check_body, parse_json
from medialib.api.routes import DELIVERY_ROUTES, MANAGEMENT_BINARY_MEDIA_TYPES, MANAGEMENT_ROUTES, allowed_methods
from medialib.errors import BadRequestError
from medialib_local.template import describe
from tests.conftest import TEMPLATE


def test_the_management_route_table_is_the_templates() -> None:
    """Given template.yaml, When its MedialibApi routes are listed (but the catch-all), Then they are exactly the
    table the fallback function answers 404/405 from, so a new route cannot be forgotten there."""
    spec = describe(TEMPLATE)
    declared = {f"{r.method} {r.path}" for r in spec.routes if r.api_id == "MedialibApi" and r.method != "ANY"}
    assert declared == set(MANAGEMENT_ROUTES)
    [catch_all] = [r for r in spec.routes if r.api_id == "MedialibApi" and r.method == "ANY"]
    assert (catch_all.path, catch_all.function_id, catch_all.authorizer_id) == ("/{proxy+}", "FallbackFunction", None)


def test_the_management_binary_media_types_are_the_templates() -> None:
    """Given template.yaml, When MedialibApi's binary media types are read, Then they are the ones the img-processing
    download decides by (bytes in the answer only when the gateway will decode them)."""
    assert describe(TEMPLATE).apis["MedialibApi"].binary_media_types == MANAGEMENT_BINARY_MEDIA_TYPES


def test_the_delivery_route_table_is_the_templates() -> None:
    """Given template.yaml, When DeliveryApi's route is read, Then it takes every method on /{proxy+}."""
    [route] = [r for r in describe(TEMPLATE).routes if r.api_id == "DeliveryApi"]
    assert (route.method, route.path) == ("ANY", "/{proxy+}")
    assert {r.split(" ")[1] for r in DELIVERY_ROUTES} == {route.path}


@pytest.mark.parametrize(
    ("path", "methods"),
    [
        pytest.param("/v1/files", ["GET"], id="literal"),
        pytest.param("/v1/files/abc/details", ["GET", "PATCH"], id="two-methods-on-one-path"),
        pytest.param("/v1/files/publish", ["DELETE", "POST"], id="a-literal-and-a-parameter-sibling"),
        pytest.param("/v1/files/a/b/details", [], id="a-parameter-is-one-segment"),
        pytest.param("/v1/files/abc/details/", [], id="trailing-slash-is-another-path"),
        pytest.param("/v2/files", [], id="unknown"),
    ],
)
def test_allowed_methods_of_a_path(path: str, methods: list[str]) -> None:
    """Given a path, When the route table is asked, Then the methods of the routes whose path matches."""
    assert allowed_methods(MANAGEMENT_ROUTES, path) == methods


def _event(body: str | None, content_type: str | None, method: str = "POST") -> dict[str, object]:
    headers = {"Content-Type": content_type} if content_type else {}
    return {"httpMethod": method, "body": body, "headers": headers, "isBase64Encoded": False}


@pytest.mark.parametrize(
    ("event", "status"),
    [
        pytest.param(_event("{}", "application/json"), None, id="json-accepted"),
        pytest.param(_event("{}", "application/json; charset=utf-8"), None, id="json-with-charset-accepted"),
        pytest.param(_event("{}", "application/merge-patch+json"), None, id="json-suffix-accepted"),
        pytest.param(_event("{}", None), None, id="no-content-type-is-read-as-json"),
        pytest.param(_event("{}", "text/plain"), 415, id="text-refused"),
        pytest.param(_event("{}", "text/plain", method="GET"), None, id="a-get-body-is-ignored"),
        pytest.param(_event(None, "text/plain"), None, id="no-body-nothing-to-refuse"),
    ],
)
def test_body_media_types(event: dict[str, object], status: int | None) -> None:
    """Given a request to a JSON function, When its body is checked, Then only JSON (or no body) passes."""
    error = check_body(event, ("application/json",))
    assert (error.status if error else None) == status


@pytest.mark.parametrize(
    ("text", "says"),
    [
        pytest.param("{nope", "not valid JSON", id="malformed"),
        pytest.param("[" * 100_000 + "]" * 100_000, "nested too deeply", id="too-deep"),
    ],
)
def test_json_that_cannot_be_read_is_a_400_in_plain_words(text: str, says: str) -> None:
    """Given a body that is not JSON, When parsed, Then a 400 whose message says so (never a 500)."""
    with pytest.raises(BadRequestError) as raised:
        parse_json(text)
    assert says in raised.value.message
