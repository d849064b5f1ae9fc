"""What a client gets where no route answers (404, 405 with ``Allow``) and how a request reaches its route:
on the resource API Gateway matched, so that an id holding ``/`` fails the id's rule instead of looking like
another path. Driven through ``respond`` with hand-built API Gateway events, as the functions are."""

from __future__ import annotations

from typing import Any

import pytest
from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from medialib.api import Identifier, new_resolver
from medialib.api.routes import DELIVERY_ROUTES
from medialib.errors import DEFAULT_HELP
from tests.unit.gateway import ORIGIN, REQUEST_ID, answer, proxy_event

WRONG_METHOD_HELP = "See the medialib API reference (/docs on the local stack) for the routes and their methods."


@pytest.fixture
def fallback() -> APIGatewayRestResolver:
    """The management API's fallback function: no route, every request answered 404 or 405."""
    return new_resolver()


@pytest.fixture
def delivery() -> APIGatewayRestResolver:
    """A delivery function: GET and HEAD of any path (the route echoes the path it was given)."""
    app = new_resolver(DELIVERY_ROUTES)

    @app.get("/.+")
    def deliver() -> dict[str, Any]:
        return {"path": app.current_event.path}

    return app


WRONG_METHODS = {
    "path-with-two-methods-lists-both-and-the-preflight": ("DELETE", "/v1/files/abc/details", "GET, PATCH, OPTIONS"),
    "post-only-path-lists-post-and-the-preflight": ("GET", "/v1/files/batch/deleteByFileIds", "POST, OPTIONS"),
    "literal-sibling-of-an-id-lists-both-routes": ("GET", "/v1/files/publish", "DELETE, POST, OPTIONS"),
    "literal-path-lists-its-method": ("PUT", "/v1/files", "GET, OPTIONS"),
}


@pytest.mark.parametrize(("method", "path", "allow"), WRONG_METHODS.values(), ids=WRONG_METHODS.keys())
def test_known_path_with_another_method_is_a_405_naming_the_allowed_methods(
    fallback: APIGatewayRestResolver, method: str, path: str, allow: str
) -> None:
    """Given a path of the management API and a method none of its routes takes, When answered by the fallback,
    Then 405 METHOD_NOT_ALLOWED, not retried, whose Allow header and message list the path's methods and the CORS
    preflight (API Gateway answers OPTIONS on every path), with the request id."""
    got = answer(fallback, proxy_event(method, path), accepts=())
    assert (got.status, got.headers["x-should-retry"], got.headers["allow"]) == (405, "false", allow)
    assert got.body == {
        "message": f"{method} is not allowed on this path; it answers {allow}.",
        "help": WRONG_METHOD_HELP,
        "reason": "METHOD_NOT_ALLOWED",
    }
    assert got.headers["x-ik-requestid"] == REQUEST_ID


def test_wrong_method_with_a_body_of_any_type_is_still_a_405(fallback: APIGatewayRestResolver) -> None:
    """Given a wrong method carrying a body the fallback does not read (text), When answered, Then the 405 that
    tells the caller what to fix first, not a 415."""
    event = proxy_event("PUT", "/api/v1/files/upload", body="hello", headers={"Content-Type": "text/plain"})
    got = answer(fallback, event, accepts=())
    assert (got.status, got.headers["allow"]) == (405, "POST, OPTIONS")


@pytest.mark.parametrize(
    "path", ["/v2/files", "/v1/files/a/b/details", "/"], ids=["unknown-version", "id-of-two-segments", "root"]
)
def test_path_no_route_has_is_a_404_without_allow(fallback: APIGatewayRestResolver, path: str) -> None:
    """Given a path no route of the API has, When answered, Then 404 NOT_FOUND, not retried, and no Allow header
    (no method would do)."""
    got = answer(fallback, proxy_event("GET", path), accepts=())
    assert (got.status, got.headers["x-should-retry"]) == (404, "false")
    assert got.body == {
        "message": "The requested resource does not exist.",
        "help": DEFAULT_HELP,
        "reason": "NOT_FOUND",
    }
    assert "allow" not in got.headers


