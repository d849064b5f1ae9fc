# ruff: noqa: PLC0415 - Pillow is imported inside each function, never at import (cold start; see below)
"""The Pillow engine: an original's bytes and a parsed chain into the bytes of a rendition.

Pillow is imported inside the functions (only upload and deliver carry the image layer, and their cold start is
measured). The first step decides how much of the original is decoded: a JPEG is decoded at the smallest DCT
scale (1/2, 1/4, 1/8) that still leaves ``DRAFT_GAP`` times the pixels the step needs, and every resize
reduces by whole factors first (``reducing_gap``) before the final filter; so a 12 MP photo for a 300 pixel
thumbnail never exists at full size in memory. EXIF orientation is applied to the decoded pixels; metadata is
not written back (the colour profile is kept). Input that is not an image, truncated, corrupt or too large is
the caller's 400, never a crash; Pillow's global settings (``MAX_IMAGE_PIXELS``...) are left as they are.
"""

from __future__ import annotations

import io
import math
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from medialib.errors import BadRequestError
from medialib.transform import geometry
from medialib.transform.formats import FORMAT_MIME, writes_avif
from medialib.transform.parse import (
    DEFAULT_BACKGROUND,
    DEFAULT_QUALITY,
    MAX_INPUT_PIXELS,
    Chain,
    Step,
)

if TYPE_CHECKING:
    from PIL import Image

# What medialib decodes (JPEG includes MPO), in the order Pillow tries them: web and camera formats, no plugin that
# runs an external program. Pillow loads every other plugin (about 170 ms) only when the first ones fail to match.
OPENABLE = ("JPEG", "PNG", "GIF", "WEBP", "BMP", "TIFF", "ICO")
DRAFT_GAP = 1.0  # JPEG decoded at a scale of at least this many times what the step needs
REDUCING_GAP = 2.0  # resize reduces by whole factors while this many times the target remains, then filters
WEBP_METHOD = 4  # libwebp's effort (0-6); Pillow's and libvips' default
AVIF_SPEED = 6  # libavif's speed (0-10); Pillow's default
FORMAT_MAX_SIDE = {"webp": 16383}  # libwebp's WEBP_MAX_DIMENSION, one under medialib's MAX_SIDE
SAMPLE_SIDE = 64  # fo-auto measures detail on a copy this many pixels on its long side
_ALPHA = {"RGBA", "LA"}
_ORIENTATION = 0x0112


@dataclass(frozen=True, slots=True)
class Rendition:
    body: bytes
    content_type: str
    width: int
    height: int


def _bad_input(message: str) -> BadRequestError:
    return BadRequestError(message, reason="INVALID_IMAGE")


@contextmanager
def _decoding() -> Iterator[None]:
    """Pillow's errors while reading become the caller's 400 (its bomb warning is ours to judge)."""
    from PIL import Image, UnidentifiedImageError

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            yield
        except BadRequestError:
            raise
        except UnidentifiedImageError:
            raise _bad_input("The file is not an image medialib can transform.") from None
        except Image.DecompressionBombError:
            raise _too_large("more than " + str(2 * (Image.MAX_IMAGE_PIXELS or 0))) from None
        except MemoryError:
            raise _too_large("too many") from None
        except Exception as err:  # corrupt data raises OSError, SyntaxError, ValueError, struct.error, IndexError...
            raise _bad_input("The image is truncated or corrupt; it cannot be transformed.") from err


def _too_large(count: str) -> BadRequestError:
    return _bad_input(
        f"The image has {count} pixels to decode; medialib transforms images of at most {MAX_INPUT_PIXELS} pixels."
    )


