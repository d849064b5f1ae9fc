"""What an uploaded file is, read with Pillow (only the upload function carries the image layer): an image's
size, alpha and format, and its EXIF as ``embeddedMetadata`` (read by ``medialib.transform.exif``, which the
metadata API shares). The pixel count is checked on the header, before
any pixel is decoded; bytes Pillow cannot identify are a non-image; an image whose pixels cannot be decoded
(truncated, corrupt) is refused."""

from __future__ import annotations

import io
import mimetypes
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from medialib.errors import BadRequestError
from medialib.transform.exif import embedded_metadata
from medialib.upload.rules import MAX_PIXELS

if TYPE_CHECKING:
    from PIL import Image

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
