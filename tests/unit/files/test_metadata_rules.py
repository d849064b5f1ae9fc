"""The pure rules of file metadata: the pHash, a JPEG's quality, the format name, and which URLs name a delivery
path of this medialib. The Pillow reading is checked on small images made here."""

from __future__ import annotations

import io
from typing import Any

import pytest
from PIL import Image

from medialib.errors import BadRequestError
from medialib.files.metadata import describe
from medialib.files.rules import delivery_path_of, extension_of, format_name, jpeg_quality, phash

BASE = "https://media.example.com"


def picture(width: int = 64, height: int = 48, *, fmt: str = "PNG", flip: bool = False, **save: Any) -> bytes:
    """Red left half, blue right half (flipped: blue left)."""
    left, right = ((20, 20, 220), (220, 20, 20)) if flip else ((220, 20, 20), (20, 20, 220))
    image = Image.new("RGB", (width, height), left)
    image.paste(right, (width // 2, 0, width, height))
    out = io.BytesIO()
    image.save(out, format=fmt, **save)
    return out.getvalue()


def test_phash_is_16_hex_characters_and_stable_under_resizing_and_format() -> None:
    """Given one picture at two sizes and in two formats, When hashed, Then the same 16 hex characters."""
    hashes = {describe(picture(64, 48)).p_hash, describe(picture(128, 96, fmt="JPEG", quality=90)).p_hash}
    assert len(hashes) == 1 and len(next(iter(hashes)) or "") == 16


def test_phash_tells_different_pictures_apart() -> None:
    plain, flipped = describe(picture()).p_hash, describe(picture(flip=True)).p_hash
    assert plain and flipped and bin(int(plain, 16) ^ int(flipped, 16)).count("1") > 8


def test_phash_needs_a_32_by_32_grey_image() -> None:
    with pytest.raises(ValueError, match="1024"):
        phash([1.0] * 10)


@pytest.mark.parametrize("quality", [30, 50, 75, 90, 95])
def test_jpeg_quality_is_read_back(quality: int) -> None:
    found = describe(picture(fmt="JPEG", quality=quality)).quality
    assert found is not None and abs(found - quality) <= 1


def test_jpeg_quality_of_the_ijg_table_is_50() -> None:
    table = [16, 11, 10, 16, 24, 40, 51, 61] + [99] * 56
    assert 1 <= jpeg_quality(table) <= 100


def test_an_image_is_described_whole() -> None:
    """Given a 300 dpi RGBA PNG with an ICC profile, When described, Then ImageKit's fields, no quality."""
    image = Image.new("RGBA", (10, 5), (0, 0, 0, 0))
    out = io.BytesIO()
    image.save(out, format="PNG", dpi=(300, 300), icc_profile=b"\0" * 128)
    found = describe(out.getvalue())
    assert (found.width, found.height, found.format, found.density) == (10, 5, "png", 300)
    assert found.has_color_profile and found.has_transparency and found.quality is None
    assert set(found.exif or {}) == {"image", "thumbnail", "exif", "gps", "interoperability", "makernote"}


def test_exif_goes_into_imagekits_sections() -> None:
    exif = Image.Exif()
    exif[0x010F] = "Canon"
    exif.get_ifd(0x8769)[0x9003] = "2024:01:02 03:04:05"
    found = describe(picture(fmt="JPEG", exif=exif.tobytes()))
    assert found.exif is not None
    assert found.exif["image"] == {"Make": "Canon"} and found.exif["exif"] == {
        "DateTimeOriginal": "2024:01:02 03:04:05"
    }


def test_bytes_that_are_not_an_image_give_their_size_only() -> None:
    found = describe(b"%PDF-1.4 not really")
    assert found.size == 19 and found.width is None and found.p_hash is None


@pytest.mark.parametrize(
    "case",
    [("JPEG", "jpg"), ("PNG", "png"), ("WEBP", "webp"), ("GIF", "gif"), ("TIFF", "tiff"), ("HEIF", "heic")],
    ids=lambda case: case[0],
)
def test_format_names(case: tuple[str, str]) -> None:
    assert format_name(case[0]) == case[1]


@pytest.mark.parametrize(
    "case",
    [("a.PDF", "pdf"), ("archive.tar.gz", "gz"), ("README", None), (".hidden", None), ("trailing.", None)],
    ids=lambda case: case[0],
)
def test_extension_of(case: tuple[str, str | None]) -> None:
    assert extension_of(case[0]) == case[1]


@pytest.mark.parametrize(
    "case",
    [
        pytest.param((f"{BASE}/acc/a.png", BASE, "/acc/a.png", {}), id="plain"),
        pytest.param((f"{BASE}/acc/tr:w-10/a%20b.png?ik-obj-version=t1", BASE, "/acc/tr:w-10/a b.png", {"ik-obj-version": ["t1"]}), id="transformed-version-encoded"),
        pytest.param(("HTTPS://MEDIA.example.com/acc/a.png?tr=w-1", BASE, "/acc/a.png", {"tr": ["w-1"]}), id="host-case-insensitive"),
        pytest.param(("http://127.0.0.1:3000/prod/acc/a.png", "http://127.0.0.1:3000/prod", "/acc/a.png", {}), id="base-with-path-and-port"),
    ],
)  # fmt: skip
def test_a_delivery_url_gives_its_path_and_query(case: tuple[str, str, str, dict[str, list[str]]]) -> None:
    url, base, path, query = case
    assert delivery_path_of(url, base) == (path, query)


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("https://ik.imagekit.io/demo/a.jpg", id="another-host"),
        pytest.param("https://media.example.com.evil.io/acc/a.png", id="a-host-that-only-starts-alike"),
        pytest.param("http://127.0.0.1:3001/prod/acc/a.png", id="another-port"),
        pytest.param("ftp://media.example.com/acc/a.png", id="not-http"),
        pytest.param("/acc/a.png", id="relative"),
        pytest.param("not a url", id="text"),
        pytest.param("https://[::1/a", id="malformed-host"),
        pytest.param("https://media.example.com:99999/a", id="bad-port"),
    ],
)
def test_other_urls_are_refused(url: str) -> None:
    with pytest.raises(BadRequestError):
        delivery_path_of(url, BASE)


def test_a_path_outside_the_bases_path_is_refused() -> None:
    with pytest.raises(BadRequestError, match="must start with"):
        delivery_path_of("http://127.0.0.1:3000/production/acc/a.png", "http://127.0.0.1:3000/prod")
