"""Delivery's edges through the local stack: answers too large for Lambda are redirects to S3 (never truncated,
never a 502), the CDN's origin secret, and every malformed request is a clear 4xx, never a 5xx."""

from __future__ import annotations

import io
import json
import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from PIL import Image
from werkzeug.test import Client

from medialib.accounts import service as accounts
from medialib.delivery import limits, rules, service
from medialib.files import service as files
from medialib.files.models import FileItem, NewVersion
from medialib.transform import engine
from tests.integration.delivery_helpers import Uploaded, halves, sdk_path, upload


def _store(account_id: str, name: str, content: bytes, *, mime: str, image: tuple[int, int] | None = None) -> FileItem:
    """A version stored directly (the upload API takes at most Lambda's 6 MB request, base64 included)."""
    new = NewVersion(
        name=name,
        folder="/large-" + uuid.uuid4().hex[:10],
        mime=mime,
        size=len(content),
        file_type="image" if image else "non-image",
        width=image[0] if image else None,
        height=image[1] if image else None,
    )
    return files.store_version(account_id, new, content, datetime.now(UTC))


def _noise_png(width: int, height: int) -> bytes:
    """Random pixels do not compress: about width x height x 3 bytes of PNG."""
    out = io.BytesIO()
    Image.frombytes("RGB", (width, height), os.urandom(width * height * 3)).save(out, format="PNG", compress_level=1)
    return out.getvalue()


@pytest.fixture(scope="module")
def noise(stack: Any) -> Iterator[tuple[FileItem, bytes]]:
    """A 1400 x 1300 PNG of random noise, about 5.5 MB: more than a Lambda answer carries."""
    content = _noise_png(1400, 1300)
    assert len(content) > limits.MAX_INLINE_BYTES
    yield _store(stack.account.account_id, "noise.png", content, mime="image/png", image=(1400, 1300)), content


def _fetch(location: str) -> httpx.Response:
    response = httpx.get(location, timeout=30)
    assert response.status_code == 200
    return response


def test_a_large_original_is_a_redirect_to_its_exact_bytes(api: Any, stack: Any, noise: tuple[FileItem, bytes]) -> None:
    """Given a 5.5 MB PNG, When its URL is asked (through CloudFront's part and API Gateway), Then 302 to a
    presigned S3 URL cached for less than it lives, whose bytes are exactly the original."""
    item, content = noise
    response = api.get(sdk_path(stack, stack.account, item.file_path))
    assert response.status_code == 302 and response.get_data() == b""
    assert response.headers["Cache-Control"] == "public, max-age=60"
    location = response.headers["Location"]
    assert "X-Amz-Expires=300" in location
    fetched = _fetch(location)
    assert fetched.content == content and fetched.headers["Content-Type"] == "image/png"


def test_head_of_a_large_file_answers_its_headers_not_a_redirect(
    api: Any, stack: Any, noise: tuple[FileItem, bytes]
) -> None:
    """Given a 5.5 MB PNG, When HEAD asks its URL and a transformation of it that is large too, Then 200 with its
    type and ETag and no Location: a presigned URL is signed for GET, so a HEAD following a redirect would fail."""
    item, _ = noise
    plain = sdk_path(stack, stack.account, item.file_path)
    transformed = sdk_path(stack, stack.account, item.file_path, transformation=[{"width": 1400, "format": "png"}])
    for path in (plain, transformed):
        head = api.head(path)
        assert (head.status_code, head.get_data(), "Location" in head.headers) == (200, b"", False)
        assert head.headers["Content-Type"] == "image/png" and head.headers["ETag"]


def test_a_signed_urls_redirect_names_a_url_that_ends_with_it(
    api: Any, stack: Any, noise: tuple[FileItem, bytes]
) -> None:
    """Given a 5.5 MB PNG, When its URL is signed to expire in 100 s, Then the presigned URL of the redirect is valid
    100 s at most, not the usual 300 s."""
    item, _ = noise
    response = api.get(sdk_path(stack, stack.account, item.file_path, signed=True, expires_in=100))
    assert response.status_code == 302
    validity = int(response.headers["Location"].split("X-Amz-Expires=", 1)[1].split("&", 1)[0])
    assert 95 <= validity <= 100


def test_a_large_download_keeps_its_name(api: Any, stack: Any, noise: tuple[FileItem, bytes]) -> None:
    """Given a 5.5 MB PNG, When asked with ik-attachment=true, Then S3 answers the redirect with the attachment."""
    item, _ = noise
    response = api.get(sdk_path(stack, stack.account, item.file_path, query_parameters={"ik-attachment": "true"}))
    assert response.status_code == 302
    assert _fetch(response.headers["Location"]).headers["Content-Disposition"] == 'attachment; filename="noise.png"'


