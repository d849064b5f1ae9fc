"""An img-processing.com client over plain HTTP (the standard library's urllib, as a script would call it) against
`medialib local start-api`: x-api-key, the Image object, unpublish (url null, the delivery URL 404, the download
still the bytes, following the redirect to S3 as urllib does by itself), publish again, and an error body."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from base64 import b64encode
from typing import Any

import pytest

from tests.e2e.conftest import RunningStack
from tests.upload_helpers import image, multipart

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def local_api(delivery_api: RunningStack) -> RunningStack:
    """The delivery tests' own stack: these uploads stay out of the account the SDK tests expect empty."""
    return delivery_api


def _lowered(headers: Any) -> dict[str, str]:
    """Header names lowercased: S3 and the gateway spell them differently."""
    return {str(name).lower(): str(value) for name, value in headers}


def _call(request: urllib.request.Request) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, _lowered(response.headers.items()), response.read()
    except urllib.error.HTTPError as error:
        return error.code, _lowered(error.headers.items()), error.read()


def _image_call(stack: RunningStack, method: str, path: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(
        f"{stack.base_url}/v1/images/{path}", method=method, headers={"x-api-key": stack.private_key}
    )
    return _call(request)


def _upload(stack: RunningStack, content: bytes) -> dict[str, Any]:
    body, content_type = multipart(
        {"fileName": "script.png", "folder": f"/img-processing-{uuid.uuid4().hex[:8]}"}, content
    )
    auth = b64encode(f"{stack.private_key}:".encode()).decode()
    request = urllib.request.Request(
        f"{stack.base_url}/api/v1/files/upload",
        data=body,
        method="POST",
        headers={"Authorization": f"Basic {auth}", "Content-Type": content_type},
    )
    status, _, answer = _call(request)
    assert status == 200, answer
    uploaded: dict[str, Any] = json.loads(answer)
    return uploaded


def test_an_img_processing_script_unpublishes_downloads_and_publishes(local_api: RunningStack) -> None:
    """Given a PNG uploaded, When a script unpublishes it with x-api-key over HTTP, Then the Image's url is null,
    its delivery URL answers 404 and the download (urllib follows the redirect) is the uploaded bytes with their
    type; When it publishes it again, Then url is the delivery URL and serves the image."""
    content = image(32, 24, "PNG")
    uploaded = _upload(local_api, content)
    file_id = uploaded["fileId"]

    status, _, body = _image_call(local_api, "POST", f"{file_id}/unpublish")
    assert status == 200, body
    assert json.loads(body)["url"] is None
    assert _call(urllib.request.Request(uploaded["url"]))[0] == 404

    status, headers, downloaded = _image_call(local_api, "GET", f"{file_id}/download")
    assert (status, downloaded, headers["content-type"]) == (200, content, "image/png")
    assert headers["content-disposition"] == f'attachment; filename="{uploaded["name"]}"'

    status, _, body = _image_call(local_api, "POST", f"{file_id}/publish")
    assert (status, json.loads(body)["url"]) == (200, uploaded["url"])
    status, _, served = _call(urllib.request.Request(uploaded["url"]))
    assert (status, served) == (200, content)


def test_an_unknown_image_is_an_img_processing_error(local_api: RunningStack) -> None:
    """Given no such image, When a script asks for it over HTTP, Then 404 {"error": {"code", "message"}}."""
    status, headers, body = _image_call(local_api, "GET", "no-such-image")
    assert (status, headers["content-type"]) == (404, "application/json")
    assert json.loads(body)["error"]["code"] == "image_not_found"
