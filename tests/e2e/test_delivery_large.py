"""A 20 MP PNG original over what a Lambda answer carries (about 4.4 MB of image once base64-encoded in its 6 MB)
is delivered whole through `medialib local start-api`: the delivery URL answers a redirect to a short-lived
presigned S3 URL (never a truncated body, never a 502), whose bytes are the upload's; and a transformation of it
decodes the 20 MP within the pixel limits and answers the small rendition directly."""

from __future__ import annotations

import hashlib
import io
import random
import uuid
from typing import Any

import httpx
import pytest
from PIL import Image

from tests.e2e.conftest import RunningStack, upload_through_session
from tests.e2e.pictures import decode

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def local_api(delivery_api: RunningStack) -> RunningStack:
    """The delivery tests' own stack: their uploads stay out of the shared one."""
    return delivery_api


WIDTH, HEIGHT = 5490, 3660  # 20,093,400 pixels, 3:2
LAMBDA_IMAGE_LIMIT = 4_400_000  # bytes of image that fit in a 6 MB Lambda answer once base64-encoded


def large_png() -> bytes:
    """A 20 MP RGB PNG of about 8 MB, made in about a second: each row starts with 1/8 of a row of seeded noise
    (one of 64 segments, so a repeat is 64 rows = ~1 MB back, out of zlib's 32 KB reach) and is flat after it."""
    noisy = (WIDTH // 8) * 3
    segments = random.Random(20).randbytes(noisy * 64)
    flat = bytes((90, 140, 200)) * (WIDTH - noisy // 3)
    rows = [segments[k * noisy : (k + 1) * noisy] + flat for k in ((y * 7919) % 64 for y in range(HEIGHT))]
    out = io.BytesIO()
    Image.frombytes("RGB", (WIDTH, HEIGHT), b"".join(rows)).save(out, format="PNG", compress_level=1)
    return out.getvalue()


@pytest.fixture(scope="module")
def uploaded(local_api: RunningStack) -> tuple[bytes, dict[str, Any]]:
    """The large PNG, uploaded through an upload session (too large for a direct upload): (bytes, the file)."""
    content = large_png()
    assert len(content) > LAMBDA_IMAGE_LIMIT and WIDTH * HEIGHT >= 20_000_000
    state = upload_through_session(
        local_api, "large.png", content, "image/png", f"/large-{uuid.uuid4().hex[:8]}", timeout=120
    )
    assert state["status"] == "COMPLETED", state
    file: dict[str, Any] = state["file"]
    assert (file["width"], file["height"], file["size"]) == (WIDTH, HEIGHT, len(content))
    return content, file


def test_a_20_mp_png_original_is_delivered_whole_by_a_redirect(uploaded: tuple[bytes, dict[str, Any]]) -> None:
    """Given a 20 MP PNG over 4.4 MB uploaded through a session, When its delivery URL is fetched, Then the first
    answer is a 302 to a presigned S3 URL (not a truncated body, not a 502), and following it gives exactly the
    uploaded bytes, as a PNG of 5490x3660."""
    content, file = uploaded
    first = httpx.get(file["url"], timeout=60)
    assert first.status_code == 302, (first.status_code, first.headers, first.text[:300])
    location = httpx.URL(first.headers["location"])
    assert "X-Amz-Signature" in location.params or "Signature" in location.params, location
    assert len(first.content) < 10_000

    followed = httpx.get(file["url"], follow_redirects=True, timeout=60)
    assert [r.status_code for r in followed.history] == [302]
    assert followed.status_code == 200
    assert hashlib.sha256(followed.content).hexdigest() == hashlib.sha256(content).hexdigest()
    assert followed.headers.get("content-type") == "image/png"


def test_a_transformation_of_the_20_mp_png_is_served_directly(
    local_api: RunningStack, uploaded: tuple[bytes, dict[str, Any]]
) -> None:
    """Given the 20 MP PNG, When w-800 of it is fetched (path form), Then 200 with an 800-px-wide PNG of the same
    aspect ratio in the body itself: decoding 20 MP is within the pixel limits."""
    _, file = uploaded
    endpoint = f"{local_api.base_url}/{local_api.account_id}"
    answer = httpx.get(f"{endpoint}/tr:w-800{file['filePath']}", timeout=120)
    assert answer.status_code == 200, (answer.status_code, answer.text[:300])
    picture = decode(answer.content)
    assert picture.format == "PNG" and picture.width == 800
    assert abs(picture.height - 800 * HEIGHT / WIDTH) <= 1, picture.size
