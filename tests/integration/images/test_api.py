"""The img-processing.com routes through the local stack (API Gateway emulation, authorizer, the real handlers,
moto): the Image object, the download (bytes or a redirect to S3), publish/unpublish, other accounts' ids, and
every mistake a careless client makes, each answered in img-processing.com's error style."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from werkzeug.test import Client

from medialib.delivery.limits import MAX_INLINE_BYTES
from medialib.files import service as files
from medialib.files.models import NewVersion
from tests.conftest import basic
from tests.integration.delivery_helpers import Uploaded, upload, versions
from tests.upload_helpers import image

IMAGE_FIELDS = {"id", "name", "url", "width", "height", "format", "size", "created_at"}


def _key(private_key: str) -> dict[str, str]:
    return {"x-api-key": private_key}


def _json(response: Any) -> Any:
    assert response.headers["Content-Type"].startswith("application/json"), response.get_data()[:200]
    return json.loads(response.get_data())


def _error(response: Any) -> dict[str, str]:
    """The img-processing error body: exactly {"error": {"code", "message"}}."""
    body = _json(response)
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}, body
    return dict(body["error"])


@pytest.fixture
def png(api: Client, account: Any) -> Uploaded:
    return upload(api, account.private_key, image(40, 30, "PNG"), fileName="cat photo.png")


@pytest.fixture
def draft(api: Client, account: Any) -> Uploaded:
    return upload(api, account.private_key, image(20, 10, "JPEG"), fileName="draft.jpg", isPublished="false")


def _download(api: Client, account: Any, file_id: str, accept: str | None) -> Any:
    headers = _key(account.private_key) | ({"Accept": accept} if accept else {})
    return api.get(f"/v1/images/{file_id}/download", headers=headers)


def _fetched(location: str) -> httpx.Response:
    response = httpx.get(location, timeout=30)
    assert response.status_code == 200
    return response


# ---------------------------------------------------------------- GET /v1/images/{imageId}


def test_get_answers_the_image_object(api: Client, account: Any, png: Uploaded) -> None:
    """Given an uploaded PNG, When GET /v1/images/{fileId} with x-api-key, Then 200 and img-processing.com's Image
    object: the file's id, name, size and dimensions, format png, created_at in Z, and url exactly the files API's."""
    response = api.get(f"/v1/images/{png.file_id}", headers=_key(account.private_key))
    assert response.status_code == 200
    body = _json(response)
    details = _json(api.get(f"/v1/files/{png.file_id}/details", headers=basic(account.private_key)))
    assert set(body) == IMAGE_FIELDS
    assert body == {
        "id": png.file_id,
        "name": "cat_photo.png",
        "url": details["url"],
        "width": 40,
        "height": 30,
        "format": "png",
        "size": details["size"],
        "created_at": details["createdAt"],
    }
    assert body["created_at"].endswith("Z") and datetime.fromisoformat(body["created_at"]).tzinfo is not None


def test_a_draft_has_a_null_url_and_stays_readable(api: Client, account: Any, draft: Uploaded) -> None:
    """Given a JPEG uploaded unpublished (isPublished=false), When GET, Then 200, format jpeg and url null."""
    body = _json(api.get(f"/v1/images/{draft.file_id}", headers=_key(account.private_key)))
    assert (body["url"], body["format"], body["width"], body["height"]) == (None, "jpeg", 20, 10)


def test_basic_alone_is_refused_by_the_gateway_in_imagekits_shape(api: Client, account: Any, png: Uploaded) -> None:
    """Given the private key sent as ImageKit's Basic only (no x-api-key), When GET /v1/images/{id}, Then 401 in
    ImageKit's shape: the route's authorizer caches by x-api-key, so API Gateway refuses a request without it and
    never runs the authorizer (docs/img-processing.md)."""
    response = api.get(f"/v1/images/{png.file_id}", headers=basic(account.private_key))
    assert response.status_code == 401
    assert response.get_json() == {
        "message": "Your account cannot be authenticated.",
        "help": "Send your private API key as the Basic auth user name (or x-api-key on /v1/images).",
    }


# ---------------------------------------------------------------- download


@pytest.mark.parametrize("accept", ["image/*", "image/png", "application/octet-stream"])
def test_download_answers_the_bytes_to_a_binary_accept(api: Client, account: Any, accept: str) -> None:
    """Given an uploaded PNG, When downloaded with a first Accept type that API Gateway sends as bytes, Then 200,
    exactly the uploaded bytes, its Content-Type and an attachment with the file's name, never cached."""
    content = image(40, 30, "PNG")
    uploaded = upload(api, account.private_key, content, fileName="cat.png")
    response = _download(api, account, uploaded.file_id, accept)
    assert response.status_code == 200
    assert response.get_data() == content
    assert response.headers["Content-Type"] == "image/png"
    assert response.headers["Content-Disposition"] == 'attachment; filename="cat.png"'
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("accept", ["*/*", None, "application/json"], ids=["any", "no-accept", "json"])
def test_download_redirects_any_other_client_to_the_same_bytes(api: Client, account: Any, accept: str | None) -> None:
    """Given an uploaded PNG, When downloaded as curl or requests ask (Accept */*), without Accept or asking JSON,
    Then 302 to a presigned S3 URL (never base64 text) whose answer is the bytes, typed and named the same."""
    content = image(40, 30, "PNG")
    uploaded = upload(api, account.private_key, content, fileName="cat.png")
    response = _download(api, account, uploaded.file_id, accept)
    assert (response.status_code, response.get_data()) == (302, b"")
    assert response.headers["Cache-Control"] == "no-store"
    fetched = _fetched(response.headers["Location"])
    assert fetched.content == content
    assert fetched.headers["Content-Type"] == "image/png"
    assert fetched.headers["Content-Disposition"] == 'attachment; filename="cat.png"'


