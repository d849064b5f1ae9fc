"""Delivery with the official SDKs' URL builders against `medialib local start-api`: the Python SDK's
`client.helper.build_url` (transformations in path and query, chained, signed, versioned, named) makes URLs that
the stack serves with the right pixels, and the Node SDK's `client.helper.buildSrc` ones are accepted byte for
byte (tests/e2e/node/delivery.test.mjs, run from here with the files this module uploads).

Every picture is the 600 x 400 grid of tests/e2e/pictures.py, whose colours encode the cell they come from: the
checks read width, height, format and which source region each part of the answer shows, not just the status."""

from __future__ import annotations

import hashlib
import hmac
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from imagekitio import ImageKit
from PIL import features

from tests.e2e import pictures
from tests.e2e.conftest import RunningStack, run_node_tests
from tests.e2e.pictures import HEIGHT, WIDTH, Box, decode, linear, mismatches, rotated_clockwise

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def local_api(delivery_api: RunningStack) -> RunningStack:
    """The delivery tests' own stack: their uploads stay out of the shared one."""
    return delivery_api


CHROME_ACCEPT = "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8"
HAS_AVIF = features.check("avif")
PAD = (0, 255, 0)  # bg-00FF00: no grid cell is this colour (every cell has blue 128)
WHOLE = Box(0, 0, WIDTH, HEIGHT)


@dataclass(frozen=True)
class Uploaded:
    path: str  # the file path, e.g. /delivery-1a2b3c4d/grid.png
    url: str  # the upload answer's url
    thumbnail: str  # the upload answer's thumbnailUrl
    file_id: str
    content: bytes


@pytest.fixture(scope="module")
def client(local_api: RunningStack) -> ImageKit:
    return ImageKit(private_key=local_api.private_key, base_url=local_api.base_url)


@pytest.fixture(scope="module")
def endpoint(local_api: RunningStack) -> str:
    """The delivery URL endpoint that `medialib local start-api` prints."""
    return f"{local_api.base_url}/{local_api.account_id}"


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=30) as session:
        yield session


@pytest.fixture(scope="module")
def folder() -> str:
    return f"/delivery-{uuid.uuid4().hex[:8]}"


def _upload(client: ImageKit, content: bytes, name: str, folder: str, **options: Any) -> Uploaded:
    answer = client.files.upload(file=content, file_name=name, folder=folder, use_unique_file_name=False, **options)
    assert answer.file_path and answer.url and answer.thumbnail_url and answer.file_id, answer
    return Uploaded(answer.file_path, answer.url, answer.thumbnail_url, answer.file_id, content)


@pytest.fixture(scope="module")
def grid(client: ImageKit, folder: str) -> Uploaded:
    return _upload(client, pictures.grid(), "grid.png", folder)


@pytest.fixture(scope="module")
def private_grid(client: ImageKit, folder: str) -> Uploaded:
    return _upload(client, pictures.grid(), "private.png", folder, is_private_file=True)


@pytest.fixture(scope="module")
def draft_grid(client: ImageKit, folder: str) -> Uploaded:
    return _upload(client, pictures.grid(), "draft.png", folder, is_published=False)


def _build(client: ImageKit, endpoint: str, src: str, *steps: dict[str, Any], **options: Any) -> str:
    return client.helper.build_url(src=src, url_endpoint=endpoint, transformation=list(steps), **options)  # type: ignore[arg-type]


def _ok(answer: httpx.Response) -> bytes:
    assert answer.status_code == 200, f"{answer.request.url} -> {answer.status_code} {answer.text[:300]}"
    return answer.content


# ------------------------------------------------------------------ geometry, in path and in query

