"""The API as a client sees it through the local API Gateway: authorizer, errors, limits, bodies."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import basic
from tests.integration.test_publish import fresh_account


def _json(response: Any) -> Any:
    assert response.headers["Content-Type"].startswith("application/json")
    return json.loads(response.get_data())


def test_new_account_lists_no_files(api: Any, stack: Any) -> None:
    """Given a new account with no uploads (of its own: other tests upload to the shared ones), When GET /v1/files,
    Then 200 and an empty JSON array."""
    response = api.get("/v1/files", headers=basic(fresh_account().private_key))
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
    (the route answers: no such image, 404), and a wrong x-api-key is refused."""
    assert api.get("/v1/images/abc", headers={"x-api-key": account.private_key}).status_code == 404
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
        pytest.param("path=/" + "a" * 1100, "path", id="path-too-long"),
        pytest.param("searchQuery=" + "x" * 5000, "searchQuery", id="search-query-too-long"),
    ],
)
def test_bad_list_parameters_are_400_naming_the_field(api: Any, account: Any, query: str, field: str) -> None:
    """Given an invalid query parameter, When GET /v1/files, Then 400 (never 422) whose message names it."""
    response = api.get(f"/v1/files?{query}", headers=basic(account.private_key))
    assert response.status_code == 400
    body = _json(response)
    assert field in body["message"]
    assert response.headers["x-should-retry"] == "false"


def test_delivery_is_public_and_404s_unknown_paths(api: Any, account: Any) -> None:
    """Given no credentials, When a delivery URL of an unknown file is requested, Then 404, not 401."""
    response = api.get(f"/{account.account_id}/nothing/here.jpg")
    assert response.status_code == 404
    assert _json(response)["message"] == "The requested resource does not exist."


@pytest.mark.parametrize(
    "file_ids",
    [
        pytest.param([f"f{i}" for i in range(101)], id="101-files"),
        pytest.param([], id="no-files"),
        pytest.param([""], id="empty-id"),
        pytest.param(["a" * 3000], id="id-too-long"),
    ],
)
def test_bad_bulk_publish_is_400_and_starts_nothing(api: Any, account: Any, stack: Any, file_ids: list[str]) -> None:
    """Given a bad list of file ids, When POST /v1/files/publish, Then 400 naming fileIds, and no execution
    of the state machine is started."""
    import boto3

    sfn = boto3.client("stepfunctions")
    machine = stack.provisioned.physical["PublishStateMachine"]
    before = len(sfn.list_executions(stateMachineArn=machine)["executions"])
    response = api.post(
        "/v1/files/publish", json={"fileIds": file_ids, "isPublished": True}, headers=basic(account.private_key)
    )
    assert response.status_code == 400
    assert "fileIds" in _json(response)["message"]
    assert len(sfn.list_executions(stateMachineArn=machine)["executions"]) == before


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


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("/v1/files/" + "a" * 3000 + "/details", id="file-id-too-long"),
        pytest.param("/v1/files/a%20b/details", id="file-id-with-space"),
        pytest.param("/v1/bulkJobs/" + "j" * 200, id="job-id-too-long"),
        pytest.param("/v1/files/purge/" + "r" * 200, id="request-id-too-long"),
    ],
)
def test_malformed_ids_are_400_not_storage_errors(api: Any, account: Any, path: str) -> None:
    """Given an id DynamoDB could not even use as a key, When requested, Then 400 naming it, no retry."""
    response = api.get(path, headers=basic(account.private_key))
    assert response.status_code == 400
    assert response.headers["x-should-retry"] == "false"


def test_every_declared_route_answers_something_else_than_not_found(api: Any, account: Any, stack: Any) -> None:
    """Given every management route of template.yaml, When called with a valid key, Then none answers the
    resolver's "no such route" 404, and none a 5xx."""
    import re

    for route in stack.spec.routes:
        if route.path == "/{proxy+}":
            continue  # delivery (a 404 for an unknown file is its real answer) and the catch-all
        path = re.sub(r"\{[^}]+\}", "x1", route.path)
        response = api.open(path, method=route.method, headers=basic(account.private_key), json={})
        body = _json(response)
        message = body.get("message") if isinstance(body, dict) else None
        assert message != "The requested resource does not exist.", (route.method, route.path)
        assert response.status_code < 500, (route.method, route.path, body)


@pytest.mark.parametrize("value", [pytest.param("yes", id="string"), pytest.param(1, id="number")])
def test_bulk_publish_flag_must_be_a_json_boolean(api: Any, account: Any, value: object) -> None:
    """Given isPublished that is not true/false, When POST /v1/files/publish, Then 400 naming it."""
    response = api.post(
        "/v1/files/publish", json={"fileIds": ["a"], "isPublished": value}, headers=basic(account.private_key)
    )
    assert response.status_code == 400
    assert "isPublished" in _json(response)["message"]
