"""The Pillow engine on small generated images: the size, the format and the region a user sees, modes and
orientation handled, metadata gone, and every unreadable or oversized input a 400 rather than a crash."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image, ImageDraw

from medialib.errors import BadRequestError
from medialib.transform import engine, geometry
from medialib.transform.engine import render
from medialib.transform.formats import writes_avif
from medialib.transform.parse import parse

RED, GREEN, BLUE, YELLOW, WHITE, BLACK = (255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 0), (255,) * 3, (0,) * 3
MAGIC = {"jpeg": b"\xff\xd8\xff", "png": b"\x89PNG", "gif": b"GIF8", "webp": b"RIFF", "avif": b"ftypavif"}


def quadrants(width: int = 200, height: int = 100, fmt: str = "PNG", **save: object) -> bytes:
    """Red top-left, green top-right, blue bottom-left, yellow bottom-right."""
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    half_w, half_h = width // 2, height // 2
    for colour, box in (
        (RED, (0, 0, half_w, half_h)),
        (GREEN, (half_w, 0, width, half_h)),
        (BLUE, (0, half_h, half_w, height)),
        (YELLOW, (half_w, half_h, width, height)),
    ):
        draw.rectangle((box[0], box[1], box[2] - 1, box[3] - 1), fill=colour)
    out = io.BytesIO()
    image.save(out, fmt, **save)
    return out.getvalue()


def opened(body: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(body))
    image.load()
    return image


def near(actual: tuple[int, ...], expected: tuple[int, ...], tolerance: int = 40) -> bool:
    return all(abs(a - e) <= tolerance for a, e in zip(actual, expected, strict=False))


def colours(body: bytes, points: list[tuple[float, float]]) -> list[tuple[int, ...]]:
    """The RGB colours at points given as fractions of the output's width and height."""
    image = opened(body).convert("RGB")
    return [image.getpixel((int(x * (image.width - 1)), int(y * (image.height - 1)))) for x, y in points]  # type: ignore[misc]


CORNERS = [(0.1, 0.1), (0.9, 0.1), (0.1, 0.9), (0.9, 0.9)]


@pytest.mark.parametrize("fmt", ["jpeg", "png", "webp", "avif", "gif"])
def test_each_format_is_written_at_the_planned_size(fmt: str) -> None:
    """Given a PNG and w-60, When rendered in each format, Then the bytes are that format at 60 x 30."""
    rendition = render(quadrants(), parse("w-60"), fmt=fmt)
    assert MAGIC[fmt] in rendition.body[:12]
    assert rendition.content_type == f"image/{fmt}"
    image = opened(rendition.body)
    assert image.size == (rendition.width, rendition.height) == (60, 30)
    assert near(colours(rendition.body, [(0.1, 0.1)])[0], RED, 60)


@pytest.mark.parametrize("source_format", ["JPEG", "PNG", "WEBP", "AVIF", "GIF", "BMP", "TIFF"])
def test_each_source_format_is_read(source_format: str) -> None:
    """Given an original in each format medialib decodes, When rendered, Then the pixels come through."""
    rendition = render(quadrants(fmt=source_format), parse("w-50"), fmt="png")
    assert (rendition.width, rendition.height) == (50, 25)
    corners = colours(rendition.body, CORNERS)
    assert all(near(got, want, 60) for got, want in zip(corners, [RED, GREEN, BLUE, YELLOW], strict=True))