def _orientation(image: Image.Image) -> int:
    try:
        value = image.getexif().get(_ORIENTATION, 1)
    except Exception:  # a broken EXIF block is no reason to refuse the image
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def _oriented(image: Image.Image, orientation: int) -> Image.Image:
    from PIL import Image as PILImage

    method = {
        2: PILImage.Transpose.FLIP_LEFT_RIGHT,
        3: PILImage.Transpose.ROTATE_180,
        4: PILImage.Transpose.FLIP_TOP_BOTTOM,
        5: PILImage.Transpose.TRANSPOSE,
        6: PILImage.Transpose.ROTATE_270,
        7: PILImage.Transpose.TRANSVERSE,
        8: PILImage.Transpose.ROTATE_90,
    }.get(orientation)
    return image if method is None else image.transpose(method)


def _working_mode(image: Image.Image) -> Image.Image:
    """RGB, RGBA, L or LA: the modes every step and encoder handle; transparency kept."""
    mode = image.mode
    if mode in {"RGB", "RGBA", "L", "LA"}:
        return image
    if mode in {"P", "PA"}:
        return image.convert("RGBA" if mode == "PA" or "transparency" in image.info else "RGB")
    if mode == "1":
        return image.convert("L")
    if mode.startswith("I") or mode == "F":  # 16-bit and float grey: scaled to 8 bits
        return image.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    if mode in {"RGBa", "La"}:
        return image.convert(mode[:-1] + "A")
    if "transparency" in image.info:
        return image.convert("RGBA")
    return image.convert("RGB")


def _needed_scale(plan: geometry.Plan) -> float:
    """How much of its input a plan keeps per pixel (1 when nothing is shrunk)."""
    left, top, right, bottom = plan.box
    return min(1.0, max(plan.size[0] / max(right - left, 1e-9), plan.size[1] / max(bottom - top, 1e-9)))


@dataclass
class _Source:
    image: Image.Image
    size: tuple[int, int]  # the oriented size the geometry speaks of (full resolution for the first step)
    icc_profile: bytes | None


def _decode(original: bytes, first: Step | None, custom: str | None) -> _Source:
    """Open, decode at the scale the first step needs, orient; pixel limits checked before decoding."""
    from PIL import Image

    with _decoding():
        image = Image.open(io.BytesIO(original), formats=OPENABLE + (("AVIF",) if writes_avif() else ()))
        width, height = image.size
        orientation = _orientation(image)
        size = (height, width) if orientation >= 5 else (width, height)
        if first is not None and image.format in {"JPEG", "MPO"}:
            scale = _needed_scale(geometry.plan(*size, first, custom=custom)) * DRAFT_GAP
            if scale < 0.5:
                wanted = (max(1, math.ceil(width * scale)), max(1, math.ceil(height * scale)))
                image.draft("RGB" if image.mode == "RGB" else None, wanted)
        if image.width * image.height > MAX_INPUT_PIXELS:
            raise _too_large(f"{image.width} x {image.height}")
        icc = image.info.get("icc_profile")
        image.load()
        decoded = _working_mode(_oriented(image, orientation))
    return _Source(decoded, size, icc if isinstance(icc, bytes) else None)


# ------------------------------------------------------------------ one step


def _auto_focus(image: Image.Image, plan: geometry.Plan, size: tuple[int, int]) -> geometry.Point:
    """fo-auto: where the most detail is (edge energy on a small grey copy), for a box of the plan's size."""
    from PIL import ImageFilter

    sample = image.convert("L")
    sample.thumbnail((SAMPLE_SIDE, SAMPLE_SIDE))
    edges = sample.filter(ImageFilter.FIND_EDGES)
    cols, rows = edges.size
    data = edges.tobytes()
    column_energy = [float(sum(data[x::cols])) for x in range(cols)]
    row_energy = [float(sum(data[y * cols : (y + 1) * cols])) for y in range(rows)]
    left, top, right, bottom = plan.box
    to_x, to_y = cols / size[0], rows / size[1]
    centre_x = geometry.best_window(column_energy, (right - left) * to_x) / to_x
    centre_y = geometry.best_window(row_energy, (bottom - top) * to_y) / to_y
    return centre_x, centre_y


