"""Delivery through the local stack (CloudFront's part, API Gateway, the deliver function, moto): URLs the official
Python SDK builds are served with the right pixels; renditions are made once and then read without decoding; the
HTTP caching headers, 304 and HEAD."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from medialib.adapters import blobs
from medialib.transform import engine
from tests.integration.delivery_helpers import (
    BLUE,
    RED,
    Uploaded,
    close,
    colour_at,
    halves,
    picture,
    sdk_path,
    token_of,
    upload,
    versions,
)


@pytest.fixture
def photo(api: Any, account: Any) -> Uploaded:
    """An 80 x 40 PNG, left half red, right half blue."""
    return upload(api, account.private_key, halves(80, 40))


@pytest.fixture
def renders(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Counts the engine's renders (each call records the requested format)."""
    calls: list[str] = []
    real = engine.render

    def counted(original: bytes, chain: Any, *, fmt: str, custom_coordinates: str | None = None) -> Any:
        calls.append(fmt)
        return real(original, chain, fmt=fmt, custom_coordinates=custom_coordinates)

    monkeypatch.setattr(engine, "render", counted)
    yield calls


@pytest.fixture
def sdk(stack: Any, account: Any) -> Any:
    """``sdk(src, **build_url options)``: the path and query the Python SDK builds for the dev account."""
    return lambda src, **options: sdk_path(stack, account, src, **options)


def _renditions(stack: Any, photo: Uploaded) -> list[str]:
    bucket = stack.provisioned.physical["RenditionsBucket"]
    prefix = f"renditions/{photo.body['url'].split('/')[3]}/{photo.file_id}/"
    listed = boto3.client("s3").list_objects_v2(Bucket=bucket, Prefix=prefix)
    return [o["Key"] for o in listed.get("Contents", [])]