# (id, SDK transformation steps, answer size, the source rectangle the whole answer shows)
GEOMETRY = [
    ("w-only-keeps-the-aspect-ratio", [{"width": 300}], (300, 200), WHOLE),
    ("h-only-keeps-the-aspect-ratio", [{"height": 100}], (150, 100), WHOLE),
    ("w-and-h-crop-the-centre-by-default", [{"width": 300, "height": 300}], (300, 300), Box(100, 0, 500, 400)),
    ("c-at_max-fits-inside-the-box", [{"width": 300, "height": 300, "crop": "at_max"}], (300, 200), WHOLE),
    ("c-at_least-covers-the-box", [{"width": 300, "height": 300, "crop": "at_least"}], (450, 300), WHOLE),
    ("c-force-squashes-the-whole-picture", [{"width": 300, "height": 300, "crop": "force"}], (300, 300), WHOLE),
    ("ar-3-4-with-w-is-portrait", [{"width": 300, "aspect_ratio": "3-4"}], (300, 400), Box(150, 0, 450, 400)),
    ("fo-left-keeps-the-left", [{"width": 300, "height": 300, "focus": "left"}], (300, 300), Box(0, 0, 400, 400)),
    ("fo-right-keeps-the-right", [{"width": 300, "height": 300, "focus": "right"}], (300, 300), Box(200, 0, 600, 400)),
    ("fo-top-keeps-the-top", [{"width": 600, "height": 100, "focus": "top"}], (600, 100), Box(0, 0, 600, 100)),
    ("fo-bottom-keeps-the-bottom", [{"width": 600, "height": 100, "focus": "bottom"}], (600, 100), Box(0, 300, 600, 400)),
    ("cm-extract-fo-top_left", [{"width": 200, "height": 100, "crop_mode": "extract", "focus": "top_left"}], (200, 100), Box(0, 0, 200, 100)),
    ("cm-extract-fo-top_right", [{"width": 200, "height": 100, "crop_mode": "extract", "focus": "top_right"}], (200, 100), Box(400, 0, 600, 100)),
    ("cm-extract-fo-bottom_left", [{"width": 200, "height": 100, "crop_mode": "extract", "focus": "bottom_left"}], (200, 100), Box(0, 300, 200, 400)),
    ("cm-extract-fo-bottom_right", [{"width": 200, "height": 100, "crop_mode": "extract", "focus": "bottom_right"}], (200, 100), Box(400, 300, 600, 400)),
    ("cm-extract-centre-by-default", [{"width": 200, "height": 200, "crop_mode": "extract"}], (200, 200), Box(200, 100, 400, 300)),
    ("dpr-2-doubles-the-size", [{"width": 150, "dpr": 2}], (300, 200), WHOLE),
    ("chained-steps-apply-in-order", [{"width": 300, "height": 300}, {"width": 150}], (150, 150), Box(100, 0, 500, 400)),
]  # fmt: skip


@pytest.mark.parametrize("position", ["path", "query"])
@pytest.mark.parametrize(("steps", "size", "shows"), [pytest.param(*case[1:], id=case[0]) for case in GEOMETRY])
def test_the_sdk_url_serves_the_right_region_at_the_right_size(
    client: ImageKit, endpoint: str, http: httpx.Client, grid: Uploaded,
    *, position: str, steps: list[dict[str, Any]], size: tuple[int, int], shows: Box,
) -> None:  # fmt: skip
    """Given the 600x400 grid PNG uploaded with the SDK, When build_url puts the transformation in the path or in
    the query and the URL is fetched, Then a PNG of the expected size whose every part shows the expected region
    of the source (crop, focus and aspect ratio checked by the colours of the kept cells)."""
    url = _build(client, endpoint, grid.path, *steps, transformation_position=position)
    answer = http.get(url)
    picture = decode(_ok(answer))
    assert (picture.format, answer.headers["content-type"]) == ("PNG", "image/png")
    assert picture.size == size
    assert mismatches(picture, linear(shows, Box(0, 0, *size))) == []


