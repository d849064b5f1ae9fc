"""The output format of a transformation: the chain's ``f``, the source's format, or for ``f-auto`` what the
Accept header lists and this Pillow build writes. Only the functions that carry Pillow (upload, deliver) reach
this module; ``parse`` stays free of it, so that any function can check a transformation's text."""

from __future__ import annotations

from functools import lru_cache

from medialib.transform.parse import Chain, OutputFormat, invalid

FORMAT_MIME: dict[OutputFormat, str] = {
    "jpeg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "avif": "image/avif",
    "gif": "image/gif",
}
_MIME_FORMATS: dict[str, OutputFormat] = {
    "image/jpeg": "jpeg",
    "image/jpg": "jpeg",
    "image/pjpeg": "jpeg",
    "image/png": "png",
    "image/webp": "webp",
    "image/avif": "avif",
    "image/gif": "gif",
}


@lru_cache(maxsize=1)
def writes_avif() -> bool:
    """Whether this Pillow build encodes AVIF (asked once, lazily)."""
    try:
        from PIL import features  # noqa: PLC0415 - Pillow only where images are transformed

        return bool(features.check("avif"))
    except ImportError:  # a function without the image layer (files, accounts) parses too
        return False


def _accepts(accept: str | None, mime: str) -> bool:
    """Whether the Accept header lists ``mime`` itself (wildcards do not count, as for ImageKit) with q > 0."""
    for item in (accept or "").split(","):
        media, *params = (part.strip() for part in item.split(";"))
        if media.lower() != mime:
            continue
        weights = [param.replace(" ", "") for param in params]
        quality = next((weight[2:] for weight in weights if weight.startswith("q=")), "1")
        try:
            return float(quality) > 0
        except ValueError:
            return False
    return False


def output_format(chain: Chain, source_mime: str, accept: str | None) -> OutputFormat:
    """The format to write: the last ``f`` of the chain, or the source's format (JPEG for sources medialib does
    not write, such as TIFF or BMP). ``f-auto`` picks AVIF when the Accept header lists image/avif (and Pillow
    writes it), else WebP when it lists image/webp, else the source's format."""
    requested = next((step.format for step in reversed(chain) if step.format is not None), None)
    source = _MIME_FORMATS.get(source_mime.split(";", maxsplit=1)[0].strip().lower(), "jpeg")
    if requested is None:
        return source
    if requested == "auto":
        if writes_avif() and _accepts(accept, "image/avif"):
            return "avif"
        return "webp" if _accepts(accept, "image/webp") else source
    if requested == "avif" and not writes_avif():
        raise invalid("Unsupported transformation parameter f-avif: this medialib build cannot write AVIF.")
    return requested
