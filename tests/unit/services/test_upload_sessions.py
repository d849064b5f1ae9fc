"""Upload sessions against in-memory stores: opening checks the direct upload's rules and presigns exactly one
key, size and type; the finaliser runs the upload pipeline once, records a refusal as the session's failure,
and is a no-op on a repeated, unknown or concurrent event; a dependency failure is left to Lambda's retries."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from medialib.accounts import service as accounts
from medialib.accounts.models import Account
from medialib.errors import BadRequestError, NotFoundError, RetryableError, ServiceUnavailableError, UnauthorizedError
from medialib.upload import sessions
from medialib.upload.session_rules import POST_VALID_SECONDS, SESSION_TTL_SECONDS
from tests.unit.services.fakes import FakeAccountStore, FakeBlobs, FakeFileStore, FakeUploadTokenStore
from tests.unit.services.session_fakes import FakeIncoming, FakeUploadSessionStore
from tests.upload_helpers import image, png_bomb

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
BUCKET = "originals"
BASE = "https://media.example.com"
ACME = Account(account_id="acme", public_key="public_acme_key", private_key="private_acme_key")
OTHER = Account(account_id="other", public_key="public_other_key", private_key="private_other_key")
JSON_TYPE = "application/json"


def basic(key: str) -> str:
    return "Basic " + base64.b64encode(f"{key}:x".encode()).decode()


@pytest.fixture
def world(
    monkeypatch: pytest.MonkeyPatch,
    account_store: FakeAccountStore,
    upload_tokens: FakeUploadTokenStore,
    file_store: FakeFileStore,
    blob_store: FakeBlobs,
) -> tuple[FakeUploadSessionStore, FakeIncoming, FakeFileStore]:
    accounts.seed_account(ACME)
    accounts.seed_account(OTHER)
    store, incoming = FakeUploadSessionStore(), FakeIncoming()
    monkeypatch.setattr(sessions, "store", store)
    monkeypatch.setattr(sessions, "incoming", incoming)
    return store, incoming, file_store


def open_(body: dict[str, Any], key: str = "private_acme_key") -> dict[str, Any]:
    return sessions.open_session(basic(key), JSON_TYPE, json.dumps(body).encode(), BUCKET, now=NOW)


def posted(incoming: FakeIncoming, opened: dict[str, Any], content: bytes) -> str:
    """The client's POST to S3: the object at the presigned key."""
    key = str(opened["upload"]["fields"]["key"])
    incoming.objects[(BUCKET, key)] = content
    return key


def test_opening_presigns_one_key_size_and_type_for_15_minutes(world: Any) -> None:
    """Given a JSON request for a 5 MB JPEG with options, When a session is opened, Then it is PENDING, the POST is
    presigned for incoming/acme/<sessionId>, exactly 5 MB, image/jpeg, 15 minutes, and the session keeps the
    options as the form's fields (JSON values as the form's text) until its TTL a day later."""
    store, incoming, _ = world
    opened = open_(
        {"fileName": "a.jpg", "fileSize": 5_000_000, "contentType": "image/jpeg", "tags": ["x", "y"],
         "isPrivateFile": True, "customCoordinates": None}
    )  # fmt: skip

    session_id = opened["sessionId"]
    assert opened["status"] == "PENDING"
    assert incoming.posts == [
        {"bucket": BUCKET, "key": f"incoming/acme/{session_id}", "content_type": "image/jpeg", "size": 5_000_000,
         "expires_in": POST_VALID_SECONDS}
    ]  # fmt: skip
    assert opened["upload"]["expiresAt"] == "2026-05-01T12:15:00.000Z"
    item = store.items[("acme", session_id)]
    assert item.options == {"fileName": "a.jpg", "tags": "x,y", "isPrivateFile": "true"}
    assert item.expires_at == int(NOW.timestamp()) + SESSION_TTL_SECONDS