@pytest.mark.parametrize("position", ["path", "query"])
def test_cm_pad_resize_pads_with_the_bg_colour(
    client: ImageKit, endpoint: str, http: httpx.Client, grid: Uploaded, position: str
) -> None:
    """Given the 600x400 grid, When w-300,h-300,cm-pad_resize,bg-00FF00 is fetched, Then 300x300: the whole grid
    scaled to 300x200 in the middle, and 50-px bands of the bg colour above and below it."""
    step = {"width": 300, "height": 300, "crop_mode": "pad_resize", "background": "00FF00"}
    picture = decode(_ok(http.get(_build(client, endpoint, grid.path, step, transformation_position=position))))
    assert picture.size == (300, 300)
    assert mismatches(picture, linear(WHOLE, Box(0, 50, 300, 250)), within=Box(0, 50, 300, 250)) == []
    rgb = picture.convert("RGB")
    bands = [rgb.getpixel((x, y)) for x in range(5, 300, 30) for y in (*range(2, 46, 8), *range(256, 300, 8))]
    assert all(pictures.near(p, PAD) for p in bands), bands  # type: ignore[arg-type]


@pytest.mark.parametrize("position", ["path", "query"])
def test_rt_90_turns_clockwise_and_swaps_the_sides(
    client: ImageKit, endpoint: str, http: httpx.Client, grid: Uploaded, position: str
) -> None:
    """Given the 600x400 grid, When rt-90 is fetched, Then 400x600, turned clockwise: the source's top-left cell
    is now at the top right."""
    picture = decode(
        _ok(http.get(_build(client, endpoint, grid.path, {"rotation": 90}, transformation_position=position)))
    )
    assert picture.size == (400, 600)
    assert mismatches(picture, rotated_clockwise(HEIGHT)) == []
    assert pictures.cell_of(picture.convert("RGB").getpixel((390, 10))) == (0, 0)  # type: ignore[arg-type]


@pytest.mark.parametrize("position", ["path", "query"])
def test_chained_resize_then_rotate(
    client: ImageKit, endpoint: str, http: httpx.Client, grid: Uploaded, position: str
) -> None:
    """Given the 600x400 grid, When w-300:rt-90 (two chained steps) is fetched, Then the resize happened first
    (300x200) and the rotation second: 200x300, the source's top-left at the top right."""
    url = _build(client, endpoint, grid.path, {"width": 300}, {"rotation": 90}, transformation_position=position)
    assert ("tr:w-300:rt-90/" if position == "path" else "tr=w-300:rt-90") in url
    picture = decode(_ok(http.get(url)))
    assert picture.size == (200, 300)
    assert mismatches(picture, rotated_clockwise(HEIGHT, scale=0.5)) == []


def test_e_grayscale_makes_every_pixel_grey(
    client: ImageKit, endpoint: str, http: httpx.Client, grid: Uploaded
) -> None:
    """Given the coloured grid, When e-grayscale is fetched, Then the same size, R == G == B everywhere, and the
    cells still differ in lightness (the picture is not blank)."""
    picture = decode(_ok(http.get(_build(client, endpoint, grid.path, {"grayscale": True}))))
    assert picture.size == (WIDTH, HEIGHT)
    rgb = picture.convert("RGB")
    samples = [rgb.getpixel((x, y)) for x in range(50, WIDTH, 100) for y in range(50, HEIGHT, 100)]
    assert all(max(p) - min(p) <= 2 for p in samples), samples  # type: ignore[arg-type]
    assert max(p[0] for p in samples) - min(p[0] for p in samples) > 60  # type: ignore[index]


# ------------------------------------------------------------------ formats and quality

FORMATS = [
    pytest.param("png", "PNG", "image/png", id="f-png"),
    pytest.param("jpg", "JPEG", "image/jpeg", id="f-jpg"),
    pytest.param("webp", "WEBP", "image/webp", id="f-webp"),
    pytest.param("avif", "AVIF", "image/avif", id="f-avif", marks=pytest.mark.skipif(not HAS_AVIF, reason="no AVIF")),
]