def test_delivery_with_another_method_is_a_405_naming_get_and_head_only(delivery: APIGatewayRestResolver) -> None:
    """Given the delivery API (no CORS preflight there) and a POST of a file's path, When answered, Then 405 whose
    Allow header and message name GET and HEAD only."""
    event = proxy_event("POST", "/acme/a.png", body="{}", headers={"Content-Type": "application/json"}, resource="/{proxy+}", path_parameters={"proxy": "acme/a.png"})  # fmt: skip
    got = answer(delivery, event, accepts=())
    assert (got.status, got.headers["allow"]) == (405, "GET, HEAD")
    assert got.body["message"] == "POST is not allowed on this path; it answers GET, HEAD."


def test_405_answered_to_a_browser_carries_cors_headers(fallback: APIGatewayRestResolver) -> None:
    """Given a browser's request with a wrong method, When answered, Then the browser may read the 405 and its
    Allow header (CORS headers as on any answer)."""
    got = answer(fallback, proxy_event("DELETE", "/v1/files", headers={"Origin": ORIGIN}), accepts=())
    assert got.status == 405
    assert got.headers["access-control-allow-origin"] in {"*", ORIGIN}


# --- routing on the resource API Gateway matched -----------------------------------------------------------


@pytest.fixture
def things() -> APIGatewayRestResolver:
    """A function whose route takes an id in its path, with the id's rule (``Identifier``)."""
    app = new_resolver()

    @app.get("/v1/things/<thingId>/details")
    def details(thingId: Identifier) -> dict[str, Any]:  # the wire name, as the files routes do
        return {"thingId": thingId}

    return app


def thing_event(thing_id: str) -> dict[str, Any]:
    """API Gateway's event for GET /v1/things/{thingId}/details: it matched the resource on the raw path and
    gives the parameter decoded, and a path decoded too (where ``%2F`` is a ``/``)."""
    return proxy_event(
        "GET",
        f"/v1/things/{thing_id}/details",
        resource="/v1/things/{thingId}/details",
        path_parameters={"thingId": thing_id},
    )


def test_id_reaches_its_route(things: APIGatewayRestResolver) -> None:
    """Given a valid id, When API Gateway's event is answered, Then the route gets the id as sent."""
    got = answer(things, thing_event("file_1.v2-a"))
    assert (got.status, got.body) == (200, {"thingId": "file_1.v2-a"})


@pytest.mark.parametrize(
    "thing_id", ["a/b", "a/b/c", "a?b", "a#b"], ids=["slash", "two-slashes", "question-mark", "hash"]
)
def test_id_holding_characters_of_a_url_fails_the_ids_rule_not_a_404(
    things: APIGatewayRestResolver, thing_id: str
) -> None:
    """Given an id holding ``/`` (sent as ``%2F``) or other URL characters, When answered, Then 400
    INVALID_PARAMETER naming the id: the caller learns the id is wrong, not that the route does not exist."""
    got = answer(things, thing_event(thing_id))
    assert (got.status, got.body["reason"]) == (400, "INVALID_PARAMETER")
    assert got.body["message"].startswith("Your request contains invalid parameters. thingId: ")


def test_greedy_path_reaches_its_route_as_sent(delivery: APIGatewayRestResolver) -> None:
    """Given a delivery path of several segments (API Gateway's ``/{proxy+}``), When answered, Then the route
    gets the path as sent, its ``/`` kept."""
    event = proxy_event("GET", "/acme/photos/2024/a.png", resource="/{proxy+}", path_parameters={"proxy": "acme/photos/2024/a.png"})  # fmt: skip
    got = answer(delivery, event, accepts=())
    assert (got.status, got.body) == (200, {"path": "/acme/photos/2024/a.png"})


def test_resource_without_parameters_keeps_its_path(fallback: APIGatewayRestResolver) -> None:
    """Given a literal resource (no parameter), When answered, Then the path as sent decides (here a 405)."""
    got = answer(fallback, proxy_event("DELETE", "/v1/files", resource="/v1/files"), accepts=())
    assert (got.status, got.headers["allow"]) == (405, "GET, OPTIONS")