def test_a_large_rendition_is_stored_then_redirected_to(
    api: Any, stack: Any, noise: tuple[FileItem, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given a 5.5 MB noise PNG, When rotated by 90 (a PNG as large), Then 302 to the rendition, a 1300 x 1400 PNG;
    asked again, the same redirect without a render (the rendition's size is known without reading it)."""
    item, _ = noise
    path = sdk_path(stack, stack.account, item.file_path, transformation=[{"rotation": 90}])
    first = api.get(path)
    assert first.status_code == 302
    rotated = Image.open(io.BytesIO(_fetch(first.headers["Location"]).content))
    assert (rotated.format, rotated.size) == ("PNG", (1300, 1400))
    monkeypatch.setattr(engine, "render", lambda *_, **__: pytest.fail("a cached rendition is not rendered again"))
    second = api.get(path)
    assert second.status_code == 302 and "/renditions/" in second.headers["Location"]


@pytest.mark.parametrize(
    ("extra", "status"),
    [pytest.param(0, 200, id="the-limit-is-served-inline"), pytest.param(1, 302, id="one-byte-more-is-redirected")],
)
def test_the_inline_limit_fits_through_the_gateway(api: Any, stack: Any, extra: int, status: int) -> None:
    """Given a file of exactly the inline limit (4,706,304 bytes) and one of a byte more, When asked through the
    local gateway (which refuses Lambda answers over 6 MB as AWS does, with a 502), Then the first is served whole
    and the second is a redirect to the same bytes."""
    content = os.urandom(limits.MAX_INLINE_BYTES + extra)
    item = _store(stack.account.account_id, "blob.bin", content, mime="application/octet-stream")
    response = api.get(sdk_path(stack, stack.account, item.file_path))
    assert response.status_code == status
    body = response.get_data() if status == 200 else _fetch(response.headers["Location"]).content
    assert body == content


# ------------------------------------------------------------------ the CDN's origin secret


@pytest.fixture(scope="module")
def photo(stack: Any) -> Uploaded:
    """One public 40 x 20 PNG for the module (nothing here changes it)."""
    return upload(Client(stack.app), stack.account.private_key, halves(40, 20))


def test_the_regional_api_refuses_requests_that_did_not_come_through_the_cdn(
    api: Any, stack: Any, photo: Uploaded, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given a public file, When its URL is asked through the local CloudFront, Then 200; When asked of the regional
    API directly (no x-medialib-origin-secret) or with a wrong secret, Then 403 Forbidden, never cached, before any
    lookup (the account store is not read)."""
    path = photo.url.removeprefix(stack.base_url)
    assert api.get(path).status_code == 200
    monkeypatch.setattr(accounts, "get_account", lambda *_: pytest.fail("looked up before the origin check"))
    direct = Client(stack.gateway)
    for headers in ({}, {rules.ORIGIN_SECRET_HEADER: "wrong"}, {rules.ORIGIN_SECRET_HEADER: stack.origin_secret[:-1]}):
        refused = direct.get(path, headers=headers)
        body = json.loads(refused.get_data())
        assert refused.status_code == 403 and body["message"] == "Forbidden" and body["help"]
        assert refused.headers["Cache-Control"] == "no-store"
        assert stack.origin_secret not in refused.get_data(as_text=True)


# ------------------------------------------------------------------ bad input


_BAD = [
    pytest.param(("GET", "/{acc}/{dir}/a%FF.png", "", 400), id="invalid-utf8-400"),
    pytest.param(("GET", "/{acc}/{dir}/a%00.png", "", 400), id="nul-400"),
    pytest.param(("GET", "/{acc}/{dir}/a%0A.png", "", 404), id="newline-404-no-route-matches"),
    pytest.param(("GET", "/{acc}/{dir}/" + "x" * 3000 + ".png", "", 400), id="very-long-path-400"),
    pytest.param(("GET", "/{acc}/{dir}/a.png", "q=" + "x" * 5000, 400), id="very-long-query-400"),
    pytest.param(("GET", "/{acc}/{dir}/../a.png", "", 400), id="dot-dot-400"),
    pytest.param(("GET", "/{acc}/{dir}//a.png", "", 400), id="double-slash-400"),
    pytest.param(("GET", "/", "", 404), id="empty-path-404"),
    pytest.param(("GET", "/{acc}", "", 404), id="account-only-404"),
    pytest.param(("GET", "/{acc}/", "", 404), id="account-slash-404"),
    pytest.param(("GET", "/{acc}/{dir}/", "", 404), id="trailing-slash-404"),
    pytest.param(("GET", "/{acc}/{dir}/a.png", "tr=w-10&tr=w-20", 400), id="duplicated-tr-400"),
    pytest.param(("GET", "/{acc}/{dir}/a.png", "tr=" + "w-10," * 400, 400), id="huge-tr-400"),
    pytest.param(("GET", "/{acc}/{dir}/a.png", "tr=w-10" + ":w-10" * 20, 400), id="too-many-steps-400"),
    pytest.param(("GET", "/{acc}/{dir}/a.png", "tr=w-99999999", 400), id="huge-width-400"),
    pytest.param(("GET", "/{acc}/{dir}/a.png", "ik-obj-version=", 200), id="empty-version-is-the-current-200"),
    pytest.param(("GET", "/{acc}/{dir}/a.png", "tr=", 200), id="empty-tr-is-the-original-200"),
    pytest.param(("GET", "/{acc}/{dir}/a.png", "utm_source=x&y", 200), id="unknown-parameters-ignored-200"),
    pytest.param(("GET", "/{acc}/tr:/{dir}/a.png", "", 200), id="empty-path-tr-200"),
    pytest.param(("GET", "/{acc}/{dir}/a.png", "ik-t=9999999999999999999999", 401), id="huge-ik-t-401"),
    pytest.param(("HEAD", "/{acc}/{dir}/missing.png", "", 404), id="head-missing-404"),
    pytest.param(("OPTIONS", "/{acc}/{dir}/a.png", "", 204), id="options-is-a-cors-preflight-204"),
    pytest.param(("DELETE", "/{acc}/{dir}/a.png", "", 405), id="delete-405"),
]


@pytest.mark.parametrize("case", _BAD)
def test_bad_input_is_a_clear_4xx(api: Any, photo: Uploaded, case: tuple[str, str, str, int]) -> None:
    """Given a public file, When asked with a malformed path, query or method, Then a 4xx in ImageKit's error
    shape (or the documented 200 or 204), never a 5xx."""
    method, path, query, status = case
    folder = photo.file_path.rsplit("/", 1)[0].strip("/")
    url = path.format(acc=photo.body["url"].split("/")[3], dir=folder)
    response = api.open(url + (f"?{query}" if query else ""), method=method)
    assert response.status_code == status, response.get_data()
    if status >= 400 and method != "HEAD":
        body = json.loads(response.get_data())
        assert body["message"] and body["help"]
        if status == 405:
            assert response.headers["Allow"] == "GET, HEAD"


def test_a_large_private_file_is_never_redirected_to_without_a_signature(api: Any, stack: Any) -> None:
    """Given a private file over the inline limit, When asked unsigned, Then 401 and no S3 URL; signed, Then 302."""
    content = os.urandom(limits.MAX_INLINE_BYTES + 1)
    new = NewVersion(
        name="secret.bin",
        folder="/large-" + uuid.uuid4().hex[:10],
        mime="application/octet-stream",
        size=len(content),
        file_type="non-image",
        is_private_file=True,
    )
    item = files.store_version(stack.account.account_id, new, content, datetime.now(UTC))
    unsigned = api.get(sdk_path(stack, stack.account, item.file_path))
    assert unsigned.status_code == 401 and "Location" not in unsigned.headers
    assert "X-Amz" not in unsigned.get_data(as_text=True)
    signed = api.get(sdk_path(stack, stack.account, item.file_path, signed=True))
    assert signed.status_code == 302 and _fetch(signed.headers["Location"]).content == content


def test_a_20_megapixel_png_is_delivered_whole_and_transformed(api: Any, stack: Any) -> None:
    """Given a 5000 x 4000 (20 MP) PNG of four grey levels at random (about 5 MB), When its URL is asked, Then a
    redirect to exactly its bytes; When w-300 is asked, Then a 300 x 240 PNG served inline."""
    levels = bytes((i % 4) * 85 for i in range(256))
    grey = Image.frombytes("L", (5000, 4000), os.urandom(5000 * 4000).translate(levels))
    out = io.BytesIO()
    grey.save(out, format="PNG", compress_level=1)
    content = out.getvalue()
    assert len(content) > limits.MAX_INLINE_BYTES
    item = _store(stack.account.account_id, "20mp.png", content, mime="image/png", image=(5000, 4000))
    whole = api.get(sdk_path(stack, stack.account, item.file_path))
    assert whole.status_code == 302 and _fetch(whole.headers["Location"]).content == content
    small = api.get(sdk_path(stack, stack.account, item.file_path, transformation=[{"width": 300}]))
    assert small.status_code == 200
    assert Image.open(io.BytesIO(small.get_data())).size == (300, 240)


def test_an_unexpected_error_is_a_500_no_cache_keeps(
    api: Any, photo: Uploaded, stack: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given a failure delivery did not foresee (an encoder's ValueError, an S3 error), When a URL is asked, Then
    500 in ImageKit's shape with Cache-Control: no-store, like every other 5xx of delivery, so that CloudFront does
    not keep it."""

    def broken(*_: Any, **__: Any) -> Any:
        raise ValueError("unforeseen")

    monkeypatch.setattr(service, "deliver", broken)
    response = api.get(photo.url.removeprefix(stack.base_url))
    assert response.status_code == 500 and "unforeseen" not in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
