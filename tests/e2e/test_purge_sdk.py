"""Purge with the official SDKs against `medialib local start-api`: the Python SDK's
``client.cache.invalidation.create(url=...)`` / ``.get(request_id)`` and the Node SDK's
``client.cache.invalidation`` (tests/e2e/node/purge.test.mjs, run from here). What the purge did is read inside
the stack's moto with boto3, from the values its banner prints: the CloudFront invalidation with the request id
as CallerReference and the file's paths, and no rendition of the file left in the renditions bucket."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import imagekitio
import pytest
from imagekitio import ImageKit

from tests.e2e.conftest import RunningStack, run_node_tests
from tests.e2e.pictures import grid
from tests.e2e.test_local_aws import _client, _invalidations

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def local_api(delivery_api: RunningStack) -> RunningStack:
    """The delivery tests' stack: these uploads stay out of the shared one, whose account test_python_sdk.py
    expects empty."""
    return delivery_api


@pytest.fixture
def client(local_api: RunningStack) -> ImageKit:
    return ImageKit(private_key=local_api.private_key, base_url=local_api.base_url)


def _uploaded_and_delivered(client: ImageKit, local_api: RunningStack) -> Any:
    """A PNG uploaded into a fresh folder and delivered once as ?tr=w-10 (so a rendition of it is cached)."""
    folder = "/purge-e2e-" + uuid.uuid4().hex[:10]
    answer = client.files.upload(file=grid(), file_name="grid.png", folder=folder, use_unique_file_name=False)
    assert answer.url is not None
    delivered = httpx.get(answer.url + "?tr=w-10", timeout=30)
    assert delivered.status_code == 200, delivered.text
    return answer


def _invalidation(local_api: RunningStack, request_id: str) -> dict[str, Any] | None:
    made = [i for i in _invalidations(local_api) if i["InvalidationBatch"]["CallerReference"] == request_id]
    return dict(made[0]) if made else None


def _renditions(local_api: RunningStack, file_id: str) -> list[str]:
    s3 = _client(local_api, "s3")
    prefix = f"renditions/{local_api.account_id}/{file_id}/"
    return [
        obj["Key"]
        for bucket in s3.list_buckets()["Buckets"]
        for obj in s3.list_objects_v2(Bucket=bucket["Name"], Prefix=prefix).get("Contents", [])
    ]


def test_the_python_sdk_purges_a_file_and_reads_the_status(client: ImageKit, local_api: RunningStack) -> None:
    """Given an uploaded file with a cached rendition, When client.cache.invalidation.create purges its URL and
    .get reads the request, Then a request id, the status Completed (moto completes invalidations at once), the
    invalidation in moto holding the file's path under the account, and no rendition of the file left."""
    uploaded = _uploaded_and_delivered(client, local_api)
    assert uploaded.file_id is not None
    assert _renditions(local_api, uploaded.file_id)

    created = client.cache.invalidation.create(url=str(uploaded.url))

    assert created.request_id is not None
    assert client.cache.invalidation.get(created.request_id).status == "Completed"
    invalidation = _invalidation(local_api, created.request_id)
    assert invalidation is not None
    paths = invalidation["InvalidationBatch"]["Paths"]["Items"]
    assert f"/{local_api.account_id}{uploaded.file_path}*" in paths
    assert all(path.startswith(f"/{local_api.account_id}/") for path in paths)
    assert _renditions(local_api, uploaded.file_id) == []


def test_the_python_sdk_gets_a_400_for_a_forbidden_wildcard_once(local_api: RunningStack) -> None:
    """Given the forbidden pattern media/catalog/*, When the SDK purges it, Then BadRequestError with ImageKit's
    body saying why, after exactly one request (x-should-retry: false)."""
    sent: list[httpx.Request] = []
    client = ImageKit(
        private_key=local_api.private_key,
        base_url=local_api.base_url,
        http_client=httpx.Client(event_hooks={"request": [sent.append]}),
    )
    with pytest.raises(imagekitio.BadRequestError) as caught:
        client.cache.invalidation.create(url=f"{local_api.base_url}/{local_api.account_id}/media/catalog/*")
    assert caught.value.status_code == 400
    assert isinstance(caught.value.body, dict)
    assert caught.value.body["reason"] == "INVALID_PURGE_URL"
    assert len(sent) == 1


def test_the_node_sdk_purges_a_file_and_reads_the_status(client: ImageKit, local_api: RunningStack) -> None:
    """Given an uploaded file, When tests/e2e/node/purge.test.mjs purges it with the Node SDK and reads the
    status, and tries a wildcard in the middle and an unknown id, Then every case passes and the file's
    renditions are gone from the bucket."""
    uploaded = _uploaded_and_delivered(client, local_api)
    endpoint = f"{local_api.base_url}/{local_api.account_id}"
    run_node_tests("purge.test.mjs", local_api, URL_ENDPOINT=endpoint, FILE_URL=str(uploaded.url))
    assert uploaded.file_id is not None
    assert _renditions(local_api, uploaded.file_id) == []
