"""``POST /api/v1/files/upload`` through the local API Gateway (authorizer, base64 body) on moto: ImageKit's
answer field by field, versions of one path, and every bad input refused with nothing left behind."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from medialib.adapters import blobs, table
from medialib.errors import ServiceUnavailableError
from medialib.files import service as files
from medialib.orphans import service as sweep
from tests.conftest import basic, load_event
from tests.upload_helpers import image, multipart, png_bomb

UPLOAD = "/api/v1/files/upload"


def post(api: Any, key: str, fields: dict[str, str], file: bytes | str | None) -> Any:
    body, content_type = multipart(fields, file)
    return api.post(UPLOAD, headers={**basic(key), "Content-Type": content_type}, data=body)


@pytest.fixture
def upload(api: Any, account: Any) -> Callable[..., Any]:
    def run(file: bytes | str | None = None, **fields: str) -> Any:
        return post(api, account.private_key, fields, image() if file is None else file)

    return run


def _keys(stack: Any, account_id: str) -> set[str]:
    s3 = boto3.client("s3")
    bucket = stack.provisioned.physical["OriginalsBucket"]
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=f"{account_id}/")
    return {obj["Key"] for page in pages for obj in page.get("Contents", [])}


def _rows(stack: Any, account_id: str) -> set[tuple[str, str]]:
    dynamodb = boto3.client("dynamodb")
    name = stack.provisioned.physical["MediaTable"]
    pages = dynamodb.get_paginator("scan").paginate(TableName=name)  # a test may scan; the product never does
    return {
        (item["PK"]["S"], item["SK"]["S"])
        for page in pages
        for item in page["Items"]
        if item["PK"]["S"].startswith(f"ACCOUNT#{account_id}#")
    }


@pytest.fixture
def nothing_left_behind(stack: Any, account: Any) -> Iterator[None]:
    before = (_keys(stack, account.account_id), _rows(stack, account.account_id))
    yield
    assert (_keys(stack, account.account_id), _rows(stack, account.account_id)) == before


def test_a_binary_image_upload_answers_imagekits_fields(upload: Callable[..., Any], account: Any, stack: Any) -> None:
    """Given a 40x30 PNG, When uploaded with tags, folder, coordinates and responseFields, Then 200 with every field
    of seed 002: a unique name, the first version's id equal to the fileId, the URLs, size and dimensions, and the
    bytes stored under {accountId}/{fileId}/{versionId}."""
    png = image(40, 30)
    response = upload(
        png,
        fileName="my photo.png",
        folder="/shop/items/",
        tags="a,b",
        customCoordinates="1,2,10,10",
        responseFields="customMetadata,embeddedMetadata",
    )
    assert response.status_code == 200, response.get_data()
    body = json.loads(response.get_data())
    assert body["name"].startswith("my_photo_") and body["name"].endswith(".png")
    assert body["filePath"] == f"/shop/items/{body['name']}"
    assert body["versionInfo"] == {"id": body["fileId"], "name": "Version 1"}
    assert (body["width"], body["height"], body["size"], body["fileType"]) == (40, 30, len(png), "image")
    assert body["url"].endswith(f"/{account.account_id}/shop/items/{body['name']}")
    assert "tr:n-ik_ml_thumbnail" in body["thumbnailUrl"]
    assert (body["tags"], body["AITags"], body["customCoordinates"]) == (["a", "b"], None, "1,2,10,10")
    assert (body["isPrivateFile"], body["isPublished"], body["customMetadata"], body["embeddedMetadata"]) == (
        False, True, {}, {}
    )  # fmt: skip
    assert "extensionStatus" not in body and "metadata" not in body
    assert f"{account.account_id}/{body['fileId']}/{body['fileId']}" in _keys(stack, account.account_id)
    assert response.headers["x-ik-requestId"]


def test_base64_and_data_uri_uploads_store_the_decoded_bytes(
    upload: Callable[..., Any], api: Any, account: Any
) -> None:
    """Given the same PNG as plain base64 and as a data URI, When uploaded, Then both are stored as that image."""
    png = image(12, 7)
    for text in (base64.b64encode(png).decode(), "data:image/png;base64," + base64.b64encode(png).decode()):
        body = json.loads(upload(text, fileName="b64.png").get_data())
        assert (body["size"], body["width"], body["fileType"]) == (len(png), 12, "image")


def test_a_non_image_is_stored_as_non_image(upload: Callable[..., Any]) -> None:
    """Given PDF bytes, When uploaded, Then 200, fileType non-image, no dimensions and no thumbnail."""
    body = json.loads(upload(b"%PDF-1.4 not an image", fileName="doc.pdf").get_data())
    assert (body["fileType"], body["width"], body["thumbnailUrl"]) == ("non-image", None, None)


def test_uploads_to_one_path_make_versions(upload: Callable[..., Any], api: Any, account: Any) -> None:
    """Given a file uploaded with useUniqueFileName=false and tags, When the same path is uploaded again without
    tags, Then the same fileId, Version 2, tags removed (overwriteTags default), and the versions list has both."""
    first = json.loads(
        upload(fileName="same.png", folder="/versions-it", useUniqueFileName="false", tags="x").get_data()
    )
    second = json.loads(upload(fileName="same.png", folder="/versions-it", useUniqueFileName="false").get_data())
    assert second["fileId"] == first["fileId"] and second["versionInfo"]["name"] == "Version 2"
    assert second["versionInfo"]["id"] != first["versionInfo"]["id"] and second["tags"] is None
    listed = api.get(f"/v1/files/{first['fileId']}/versions", headers=basic(account.private_key))
    assert [v["versionInfo"]["name"] for v in json.loads(listed.get_data())] == ["Version 1", "Version 2"]


def test_extensions_are_reported_failed(upload: Callable[..., Any]) -> None:
    """Given a valid extensions list (snake_case keys, as the Python SDK sends them), When uploaded, Then 200 and
    extensionStatus reports each extension failed: none runs in medialib."""
    extensions = '[{"name": "google-auto-tagging", "max_tags": 5, "min_confidence": 95}, {"name": "remove-bg"}]'
    body = json.loads(upload(fileName="x.png", extensions=extensions).get_data())
    assert body["extensionStatus"] == {"google-auto-tagging": "failed", "remove-bg": "failed"}


def test_is_published_false_uploads_a_draft(upload: Callable[..., Any]) -> None:
    """Given isPublished=false sent, When uploaded, Then the file is a draft (isPublished false)."""
    assert json.loads(upload(fileName="d.png", isPublished="false").get_data())["isPublished"] is False


TOO_DEEP = "/" + "/".join(f"l{i}" for i in range(51))
BAD_INPUT = [
    pytest.param({"fileName": "a.png"}, None, "Missing file parameter", id="missing-file"),
    pytest.param({}, b"x", "Missing fileName parameter", id="missing-file-name"),
    pytest.param({"fileName": "a.png", "tags": "a,b%c"}, b"x", "tags must not contain %", id="tag-with-percent"),
    pytest.param({"fileName": "a.png", "tags": "t" * 501}, b"x", "longer than 500", id="tags-over-500-characters"),
    pytest.param({"fileName": "a.png", "folder": TOO_DEEP}, b"x", "51 levels", id="folder-51-levels"),
    pytest.param({"fileName": "a.png", "folder": "/a/../b"}, b"x", ". or ..", id="folder-with-dot-dot"),
    pytest.param(
        {"fileName": "a.png", "customCoordinates": "1,2,3"}, b"x", "x,y,width,height", id="coordinates-format"
    ),
    pytest.param(
        {"fileName": "a.png", "customCoordinates": "30,0,20,10"}, "image", "outside", id="coordinates-outside"
    ),
    pytest.param(
        {"fileName": "a.png", "customMetadata": '{"no_such_field": "x"}'},
        b"x",
        "customMetadata.no_such_field: is not a custom metadata field",
        id="metadata-unknown",
    ),
    pytest.param({"fileName": "a.png", "customMetadata": "{bad"}, b"x", "valid JSON", id="metadata-malformed-json"),
    pytest.param({"fileName": "a.png", "extensions": "[{"}, b"x", "valid JSON", id="extensions-malformed-json"),
    pytest.param({"fileName": "a.png", "transformation": "{x"}, b"x", "valid JSON", id="transformation-malformed-json"),
    pytest.param({"fileName": "a.png", "checks": '"file.size" < "1b"'}, b"xx", "checks", id="failed-size-check"),
    pytest.param({"fileName": "a.png", "checks": '"request.folder" : "x"'}, b"x", "not supported", id="unknown-check"),
    pytest.param({"fileName": "a.png"}, "bomb", "pixels", id="decompression-bomb"),
    pytest.param({"fileName": "a.jpg"}, "truncated", "truncated or corrupt", id="truncated-jpeg"),
    pytest.param({"fileName": "a.png"}, "http://10.0.0.1/a.png", "not allowed", id="url-to-a-private-address"),
    pytest.param(
        {"fileName": "a.png"},
        "http://169.254.169.254/latest/meta-data/",
        "not allowed",
        id="url-to-the-metadata-service",
    ),
    pytest.param({"fileName": "a.png"}, "http://127.0.0.1:9/a.png", "not allowed", id="url-to-loopback-by-default"),
    pytest.param({"fileName": "a.png"}, "not base64 !", "base64", id="file-text-neither-base64-nor-url"),
]


@pytest.mark.usefixtures("nothing_left_behind")
@pytest.mark.parametrize(("fields", "file", "says"), BAD_INPUT)
def test_bad_input_is_a_400_and_leaves_nothing(
    api: Any, account: Any, fields: dict[str, str], file: Any, says: str
) -> None:
    """Given a bad upload (the issue's table), When posted, Then 400 in ImageKit's body with x-should-retry false,
    a message that says what is wrong, and no object or record left behind."""
    jpeg = image(400, 300, fmt="JPEG")
    content = {"image": image(40, 30), "bomb": png_bomb(), "truncated": jpeg[: len(jpeg) // 2]}.get(file, file)
    response = post(api, account.private_key, fields, content)
    assert response.status_code == 400, response.get_data()
    body = json.loads(response.get_data())
    assert says in body["message"] and body["help"]
    assert response.headers["x-should-retry"] == "false"


def test_overwrite_file_false_and_the_101st_version(
    api: Any, account: Any, stack: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given a file at a path, When uploaded again with overwriteFile=false, Then 400 FILE_ALREADY_EXISTS and no new
    object; Given a file with 100 versions, When a 101st is uploaded, Then 400 saying so and nothing is stored."""
    fields = {"fileName": "full.png", "folder": "/limits-it", "useUniqueFileName": "false"}
    first = json.loads(post(api, account.private_key, fields, b"v").get_data())
    keys = _keys(stack, account.account_id)
    refused = post(api, account.private_key, {**fields, "overwriteFile": "false"}, b"w")
    assert (refused.status_code, json.loads(refused.get_data())["reason"]) == (400, "FILE_ALREADY_EXISTS")
    assert refused.headers["x-should-retry"] == "false" and _keys(stack, account.account_id) == keys
    table.update(  # as if 99 more versions had been uploaded
        f"ACCOUNT#{account.account_id}#FILE#{first['fileId']}",
        "FILE",
        expression="SET versionCount = :n",
        values={":n": 100},
    )
    over = post(api, account.private_key, fields, b"x")
    assert over.status_code == 400 and "100 versions" in json.loads(over.get_data())["message"]
    assert _keys(stack, account.account_id) == keys


def test_concurrent_uploads_to_one_path_make_one_version_each(api: Any, account: Any) -> None:
    """Given 20 uploads to one path at once (threads on the running stack), When they finish, Then all are 200,
    one file, 20 distinct versions numbered 1..20: none lost, none duplicated."""
    fields = {"fileName": "race.bin", "folder": "/race-it", "useUniqueFileName": "false"}
    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(lambda n: post(api, account.private_key, fields, f"v{n}".encode()), range(20)))
    bodies = [json.loads(a.get_data()) for a in answers]
    assert [a.status_code for a in answers] == [200] * 20, bodies
    assert len({b["fileId"] for b in bodies}) == 1
    listed = json.loads(
        api.get(f"/v1/files/{bodies[0]['fileId']}/versions", headers=basic(account.private_key)).get_data()
    )
    assert sorted(v["versionInfo"]["name"] for v in listed) == sorted(f"Version {n}" for n in range(1, 21))
    assert len({v["versionInfo"]["id"] for v in listed}) == 20


