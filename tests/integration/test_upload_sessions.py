"""Upload sessions end to end on the local stack: open a session through the API, post the file to the presigned
S3 POST with a plain HTTP client, S3 "Object Created" -> the template's EventBridge rule -> the upload function
finalises it, and the client polls the session until the file is there."""

from __future__ import annotations

import json
import time
from typing import Any

import boto3
import httpx
import pytest
from botocore.exceptions import ClientError

from tests.conftest import basic, load_event
from tests.upload_helpers import image, png_bomb

SESSIONS = "/api/v1/files/upload/sessions"


def open_session(api: Any, key: str, **body: Any) -> Any:
    return api.post(SESSIONS, data=json.dumps(body), headers={**basic(key), "Content-Type": "application/json"})


def post_file(upload: dict[str, Any], content: bytes, content_type: str) -> httpx.Response:
    return httpx.post(upload["url"], data=upload["fields"], files={"file": ("upload", content, content_type)})


def poll(api: Any, key: str, session_id: str, *, timeout: float = 20.0) -> dict[str, Any]:
    """The session once it is no longer PENDING (or the last answer at the timeout)."""
    deadline = time.monotonic() + timeout
    while True:
        answer = api.get(f"{SESSIONS}/{session_id}", headers=basic(key))
        assert answer.status_code == 200, answer.get_data(as_text=True)
        body: dict[str, Any] = answer.get_json()
        if body["status"] != "PENDING" or time.monotonic() > deadline:
            return body
        time.sleep(0.05)


def stored(bucket: str, key: str) -> bool:
    try:
        boto3.client("s3").head_object(Bucket=bucket, Key=key)
    except ClientError:
        return False
    return True


@pytest.fixture
def bucket(stack: Any) -> str:
    return str(stack.provisioned.physical["OriginalsBucket"])


def test_a_session_file_posted_to_s3_becomes_a_file(api: Any, account: Any, bucket: str) -> None:
    """Given a session opened for a 600x400 JPEG with options (folder, tags, no unique name), When the file is
    posted to its presigned S3 POST, Then the session turns COMPLETED with the direct upload's JSON, the file's
    details answer the same file, and the incoming/ object is gone."""
    content = image(600, 400, "JPEG")
    opened = open_session(
        api, account.private_key, fileName="big photo.jpg", fileSize=len(content), contentType="image/jpeg",
        folder="/sessions/big", tags=["a", "b"], useUniqueFileName=False,
    )  # fmt: skip
    assert opened.status_code == 201, opened.get_data(as_text=True)
    session = opened.get_json()
    assert session["status"] == "PENDING"
    key = session["upload"]["fields"]["key"]
    assert key == f"incoming/{account.account_id}/{session['sessionId']}"

    sent = post_file(session["upload"], content, "image/jpeg")
    done = poll(api, account.private_key, session["sessionId"])

    assert sent.status_code == 204, sent.text
    assert done["status"] == "COMPLETED", done
    file = done["file"]
    assert (file["name"], file["filePath"], file["size"]) == (
        "big_photo.jpg",
        "/sessions/big/big_photo.jpg",
        len(content),
    )
    assert (file["width"], file["height"], file["tags"], file["fileType"]) == (600, 400, ["a", "b"], "image")
    details = api.get(f"/v1/files/{file['fileId']}/details", headers=basic(account.private_key))
    assert details.status_code == 200
    assert details.get_json()["filePath"] == "/sessions/big/big_photo.jpg"
    assert not stored(bucket, key)


def test_a_file_larger_than_the_declared_size_is_refused_by_s3(api: Any, account: Any, bucket: str) -> None:
    """Given a session opened for 1000 bytes, When 1001 bytes are posted, Then S3 refuses them (EntityTooLarge),
    nothing is in incoming/ and the session stays PENDING."""
    session = open_session(api, account.private_key, fileName="a.bin", fileSize=1000).get_json()

    sent = post_file(session["upload"], b"x" * 1001, "application/octet-stream")

    assert sent.status_code == 400
    assert "<Code>EntityTooLarge</Code>" in sent.text
    assert not stored(bucket, session["upload"]["fields"]["key"])
    assert poll(api, account.private_key, session["sessionId"], timeout=0)["status"] == "PENDING"


