"""A retried upload through the official Python SDK (imagekitio) against `medialib local start-api`: the SDK
sends no idempotency header of its own, but passes ``extra_headers`` on every attempt, retries included, so an
``Idempotency-Key`` makes its retry after a lost answer return the first upload instead of a second version.

Runs after test_python_sdk.py and test_node_sdk.py (file order), whose first cases expect an empty account."""

from __future__ import annotations

import uuid

import httpx
import pytest
from imagekitio import ImageKit

from tests.e2e.conftest import RunningStack
from tests.upload_helpers import image

pytestmark = pytest.mark.e2e


class AnswerLostOnce(httpx.HTTPTransport):
    """Delivers each request to the server; the answer of the first upload is lost on the way back (a read
    timeout, as when a client gives up on a slow upload that the server finished)."""

    def __init__(self) -> None:
        super().__init__()
        self.uploads: list[httpx.Request] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        if request.url.path.endswith("/files/upload"):
            self.uploads.append(request)
            if len(self.uploads) == 1:
                response.read()
                response.close()
                raise httpx.ReadTimeout("the answer was lost", request=request)
        return response


@pytest.mark.parametrize(
    ("idempotency_key", "versions_made"),
    [
        pytest.param(str(uuid.uuid4()), 1, id="with-idempotency-key-the-retry-makes-no-second-version"),
        pytest.param(None, 2, id="without-a-key-the-retry-is-a-second-version"),
    ],
)
def test_an_sdk_retry_after_a_lost_answer(
    local_api: RunningStack, idempotency_key: str | None, versions_made: int
) -> None:
    """Given the Python SDK (its own retry policy) whose first upload's answer is lost after the server stored it,
    When it uploads to one path with ``extra_headers={"Idempotency-Key": K}``, Then it retries by itself, sending K
    again, and gets a FileUploadResponse; the file has one version. Without a key the same retry is a second
    version (what the key prevents)."""
    transport = AnswerLostOnce()
    client = ImageKit(
        private_key=local_api.private_key,
        base_url=local_api.base_url,
        max_retries=2,
        http_client=httpx.Client(transport=transport),
    )
    folder = f"/sdk-idem-{uuid.uuid4().hex[:8]}"
    headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}

    answer = client.files.upload(
        file=image(), file_name="retried.png", folder=folder, use_unique_file_name=False, extra_headers=headers
    )

    assert len(transport.uploads) == 2
    assert [r.headers.get("Idempotency-Key") for r in transport.uploads] == [idempotency_key] * 2
    assert answer.file_id and answer.version_info and answer.version_info.name == f"Version {versions_made}"
    assert len(client.files.versions.list(answer.file_id)) == versions_made