@pytest.mark.parametrize(("sdk_format", "pillow_format", "content_type"), FORMATS)
def test_f_encodes_the_asked_format(
    client: ImageKit, endpoint: str, http: httpx.Client, grid: Uploaded,
    *, sdk_format: str, pillow_format: str, content_type: str,
) -> None:  # fmt: skip
    """Given the grid PNG, When w-300 with f-<format> is fetched, Then the bytes are that format (decoded, not
    just labelled), its Content-Type, 300x200, and the colours survive the encoder."""
    answer = http.get(_build(client, endpoint, grid.path, {"width": 300, "format": sdk_format}))
    picture = decode(_ok(answer))
    assert (picture.format, answer.headers["content-type"], picture.size) == (pillow_format, content_type, (300, 200))
    assert mismatches(picture, linear(WHOLE, Box(0, 0, 300, 200))) == []


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        pytest.param(CHROME_ACCEPT, ("AVIF", "image/avif") if HAS_AVIF else ("WEBP", "image/webp"), id="chrome-gets-avif-or-webp"),
        pytest.param("image/webp,*/*", ("WEBP", "image/webp"), id="webp-only-browser-gets-webp"),
        pytest.param("*/*", ("PNG", "image/png"), id="any-gets-the-source-format"),
    ],
)  # fmt: skip
def test_f_auto_follows_the_accept_header(
    client: ImageKit, endpoint: str, http: httpx.Client, grid: Uploaded, *, accept: str, expected: tuple[str, str]
) -> None:
    """Given the grid PNG, When f-auto is fetched with a browser's Accept header, Then the best format it lists
    (AVIF, then WebP, else the source's PNG), with Vary: Accept so that caches keep them apart."""
    answer = http.get(_build(client, endpoint, grid.path, {"width": 300, "format": "auto"}), headers={"Accept": accept})
    picture = decode(_ok(answer))
    assert (picture.format, answer.headers["content-type"]) == expected
    assert "accept" in answer.headers.get("vary", "").lower()
    assert picture.size == (300, 200)


def test_q_20_is_smaller_than_q_90(client: ImageKit, endpoint: str, http: httpx.Client, folder: str) -> None:
    """Given a detailed 300x200 JPEG, When q-20 and q-90 are fetched, Then both are 300x200 JPEGs and q-20 is
    clearly fewer bytes."""
    noise = _upload(client, pictures.noise_jpeg(), "noise.jpg", folder)
    low, high = (
        _ok(http.get(_build(client, endpoint, noise.path, {"quality": q}, transformation_position="path")))
        for q in (20, 90)
    )
    assert [(decode(b).format, decode(b).size) for b in (low, high)] == [("JPEG", (300, 200))] * 2
    assert len(low) < 0.7 * len(high), (len(low), len(high))


def test_orig_true_serves_the_uploaded_bytes(
    client: ImageKit, endpoint: str, http: httpx.Client, grid: Uploaded
) -> None:
    """Given an uploaded PNG, When orig-true is fetched, Then the original bytes,
    unchanged."""
    answer = http.get(_build(client, endpoint, grid.path, {"original": True}))
    assert hashlib.sha256(_ok(answer)).hexdigest() == hashlib.sha256(grid.content).hexdigest()
    assert answer.headers["content-type"] == "image/png"


def test_the_bare_url_of_the_upload_answer_serves_the_original(http: httpx.Client, grid: Uploaded) -> None:
    """Given an upload, When its answer's `url` is fetched as is, Then the uploaded bytes."""
    assert _ok(http.get(grid.url)) == grid.content


def test_the_thumbnail_of_the_upload_answer_is_a_small_picture(http: httpx.Client, grid: Uploaded) -> None:
    """Given an upload, When its answer's `thumbnailUrl` (tr:n-ik_ml_thumbnail) is fetched as is, Then an image
    smaller than the original that still shows the grid's colours where it kept them."""
    assert "tr:n-ik_ml_thumbnail/" in grid.thumbnail
    answer = http.get(grid.thumbnail)
    picture = decode(_ok(answer))
    assert answer.headers["content-type"].startswith("image/")
    assert picture.width < WIDTH and picture.height < HEIGHT
    rgb = picture.convert("RGB")
    points = [(int((i + 0.5) * rgb.width / 8), int((j + 0.5) * rgb.height / 8)) for i in range(8) for j in range(8)]
    lattice = [rgb.getpixel(point) for point in points]
    cells = {pictures.cell_of(p) for p in lattice} - {None}  # type: ignore[arg-type]
    assert len(cells) >= 8, lattice  # the grid's cells, not a blank or garbled picture