@pytest.mark.parametrize(
    ("text", "size", "corners"),
    [
        pytest.param("w-100,h-100", (100, 100), [RED, GREEN, BLUE, YELLOW], id="cover-centre-keeps-all-four"),
        pytest.param("w-50,h-100,fo-left", (50, 100), [RED, RED, BLUE, BLUE], id="cover-at-left-keeps-left"),
        pytest.param("w-50,h-100,fo-right", (50, 100), [GREEN, GREEN, YELLOW, YELLOW], id="cover-at-right"),
        pytest.param("w-100,h-50,cm-extract,fo-top_left", (100, 50), [RED] * 4, id="extract-top-left"),
        pytest.param("w-100,h-50,cm-extract,fo-bottom_right", (100, 50), [YELLOW] * 4, id="extract-bottom-right"),
        pytest.param("w-60,h-30,cm-extract,x-110,y-60", (60, 30), [YELLOW] * 4, id="extract-at-x-y"),
        pytest.param("w-100,h-100,c-force", (100, 100), [RED, GREEN, BLUE, YELLOW], id="force-stretches"),
        pytest.param("w-100,h-100,c-at_max", (100, 50), [RED, GREEN, BLUE, YELLOW], id="at-max-fits"),
        pytest.param("w-100,h-100,c-at_least", (200, 100), [RED, GREEN, BLUE, YELLOW], id="at-least-covers"),
        pytest.param("rt-90", (100, 200), [BLUE, RED, YELLOW, GREEN], id="quarter-turn-clockwise"),
        pytest.param("rt-180", (200, 100), [YELLOW, BLUE, GREEN, RED], id="half-turn"),
        pytest.param("fl-h", (200, 100), [GREEN, RED, YELLOW, BLUE], id="flip-horizontal"),
        pytest.param("fl-v", (200, 100), [BLUE, YELLOW, RED, GREEN], id="flip-vertical"),
        pytest.param("w-100:rt-90", (50, 100), [BLUE, RED, YELLOW, GREEN], id="chained-resize-then-turn"),
    ],
)
def test_the_region_kept(text: str, size: tuple[int, int], corners: list[tuple[int, int, int]]) -> None:
    """Given a 200 x 100 image of coloured quadrants, When rendered, Then the output's corners show the region
    the crop strategy and focus keep."""
    rendition = render(quadrants(), parse(text), fmt="png")
    assert (rendition.width, rendition.height) == size
    assert all(near(got, want) for got, want in zip(colours(rendition.body, CORNERS), corners, strict=True))


def test_pad_resize_pads_with_the_background_at_the_focus() -> None:
    """Given a wide image padded into a square with bg and fo-top, When rendered, Then the image is on top and the
    padding below is the background colour."""
    body = render(quadrants(), parse("w-100,h-100,cm-pad_resize,bg-000000,fo-top"), fmt="png").body
    top_left, _, bottom_left, bottom_right = colours(body, CORNERS)
    assert near(top_left, RED)
    assert near(bottom_left, BLACK) and near(bottom_right, BLACK)


def test_pad_extract_pads_where_the_box_is_larger() -> None:
    """Given a box wider than the image with cm-pad_extract, When rendered, Then the sides are background."""
    body = render(quadrants(), parse("w-400,h-50,cm-pad_extract,bg-blue"), fmt="png").body
    left, right, middle = colours(body, [(0.05, 0.5), (0.95, 0.5), (0.3, 0.2)])
    assert opened(body).size == (400, 50)
    assert near(left, BLUE) and near(right, BLUE) and near(middle, RED)


def test_rotation_by_another_angle_fills_the_corners_with_the_background() -> None:
    """Given rt-45 and bg-00FF00, When rendered, Then the canvas grows to hold the image, corners filled green."""
    rendition = render(quadrants(100, 100), parse("rt-45,bg-00FF00"), fmt="png")
    assert (rendition.width, rendition.height) == (142, 142)
    assert near(colours(rendition.body, [(0.02, 0.02)])[0], GREEN)


def test_a_turn_whose_canvas_is_over_the_limits_is_a_400(monkeypatch: pytest.MonkeyPatch) -> None:
    """Given an output limit of 40000 pixels, an image within it turned 45 degrees, When rendered, Then a 400
    names rt-45 (the turned canvas would be over the limit); a quarter turn of the same image is served."""
    monkeypatch.setattr(geometry, "MAX_OUTPUT_PIXELS", 40_000)
    assert render(quadrants(), parse("rt-90"), fmt="png").width == 100
    with pytest.raises(BadRequestError, match="parameters rt-45: they make a 213 x 213 image"):
        render(quadrants(), parse("rt-45"), fmt="png")


def test_grayscale_and_blur() -> None:
    """Given e-grayscale and bl-10, When rendered, Then every pixel is grey and the quadrants' edge is soft."""
    image = opened(render(quadrants(), parse("e-grayscale,bl-10"), fmt="png").body).convert("RGB")
    red, green, blue = (channel.tobytes() for channel in image.split())
    assert red == green == blue
    sharp = opened(render(quadrants(), parse("e-grayscale"), fmt="png").body).convert("L")
    blurred = image.convert("L")
    assert abs(sharp.getpixel((99, 25)) - sharp.getpixel((100, 25))) > 50  # type: ignore[operator]
    assert abs(blurred.getpixel((99, 25)) - blurred.getpixel((100, 25))) < 10  # type: ignore[operator]


