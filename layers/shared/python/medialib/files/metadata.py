"""File metadata (ImageKit's Metadata object): ``GET /v1/files/{fileId}/metadata`` (the current version) and
``GET /v1/metadata?url=`` (a delivery URL of the caller's account: a version by ``ik-obj-version``, and a
transformation, rendered by the delivery engine, whose output is then described).

Read from the version's object with Pillow, which is imported inside these functions only: the files function
carries ImageLayer for them, and pays Pillow's import on the first metadata request, never at init.

Bounds: an object over ``MAX_METADATA_BYTES`` is not read (400); the pixels are decoded for the pHash only up to
``MAX_DECODED_PIXELS`` (JPEGs are decoded at a reduced scale first), beyond which ``pHash`` is absent. A file that
is not an image answers its ``size`` and ``format`` (its extension) only: there is nothing else to read.
"""

from __future__ import annotations

import io
import warnings
from typing import TYPE_CHECKING, Protocol

from medialib.accounts import service as accounts
from medialib.adapters import blobs
from medialib.delivery import rules as delivery
from medialib.errors import BadRequestError, InternalError, NotFoundError
from medialib.files import rules
from medialib.files import service as files
from medialib.files.models import FileItem, MetadataResponse
from medialib.observability import logger
from medialib.settings import BlobSettings, get_settings
from medialib.transform.parse import Chain, parse, wants_original

if TYPE_CHECKING:
    from PIL import Image

MAX_METADATA_BYTES = 25 * 1024 * 1024  # the upload limit: what a 512 MB function reads and decodes safely
MAX_DECODED_PIXELS = 24_000_000  # at most ~100 MB of RGBA decoded for the pHash
_ALPHA_MODES = {"RGBA", "LA", "PA", "RGBa", "La"}


class Originals(Protocol):
    def read(self, key: str, max_bytes: int) -> blobs.Bounded | None: ...


class S3Originals:
    def read(self, key: str, max_bytes: int) -> blobs.Bounded | None:
        return blobs.get_bounded(get_settings(BlobSettings).originals_bucket, key, max_bytes)


originals: Originals = S3Originals()  # the seam: tests put an in-memory reader here


def file_metadata(account_id: str, file_id: str) -> MetadataResponse:
    """The metadata of the file's current version; 404 for no such file (or another account's)."""
    return _metadata(files.current_item(account_id, file_id), ())


def url_metadata(account_id: str, url: str, base_url: str) -> MetadataResponse:
    """The metadata of what a delivery URL of the caller's account serves: the file at its path (404 when there is
    none), the version its ``ik-obj-version`` names, and, when it carries a transformation, the rendition the
    delivery engine makes of it (``orig-true`` is the original). Another host: 400. Another account's URL: 404, as for
    any id of another account (nothing says whether that account or its file exists)."""
    path, query = rules.delivery_path_of(url, base_url)
    request = delivery.parse_request(path, query)
    current = files.file_at(account_id, request.file_path) if request.account_id == account_id else None
    if current is None:
        raise NotFoundError("No file of your account is at this URL.", reason="FILE_NOT_FOUND")
    version = delivery.select_version(current, files.versions_of(account_id, current.file_id), request.version_token)
    chain = parse(request.path_transformation or "") + parse(request.query_transformation or "")
    if chain and not wants_original(chain):
        chain = delivery.expanded(chain, accounts.existing(account_id).settings.named_transformations)
        return _metadata(version, chain)
    return _metadata(version, ())


def _metadata(version: FileItem, chain: Chain) -> MetadataResponse:
    if version.file_type != "image":
        if chain:
            delivery.plan(version, chain, None)  # the 400 of a transformation of a file that is not an image
        return MetadataResponse(size=version.size, format=rules.extension_of(version.name))
    content = _original(version)
    if chain:
        content = _rendered(version, content, chain)
    return describe(content)


def _original(version: FileItem) -> bytes:
    read = originals.read(rules.version_object_key(version), MAX_METADATA_BYTES)
    if read is None:
        logger.error("the object of a version is missing", extra={"version_id": version.version_id})
        raise InternalError()
    if read.body is None:
        raise BadRequestError(
            f"The file has {read.size} bytes; metadata is read from files of at most {MAX_METADATA_BYTES} bytes.",
            reason="FILE_TOO_LARGE",
        )
    return read.body


def _rendered(version: FileItem, original: bytes, chain: Chain) -> bytes:
    """The transformation's output, as delivery makes it (the same plan, the same engine)."""
    plan = delivery.plan(version, chain, None)
    if plan.original or plan.fmt is None:
        return original
    from medialib.transform.engine import render  # noqa: PLC0415 - Pillow only on a metadata request

    return render(original, chain, fmt=plan.fmt, custom_coordinates=version.custom_coordinates).body


def describe(content: bytes) -> MetadataResponse:
    """ImageKit's Metadata of an image's bytes; ``size`` and nothing else when Pillow cannot read them."""
    from PIL import Image  # noqa: PLC0415 - Pillow only on a metadata request, never at the function's init

    from medialib.transform.exif import exif_sections  # noqa: PLC0415 - it imports Pillow when called

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(content))
        except Exception:  # bytes Pillow cannot identify (or a bomb past Pillow's own limit): no image fields
            return MetadataResponse(size=len(content))
        with image:
            width, height = image.size
            quantization = getattr(image, "quantization", None) or {}
            dpi = image.info.get("dpi")
            return MetadataResponse(
                height=height,
                width=width,
                size=len(content),
                format=rules.format_name(image.format or ""),
                has_color_profile=bool(image.info.get("icc_profile")),
                quality=rules.jpeg_quality(quantization[0]) if image.format == "JPEG" and 0 in quantization else None,
                density=round(float(dpi[0])) if dpi else None,
                has_transparency=image.mode in _ALPHA_MODES or "transparency" in image.info,
                exif=exif_sections(image),
                p_hash=_phash(image),
            )


def _phash(image: Image.Image) -> str | None:
    """The pHash of the image's first frame: decoded at a reduced scale when it is a JPEG; None when the decoded
    image would be over MAX_DECODED_PIXELS, or its pixels cannot be decoded (truncated)."""
    from PIL import Image  # noqa: PLC0415 - Pillow only on a metadata request

    side = rules.PHASH_SIDE
    if image.format == "JPEG":
        image.draft("L", (side * 2, side * 2))
    if image.width * image.height > MAX_DECODED_PIXELS:
        return None
    try:
        grey = image.convert("L").resize((side, side), Image.Resampling.LANCZOS)
    except Exception:  # truncated or corrupt pixel data
        return None
    return rules.phash([float(value) for value in grey.tobytes()])  # mode L: one byte per pixel, row by row