def test_a_download_larger_than_a_lambda_answer_is_a_redirect(api: Client, account: Any) -> None:
    """Given an image one byte over delivery's inline limit (stored directly: the upload API takes less), When
    downloaded asking for bytes, Then 302 to S3: it never goes through Lambda."""
    content = b"\x89PNG" + bytes(MAX_INLINE_BYTES - 3)
    new = NewVersion(
        name="big.png", folder="/images-" + uuid.uuid4().hex[:8], mime="image/png", size=len(content),
        file_type="image", width=1, height=1,
    )  # fmt: skip
    item = files.store_version(account.account_id, new, content, datetime.now(UTC))
    response = _download(api, account, item.file_id, "image/*")
    assert response.status_code == 302
    assert _fetched(response.headers["Location"]).content == content


def test_a_draft_downloads(api: Client, account: Any) -> None:
    """Given an unpublished JPEG, When downloaded, Then its bytes (seed 004: still downloadable)."""
    content = image(20, 10, "JPEG")
    draft = upload(api, account.private_key, content, fileName="draft.jpg", isPublished="false")
    response = _download(api, account, draft.file_id, "image/jpeg")
    assert (response.status_code, response.get_data(), response.headers["Content-Type"]) == (200, content, "image/jpeg")


# ---------------------------------------------------------------- not an image, other accounts


@pytest.fixture
def text_file(api: Client, account: Any) -> Uploaded:
    return upload(api, account.private_key, b"hello", fileName="notes.txt")


@pytest.mark.parametrize(
    ("method", "suffix"),
    [("GET", ""), ("GET", "/download"), ("POST", "/publish"), ("POST", "/unpublish")],
    ids=["get", "download", "publish", "unpublish"],
)
def test_a_file_that_is_not_an_image_is_404_not_an_image(
    api: Client, account: Any, text_file: Uploaded, method: str, suffix: str
) -> None:
    """Given a text file, When any image route names it, Then 404 not_an_image naming its type, and nothing changed:
    the file is still published."""
    response = api.open(f"/v1/images/{text_file.file_id}{suffix}", method=method, headers=_key(account.private_key))
    assert response.status_code == 404
    error = _error(response)
    assert error["code"] == "not_an_image" and "text/plain" in error["message"]
    details = _json(api.get(f"/v1/files/{text_file.file_id}/details", headers=basic(account.private_key)))
    assert details["isPublished"] is True


@pytest.fixture(scope="module")
def stranger(stack: Any) -> Any:
    """An account of these tests' own (other_account is kept empty for the tests that list it)."""
    from medialib.accounts.models import Account
    from medialib.accounts.service import seed_account
    from medialib_local.stack import DevAccount

    theirs = DevAccount("imgstranger", "public_imgstranger_key", "private_imgstranger_key")
    seed_account(Account(account_id=theirs.account_id, public_key=theirs.public_key, private_key=theirs.private_key))
    return theirs


@pytest.mark.parametrize(
    ("method", "suffix"),
    [("GET", ""), ("GET", "/download"), ("POST", "/publish"), ("POST", "/unpublish")],
    ids=["get", "download", "publish", "unpublish"],
)
def test_another_accounts_image_is_404(api: Client, account: Any, stranger: Any, method: str, suffix: str) -> None:
    """Given an image of another account, When the dev account names its id on any route, Then 404
    image_not_found (as for an unknown id: nothing tells that it exists), and it is unchanged."""
    theirs = upload(api, stranger.private_key, image(10, 10, "PNG"))
    response = api.open(f"/v1/images/{theirs.file_id}{suffix}", method=method, headers=_key(account.private_key))
    assert response.status_code == 404
    assert _error(response) == {"code": "image_not_found", "message": "The requested image does not exist."}
    mine = _json(api.get(f"/v1/images/{theirs.file_id}", headers=_key(stranger.private_key)))
    assert mine["url"] == theirs.url