def test_fo_auto_keeps_the_detailed_part() -> None:
    """Given a flat grey left half and a checkerboard right half, When cut square at fo-auto, Then the crop
    holds the checkerboard."""
    image = Image.new("L", (400, 100), 128)
    for x in range(300, 400, 10):
        for y in range(0, 100, 10):
            image.paste(255 if (x + y) // 10 % 2 else 0, (x, y, x + 10, y + 10))
    out = io.BytesIO()
    image.save(out, "PNG")
    kept = opened(render(out.getvalue(), parse("w-100,h-100,fo-auto"), fmt="png").body).convert("L")
    assert kept.getextrema() == (0, 255)
    centred = opened(render(out.getvalue(), parse("w-100,h-100"), fmt="png").body).convert("L")
    assert centred.getextrema() == (128, 128)


def test_exif_orientation_is_applied() -> None:
    """Given a JPEG stored landscape with EXIF orientation 6 (turn clockwise), When rendered, Then it is portrait
    as a viewer shows it, red at the top-right, and the orientation tag is gone."""
    exif = Image.Exif()
    exif[0x0112] = 6
    body = render(quadrants(fmt="JPEG", exif=exif.tobytes(), quality=95), parse("h-100"), fmt="jpeg").body
    image = opened(body)
    assert image.size == (50, 100)
    assert near(colours(body, [(0.9, 0.1)])[0], RED)
    assert 0x0112 not in image.getexif()


def test_metadata_is_stripped() -> None:
    """Given a JPEG with EXIF (camera make, GPS), When rendered, Then the output carries no EXIF."""
    exif = Image.Exif()
    exif[0x010F] = "Camera Maker"
    original = quadrants(fmt="JPEG", exif=exif.tobytes())
    assert opened(original).getexif()
    assert not opened(render(original, parse("w-50"), fmt="jpeg").body).getexif()


def _rgba_png(mode: str = "RGBA") -> bytes:
    image = Image.new(mode, (40, 20), (0, 0, 0, 0) if mode == "RGBA" else (0, 0))
    image.paste((255, 0, 0, 255) if mode == "RGBA" else (255, 255), (0, 0, 20, 20))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


@pytest.mark.parametrize(
    ("text", "transparent_becomes"),
    [
        pytest.param("w-40", WHITE, id="white-by-default"),
        pytest.param("w-40,bg-000000", BLACK, id="the-background-colour"),
    ],
)
def test_transparency_to_jpeg_is_laid_on_the_background(text: str, transparent_becomes: tuple[int, ...]) -> None:
    """Given a half-transparent PNG, When written as JPEG, Then the transparent half is the background."""
    body = render(_rgba_png(), parse(text), fmt="jpeg").body
    opaque, transparent = colours(body, [(0.2, 0.5), (0.8, 0.5)])
    assert opened(body).mode == "RGB"
    assert near(opaque, RED) and near(transparent, transparent_becomes)


@pytest.mark.parametrize("fmt", ["png", "webp", "avif"])
def test_transparency_is_kept_where_the_format_has_it(fmt: str) -> None:
    """Given a half-transparent PNG, When written as PNG, WebP or AVIF, Then the transparent half stays so."""
    image = opened(render(_rgba_png(), parse("w-40"), fmt=fmt).body).convert("RGBA")
    assert image.getpixel((5, 10))[3] > 200  # type: ignore[index]
    assert image.getpixel((35, 10))[3] < 30  # type: ignore[index]


@pytest.mark.parametrize(
    ("mode", "fmt"),
    [
        pytest.param("LA", "jpeg", id="grey-with-alpha-to-jpeg"),
        pytest.param("P", "jpeg", id="palette-to-jpeg"),
        pytest.param("CMYK", "png", id="cmyk-to-png"),
        pytest.param("I;16", "webp", id="16-bit-grey-to-webp"),
        pytest.param("1", "gif", id="bilevel-to-gif"),
    ],
)
def test_every_mode_becomes_a_valid_output(mode: str, fmt: str) -> None:
    """Given an image in a less common mode, When rendered, Then a readable image of the planned size."""
    source_format = "TIFF" if mode in {"CMYK", "I;16"} else "PNG"
    image = Image.new("RGB", (30, 20), RED).convert(mode)
    out = io.BytesIO()
    image.save(out, source_format)
    rendition = render(out.getvalue(), parse("w-15"), fmt=fmt)
    assert opened(rendition.body).size == (15, 10)


def test_quality_progressive_and_lossless() -> None:
    """Given q, pr and lo, When rendered, Then a lower quality is smaller, pr-true is a progressive JPEG and
    lo-true a WebP with the exact pixels."""
    noisy = Image.effect_noise((120, 80), 60).convert("RGB")
    out = io.BytesIO()
    noisy.save(out, "PNG")
    low, high = (len(render(out.getvalue(), parse(f"q-{q}"), fmt="jpeg").body) for q in (10, 95))
    assert low < high / 2
    assert opened(render(out.getvalue(), parse("pr-true"), fmt="jpeg").body).info.get("progressive")
    exact = opened(render(out.getvalue(), parse("lo-true"), fmt="webp").body).convert("RGB")
    assert exact.tobytes() == noisy.tobytes()


def test_a_large_jpeg_is_decoded_at_the_scale_the_output_needs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Given a JPEG of more pixels than the input limit allows decoding, When a small thumbnail is asked, Then it is
    served (decoded at 1/8), and when its full size is asked, Then a 400 names the limit."""
    original = quadrants(1600, 800, fmt="JPEG")
    monkeypatch.setattr(engine, "MAX_INPUT_PIXELS", 1600 * 800 // 32)
    thumbnail = render(original, parse("w-100"), fmt="jpeg")
    assert (thumbnail.width, thumbnail.height) == (100, 50)
    assert all(
        near(got, want) for got, want in zip(colours(thumbnail.body, CORNERS), [RED, GREEN, BLUE, YELLOW], strict=True)
    )
    cropped = render(original, parse("w-50,h-100,fo-right"), fmt="jpeg")  # the region kept is right at 1/8 too
    assert all(
        near(got, want)
        for got, want in zip(colours(cropped.body, CORNERS), [GREEN, GREEN, YELLOW, YELLOW], strict=True)
    )
    with pytest.raises(BadRequestError, match="at most 40000 pixels"):
        render(original, parse("w-1600"), fmt="jpeg")


def _png_header_only(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 16)) + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize(
    ("original", "message"),
    [
        pytest.param(b"", "not an image", id="empty"),
        pytest.param(b"%PDF-1.4 not an image", "not an image", id="not-an-image"),
        pytest.param(b"<svg xmlns='http://www.w3.org/2000/svg'/>", "not an image", id="svg"),
        pytest.param(quadrants(fmt="JPEG")[:300], "truncated or corrupt", id="truncated-jpeg"),
        pytest.param(quadrants()[:-40], "truncated or corrupt", id="truncated-png"),
        pytest.param(_png_header_only(12000, 10000), "at most 100000000 pixels", id="over-the-input-limit"),
        pytest.param(_png_header_only(30000, 30000), "at most 100000000 pixels", id="decompression-bomb"),
        pytest.param(_png_header_only(300, 200), "truncated or corrupt", id="header-without-pixels"),
    ],
)
def test_an_input_that_cannot_be_transformed_is_a_400(original: bytes, message: str) -> None:
    """Given bytes that are not a whole, reasonable image, When rendered, Then a 400 says why; nothing crashes."""
    with pytest.raises(BadRequestError) as raised:
        render(original, parse("w-10"), fmt="jpeg")
    assert raised.value.status == 400
    assert message in raised.value.message


def test_pillow_limits_are_left_alone() -> None:
    """Given a render of a decompression bomb, When it is refused, Then Pillow's global limit is unchanged."""
    before = Image.MAX_IMAGE_PIXELS
    with pytest.raises(BadRequestError):
        render(_png_header_only(30000, 30000), (), fmt="png")
    assert before == Image.MAX_IMAGE_PIXELS


def test_an_unknown_output_format_is_a_400() -> None:
    """Given a format medialib does not write, When rendered, Then a 400."""
    with pytest.raises(BadRequestError, match="tiff"):
        render(quadrants(), (), fmt="tiff")


def test_a_named_step_must_be_expanded_before_rendering() -> None:
    """Given a chain whose named step was not expanded, When rendered, Then the programming error is loud (a
    silent no-op would serve the wrong image under the name's cache key)."""
    with pytest.raises(ValueError, match="expand_named"):
        render(quadrants(), parse("n-ik_ml_thumbnail"), fmt="png")


@pytest.mark.parametrize("fmt", ["webp", "avif"])
def test_an_output_wider_than_the_format_allows_is_a_400(fmt: str) -> None:
    """Given a transformation within medialib's limits (16384 px per side) but over the format's (WebP: 16383),
    When it is written in that format, Then a 400 naming the format, not an encoder error (a 500)."""
    if fmt == "avif" and not writes_avif():
        pytest.skip("this Pillow build has no AVIF")
    try:
        render(quadrants(4, 2), parse("w-16384,h-1,c-force"), fmt=fmt)
    except BadRequestError as refused:
        assert f"f-{fmt}" in refused.message