def _fill(background: str, mode: str) -> tuple[int, ...]:
    rgba = tuple(int(background[index : index + 2], 16) for index in range(0, len(background), 2))
    rgba = rgba if len(rgba) == 4 else (*rgba, 255)
    if mode == "L":
        return (round(0.299 * rgba[0] + 0.587 * rgba[1] + 0.114 * rgba[2]),)
    if mode == "LA":
        return (round(0.299 * rgba[0] + 0.587 * rgba[1] + 0.114 * rgba[2]), rgba[3])
    return rgba if mode == "RGBA" else rgba[:3]


def _canvas_mode(image: Image.Image, background: str) -> str:
    grey = background[0:2] == background[2:4] == background[4:6]
    alpha = image.mode in _ALPHA or len(background) == 8
    if image.mode in {"L", "LA"} and grey:
        return "LA" if alpha else "L"
    return "RGBA" if alpha else "RGB"


def _resize(image: Image.Image, plan: geometry.Plan, size: tuple[int, int]) -> Image.Image:
    from PIL import Image as PILImage

    kx, ky = image.width / size[0], image.height / size[1]
    left, top, right, bottom = plan.box
    box = (left * kx, top * ky, right * kx, bottom * ky)
    if plan.size == (image.width, image.height) and box == (0, 0, image.width, image.height):
        return image
    if all(float(edge).is_integer() for edge in box) and plan.size == (round(box[2] - box[0]), round(box[3] - box[1])):
        return image.crop((round(box[0]), round(box[1]), round(box[2]), round(box[3])))  # an extract: no resampling
    return image.resize(plan.size, PILImage.Resampling.LANCZOS, box=box, reducing_gap=REDUCING_GAP)


def _pad(image: Image.Image, plan: geometry.Plan, background: str) -> Image.Image:
    from PIL import Image as PILImage

    if plan.canvas is None:
        return image
    mode = _canvas_mode(image, background)
    canvas = PILImage.new(mode, plan.canvas, _fill(background, mode))
    image = image.convert(mode) if image.mode != mode else image
    canvas.paste(image, plan.offset)  # the image's own transparency is kept; the padding is the background
    return canvas


def _rotate(image: Image.Image, degrees: int, background: str) -> Image.Image:
    from PIL import Image as PILImage

    right_angles = {90: PILImage.Transpose.ROTATE_270, 180: PILImage.Transpose.ROTATE_180}
    right_angles[270] = PILImage.Transpose.ROTATE_90
    if degrees in right_angles:
        return image.transpose(right_angles[degrees])
    geometry.check_output(*geometry.rotated_size(image.width, image.height, degrees), f"rt-{degrees}")
    mode = _canvas_mode(image, background)
    image = image.convert(mode) if image.mode != mode else image
    return image.rotate(-degrees, PILImage.Resampling.BICUBIC, expand=True, fillcolor=_fill(background, mode))


def _finish(image: Image.Image, step: Step, background: str) -> Image.Image:
    """Rotation, flip, blur and grayscale, in that order, after the step's geometry."""
    from PIL import Image as PILImage
    from PIL import ImageFilter

    if step.rotation:
        image = _rotate(image, step.rotation, background)
    if step.flip in {"h", "h_v"}:
        image = image.transpose(PILImage.Transpose.FLIP_LEFT_RIGHT)
    if step.flip in {"v", "h_v"}:
        image = image.transpose(PILImage.Transpose.FLIP_TOP_BOTTOM)
    if step.blur:
        image = image.filter(ImageFilter.GaussianBlur(step.blur / 2))
    if step.grayscale and image.mode not in {"L", "LA"}:
        image = image.convert("LA" if image.mode in _ALPHA else "L")
    return image


def _apply(source: _Source, step: Step, custom: str | None) -> _Source:
    background = step.background or DEFAULT_BACKGROUND
    plan = geometry.plan(*source.size, step, custom=custom)
    if step.focus == "auto":
        focus = _auto_focus(source.image, plan, source.size)
        plan = geometry.plan(*source.size, step, custom=custom, auto_focus=focus)
    image = _pad(_resize(source.image, plan, source.size), plan, background)
    image = _finish(image, step, background)
    return _Source(image, image.size, source.icc_profile)


