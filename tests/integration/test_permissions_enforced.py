"""The local stack holds each handler's AWS calls to its function's role, provisioned from template.yaml, as IAM
would (medialib_local.permissions.Guard): so every integration and e2e test also checks that the template grants
what the code calls (docs/least-privilege.md)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.integration.test_upload import post
from tests.upload_helpers import image


@pytest.fixture
def guard(stack: Any) -> Iterator[Any]:
    """The stack's guard, with its call log emptied first and its roles put back after the test."""
    documents = dict(stack.guard.documents)
    stack.guard.calls.clear()
    yield stack.guard
    stack.guard.documents = documents


def test_an_upload_makes_only_calls_its_roles_allow(api: Any, account: Any, guard: Any) -> None:
    """Given the local stack, When a file is uploaded and its details read, Then the guard saw the upload's and the
    files function's calls (table and bucket), and denied none of them."""
    uploaded = post(api, account.private_key, {"fileName": "guarded.png"}, image())
    assert uploaded.status_code == 200, uploaded.get_data()
    file_id = json.loads(uploaded.get_data())["fileId"]

    details = api.get(
        f"/v1/files/{file_id}/details", headers={"Authorization": uploaded.request.headers["Authorization"]}
    )

    assert details.status_code == 200
    seen = {(call.function_id, call.service) for call in guard.calls}
    assert {("UploadFunction", "s3"), ("UploadFunction", "dynamodb"), ("FilesFunction", "dynamodb")} <= seen
    assert [call for call in guard.calls if call.denied] == []


def test_a_call_the_role_does_not_grant_is_denied(api: Any, account: Any, guard: Any) -> None:
    """Given the upload function's role without s3:PutObject (a new call nobody granted), When a file is uploaded,
    Then the upload fails as it would in AWS, and the guard names the function, the action and the object."""
    guard.documents["UploadFunction"] = [
        {**document, "Statement": [s for s in document["Statement"] if "s3:PutObject" not in _actions(s)]}
        for document in guard.documents["UploadFunction"]
    ]

    response = post(api, account.private_key, {"fileName": "refused.png"}, image())

    assert response.status_code >= 500
    denied = [request for call in guard.calls for request in call.denied]
    assert [(r.action, r.resource.split(":::")[0]) for r in denied] == [("s3:PutObject", "arn:aws:s3")]


def _actions(statement: dict[str, Any]) -> list[str]:
    action = statement.get("Action", [])
    return action if isinstance(action, list) else [action]
