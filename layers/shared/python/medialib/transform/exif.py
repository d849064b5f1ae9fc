"""An image's EXIF as JSON, read with Pillow (imported inside the functions: only where images are read, never at a
function's init). Upload stores it flat as ``embeddedMetadata`` (:func:`embedded_metadata`); the metadata API
answers it by section, as ImageKit does (:func:`exif_sections`). Tags go under their EXIF names (``Make``,
``DateTimeOriginal``, ``GPSLatitude``...); binary and vendor blobs are left out."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from PIL import Image

# Pillow's ExifTags.IFD values: the EXIF, GPS and interoperability IFDs by their tags, IFD1 (the thumbnail) as -1.
_IFDS = {"thumbnail": -1, "exif": 0x8769, "gps": 0x8825, "interoperability": 0xA005}
_SKIPPED_TAGS = {
    "MakerNote",
    "UserComment",
    "ExifOffset",
    "GPSInfo",
    "PrintImageMatching",
    "ExifInteroperabilityOffset",
}
_MAX_TEXT = 1024


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


def _named(tags: dict[int, Any], names: dict[int, str]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for tag, value in tags.items():
        name = names.get(tag)
        if name and name not in _SKIPPED_TAGS and (clean := _json_value(value)) is not None:
            found[name] = clean
    return found


def exif_sections(image: Image.Image) -> dict[str, dict[str, Any]]:
    """ImageKit's ``exif`` object: ``image`` (IFD0), ``thumbnail`` (IFD1), ``exif``, ``gps``, ``interoperability``
    and ``makernote`` (always empty: vendor blobs are not decoded). Broken EXIF reads as empty sections."""
    from PIL import ExifTags  # noqa: PLC0415 - Pillow only where an image is read, not at init (cold start)

    empty: dict[str, dict[str, Any]] = {
        "image": {}, "thumbnail": {}, "exif": {}, "gps": {}, "interoperability": {}, "makernote": {}
    }  # fmt: skip
    try:
        exif = image.getexif()
    except Exception:  # broken EXIF is no reason to refuse the image: it then has no metadata
        return empty
    raw: dict[str, dict[int, Any]] = {"image": dict(exif)}
    for section, ifd in _IFDS.items():
        try:
            raw[section] = dict(exif.get_ifd(ifd))
        except Exception:  # noqa: S112 - an absent or broken IFD (KeyError, struct.error...) is an empty section
            continue
    names = {"gps": ExifTags.GPSTAGS}
    return empty | {section: _named(tags, names.get(section, ExifTags.TAGS)) for section, tags in raw.items()}


def embedded_metadata(image: Image.Image) -> dict[str, Any]:
    """Upload's ``embeddedMetadata``: IFD0, the EXIF IFD and the GPS IFD in one flat object."""
    sections = exif_sections(image)
    return {**sections["image"], **sections["exif"], **sections["gps"]}
