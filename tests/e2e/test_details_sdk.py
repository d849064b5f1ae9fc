"""Details, delete, tags in bulk and metadata end to end against `medialib local start-api`, through the official
Python SDK unchanged but for its base URL (``client.files.update``, ``client.files.delete``,
``client.files.bulk.delete/add_tags/remove_tags/remove_ai_tags``, ``client.files.metadata.get/get_from_url``), each
answer parsed by the SDK's own model. The Node SDK's subset runs in tests/e2e/node/details.test.mjs, started from
here. tests/integration/test_file_details.py, test_file_delete.py and test_file_metadata.py hold the rules."""

from __future__ import annotations

import io
import uuid

import httpx
import imagekitio
import pytest
from imagekitio import ImageKit
from imagekitio.types import Metadata
from imagekitio.types.file_update_response import FileUpdateResponse
from imagekitio.types.files import BulkAddTagsResponse, BulkDeleteResponse, BulkRemoveTagsResponse
from PIL import Image

from tests.e2e.conftest import RunningStack, run_node_tests

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def local_api(delivery_api: RunningStack) -> RunningStack:
    """The delivery tests' stack: these uploads stay out of the account test_python_sdk.py expects empty."""
    return delivery_api


@pytest.fixture(scope="module")
def client(local_api: RunningStack) -> ImageKit:
    return ImageKit(private_key=local_api.private_key, base_url=local_api.base_url)


def photo(width: int = 48, height: int = 32) -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "Canon"
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 40, 40)).save(out, "JPEG", quality=88, exif=exif.tobytes())
    return out.getvalue()


def upload(client: ImageKit, name: str = "p.jpg", **options: object) -> str:
    folder = "/details-e2e-" + uuid.uuid4().hex[:10]
    answer = client.files.upload(file=photo(), file_name=name, folder=folder, use_unique_file_name=False, **options)  # type: ignore[arg-type]  # options: the SDK's own keyword arguments
    assert answer.file_id is not None
    return answer.file_id


def test_update_details_with_the_sdk(client: ImageKit) -> None:
    """Given an uploaded photo, When the SDK updates its details as ImageKit documents them, Then the answer is the
    SDK's FileUpdateResponse with the new tags, coordinates and description and extensionStatus, and a second
    call clears the coordinates."""
    file_id = upload(client, tags=["old"])

    updated = client.files.update(
        file_id,
        tags=["a", "b"],
        custom_coordinates="1,1,10,10",
        description="d",
        remove_ai_tags="all",
        extensions=[{"name": "google-auto-tagging", "max_tags": 3, "min_confidence": 80}],
        webhook_url="https://hooks.example/ik",
    )

    assert isinstance(updated, FileUpdateResponse)
    assert (updated.tags, updated.custom_coordinates, updated.description) == (["a", "b"], "1,1,10,10", "d")
    assert updated.extension_status is not None and updated.extension_status.google_auto_tagging == "failed"
    cleared = client.files.update(file_id, custom_coordinates=None)
    assert cleared.custom_coordinates is None and cleared.extension_status is None
    assert client.files.get(file_id).tags == ["a", "b"]


def test_a_bad_update_is_the_sdks_bad_request_error(client: ImageKit) -> None:
    file_id = upload(client)
    with pytest.raises(imagekitio.BadRequestError) as refused:
        client.files.update(file_id, custom_coordinates="1,2,3")
    assert isinstance(refused.value.body, dict) and "customCoordinates" in refused.value.body["message"]


def test_delete_with_the_sdk_and_delivery_404s(client: ImageKit, local_api: RunningStack) -> None:
    """Given a delivered file, When the SDK deletes it, Then its URL answers 404 at once and a second delete is the
    SDK's NotFoundError."""
    file_id = upload(client)
    url = client.files.get(file_id).url
    assert url is not None and httpx.get(url).status_code == 200

    client.files.delete(file_id)  # 204: the SDK returns nothing

    assert httpx.get(url).status_code == 404
    with pytest.raises(imagekitio.NotFoundError):
        client.files.delete(file_id)


def test_bulk_tags_and_delete_with_the_sdk(client: ImageKit) -> None:
    """Given two files, When tags are added, removed, AITags removed, then both deleted in bulk, Then each answer
    is the SDK's model with both ids; a missing id is the SDK's NotFoundError naming it."""
    ids = [upload(client, tags=["keep"]), upload(client)]

    added = client.files.bulk.add_tags(file_ids=ids, tags=["x", "y"])
    assert isinstance(added, BulkAddTagsResponse) and added.successfully_updated_file_ids == ids
    assert client.files.get(ids[0]).tags == ["keep", "x", "y"]
    removed = client.files.bulk.remove_tags(file_ids=ids, tags=["x"])
    assert isinstance(removed, BulkRemoveTagsResponse) and removed.successfully_updated_file_ids == ids
    assert client.files.bulk.remove_ai_tags(file_ids=ids, ai_tags=["Car"]).successfully_updated_file_ids == ids
    assert client.files.get(ids[1]).tags == ["y"]

    with pytest.raises(imagekitio.NotFoundError) as missing:
        client.files.bulk.delete(file_ids=[ids[0], "nope" * 6])
    assert isinstance(missing.value.body, dict) and missing.value.body["missingFileIds"] == ["nope" * 6]

    deleted = client.files.bulk.delete(file_ids=ids)
    assert isinstance(deleted, BulkDeleteResponse) and deleted.successfully_deleted_file_ids == ids
    with pytest.raises(imagekitio.NotFoundError):
        client.files.get(ids[0])


def test_metadata_with_the_sdk(client: ImageKit) -> None:
    """Given a 48x32 JPEG with EXIF, When the SDK reads its metadata by id and by URL (bare, and transformed to
    w-24), Then the SDK's Metadata models say so."""
    file_id = upload(client)
    url = client.files.get(file_id).url
    assert url is not None

    by_id = client.files.metadata.get(file_id)
    assert isinstance(by_id, Metadata)
    assert (by_id.width, by_id.height, by_id.format, by_id.quality) == (48, 32, "jpg", 88)
    assert by_id.exif is not None and by_id.exif.image is not None and by_id.exif.image.make == "Canon"
    assert by_id.p_hash is not None and len(by_id.p_hash) == 16

    assert client.files.metadata.get_from_url(url=url).p_hash == by_id.p_hash
    small = client.files.metadata.get_from_url(url=url + "?tr=w-24")
    assert (small.width, small.height) == (24, 16)

    with pytest.raises(imagekitio.BadRequestError):
        client.files.metadata.get_from_url(url="https://ik.imagekit.io/demo/a.jpg")


def test_the_node_sdk_updates_deletes_tags_and_reads_metadata(client: ImageKit, local_api: RunningStack) -> None:
    file_id = upload(client)
    result = run_node_tests("details.test.mjs", local_api, FILE_ID=file_id)
    assert "# pass 4" in result.stdout, result.stdout