def test_a_failure_between_s3_and_dynamodb_leaves_no_visible_file(
    api: Any, account: Any, stack: Any, monkeypatch: pytest.MonkeyPatch, nothing_left_behind: None
) -> None:
    """Given DynamoDB failing after the bytes are in S3, When a file is uploaded, Then 503 (retryable), and no record
    and no object is left: the blob written first is deleted."""
    writes: list[Any] = []

    def failing(*args: Any, **kwargs: Any) -> None:
        writes.append(args)
        raise ServiceUnavailableError()

    monkeypatch.setattr(table, "transact_write", failing)
    response = post(api, account.private_key, {"fileName": "fault.png"}, image())
    assert (response.status_code, response.headers["x-should-retry"]) == (503, "true") and writes


def _unavailable(*args: Any, **kwargs: Any) -> None:
    raise ServiceUnavailableError()


@pytest.mark.usefixtures("nothing_left_behind")
def test_an_orphan_left_by_a_failure_between_s3_and_dynamodb_is_invisible_and_swept(
    api: Any, account: Any, stack: Any, invoke: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given DynamoDB failing after the bytes are in S3 and the best-effort delete of those bytes failing too (the
    crash the sweep exists for), When a file is uploaded, Then 503 and nothing visible (no listed file, no path), but
    its object stays; When the scheduled sweep runs more than 30 minutes later, Then the object is gone."""
    before = _keys(stack, account.account_id)
    with monkeypatch.context() as faults:
        faults.setattr(table, "transact_write", _unavailable)
        faults.setattr(blobs, "delete_many", _unavailable)
        response = post(api, account.private_key, {"fileName": "orphan.png", "folder": "/orphaned"}, image())
    listed = json.loads(api.get("/v1/files?path=/orphaned", headers=basic(account.private_key)).get_data())
    [orphan] = _keys(stack, account.account_id) - before

    assert (response.status_code, response.headers["x-should-retry"]) == (503, "true")
    assert listed == [] and not files.path_exists(account.account_id, "/orphaned/orphan.png")

    monkeypatch.setattr(sweep, "clock", lambda: datetime.now(UTC) + timedelta(minutes=31))
    result = invoke("SweepFunction", load_event("sweep-schedule"))

    assert orphan not in _keys(stack, account.account_id)
    assert result["deleted"] >= 1


@pytest.mark.usefixtures("nothing_left_behind")
def test_a_direct_upload_over_lambdas_event_limit_is_413_pointing_to_upload_sessions(api: Any, account: Any) -> None:
    """Given a 4.8 MB file (about 6.4 MB once API Gateway base64-encodes it into the event), When uploaded directly,
    Then 413 from the gateway in ImageKit's shape, naming the upload-session endpoint, not retried, and nothing
    stored."""
    response = post(api, account.private_key, {"fileName": "big.bin"}, b"\0" * 4_800_000)
    body = json.loads(response.get_data())
    assert (response.status_code, response.headers["x-should-retry"]) == (413, "false")
    assert "use an upload session: POST /api/v1/files/upload/sessions" in body["help"]


def test_folders_are_created_on_the_way_and_listed(upload: Callable[..., Any], api: Any, account: Any) -> None:
    """Given an upload into /made-on-the-way/inner, When the folders and files are listed, Then both folders exist
    (created once, even by a second upload) and the file is a child of the inner folder."""
    for _ in range(2):
        assert upload(fileName="f.png", folder="/made-on-the-way/inner/").status_code == 200
    auth = basic(account.private_key)
    folders = json.loads(api.get("/v1/files?type=folder&path=/made-on-the-way", headers=auth).get_data())
    assert [(f["name"], f["folderPath"]) for f in folders] == [("inner", "/made-on-the-way/inner")]
    files = json.loads(api.get("/v1/files?path=/made-on-the-way/inner", headers=auth).get_data())
    assert len(files) == 2 and all(f["filePath"].startswith("/made-on-the-way/inner/f_") for f in files)


@pytest.fixture
def served_image() -> Iterator[tuple[str, bytes]]:
    """A PNG served over HTTP by a server on loopback, as a user's own test server would serve it."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    content = image(64, 48)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)

        def log_message(self, *_: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/photo.png", content
    server.shutdown()


def test_url_upload_from_loopback_with_the_local_allowance(
    api: Any, account: Any, stack: Any, served_image: tuple[str, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given a server on loopback and the local stack started with --allow-loopback-urls, When a file is uploaded by
    URL, Then the server fetches it and stores those exact bytes as an image of the right size; Given the allowance
    off (the default, and always in AWS), Then the same URL is a 400 and nothing is stored."""
    from medialib.settings import ALLOW_LOOPBACK_URLS, clear_settings

    url, content = served_image
    fields = {"fileName": "fetched.png", "folder": "/url-upload-it"}
    refused = post(api, account.private_key, fields, url)
    assert (refused.status_code, json.loads(refused.get_data())["reason"]) == (400, "URL_ADDRESS_NOT_ALLOWED")

    monkeypatch.setenv(ALLOW_LOOPBACK_URLS, "true")
    clear_settings()
    response = post(api, account.private_key, fields, url)

    assert response.status_code == 200, response.get_data()
    uploaded = json.loads(response.get_data())
    assert (uploaded["fileType"], uploaded["width"], uploaded["height"], uploaded["size"]) == (
        "image",
        64,
        48,
        len(content),
    )
    key = f"{account.account_id}/{uploaded['fileId']}/{uploaded['versionInfo']['id']}"
    stored = boto3.client("s3").get_object(Bucket=stack.provisioned.physical["OriginalsBucket"], Key=key)
    assert stored["Body"].read() == content


def _signed(private_key: str, public_key: str, *, token: str | None = None, expire_in: int = 600) -> dict[str, str]:
    """The form fields of a client-side upload, as a backend signs them for its browser app."""
    import time
    import uuid

    from medialib.upload.signing import sign

    token = token or uuid.uuid4().hex
    expire = str(int(time.time()) + expire_in)
    return {"publicKey": public_key, "token": token, "expire": expire, "signature": sign(private_key, token, expire)}


def _post_signed(api: Any, fields: dict[str, str]) -> Any:
    body, content_type = multipart({"fileName": "signed.png", "folder": "/signed-it", **fields}, image())
    return api.post(UPLOAD, headers={"Content-Type": content_type}, data=body)  # no Authorization: a browser


SIGNED_REFUSALS = {
    "wrong-signature-is-401": (lambda a: {**_signed(a.private_key, a.public_key), "signature": "0" * 40}, 401, "INVALID_SIGNATURE"),
    "signature-of-another-key-is-401": (lambda a: _signed("private_someone_else", a.public_key), 401, "INVALID_SIGNATURE"),
    "expired-expire-is-400": (lambda a: _signed(a.private_key, a.public_key, expire_in=-10), 400, "INVALID_EXPIRE"),
    "expire-over-an-hour-ahead-is-400": (lambda a: _signed(a.private_key, a.public_key, expire_in=7200), 400, "INVALID_EXPIRE"),
    "unknown-public-key-is-401": (lambda a: _signed(a.private_key, "public_nobody"), 401, "UNKNOWN_PUBLIC_KEY"),
    "missing-token-is-400": (
        lambda a: {k: v for k, v in _signed(a.private_key, a.public_key).items() if k != "token"}, 400,
        "MISSING_AUTHENTICATION_PARAMETER",
    ),
}  # fmt: skip


@pytest.mark.usefixtures("nothing_left_behind")
@pytest.mark.parametrize(("fields", "status", "reason"), SIGNED_REFUSALS.values(), ids=SIGNED_REFUSALS.keys())
def test_client_side_upload_with_bad_credentials_is_refused_and_leaves_nothing(
    api: Any, account: Any, fields: Callable[[Any], dict[str, str]], status: int, reason: str
) -> None:
    """Given a browser upload (no Authorization header) whose signed fields are wrong, expired, of another key or
    incomplete, When posted, Then ImageKit's error with its reason, never retried, and nothing stored."""
    response = _post_signed(api, fields(account))
    assert (response.status_code, json.loads(response.get_data()).get("reason")) == (status, reason)
    assert response.headers["x-should-retry"] == "false"


def test_client_side_upload_works_once_per_token(api: Any, account: Any, stack: Any) -> None:
    """Given fields signed by the backend, When the browser uploads with them, Then 200 and the file is the
    account's; When the same fields are posted again (a replay), Then 400 TOKEN_REUSED and nothing more is stored."""
    fields = _signed(account.private_key, account.public_key)
    first = _post_signed(api, fields)
    assert first.status_code == 200, first.get_data()
    assert json.loads(first.get_data())["filePath"].startswith("/signed-it/signed")
    keys, rows = _keys(stack, account.account_id), _rows(stack, account.account_id)

    replay = _post_signed(api, fields)

    assert (replay.status_code, json.loads(replay.get_data())["reason"]) == (400, "TOKEN_REUSED")
    assert (_keys(stack, account.account_id), _rows(stack, account.account_id)) == (keys, rows)


def test_url_redirecting_to_the_metadata_service_is_refused_even_with_the_local_allowance(
    api: Any, account: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given a loopback server (allowed locally) that redirects to the metadata service, When a file is uploaded by
    its URL, Then 400 URL_ADDRESS_NOT_ALLOWED: every hop is checked, and the allowance never covers metadata."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from medialib.settings import ALLOW_LOOPBACK_URLS, clear_settings

    class Redirect(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(302)
            self.send_header("Location", "http://169.254.169.254/latest/meta-data/iam/")
            self.end_headers()

        def log_message(self, *_: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv(ALLOW_LOOPBACK_URLS, "true")
    clear_settings()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/a.png"
        response = post(api, account.private_key, {"fileName": "a.png", "folder": "/redirect-it"}, url)
    finally:
        server.shutdown()
    body = json.loads(response.get_data())
    assert (response.status_code, body["reason"], response.headers["x-should-retry"]) == (
        400,
        "URL_ADDRESS_NOT_ALLOWED",
        "false",
    )
    assert "169.254" not in body["message"]  # the internal address is never echoed
