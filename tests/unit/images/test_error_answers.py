"""Every answer of a management function under /v1/images is in img-processing.com's error style, whoever makes
it: a route's domain error, the fallback's 404/405, a body refused before routing. Elsewhere ImageKit's stays.
Driven through ``respond`` with hand-built API Gateway events, as the functions are."""

from __future__ import annotations

import pytest
from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from medialib.api import Identifier, new_resolver
from medialib.api.routes import DELIVERY_ROUTES
from medialib.errors import NotFoundError, ThrottledError
from tests.unit.gateway import REQUEST_ID, answer, proxy_event


@pytest.fixture
def fallback() -> APIGatewayRestResolver:
    """The management API's fallback function: no route, every request answered 404 or 405."""
    return new_resolver()


@pytest.fixture
def images() -> APIGatewayRestResolver:
    """A function with one image route and one ImageKit route, both failing as the domain says."""
    app = new_resolver()

    @app.get("/v1/images/<imageId>")
    def get_image(imageId: Identifier) -> dict[str, str]:
        raise NotFoundError("The requested file does not exist.", reason="FILE_NOT_FOUND")

    @app.get("/v1/files/<fileId>/details")
    def get_file(fileId: Identifier) -> dict[str, str]:
        raise NotFoundError("The requested file does not exist.", reason="FILE_NOT_FOUND")

    @app.post("/v1/images/<imageId>/unpublish")
    def throttled(imageId: Identifier) -> dict[str, str]:
        raise ThrottledError("Too many invalidations in progress.", retry_after=30)

    return app


def _routed(method: str, resource: str, image_id: str) -> dict[str, object]:
    return proxy_event(
        method, resource.replace("{imageId}", image_id), resource=resource, path_parameters={"imageId": image_id}
    )


def test_a_routes_domain_error_is_in_img_processings_shape(images: APIGatewayRestResolver) -> None:
    """Given an unknown image id, When its route answers, Then 404 {"error": {"code": "image_not_found", ...}} with
    the request id and x-should-retry false."""
    got = answer(images, _routed("GET", "/v1/images/{imageId}", "nope"))
    assert got.status == 404
    assert got.body == {"error": {"code": "image_not_found", "message": "The requested image does not exist."}}
    assert (got.headers["x-should-retry"], got.headers["x-ik-requestid"]) == ("false", REQUEST_ID)


def test_the_same_error_on_the_files_api_stays_imagekits(images: APIGatewayRestResolver) -> None:
    got = answer(images, proxy_event("GET", "/v1/files/nope/details"))
    assert got.status == 404 and got.body["reason"] == "FILE_NOT_FOUND" and "help" in got.body


def test_a_bad_id_is_a_400_in_img_processings_shape(images: APIGatewayRestResolver) -> None:
    """Given an id outside the id rule (a space), When routed, Then 400 invalid_request naming imageId."""
    got = answer(images, _routed("GET", "/v1/images/{imageId}", "a b"))
    assert got.status == 400 and got.body["error"]["code"] == "invalid_request"
    assert "imageId" in got.body["error"]["message"]


def test_a_throttled_answer_keeps_retry_after(images: APIGatewayRestResolver) -> None:
    """Given a dependency that throttles, When an image route fails so, Then 429 rate_limited, retryable, with
    Retry-After (the headers are the same in both shapes)."""
    got = answer(images, _routed("POST", "/v1/images/{imageId}/unpublish", "abc"))
    assert (got.status, got.body["error"]["code"]) == (429, "rate_limited")
    assert (got.headers["x-should-retry"], got.headers["retry-after"]) == ("true", "30")


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        pytest.param("DELETE", "/v1/images/abc", "GET, OPTIONS", id="delete-an-image"),
        pytest.param("HEAD", "/v1/images/abc/download", "GET, OPTIONS", id="head-of-the-download"),
        pytest.param("GET", "/v1/images/abc/publish", "POST, OPTIONS", id="get-of-publish"),
        pytest.param("PUT", "/v1/images/abc/unpublish", "POST, OPTIONS", id="put-of-unpublish"),
    ],
)
def test_a_wrong_method_is_a_405_in_img_processings_shape(
    fallback: APIGatewayRestResolver, method: str, path: str, allow: str
) -> None:
    """Given an image path and a method none of its routes takes, When the fallback answers, Then 405
    method_not_allowed with Allow, in img-processing.com's shape."""
    got = answer(fallback, proxy_event(method, path), accepts=())
    assert (got.status, got.headers["allow"]) == (405, allow)
    assert got.body["error"]["code"] == "method_not_allowed" and allow in got.body["error"]["message"]


@pytest.mark.parametrize("path", ["/v1/images", "/v1/images/abc/thumbnail"], ids=["the-collection", "unknown-sub-path"])
def test_a_path_no_image_route_has_is_a_404_in_img_processings_shape(
    fallback: APIGatewayRestResolver, path: str
) -> None:
    got = answer(fallback, proxy_event("GET", path), accepts=())
    assert (got.status, got.body["error"]["code"], "allow" in got.headers) == (404, "not_found", False)


def test_a_body_refused_before_routing_is_in_img_processings_shape(fallback: APIGatewayRestResolver) -> None:
    """Given a function that reads JSON, When a text body is sent under /v1/images, Then 415 in that shape."""
    event = proxy_event("POST", "/v1/images/abc/publish", body="x", headers={"Content-Type": "text/plain"})
    got = answer(fallback, event)
    assert (got.status, got.body["error"]["code"]) == (415, "unsupported_media_type")


def test_delivery_is_never_shaped_so() -> None:
    """Given delivery (an account may be named anything but v1, which is reserved), When a path no route has is
    answered, Then ImageKit's body: only the management API has /v1/images."""
    got = answer(new_resolver(DELIVERY_ROUTES), proxy_event("DELETE", "/acct/v1/images/a.png"), accepts=())
    assert got.status == 405 and "message" in got.body