def test_a_refused_file_fails_the_session_with_its_reason(api: Any, account: Any, bucket: str) -> None:
    """Given a session for a PNG, When a decompression bomb is posted, Then the session is FAILED with the reason
    the direct upload gives, nothing is stored in its folder, and the incoming/ object is gone."""
    bomb = png_bomb()
    folder = f"/bombs/{time.time_ns()}"
    session = open_session(
        api, account.private_key, fileName="bomb.png", fileSize=len(bomb), contentType="image/png", folder=folder
    ).get_json()

    post_file(session["upload"], bomb, "image/png")
    done = poll(api, account.private_key, session["sessionId"])

    assert done["status"] == "FAILED", done
    assert done["file"] is None
    assert done["error"]["message"].startswith("The image has")
    listed = api.get(f"/v1/files?type=all&path={folder}", headers=basic(account.private_key))
    assert listed.status_code == 200
    assert listed.get_json() == []
    assert not stored(bucket, session["upload"]["fields"]["key"])


def test_a_repeated_event_changes_nothing(api: Any, account: Any, invoke: Any, bucket: str) -> None:
    """Given a session finalised into a file, When EventBridge delivers the same event again (a retry), Then the
    function reports it already finished and the session still names the same single file."""
    content = b"%PDF-1.4 session repeat"
    session = open_session(api, account.private_key, fileName="doc.pdf", fileSize=len(content)).get_json()
    post_file(session["upload"], content, "application/octet-stream")
    first = poll(api, account.private_key, session["sessionId"])
    assert first["status"] == "COMPLETED", first
    event = load_event("upload-session-finalise")
    event["detail"]["bucket"]["name"] = bucket
    event["detail"]["object"]["key"] = session["upload"]["fields"]["key"]

    result = invoke("UploadFunction", event)

    assert result["outcome"] == "ALREADY_FINISHED"
    assert poll(api, account.private_key, session["sessionId"]) == first


def test_another_accounts_session_is_not_found(api: Any, account: Any, other_account: Any) -> None:
    """Given a session of the dev account, When another account asks for it, Then 404 in ImageKit's shape."""
    session = open_session(api, account.private_key, fileName="a.bin", fileSize=10).get_json()

    answer = api.get(f"{SESSIONS}/{session['sessionId']}", headers=basic(other_account.private_key))

    assert answer.status_code == 404
    assert answer.headers["x-should-retry"] == "false"
    assert answer.get_json()["message"] == "The requested upload session does not exist."


def test_a_browser_opens_and_polls_a_session_with_signed_fields(api: Any, account: Any) -> None:
    """Given ImageKit's client-side fields signed by the account's backend (no Authorization header), When a
    browser opens a session with them, reuses the token, and polls with a fresh token in the query string, Then
    201, then 400 TOKEN_REUSED, then 200 PENDING."""
    from medialib.upload.signing import sign

    def signed(token: str) -> dict[str, str]:
        expire = str(int(time.time()) + 600)
        return {"publicKey": account.public_key, "token": token, "expire": expire,
                "signature": sign(account.private_key, token, expire)}  # fmt: skip

    first = signed(f"tok-{time.time_ns()}")
    body = {"fileName": "b.bin", "fileSize": 10, **first}
    opened = api.post(SESSIONS, data=json.dumps(body), headers={"Content-Type": "application/json"})
    replay = api.post(SESSIONS, data=json.dumps(body), headers={"Content-Type": "application/json"})
    session_id = opened.get_json()["sessionId"]
    query = "&".join(f"{k}={v}" for k, v in signed(f"tok-{time.time_ns()}").items())
    polled = api.get(f"{SESSIONS}/{session_id}?{query}")

    assert opened.status_code == 201, opened.get_data(as_text=True)
    assert (replay.status_code, replay.get_json()["reason"]) == (400, "TOKEN_REUSED")
    assert (polled.status_code, polled.get_json()["status"]) == (200, "PENDING")


def test_a_direct_upload_over_api_gateways_10_mb_names_the_session_endpoint(api: Any, account: Any) -> None:
    """Given an 11 MB direct upload, When sent, Then API Gateway's 413 (the template's REQUEST_TOO_LARGE) tells
    the client to use POST /api/v1/files/upload/sessions."""
    answer = api.post(
        "/api/v1/files/upload",
        data=b"x" * (11 * 1024 * 1024),
        headers={**basic(account.private_key), "Content-Type": "multipart/form-data; boundary=x"},
    )
    assert answer.status_code == 413
    assert "use an upload session: POST /api/v1/files/upload/sessions" in answer.get_json()["help"]