@pytest.mark.parametrize(
    ("body", "reason", "words"),
    [
        ({"fileSize": 10}, "MISSING_PARAMETER", "fileName"),
        ({"fileName": "a.jpg"}, "INVALID_PARAMETER", "fileSize is required"),
        ({"fileName": "a.jpg", "fileSize": "12kb"}, "INVALID_PARAMETER", "whole number"),
        ({"fileName": "a.jpg", "fileSize": 0}, "INVALID_PARAMETER", "at least 1 byte"),
        ({"fileName": "a.jpg", "fileSize": 25 * 1024 * 1024 + 1}, "FILE_TOO_LARGE", "at most 26214400"),
        ({"fileName": "a.jpg", "fileSize": 9, "contentType": "jpeg"}, "INVALID_PARAMETER", "media type"),
        ({"fileName": "a.jpg", "fileSize": 9, "tags": "a%b"}, "INVALID_PARAMETER", "tags"),
        ({"fileName": "a.jpg", "fileSize": 9, "folder": "/a/../b"}, "INVALID_PARAMETER", "folder"),
        ({"fileName": "a.jpg", "fileSize": 9, "customMetadata": {"nope": 1}}, "INVALID_PARAMETER", "customMetadata"),
        ({"fileName": "a.jpg", "fileSize": 9, "extensions": "[{"}, "INVALID_PARAMETER", "extensions"),
        ({"fileName": "a.jpg", "fileSize": 9, "tags": "t" * 70_000}, "INVALID_PARAMETER", "options"),
    ],
    ids=[
        "file-name-missing", "file-size-missing", "file-size-not-a-number", "file-size-zero",
        "file-size-over-25-mb", "content-type-not-a-media-type", "tags-with-percent", "folder-with-dot-dot",
        "unknown-custom-metadata-field", "malformed-extensions-json", "options-over-64-kb",
    ],
)  # fmt: skip
def test_a_request_the_direct_upload_would_refuse_opens_nothing(
    world: Any, body: dict[str, Any], reason: str, words: str
) -> None:
    """Given options or a size the direct upload's rules refuse, When a session is opened, Then 400 with the
    reason, naming the field, and no session nor POST exists."""
    store, incoming, _ = world
    with pytest.raises(BadRequestError) as refused:
        open_(body)
    assert (refused.value.reason, words in refused.value.message) == (reason, True), refused.value.message
    assert store.items == {}
    assert incoming.posts == []


def test_opening_needs_credentials(world: Any) -> None:
    """Given no Authorization and no signed fields, When a session is opened, Then 401 and no session."""
    store, _, _ = world
    with pytest.raises(UnauthorizedError):
        sessions.open_session(None, JSON_TYPE, b'{"fileName": "a", "fileSize": 1}', BUCKET, now=NOW)
    assert store.items == {}


def test_json_with_the_file_itself_is_refused(world: Any) -> None:
    """Given a JSON body whose file field holds base64, When a session is opened, Then 400 saying the file goes
    to S3, not here, and no session exists."""
    store, _, _ = world
    with pytest.raises(BadRequestError, match="not the file"):
        open_({"fileName": "a.txt", "fileSize": 5, "file": "aGVsbG8="})
    assert store.items == {}


def test_a_form_with_the_file_itself_is_refused(world: Any) -> None:
    """Given a multipart form that carries the file, When a session is opened, Then 400 saying the file goes to
    S3, not here."""
    boundary = "b0undary"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="fileName"\r\n\r\na.bin\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.bin"\r\n\r\nxyz\r\n--{boundary}--\r\n'
    ).encode()
    with pytest.raises(BadRequestError, match="not the file"):
        sessions.open_session(
            basic("private_acme_key"), f"multipart/form-data; boundary={boundary}", body, BUCKET, now=NOW
        )


def test_a_posted_image_becomes_the_direct_uploads_answer(world: Any) -> None:
    """Given an open session for a PNG in /s with tags, When its object is created, Then the finaliser answers
    COMPLETED, the session holds the upload JSON of that file (name, path, size, dimensions, tags), one file was
    stored, and the incoming object is deleted."""
    store, incoming, file_store = world
    content = image(64, 48)
    opened = open_({"fileName": "p.png", "fileSize": len(content), "contentType": "image/png", "folder": "/s",
                    "tags": "a,b", "useUniqueFileName": False})  # fmt: skip
    key = posted(incoming, opened, content)

    outcome = sessions.finalise(BUCKET, key, BASE, now=NOW)

    assert outcome == "COMPLETED"
    result = store.items[("acme", opened["sessionId"])].result
    assert result is not None
    assert (result["filePath"], result["size"], result["width"], result["height"], result["tags"]) == (
        "/s/p.png", len(content), 64, 48, ["a", "b"],
    )  # fmt: skip
    assert len([r for r in file_store.rows.values() if r]) == 1
    assert (BUCKET, key) not in incoming.objects


def test_a_refused_file_is_the_sessions_failure(world: Any) -> None:
    """Given an open session, When a decompression bomb is posted, Then the finaliser answers FAILED (no Lambda
    error), the session's error is the direct upload's 400 body, nothing is stored and the object is deleted."""
    store, incoming, file_store = world
    bomb = png_bomb()
    opened = open_({"fileName": "b.png", "fileSize": len(bomb), "contentType": "image/png"})
    key = posted(incoming, opened, bomb)

    outcome = sessions.finalise(BUCKET, key, BASE, now=NOW)

    assert outcome == "FAILED"
    item = store.items[("acme", opened["sessionId"])]
    assert item.error is not None and item.error["reason"] == "IMAGE_TOO_LARGE"
    assert item.error["message"].startswith("The image has")
    assert file_store.rows == {}
    assert (BUCKET, key) not in incoming.objects