# ---------------------------------------------------------------- publish / unpublish (seed 004)


def _delivery_status(api: Client, stack: Any, url: str, query: str = "") -> int:
    return int(api.get(url.removeprefix(stack.base_url) + query).status_code)


def test_unpublish_then_publish_round_trip(api: Client, stack: Any, account: Any) -> None:
    """Given a published PNG with two versions, When unpublished through /v1/images, Then the Image's url is null,
    GET says so too, the download still answers the bytes, the delivery URL and the older version's URL are 404,
    and every version is unpublished; When published again, Then url is the files API's url and it is served,
    while the older version stays unpublished (publish makes the current version public only)."""
    key = account.private_key
    first = upload(api, key, image(30, 30, "PNG"), fileName="round.png")
    content = image(40, 30, "PNG")
    current = upload(api, key, content, fileName="round.png", folder=first.file_path.rsplit("/", 1)[0])
    assert current.file_id == first.file_id
    older_url = versions(api, key, first.file_id)[0]["url"]

    unpublished = api.post(f"/v1/images/{first.file_id}/unpublish", headers=_key(key))
    assert unpublished.status_code == 200
    body = _json(unpublished)
    assert set(body) == IMAGE_FIELDS and body["url"] is None and body["id"] == first.file_id
    assert _json(api.get(f"/v1/images/{first.file_id}", headers=_key(key)))["url"] is None
    assert _download(api, account, first.file_id, "image/*").get_data() == content
    assert _delivery_status(api, stack, current.url) == 404
    assert _delivery_status(api, stack, older_url) == 404
    assert {v["isPublished"] for v in versions(api, key, first.file_id)} == {False}

    published = api.post(f"/v1/images/{first.file_id}/publish", headers=_key(key))
    assert published.status_code == 200
    details = _json(api.get(f"/v1/files/{first.file_id}/details", headers=basic(key)))
    assert _json(published)["url"] == details["url"] and details["isPublished"] is True
    assert _delivery_status(api, stack, details["url"]) == 200
    assert [v["isPublished"] for v in versions(api, key, first.file_id)] == [False, True]


def test_publish_and_unpublish_are_idempotent(api: Client, account: Any, png: Uploaded) -> None:
    """Given a published image, When published again, then unpublished twice, Then each answer is 200 and the same
    Image as the state asked (url set, then null twice)."""
    key = account.private_key
    again = api.post(f"/v1/images/{png.file_id}/publish", headers=_key(key))
    assert (again.status_code, _json(again)["url"]) == (200, png.url)
    for _ in range(2):
        response = api.post(f"/v1/images/{png.file_id}/unpublish", headers=_key(key))
        assert (response.status_code, _json(response)["url"]) == (200, None)


# ---------------------------------------------------------------- careless clients


CARELESS = {
    # ids: the id rule, in img-processing.com's shape
    "id-with-space-is-400": ("GET", "/v1/images/a%20b", {}, None, 400, "invalid_request"),
    "id-with-slash-is-400": ("GET", "/v1/images/a%2Fb/download", {}, None, 400, "invalid_request"),
    "non-ascii-id-is-400": ("POST", "/v1/images/r%C3%A9/publish", {}, None, 400, "invalid_request"),
    "id-of-129-chars-is-400": ("POST", "/v1/images/" + "a" * 129 + "/unpublish", {}, None, 400, "invalid_request"),
    "unknown-id-is-404": ("GET", "/v1/images/doesnotexist", {}, None, 404, "image_not_found"),
    "unknown-id-download-is-404": ("GET", "/v1/images/doesnotexist/download", {}, None, 404, "image_not_found"),
    # methods: the fallback's 405, in the same shape
    "delete-an-image-is-405": ("DELETE", "/v1/images/abc", {}, None, 405, "method_not_allowed"),
    "put-on-publish-is-405": ("PUT", "/v1/images/abc/publish", {}, None, 405, "method_not_allowed"),
    "get-on-unpublish-is-405": ("GET", "/v1/images/abc/unpublish", {}, None, 405, "method_not_allowed"),
    "post-on-the-image-is-405": ("POST", "/v1/images/abc", {}, None, 405, "method_not_allowed"),
    "unknown-sub-path-is-404": ("GET", "/v1/images/abc/thumbnail", {}, None, 404, "not_found"),
    "the-collection-is-404": ("GET", "/v1/images", {}, None, 404, "not_found"),
    # bodies: publish and unpublish take none, so any body is ignored (an unknown id shows the route answered)
    "text-body-is-ignored": ("POST", "/v1/images/nope/publish", {"Content-Type": "text/plain"}, b"hi", 404, "image_not_found"),
    "invalid-json-is-ignored": ("POST", "/v1/images/nope/unpublish", {"Content-Type": "application/json"}, b"{oops", 404, "image_not_found"),
    "invalid-utf8-is-ignored": ("POST", "/v1/images/nope/publish", {"Content-Type": "application/json"}, b"\xff\xfe", 404, "image_not_found"),
    "binary-body-is-ignored": ("POST", "/v1/images/nope/publish", {"Content-Type": "image/png"}, b"\x89PNG\x00", 404, "image_not_found"),
    "unknown-fields-are-ignored": ("POST", "/v1/images/nope/publish", {"Content-Type": "application/json"}, b'{"isPublished": "yes", "x": 1}', 404, "image_not_found"),
    "empty-json-body-is-ignored": ("POST", "/v1/images/nope/unpublish", {"Content-Type": "application/json"}, b"", 404, "image_not_found"),
    "a-body-on-get-is-ignored": ("GET", "/v1/images/nope", {"Content-Type": "text/plain"}, b"hi", 404, "image_not_found"),
}  # fmt: skip


