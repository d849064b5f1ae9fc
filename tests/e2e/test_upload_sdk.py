"""Upload and versions with the official SDKs, unchanged but for their base URL, against `medialib local
start-api`: Python (imagekitio) uploads binary and base64 with every option and drives the versions; Node
(@imagekit/nodejs) uploads binary and base64 (tests/e2e/node/upload.test.mjs). Answers parse in the SDKs' models.

Runs after test_python_sdk.py and test_node_sdk.py (file order), whose first cases expect an empty account."""

from __future__ import annotations

import base64
import uuid

import httpx
import imagekitio
import pytest
from imagekitio import ImageKit

from tests.e2e.conftest import RunningStack, run_node_tests
from tests.upload_helpers import image

pytestmark = pytest.mark.e2e


@pytest.fixture
def client(local_api: RunningStack) -> ImageKit:
    return ImageKit(private_key=local_api.private_key, base_url=local_api.base_url)


def test_python_binary_upload_with_every_option(client: ImageKit, local_api: RunningStack) -> None:
    """Given a 40x30 PNG, When client.files.upload sends it with every option the SDK has (but the client-side
    auth fields and customMetadata, which need later issues), Then a FileUploadResponse with ImageKit's values, the
    file as ``transformation.pre`` made it (w-20: 20x15)."""
    png = image(40, 30)
    folder = f"/sdk-{uuid.uuid4().hex[:8]}/"
    answer = client.files.upload(
        file=png,
        file_name="my photo.png",
        folder=folder,
        tags=["t-shirt", "round-neck"],
        custom_coordinates="1,1,10,10",
        checks='"file.size" < "1mb"',
        description="desc",
        extensions=[{"name": "google-auto-tagging", "max_tags": 5, "min_confidence": 95}],
        is_private_file=False,
        is_published=True,
        overwrite_ai_tags=False,
        overwrite_custom_metadata=True,
        overwrite_file=True,
        overwrite_tags=True,
        response_fields=["tags", "customCoordinates", "isPublished", "embeddedMetadata", "metadata"],
        transformation={"pre": "w-20", "post": [{"type": "transformation", "value": "w-10"}]},
        use_unique_file_name=False,
        webhook_url="https://example.com/hook",
    )
    assert isinstance(answer, imagekitio.types.FileUploadResponse)
    assert (answer.name, answer.file_path, answer.width, answer.height) == (
        "my_photo.png",
        f"{folder}my_photo.png",
        20,
        15,
    )
    assert answer.size is not None and answer.size != len(png)
    assert answer.version_info is not None and answer.version_info.id == answer.file_id
    assert (answer.tags, answer.custom_coordinates, answer.is_published) == (
        ["t-shirt", "round-neck"],
        "1,1,10,10",
        True,
    )
    assert answer.extension_status is not None and answer.extension_status.google_auto_tagging == "failed"
    assert answer.url and httpx.URL(answer.url).path == f"/{local_api.account_id}{folder}my_photo.png"


def test_python_base64_upload(client: ImageKit) -> None:
    """Given base64 text sent as a text part (a file tuple without a file name), When uploaded, Then the decoded
    image is stored."""
    png = image(7, 5)
    answer = client.files.upload(file=(None, base64.b64encode(png)), file_name="b64.png")
    assert (answer.width, answer.height, answer.size, answer.file_type) == (7, 5, len(png), "image")


def test_python_versions_list_get_restore_delete(client: ImageKit) -> None:
    """Given three uploads to one path, When the SDK lists, gets, restores and deletes versions, Then each answer
    parses in the SDK's File model, restore makes Version 1 current, and deleting the current one is a
    BadRequestError raised once."""
    folder = f"/sdk-versions-{uuid.uuid4().hex[:8]}"
    uploads = [
        client.files.upload(file=f"v{n}".encode(), file_name="v.txt", folder=folder, use_unique_file_name=False)
        for n in (1, 2, 3)
    ]
    file_id = uploads[0].file_id
    assert file_id is not None
    listed = client.files.versions.list(file_id)
    assert [v.version_info.name for v in listed if v.version_info] == ["Version 1", "Version 2", "Version 3"]
    assert [v.type for v in listed] == ["file-version", "file-version", "file"]
    first_id = listed[0].version_info.id if listed[0].version_info else ""
    got = client.files.versions.get(str(first_id), file_id=file_id)
    assert got.url and "ik-obj-version=" in got.url
    restored = client.files.versions.restore(str(first_id), file_id=file_id)
    assert restored.version_info is not None and restored.version_info.name == "Version 1"
    assert client.files.get(file_id).version_info.id == first_id  # type: ignore[union-attr]
    with pytest.raises(imagekitio.BadRequestError) as caught:
        client.files.versions.delete(str(first_id), file_id=file_id)
    assert caught.value.body["message"] == "You cannot delete current version of a file."  # type: ignore[index]
    third = listed[2].version_info.id if listed[2].version_info else ""
    client.files.versions.delete(str(third), file_id=file_id)
    assert len(client.files.versions.list(file_id)) == 2


def test_node_sdk_uploads(local_api: RunningStack) -> None:
    """Given the pinned Node SDK, When tests/e2e/node/upload.test.mjs runs against the stack, Then every case
    passes: binary with options, base64, and a version of one path."""
    run_node_tests("upload.test.mjs", local_api)