@pytest.mark.parametrize("position", ["path", "query"])
def test_ik_attachment_asks_for_a_download(
    client: ImageKit, endpoint: str, http: httpx.Client, grid: Uploaded, position: str
) -> None:
    """Given the grid, When build_url adds ik-attachment=true (as a query parameter, beside a w-300 and f-webp
    transformation), Then the same image is served as an attachment whose file name has the output's extension;
    without it, no Content-Disposition."""
    steps = {"width": 300, "format": "webp"}
    url = _build(client, endpoint, grid.path, steps, transformation_position=position,
                 query_parameters={"ik-attachment": "true"})  # fmt: skip
    answer = http.get(url)
    picture = decode(_ok(answer))
    assert (picture.format, picture.size) == ("WEBP", (300, 200))
    disposition = answer.headers.get("content-disposition", "")
    assert disposition.startswith("attachment") and 'filename="grid.webp"' in disposition, disposition
    plain = http.get(_build(client, endpoint, grid.path, steps, transformation_position=position))
    assert "content-disposition" not in plain.headers


# ------------------------------------------------------------------ versions


def test_an_old_version_url_serves_the_old_pixels(
    client: ImageKit, endpoint: str, http: httpx.Client, folder: str
) -> None:
    """Given the grid uploaded, then its mirror uploaded to the same path (Version 2), When the old version's URL
    from the versions API and its transformations (query and path, built by the SDK) are fetched, Then they show
    Version 1 (cell 0 top left), while the bare path shows Version 2 (cell 5 top left)."""
    first = _upload(client, pictures.grid(), "versioned.png", folder)
    second = _upload(client, pictures.grid(mirrored=True), "versioned.png", folder)
    assert second.file_id == first.file_id
    old = next(v for v in client.files.versions.list(first.file_id) if v.type == "file-version")
    assert old.url and "ik-obj-version=" in old.url
    token = httpx.URL(old.url).params["ik-obj-version"]

    def top_left(url: str) -> tuple[tuple[int, int] | None, tuple[int, int]]:
        picture = decode(_ok(http.get(url)))
        return pictures.cell_of(picture.convert("RGB").getpixel((5, 5))), picture.size  # type: ignore[arg-type]

    assert top_left(old.url) == ((0, 0), (600, 400))
    assert _ok(http.get(old.url)) == first.content
    assert top_left(second.url) == ((5, 0), (600, 400))
    in_query = client.helper.build_url(src=old.url, url_endpoint=endpoint, transformation=[{"width": 300}])
    assert in_query.endswith(f"?ik-obj-version={token}&tr=w-300")
    assert top_left(in_query) == ((0, 0), (300, 200))
    in_path = _build(client, endpoint, first.path, {"width": 300}, transformation_position="path",
                     query_parameters={"ik-obj-version": token})  # fmt: skip
    assert top_left(in_path) == ((0, 0), (300, 200))
    assert top_left(_build(client, endpoint, first.path, {"width": 300}, transformation_position="path")) == (
        (5, 0), (300, 200)
    )  # fmt: skip


# ------------------------------------------------------------------ private files and signatures


def _forms(client: ImageKit, endpoint: str, path: str, **options: Any) -> dict[str, str]:
    """The original, a path transformation and a query transformation of ``path``, as build_url makes them."""
    return {
        "original": client.helper.build_url(src=path, url_endpoint=endpoint, **options),
        "path-transform": _build(client, endpoint, path, {"width": 300}, transformation_position="path", **options),
        "query-transform": _build(client, endpoint, path, {"width": 300}, transformation_position="query", **options),
    }