# ------------------------------------------------------------------ encoding


def _last(chain: Chain, name: str, default: Any) -> Any:
    return next((getattr(step, name) for step in reversed(chain) if getattr(step, name) is not None), default)


def _flattened(image: Image.Image, background: str) -> Image.Image:
    """JPEG has no alpha: transparent pixels are laid on the background (white unless bg says otherwise)."""
    from PIL import Image as PILImage

    if image.mode not in _ALPHA:
        return image
    grey = background[0:2] == background[2:4] == background[4:6]
    mode = "L" if image.mode == "LA" and grey else "RGB"
    canvas = PILImage.new(mode, image.size, _fill(background[:6], mode))
    canvas.paste(image.convert(mode), (0, 0), image.getchannel("A"))
    return canvas


def _encode(image: Image.Image, fmt: str, chain: Chain, icc: bytes | None) -> bytes:
    limit = FORMAT_MAX_SIDE.get(fmt)
    if limit is not None and max(image.size) > limit:
        raise BadRequestError(
            f"Invalid transformation parameter f-{fmt}: {fmt.upper()} images have at most {limit} pixels per side;"
            f" this one is {image.width} x {image.height}.",
            reason="INVALID_TRANSFORMATION",
        )
    quality = int(_last(chain, "quality", DEFAULT_QUALITY))
    progressive = any(step.progressive for step in chain)
    lossless = any(step.lossless for step in chain)
    options: dict[str, Any] = {"icc_profile": icc} if icc else {}
    if fmt == "jpeg":
        image = _flattened(image, _last(chain, "background", DEFAULT_BACKGROUND))
        options |= {
            "quality": quality,
            "progressive": progressive,
            "subsampling": "4:4:4" if quality >= 90 else "4:2:0",
        }
        name = "JPEG"
    elif fmt == "webp":
        options |= {"quality": quality, "lossless": lossless, "method": WEBP_METHOD}
        name = "WEBP"
    elif fmt == "avif":
        if not writes_avif():
            raise BadRequestError("This medialib build cannot write AVIF.", reason="INVALID_TRANSFORMATION")
        options |= {"quality": quality, "speed": AVIF_SPEED}
        name = "AVIF"
    elif fmt == "png":
        name = "PNG"
    elif fmt == "gif":
        options = {}
        name = "GIF"
    else:
        raise BadRequestError(f"medialib cannot write the format {fmt!r}.", reason="INVALID_TRANSFORMATION")
    out = io.BytesIO()
    image.save(out, name, **options)
    return out.getvalue()


def render(original: bytes, chain: Chain, *, fmt: str, custom_coordinates: str | None = None) -> Rendition:
    """The rendition of ``original`` through ``chain``, written as ``fmt`` (jpeg, png, webp, avif, gif).

    Raises ``BadRequestError`` (400) for input that is not a transformable image, too many pixels, or an output
    over the limits (see ``medialib.transform.parse``). Named steps must be expanded first (``expand_named``), and
    ``orig-true`` is the caller's to honour (serve the original): ``render`` always transforms."""
    if any(step.named is not None for step in chain):
        raise ValueError("render() got a named step: expand_named() the chain first")
    if fmt not in FORMAT_MIME:
        raise BadRequestError(f"medialib cannot write the format {fmt!r}.", reason="INVALID_TRANSFORMATION")
    source = _decode(original, chain[0] if chain else None, custom_coordinates)
    for index, step in enumerate(chain):  # customCoordinates speak of the original: the first step's input
        source = _apply(source, step, custom_coordinates if index == 0 else None)
    body = _encode(source.image, fmt, chain, source.icc_profile)
    return Rendition(body, FORMAT_MIME[fmt], source.image.width, source.image.height)