_PATH = {"transformation_position": "path"}


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(({}, (80, 40), "PNG", RED, BLUE), id="original"),
        pytest.param(
            ({"transformation": [{"width": 40, "height": 20}], **_PATH}, (40, 20), "PNG", RED, BLUE),
            id="path-transformation",
        ),
        pytest.param(({"transformation": [{"width": 40}]}, (40, 20), "PNG", RED, BLUE), id="query-transformation"),
        pytest.param(
            ({"transformation": [{"width": 40, "height": 20}, {"rotation": 180}], **_PATH}, (40, 20), "PNG", BLUE, RED),
            id="chained-rotate-180",
        ),
        pytest.param(
            (
                {"transformation": [{"width": 20, "height": 40, "crop_mode": "extract", "x": 40, "y": 0}]},
                (20, 40),
                "PNG",
                BLUE,
                BLUE,
            ),
            id="extract-keeps-the-right-half",
        ),
        pytest.param(
            ({"transformation": [{"width": 20, "height": 40, "focus": "left"}]}, (20, 40), "PNG", RED, RED),
            id="crop-focus-left-keeps-red",
        ),
        pytest.param(
            ({"transformation": [{"width": 40, "format": "webp"}]}, (40, 20), "WEBP", RED, BLUE), id="format-webp"
        ),
        pytest.param(
            ({"transformation": [{"named": "ik_ml_thumbnail"}]}, (80, 40), "PNG", RED, BLUE), id="named-thumbnail"
        ),
        pytest.param(
            ({"signed": True, "transformation": [{"width": 40}]}, (40, 20), "PNG", RED, BLUE), id="signed-query"
        ),
        pytest.param(
            (
                {"signed": True, "expires_in": 300, "transformation": [{"width": 40}], **_PATH},
                (40, 20),
                "PNG",
                RED,
                BLUE,
            ),
            id="signed-expiring-path",
        ),
    ],
)
def test_sdk_urls_are_served_with_the_right_pixels(api: Any, sdk: Any, photo: Uploaded, case: tuple[Any, ...]) -> None:
    """Given a red|blue 80 x 40 PNG, When the URL the Python SDK builds is requested, Then 200 with the size, format
    and the colours on the left and right that the transformation keeps."""
    options, size, fmt, left, right = case
    response = api.get(sdk(photo.file_path, **options))
    assert response.status_code == 200, response.get_data()
    image = picture(response)
    assert (image.size, image.format) == (size, fmt)
    assert response.headers["Content-Type"] == f"image/{fmt.lower()}"
    assert close(colour_at(image, 1, image.height // 2), left)
    assert close(colour_at(image, image.width - 2, image.height // 2), right)


def test_the_upload_answers_urls_are_served(api: Any, stack: Any, photo: Uploaded) -> None:
    """Given an upload's answer, When its url and thumbnailUrl are requested, Then the original and a thumbnail."""
    assert photo.thumbnail is not None
    original = api.get(photo.url.removeprefix(stack.base_url))
    thumbnail = api.get(photo.thumbnail.removeprefix(stack.base_url))
    assert (original.status_code, thumbnail.status_code) == (200, 200)
    assert picture(original).size == (80, 40) and picture(thumbnail).size == (80, 40)


def test_a_version_url_serves_that_versions_pixels(api: Any, stack: Any, account: Any) -> None:
    """Given a file uploaded red|blue 80 x 40, then a 30 x 30 blue version, When its versions' URLs are requested
    (bare, with each version's ik-obj-version, with a transformation), Then each version's own pixels."""
    first = upload(api, account.private_key, halves(80, 40))
    upload(api, account.private_key, halves(30, 30), folder=first.file_path.rsplit("/", 1)[0])
    listed = versions(api, account.private_key, first.file_id)
    older = token_of(listed[0])
    bare = picture(api.get(sdk_path(stack, account, first.file_path)))
    old = picture(api.get(sdk_path(stack, account, first.file_path, query_parameters={"ik-obj-version": older})))
    old_small = api.get(
        sdk_path(
            stack, account, first.file_path, query_parameters={"ik-obj-version": older}, transformation=[{"width": 40}]
        )
    )
    assert bare.size == (30, 30) and old.size == (80, 40)
    assert picture(old_small).size == (40, 20)
    assert old_small.headers["Cache-Control"] == "public, max-age=31536000"


def test_a_rendition_is_made_once_and_then_read_without_decoding(
    api: Any, stack: Any, photo: Uploaded, renders: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given a file, When w-40,h-20 is asked, then h-20,w-40 (the same transformation written otherwise), Then one
    render, one object in the renditions bucket, and the second answer comes from it even with the engine broken."""
    first = api.get(photo.url.removeprefix(stack.base_url) + "?tr=w-40,h-20")
    assert first.status_code == 200 and renders == ["png"]

    def broken(*_: Any, **__: Any) -> Any:
        raise AssertionError("a cache hit must not decode an image")

    monkeypatch.setattr(engine, "render", broken)
    second = api.get(photo.url.removeprefix(stack.base_url) + "?tr=h-20,w-40")
    assert second.status_code == 200 and second.get_data() == first.get_data()
    assert second.headers["ETag"] == first.headers["ETag"]
    keys = _renditions(stack, photo)
    assert len(keys) == 1
    stored = boto3.client("s3").head_object(Bucket=stack.provisioned.physical["RenditionsBucket"], Key=keys[0])
    assert stored["ContentType"] == "image/png" and "max-age=31536000" in stored["CacheControl"]


def test_the_named_thumbnail_and_its_definition_share_one_rendition(
    api: Any, stack: Any, account: Any, photo: Uploaded, renders: list[str]
) -> None:
    """Given a file, When tr:n-ik_ml_thumbnail and its definition are asked, Then one render and one object."""
    api.get(sdk_path(stack, account, photo.file_path, transformation=[{"named": "ik_ml_thumbnail"}]))
    api.get(photo.url.removeprefix(stack.base_url) + "?tr=w-200,h-200,c-at_max")
    assert len(renders) == 1 and len(_renditions(stack, photo)) == 1


def test_path_steps_come_before_query_steps(api: Any, stack: Any, account: Any, photo: Uploaded) -> None:
    """Given a file, When the path says w-40 and the query rt-90, Then both apply, the path's first: 20 x 40."""
    path = photo.url.removeprefix(stack.base_url).replace(f"/{account.account_id}/", f"/{account.account_id}/tr:w-40/")
    assert picture(api.get(path + "?tr=rt-90")).size == (20, 40)


def test_f_auto_follows_accept_and_says_so(api: Any, stack: Any, photo: Uploaded) -> None:
    """Given a PNG, When tr=f-auto is asked by a browser that takes WebP and by one that does not, Then WebP and
    PNG, each with Vary: Accept and its own ETag."""
    path = photo.url.removeprefix(stack.base_url) + "?tr=f-auto"
    webp = api.get(path, headers={"Accept": "image/webp,*/*"})
    png = api.get(path, headers={"Accept": "image/png,*/*"})
    assert (picture(webp).format, picture(png).format) == ("WEBP", "PNG")
    assert webp.headers["Vary"] == png.headers["Vary"] == "Accept"
    assert webp.headers["ETag"] != png.headers["ETag"]


# ------------------------------------------------------------------ HTTP


def test_etag_and_304_without_reading_any_object(
    api: Any, stack: Any, photo: Uploaded, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given a delivered original and a rendition, When asked again with If-None-Match, Then 304 with the ETag and
    Cache-Control and no body, and S3 is not read."""
    paths = [photo.url.removeprefix(stack.base_url), photo.url.removeprefix(stack.base_url) + "?tr=w-20"]
    tags = [api.get(path).headers["ETag"] for path in paths]

    def no_read(*_: Any, **__: Any) -> Any:
        raise AssertionError("a 304 reads no object")

    monkeypatch.setattr(blobs, "get", no_read)
    monkeypatch.setattr(blobs, "get_bounded", no_read)
    for path, tag in zip(paths, tags, strict=True):
        again = api.get(path, headers={"If-None-Match": tag})
        assert (again.status_code, again.get_data(), again.headers["ETag"]) == (304, b"", tag)
        assert again.headers["Cache-Control"].startswith("public, max-age=")
    # the patch is on the read path: another tag reads the object, and the patched read fails
    assert api.get(paths[0], headers={"If-None-Match": '"other"'}).status_code == 500


@pytest.mark.parametrize(
    ("query", "cache_control"),
    [
        pytest.param("", "public, max-age=3600", id="bare-original-an-hour"),
        pytest.param("?tr=w-20", "public, max-age=31536000", id="transformed-a-year"),
        pytest.param("?tr=orig-true", "public, max-age=3600", id="orig-true-is-the-original"),
    ],
)
def test_cache_control_and_last_modified(api: Any, stack: Any, photo: Uploaded, query: str, cache_control: str) -> None:
    """Given a file, When its bare path or a transformation is asked, Then Cache-Control by URL form, Last-Modified
    of the version, ETag, nosniff."""
    response = api.get(photo.url.removeprefix(stack.base_url) + query)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == cache_control
    assert response.headers["Last-Modified"].endswith(" GMT") and response.headers["ETag"].startswith('"')
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_signed_urls_cache_ends_with_it(api: Any, stack: Any, account: Any, photo: Uploaded) -> None:
    """Given a URL signed for 120 s, When requested, Then Cache-Control max-age is at most 120."""
    response = api.get(sdk_path(stack, account, photo.file_path, signed=True, expires_in=120))
    max_age = int(response.headers["Cache-Control"].rsplit("=", 1)[1])
    assert response.status_code == 200 and 110 <= max_age <= 120


def test_head_answers_like_get_without_a_body(api: Any, stack: Any, photo: Uploaded) -> None:
    """Given a file, When HEAD and GET ask the same URLs, Then the same status and headers, and HEAD has no body."""
    for query in ("", "?tr=w-20"):
        path = photo.url.removeprefix(stack.base_url) + query
        get, head = api.get(path), api.head(path)
        assert (head.status_code, head.get_data()) == (200, b"")
        for name in ("Content-Type", "ETag", "Cache-Control", "Last-Modified", "Content-Security-Policy"):
            assert head.headers[name] == get.headers[name]


def test_a_delivered_file_runs_no_script_on_the_shared_domain(api: Any, stack: Any, account: Any) -> None:
    """Given an HTML file and an SVG with a script (every account's files share the delivery domain), When
    delivered, Then with their types and a Content-Security-Policy with sandbox and default-src 'none', which keeps a
    browser from running them or loading anything."""
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    for name, content, mime in (("a.html", b"<script>alert(1)</script>", "text/html"), ("a.svg", svg, "image/svg+xml")):
        uploaded = upload(api, account.private_key, content, fileName=name)
        answer = api.get(uploaded.url.removeprefix(stack.base_url))
        assert answer.status_code == 200 and answer.get_data() == content
        assert answer.headers["Content-Type"].startswith(mime)
        directives = [d.strip() for d in answer.headers["Content-Security-Policy"].split(";")]
        assert "sandbox" in directives and "default-src 'none'" in directives
        assert answer.headers["X-Content-Type-Options"] == "nosniff"


def test_ik_attachment_names_the_download(api: Any, stack: Any, account: Any, photo: Uploaded) -> None:
    """Given a PNG, When asked with ik-attachment=true, as is and converted to WebP, Then Content-Disposition
    attachment with its name (and the WebP's extension)."""
    query = {"ik-attachment": "true"}
    original = api.get(sdk_path(stack, account, photo.file_path, query_parameters=query))
    webp = api.get(
        sdk_path(stack, account, photo.file_path, query_parameters=query, transformation=[{"format": "webp"}])
    )
    assert original.headers["Content-Disposition"] == 'attachment; filename="a.png"'
    assert webp.headers["Content-Disposition"] == 'attachment; filename="a.webp"'
    assert "Content-Disposition" not in api.get(photo.url.removeprefix(stack.base_url)).headers