def _statuses(http: httpx.Client, urls: dict[str, str]) -> dict[str, int]:
    return {form: http.get(url).status_code for form, url in urls.items()}


def test_a_private_file_needs_a_signature(
    client: ImageKit, endpoint: str, http: httpx.Client, private_grid: Uploaded
) -> None:
    """Given a private file, When its original, path and query transformations are fetched unsigned, Then 401."""
    forms = _forms(client, endpoint, private_grid.path)
    assert _statuses(http, {**forms, "answer-url": private_grid.url}) == dict.fromkeys([*forms, "answer-url"], 401)


@pytest.mark.parametrize("expires_in", [None, 300], ids=["signed-forever", "signed-expires-in-300-s"])
def test_a_signed_url_serves_the_private_file(
    client: ImageKit, endpoint: str, http: httpx.Client, private_grid: Uploaded, expires_in: int | None
) -> None:
    """Given a private file, When build_url signs its original and transformations (with or without expires_in),
    Then each is served with the right pixels."""
    options: dict[str, Any] = {"signed": True} | ({"expires_in": expires_in} if expires_in else {})
    forms = _forms(client, endpoint, private_grid.path, **options)
    assert all(("ik-t=" in url) == bool(expires_in) and "ik-s=" in url for url in forms.values()), forms
    assert _ok(http.get(forms["original"])) == private_grid.content
    for form in ("path-transform", "query-transform"):
        picture = decode(_ok(http.get(forms[form])))
        assert picture.size == (300, 200)
        assert mismatches(picture, linear(WHOLE, Box(0, 0, 300, 200))) == []


def _sign(private_key: str, endpoint: str, url: str, expires: int) -> str:
    """What the SDKs do (reference §6.1), by hand: HMAC-SHA1 of the URL after the endpoint, plus the expiry."""
    signed = url.removeprefix(endpoint.rstrip("/") + "/") + str(expires)
    signature = hmac.new(private_key.encode(), signed.encode(), hashlib.sha1).hexdigest()
    return f"{url}{'&' if '?' in url else '?'}ik-t={expires}&ik-s={signature}"


def test_tampered_and_expired_signatures_are_401(
    client: ImageKit, endpoint: str, http: httpx.Client, local_api: RunningStack, private_grid: Uploaded
) -> None:
    """Given a private file and URLs signed for it, When the signature, the transformation or the expiry is
    changed after signing, or the URL expired (hand-signed with an ik-t in the past), Then 401; the same hand
    signing with a future ik-t is served (so the 401s are the tampering and the expiry, not the signing)."""
    signed = _build(client, endpoint, private_grid.path, {"width": 300}, transformation_position="path", signed=True)
    expiring = _build(client, endpoint, private_grid.path, {"width": 300}, expires_in=300)
    signature = httpx.URL(signed).params["ik-s"]
    expires = httpx.URL(expiring).params["ik-t"]
    url = client.helper.build_url(src=private_grid.path, url_endpoint=endpoint)
    now = int(time.time())
    tampered = {
        "signature-changed": signed.replace(signature, signature[:-1] + ("0" if signature[-1] != "0" else "1")),
        "transformation-changed": signed.replace("tr:w-300", "tr:w-301"),
        "expiry-extended": expiring.replace(f"ik-t={expires}", f"ik-t={int(expires) + 1000}"),
        "signature-dropped-keeping-ik-t": expiring.split("&ik-s=")[0],
        "expired-an-hour-ago": _sign(local_api.private_key, endpoint, url, now - 3600),
        "expired-a-second-ago": _sign(local_api.private_key, endpoint, url, now - 1),
    }
    assert _statuses(http, tampered) == dict.fromkeys(tampered, 401)
    assert _ok(http.get(_sign(local_api.private_key, endpoint, url, now + 600))) == private_grid.content


