"""The API as a client sees it through the local API Gateway: authorizer, errors, limits, bodies."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import basic


def _json(response: Any) -> Any:
    assert response.headers["Content-Type"].startswith("application/json")
    return json.loads(response.get_data())


def test_new_account_lists_no_files(api: Any, account: Any) -> None:
    """Given the dev account with no uploads, When GET /v1/files, Then 200 and an empty JSON array."""
    response = api.get("/v1/files", headers=basic(account.private_key))
    assert response.status_code == 200
    assert _json(response) == []


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({}, id="no-credentials"),
        pytest.param(basic("private_wrong_key"), id="wrong-key"),
        pytest.param({"Authorization": "Bearer private_dev_local_key"}, id="not-basic"),
        pytest.param({"x-api-key": "private_dev_local_key"}, id="x-api-key-outside-images"),
    ],
)
def test_unauthenticated_requests_get_401_without_retry(api: Any, headers: dict[str, str]) -> None:
    """Given no valid key, When a route is called, Then 401, ImageKit's body and x-should-retry: false."""
    response = api.get("/v1/files", headers=headers)
    assert response.status_code == 401
    body = _json(response)
    assert set(body) == {"message", "help"}
    assert body["message"] == "Your account cannot be authenticated."
    assert response.headers["x-should-retry"] == "false"


def test_public_key_is_not_a_credential(api: Any, account: Any) -> None:
    """Given the public key used as if private, When called, Then 401 (only the private key authenticates)."""
    assert api.get("/v1/files", headers=basic(account.public_key)).status_code == 401


def test_x_api_key_authenticates_img_processing_routes(api: Any, account: Any) -> None:
    """Given x-api-key with the private key, When /v1/images/{id} is called, Then the authorizer lets it in
    (the route answers 501 until the publish issue builds it), and a wrong x-api-key is refused."""
    assert api.get("/v1/images/abc", headers={"x-api-key": account.private_key}).status_code == 501
    assert api.get("/v1/images/abc", headers={"x-api-key": "private_wrong"}).status_code == 401


def test_missing_file_is_404_in_imagekit_shape(api: Any, account: Any) -> None:
    """Given no such file, When its details are read, Then 404 with message, help and no retry."""
    response = api.get("/v1/files/doesnotexist/details", headers=basic(account.private_key))
    assert response.status_code == 404
    assert _json(response)["message"] == "The requested file does not exist."
    assert response.headers["x-should-retry"] == "false"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        pytest.param("limit=0", "limit", id="limit-below-1"),
        pytest.param("limit=1001", "limit", id="limit-above-1000"),
        pytest.param("skip=-1", "skip", id="negative-skip"),
        pytest.param("type=image", "type", id="unknown-type"),
        pytest.param("sort=BY_MOOD", "sort", id="unknown-sort"),
        pytest.param("fileType=video", "fileType", id="unknown-fileType"),
        pytest.param("limit=ten", "limit", id="not-a-number"),
    ],
)
def test_bad_list_parameters_are_400_naming_the_field(api: Any, account: Any, query: str, field: str) -> None:
    """Given an invalid query parameter, When GET /v1/files, Then 400 (never 422) whose message names it."""
    response = api.get(f"/v1/files?{query}", headers=basic(account.private_key))
    assert response.status_code == 400
    body = _json(response)
    assert field in body["message"]
    assert response.headers["x-should-retry"] == "false"


def test_unknown_route_is_403_missing_authentication_token(api: Any) -> None:
    """Given a path no function declares, When called, Then API Gateway's 403 "Missing Authentication Token"."""
    response = api.delete("/v1/nothing-here")
    assert response.status_code == 403
    assert _json(response)["message"] == "Missing Authentication Token"


def test_request_over_10_mb_is_refused_before_any_function(api: Any, account: Any) -> None:
    """Given an 11 MB body, When posted, Then 413 from the gateway, as API Gateway does."""
    response = api.post(
        "/api/v1/files/upload",
        data=b"x" * (11 * 1024 * 1024),
        headers={**basic(account.private_key), "Content-Type": "application/octet-stream"},
    )
    assert response.status_code == 413
    assert _json(response)["message"] == "Request Too Long"


def test_request_over_the_lambda_6_mb_limit_is_refused(api: Any, account: Any) -> None:
    """Given a 5 MB binary body (6.7 MB once base64 in the event), When posted, Then 413: Lambda's limit."""
    response = api.post(
        "/api/v1/files/upload",
        data=b"x" * (5 * 1024 * 1024),
        headers={**basic(account.private_key), "Content-Type": "application/octet-stream"},
    )
    assert response.status_code == 413


def test_delivery_is_public_and_404s_unknown_paths(api: Any, account: Any) -> None:
    """Given no credentials, When a delivery URL of an unknown file is requested, Then 404, not 401."""
    response = api.get(f"/{account.account_id}/nothing/here.jpg")
    assert response.status_code == 404
    assert _json(response)["message"] == "The requested resource does not exist."


def test_bulk_publish_over_100_files_is_400(api: Any, account: Any) -> None:
    """Given 101 file ids, When POST /v1/files/publish, Then 400 and no job is started."""
    body = {"fileIds": [f"f{i}" for i in range(101)], "isPublished": True}
    response = api.post("/v1/files/publish", json=body, headers=basic(account.private_key))
    assert response.status_code == 400
    assert "fileIds" in _json(response)["message"]


def test_malformed_json_is_400(api: Any, account: Any) -> None:
    """Given a body that is not JSON, When POST /v1/files/publish, Then 400, not 500."""
    response = api.post(
        "/v1/files/publish",
        data=b"{not json",
        headers={**basic(account.private_key), "Content-Type": "application/json"},
    )
    assert response.status_code == 400


def test_every_answer_carries_the_request_id(api: Any, account: Any) -> None:
    """Given any API request, When answered (success or error), Then x-ik-requestId is set, as ImageKit does."""
    ok = api.get("/v1/files", headers=basic(account.private_key))
    missing = api.get("/v1/files/nope/details", headers=basic(account.private_key))
    assert ok.headers["x-ik-requestId"]
    assert missing.headers["x-ik-requestId"]
    assert ok.headers["x-ik-requestId"] != missing.headers["x-ik-requestId"]