def test_a_repeated_event_is_a_no_op(world: Any) -> None:
    """Given a finalised session, When the same event arrives again (and the client posted the form twice),
    Then the finaliser answers ALREADY_FINISHED, stores no second file, and deletes the second object."""
    store, incoming, file_store = world
    opened = open_({"fileName": "a.txt", "fileSize": 5})
    key = posted(incoming, opened, b"hello")
    sessions.finalise(BUCKET, key, BASE, now=NOW)
    before = store.items[("acme", opened["sessionId"])]
    posted(incoming, opened, b"hello")

    outcome = sessions.finalise(BUCKET, key, BASE, now=NOW + timedelta(seconds=5))

    assert outcome == "ALREADY_FINISHED"
    assert store.items[("acme", opened["sessionId"])] == before
    assert len(file_store.rows) == 1
    assert (BUCKET, key) not in incoming.objects


@pytest.mark.parametrize(
    ("key", "outcome"),
    [
        ("incoming/acme/0123456789abcdef", "UNKNOWN_SESSION"),
        ("incoming/acme/x/y", "NOT_A_SESSION"),
        ("acme/file/version", "NOT_A_SESSION"),
    ],
    ids=["unknown-session-id", "key-deeper-than-a-session", "key-outside-incoming"],
)
def test_an_object_no_session_handed_out_is_left_alone(world: Any, key: str, outcome: str) -> None:
    """Given an object no open session owns, When its event arrives, Then nothing is stored or deleted (the
    bucket's incoming/ lifecycle removes it)."""
    _, incoming, file_store = world
    incoming.objects[(BUCKET, key)] = b"data"
    assert sessions.finalise(BUCKET, key, BASE, now=NOW) == outcome
    assert file_store.rows == {}
    assert (BUCKET, key) in incoming.objects


def test_a_session_another_finaliser_holds_fails_for_a_later_retry(world: Any) -> None:
    """Given a session claimed by a finaliser a moment ago (working, or dead with its lease running), When a second
    event arrives, Then it fails with RetryableError (never answered as done: only a failure makes Lambda retry it)
    and stores nothing; after the claim's lease the retry takes over and completes it."""
    store, incoming, file_store = world
    opened = open_({"fileName": "a.txt", "fileSize": 5})
    key = posted(incoming, opened, b"hello")
    stamp = int(NOW.timestamp())
    store.claim("acme", opened["sessionId"], claimant="other", now=stamp, until=stamp + 60)

    with pytest.raises(RetryableError):
        sessions.finalise(BUCKET, key, BASE, now=NOW + timedelta(seconds=30))
    assert file_store.rows == {}
    assert sessions.finalise(BUCKET, key, BASE, now=NOW + timedelta(seconds=61)) == "COMPLETED"


def test_a_dependency_failure_is_raised_for_lambdas_retry(world: Any) -> None:
    """Given the file store down at the first attempt, When the finaliser runs, Then it raises the retryable error
    (Lambda retries the asynchronous invocation), the session stays PENDING and unclaimed, and the retry
    completes it with one file."""
    store, incoming, file_store = world
    opened = open_({"fileName": "a.txt", "fileSize": 5})
    key = posted(incoming, opened, b"hello")
    file_store.pending.append(ServiceUnavailableError())

    with pytest.raises(ServiceUnavailableError):
        sessions.finalise(BUCKET, key, BASE, now=NOW)
    item = store.items[("acme", opened["sessionId"])]
    assert (item.status, item.claimed_until) == ("PENDING", None)

    assert sessions.finalise(BUCKET, key, BASE, now=NOW + timedelta(seconds=1)) == "COMPLETED"
    assert len(file_store.rows) == 1


def test_polling_answers_each_state(world: Any) -> None:
    """Given a session, When its owner polls before and after finalisation, Then PENDING with no file, then
    COMPLETED with exactly the recorded upload JSON; another account gets 404."""
    store, incoming, _ = world
    opened = open_({"fileName": "a.txt", "fileSize": 5})
    session_id = opened["sessionId"]
    pending = sessions.get_session(basic("private_acme_key"), {}, session_id, now=NOW)
    key = posted(incoming, opened, b"hello")
    sessions.finalise(BUCKET, key, BASE, now=NOW)

    done = sessions.get_session(basic("private_acme_key"), {}, session_id, now=NOW)

    assert (pending["status"], pending["file"], pending["error"]) == ("PENDING", None, None)
    assert (pending["fileName"], pending["fileSize"], pending["contentType"]) == (
        "a.txt",
        5,
        "application/octet-stream",
    )
    assert done["status"] == "COMPLETED"
    assert done["file"] == store.items[("acme", session_id)].result
    with pytest.raises(NotFoundError):
        sessions.get_session(basic("private_other_key"), {}, session_id, now=NOW)