def test_a_private_files_named_thumbnail_needs_no_signature(http: httpx.Client, private_grid: Uploaded) -> None:
    """Given a private file, When its thumbnailUrl (a named transformation) is fetched unsigned, Then 200 and an
    image."""
    answer = http.get(private_grid.thumbnail)
    assert decode(_ok(answer)).width < WIDTH


def test_a_private_files_old_version_url_needs_a_signature(
    client: ImageKit, endpoint: str, http: httpx.Client, folder: str
) -> None:
    """Given a private file uploaded twice to one path, When the old version's URL (ik-obj-version, from the
    versions API) is fetched unsigned, then signed by build_url, plain and transformed, Then 401, then Version 1's
    pixels."""
    first = _upload(client, pictures.grid(), "private-versioned.png", folder, is_private_file=True)
    _upload(client, pictures.grid(mirrored=True), "private-versioned.png", folder, is_private_file=True)
    old = next(v for v in client.files.versions.list(first.file_id) if v.type == "file-version")
    assert old.url and "ik-obj-version=" in old.url
    transformed = client.helper.build_url(src=old.url, url_endpoint=endpoint, transformation=[{"width": 300}])
    assert _statuses(http, {"version": old.url, "version-transform": transformed}) == {
        "version": 401, "version-transform": 401
    }  # fmt: skip
    assert _ok(http.get(client.helper.build_url(src=old.url, url_endpoint=endpoint, signed=True))) == first.content
    signed = client.helper.build_url(src=old.url, url_endpoint=endpoint, transformation=[{"width": 300}], signed=True)
    picture = decode(_ok(http.get(signed)))
    assert picture.size == (300, 200)
    assert mismatches(picture, linear(WHOLE, Box(0, 0, 300, 200))) == []


def test_a_signed_url_of_a_non_ascii_path_is_accepted(
    client: ImageKit, endpoint: str, http: httpx.Client, folder: str
) -> None:
    """Given a private file named with accented letters, When build_url percent-encodes and signs its path,
    Then the signature the SDK computed over the encoded path is accepted: the file."""
    accented = _upload(client, pictures.grid(), "café ünï.png", folder, is_private_file=True)
    url = client.helper.build_url(src=accented.path, url_endpoint=endpoint, signed=True)
    assert "caf%C3%A9_%C3%BCn%C3%AF.png?ik-s=" in url
    assert _ok(http.get(url)) == accented.content


# ------------------------------------------------------------------ not found


def test_an_unpublished_file_is_404_in_every_form(
    client: ImageKit, endpoint: str, http: httpx.Client, draft_grid: Uploaded
) -> None:
    """Given a file uploaded with isPublished false, When its URL, thumbnail, transformations, signed forms and
    version URL are fetched, Then every one is 404."""
    versions = client.files.versions.list(draft_grid.file_id)
    urls = {
        "answer-url": draft_grid.url,
        "thumbnail": draft_grid.thumbnail,
        **_forms(client, endpoint, draft_grid.path),
        **{f"signed-{form}": url for form, url in _forms(client, endpoint, draft_grid.path, signed=True).items()},
        **{f"version-{n}": v.url for n, v in enumerate(versions) if v.url},
    }
    assert _statuses(http, urls) == dict.fromkeys(urls, 404)


def test_unknown_paths_are_404(client: ImageKit, endpoint: str, http: httpx.Client, grid: Uploaded) -> None:
    """Given no file at a path, When it is fetched bare, transformed, signed, or a real file is asked under an
    account that does not exist, Then 404."""
    missing = f"/nowhere-{uuid.uuid4().hex[:8]}/none.png"
    urls = {
        **_forms(client, endpoint, missing),
        "signed": client.helper.build_url(src=missing, url_endpoint=endpoint, signed=True),
        "thumbnail": f"{endpoint}/tr:n-ik_ml_thumbnail{missing}",
        "another-account": grid.url.replace(endpoint, endpoint.rsplit("/", 1)[0] + "/no-such-account"),
    }
    assert _statuses(http, urls) == dict.fromkeys(urls, 404)


