"""What an uploaded file is, read with Pillow (only the upload function carries the image layer): an image's
size, alpha and format, and its EXIF as ``embeddedMetadata``. The pixel count is checked on the header, before
any pixel is decoded; bytes Pillow cannot identify are a non-image; an image whose pixels cannot be decoded
(truncated, corrupt) is refused."""

from __future__ import annotations

import io
import mimetypes
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from medialib.errors import BadRequestError
from medialib.upload.rules import MAX_PIXELS

if TYPE_CHECKING:
    from PIL import Image

_EXIF_IFD, _GPS_IFD = 0x8769, 0x8825
_SKIPPED_TAGS = {"MakerNote", "UserComment", "ExifOffset", "GPSInfo", "PrintImageMatching"}
_MAX_TEXT = 1024
_ALPHA_MODES = {"RGBA", "LA", "PA", "RGBa", "La"}
_SUPPORTED = {"JPEG", "PNG", "GIF", "WEBP", "BMP", "TIFF", "ICO", "AVIF", "HEIF"}


@dataclass(frozen=True)
class Probe:
    file_type: str  # "image" | "non-image"
    mime: str
    width: int | None = None
    height: int | None = None
    has_alpha: bool | None = None
    format: str | None = None
    embedded_metadata: dict[str, Any] = field(default_factory=dict)


def _mime_of(name: str, declared: str | None) -> str:
    return declared or mimetypes.guess_type(name)[0] or "application/octet-stream"


def _json_value(value: Any) -> Any:
    if isinstance(value, bytes):
        return None
    if isinstance(value, tuple | list):
        items = [_json_value(item) for item in value]
        return None if any(item is None for item in items) else items
    if isinstance(value, str):
        return value.strip("\x00 ")[:_MAX_TEXT] or None
    if isinstance(value, int | float):
        return value
    try:
        number = float(value)  # IFDRational
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    return int(number) if number.is_integer() else round(number, 6)


def embedded_metadata(image: Image.Image) -> dict[str, Any]:
    from PIL import ExifTags  # noqa: PLC0415 - Pillow is imported by the first upload, not at init (cold start)

    """EXIF fields under their EXIF names (``Make``, ``DateTimeOriginal``, ``GPSLatitude``...), as ImageKit
    names them; binary and vendor blobs are left out."""
    try:
        exif = image.getexif()
        tags: dict[int, Any] = {**exif, **exif.get_ifd(_EXIF_IFD)}
        gps = exif.get_ifd(_GPS_IFD)
    except Exception:  # broken EXIF is no reason to refuse the image: it then has no metadata
        return {}
    found: dict[str, Any] = {}
    for tag, value in tags.items():
        name = ExifTags.TAGS.get(tag)
        if name and name not in _SKIPPED_TAGS and (clean := _json_value(value)) is not None:
            found[name] = clean
    for tag, value in gps.items():
        name = ExifTags.GPSTAGS.get(tag)
        if name and (clean := _json_value(value)) is not None:
            found[name] = clean
    return found


def probe(content: bytes, name: str, declared_mime: str | None) -> Probe:
    from PIL import Image  # noqa: PLC0415 - Pillow is imported by the first upload, not at init (cold start)

    """Identify ``content``. A decompression bomb (pixel count over MAX_PIXELS) and an image whose pixels
    cannot be decoded are 400s; anything Pillow does not know is stored as a non-image."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(content))
        except Image.DecompressionBombError:  # Pillow's own limit (twice its default) is above ours
            raise _too_many_pixels(f"more than {2 * (Image.MAX_IMAGE_PIXELS or 0)}") from None
        except Exception:  # any header Pillow cannot read (plugins raise struct.error, IndexError...)
            return Probe(file_type="non-image", mime=_mime_of(name, declared_mime))
        with image:
            if image.format not in _SUPPORTED:
                return Probe(file_type="non-image", mime=_mime_of(name, declared_mime))
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise _too_many_pixels(f"{width} x {height}")
            metadata = embedded_metadata(image)
            _decode(image)
            return Probe(
                file_type="image",
                mime=Image.MIME.get(image.format or "", _mime_of(name, declared_mime)),
                width=width,
                height=height,
                has_alpha=image.mode in _ALPHA_MODES or "transparency" in image.info,
                format=(image.format or "").lower(),
                embedded_metadata=metadata,
            )


def _too_many_pixels(count: str) -> BadRequestError:
    return BadRequestError(
        f"The image has {count} pixels; at most {MAX_PIXELS} are accepted, so it was not stored.",
        reason="IMAGE_TOO_LARGE",
    )


def _decode(image: Image.Image) -> None:
    """Decode the pixels (JPEG at 1/8 scale: enough to find a truncated or corrupt stream, and fast)."""
    try:
        if image.format == "JPEG":
            image.draft("RGB", (max(1, image.width // 8), max(1, image.height // 8)))
        image.load()
    except Exception as err:  # corrupt pixel data raises many types; each is the caller's 400
        raise BadRequestError(
            "The file is an image whose data is truncated or corrupt; it was not stored.", reason="CORRUPT_IMAGE"
        ) from err