Careless = tuple[str, str, dict[str, str], bytes | None, int, str]


@pytest.mark.parametrize("case", CARELESS.values(), ids=CARELESS.keys())
def test_every_careless_request_is_a_4xx_in_img_processings_shape(api: Client, account: Any, case: Careless) -> None:
    """Given a request a careless client could send, When the local API Gateway answers, Then the status of the
    table, {"error": {"code", "message"}} with the table's code, x-should-retry false and the request id."""
    method, path, headers, body, status, code = case
    response = api.open(path, method=method, data=body, headers=_key(account.private_key) | headers)
    assert response.status_code == status, response.get_data()[:300]
    assert _error(response)["code"] == code
    assert response.headers["x-should-retry"] == "false" and response.headers["x-ik-requestId"]


def test_a_wrong_method_lists_the_allowed_ones(api: Client, account: Any) -> None:
    response = api.delete("/v1/images/abc", headers=_key(account.private_key))
    assert (response.status_code, response.headers["Allow"]) == (405, "GET, OPTIONS")


def test_head_of_the_download_is_405_without_a_body(api: Client, account: Any, png: Uploaded) -> None:
    """Given the download route (GET only, as API Gateway declares it), When HEAD, Then 405 naming GET, no body."""
    response = api.head(f"/v1/images/{png.file_id}/download", headers=_key(account.private_key))
    assert (response.status_code, response.get_data(), response.headers["Allow"]) == (405, b"", "GET, OPTIONS")


@pytest.mark.parametrize("suffix", ["", "/download", "/publish", "/unpublish"])
def test_options_is_the_gateways_cors_preflight(api: Client, suffix: str) -> None:
    """Given a browser's preflight (no credentials), When OPTIONS, Then API Gateway's CORS answer naming the path's
    methods, x-api-key among the allowed headers."""
    response = api.options(
        f"/v1/images/abc{suffix}", headers={"Origin": "https://app.example", "Access-Control-Request-Method": "GET"}
    )
    assert response.status_code in {200, 204}
    assert "x-api-key" in response.headers["Access-Control-Allow-Headers"].lower()


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({}, id="no-key"),
        pytest.param({"x-api-key": "private_wrong"}, id="wrong-key"),
        pytest.param({"x-api-key": "public_dev_local_key"}, id="public-key"),
    ],
)
def test_no_valid_key_is_the_gateways_401(api: Client, headers: dict[str, str]) -> None:
    """Given no valid private key, When an image route is called, Then the authorizer's 401, in API Gateway's own
    answer (ImageKit's body: the gateway, not the function, answers it)."""
    response = api.get("/v1/images/abc", headers=headers)
    assert response.status_code == 401
    assert _json(response)["message"] == "Your account cannot be authenticated."


def test_x_api_key_wins_over_a_stale_basic(api: Client, account: Any, png: Uploaded) -> None:
    """Given x-api-key with the private key and a stale Basic header from an old config, When GET, Then 200."""
    headers = basic("private_stale_key_from_an_old_config") | _key(account.private_key)
    assert api.get(f"/v1/images/{png.file_id}", headers=headers).status_code == 200


def test_a_body_over_api_gateways_limit_is_its_413(api: Client, account: Any) -> None:
    """Given 11 MB sent to publish, When API Gateway reads it, Then its 413 (the gateway's own answer)."""
    response = api.post(
        "/v1/images/nope/publish",
        data=bytes(11 * 1024 * 1024),
        headers=_key(account.private_key) | {"Content-Type": "application/octet-stream"},
    )
    assert response.status_code == 413