# ------------------------------------------------------------------ HTTP: ETag, 304, HEAD


@pytest.mark.parametrize("form", ["original", "path-transform", "query-transform"])
def test_if_none_match_with_the_etag_is_304(
    client: ImageKit, endpoint: str, http: httpx.Client, grid: Uploaded, form: str
) -> None:
    """Given a delivered answer with an ETag, When the same URL is fetched with If-None-Match: that ETag, Then 304
    with no body; with another ETag, Then 200 with the body."""
    url = _forms(client, endpoint, grid.path)[form]
    first = http.get(url)
    etag = first.headers.get("etag")
    assert first.status_code == 200 and etag, first.headers
    again = http.get(url, headers={"If-None-Match": etag})
    assert (again.status_code, again.content, again.headers.get("etag")) == (304, b"", etag)
    other = http.get(url, headers={"If-None-Match": '"something-else"'})
    assert (other.status_code, other.content) == (200, first.content)


@pytest.mark.parametrize("form", ["original", "path-transform", "query-transform"])
def test_head_answers_the_headers_of_get_without_a_body(
    client: ImageKit, endpoint: str, http: httpx.Client, grid: Uploaded, form: str
) -> None:
    """Given a delivery URL, When HEAD is sent, Then the status, Content-Type and ETag of GET, and no body."""
    url = _forms(client, endpoint, grid.path)[form]
    got, head = http.get(url), http.head(url)
    assert (head.status_code, head.content) == (200, b"")
    for name in ("content-type", "etag", "cache-control", "last-modified"):
        assert head.headers.get(name) == got.headers.get(name), name


# ------------------------------------------------------------------ the Node SDK's URLs


def test_node_sdk_urls_are_served(
    client: ImageKit, local_api: RunningStack, endpoint: str, *, grid: Uploaded, private_grid: Uploaded, folder: str
) -> None:
    """Given the grid public and private, and a private file whose name has non-ASCII letters, When
    tests/e2e/node/delivery.test.mjs builds URLs with the Node SDK's helper.buildSrc (path, query, chained,
    signed, expiring) and fetches them, Then every case passes: status, Content-Type, and the width and height
    read from the image's own header bytes."""
    accented = _upload(client, pictures.grid(), "naïve-ñ.png", folder, is_private_file=True)
    run_node_tests(
        "delivery.test.mjs",
        local_api,
        URL_ENDPOINT=endpoint,
        PUBLIC_PATH=grid.path,
        PRIVATE_PATH=private_grid.path,
        ACCENTED_PATH=accented.path,
    )


def _max_age(answer: httpx.Response) -> int:
    directives = {}
    for part in answer.headers.get("cache-control", "").split(","):
        name, _, value = part.strip().partition("=")
        directives[name.lower()] = value
    return int(directives.get("max-age") or 0)


def test_versioned_and_transformed_urls_are_cached_longer_than_the_mutable_path(
    client: ImageKit, endpoint: str, http: httpx.Client, folder: str
) -> None:
    """Given a file with two versions, When its bare path, an old version's URL and a transformation are fetched,
    Then the bare path (which a new version changes) has the shortest max-age, and the version URL (which nothing
    changes) a long one."""
    first = _upload(client, pictures.grid(), "cached.png", folder)
    _upload(client, pictures.grid(mirrored=True), "cached.png", folder)
    old = next(v for v in client.files.versions.list(first.file_id) if v.type == "file-version")
    assert old.url
    bare, version = http.get(first.url), http.get(old.url)
    transformed = http.get(_build(client, endpoint, first.path, {"width": 300}, transformation_position="path"))
    assert [a.status_code for a in (bare, version, transformed)] == [200, 200, 200]
    assert 0 < _max_age(bare) < _max_age(version), (bare.headers, version.headers)
    assert _max_age(version) >= 86_400
    assert _max_age(transformed) >= _max_age(bare)
