"""The upload-session flow as a user runs it against `medialib local start-api`: a file over what a direct upload
carries (about 4.4 MB) is opened as a session with httpx and Basic auth, posted to the presigned S3 POST (the
local moto endpoint), finalised by S3 "Object Created" -> the template's EventBridge rule -> the upload
function, polled, and then read with the official Python SDK."""

from __future__ import annotations

import os
import uuid

import pytest
from imagekitio import ImageKit

from tests.e2e.conftest import RunningStack, upload_through_session

pytestmark = pytest.mark.e2e


def test_a_6_mb_file_through_an_upload_session_is_seen_by_the_sdk(local_api: RunningStack) -> None:
    """Given 6 MB of video (over Lambda's 6 MB event once base64-encoded), When a session is opened, the file is
    posted to S3 and the session polled, Then it is COMPLETED and client.files.get(fileId) answers the file with
    its name, folder and size."""
    content = os.urandom(6 * 1024 * 1024)
    folder = f"/sessions-{uuid.uuid4().hex[:8]}"
    state = upload_through_session(local_api, "launch.mp4", content, "video/mp4", folder)

    assert state["status"] == "COMPLETED", state
    client = ImageKit(private_key=local_api.private_key, base_url=local_api.base_url)
    file = client.files.get(state["file"]["fileId"])
    assert (file.name, file.file_path, file.size) == ("launch.mp4", f"{folder}/launch.mp4", len(content))
