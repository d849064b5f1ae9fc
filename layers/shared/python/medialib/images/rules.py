"""Pure rules of the img-processing.com routes: which files are images, the Image object of a file, which versions
publish and unpublish change, and how a download travels (in the answer, or by a redirect to S3)."""

from __future__ import annotations

from fnmatch import fnmatchcase

from medialib.delivery import limits
from medialib.errors import NotFoundError
from medialib.files.models import FileItem
from medialib.files.rules import file_url, iso
from medialib.images.models import ImageResponse

# img-processing.com's formats; "jpg" and "pjpeg" are the non-standard names some clients label JPEGs with.
_FORMATS = {"jpeg": "jpeg", "jpg": "jpeg", "pjpeg": "jpeg", "png": "png", "webp": "webp"}

# Headers of a download, in the answer or signed into the presigned URL's answer by S3: it is the account's file,
# fetched with its private key, so no cache keeps it (an unpublished image is downloadable too).
DOWNLOAD_CACHE_CONTROL = "no-store"


def check_image(item: FileItem) -> FileItem:
    """The file, when it is an image; else 404 ``not_an_image``: the /v1/images routes have no such image (the
    files API still serves the file)."""
    if item.file_type != "image":
        raise NotFoundError(
            f"The file {item.file_id} is not an image ({item.mime}); the /v1/images routes serve images only.",
            help="Use the files API (/v1/files/{fileId}/details) for files that are not images.",
            reason="NOT_AN_IMAGE",
        )
    return item


def image_format(mime: str) -> str:
    """jpeg, png or webp, as img-processing.com names them; any other image type gives its media subtype without
    ``x-`` or a ``+suffix`` (image/gif -> gif, image/svg+xml -> svg, image/x-icon -> icon)."""
    subtype = mime.split(";", maxsplit=1)[0].strip().lower().partition("/")[2]
    subtype = subtype.split("+", maxsplit=1)[0].removeprefix("x-")
    return _FORMATS.get(subtype, subtype or "unknown")


def to_image(item: FileItem, base_url: str) -> ImageResponse:
    """The Image object of a file's current record: ``url`` is the files API's url, or null while unpublished."""
    return ImageResponse(
        id=item.file_id,
        name=item.name,
        url=file_url(base_url, item) if item.is_published else None,
        width=item.width,
        height=item.height,
        format=image_format(item.mime),
        size=item.size,
        created_at=iso(item.created_at),
    )


def include_file_versions(*, is_published: bool) -> bool:
    """Which versions publish and unpublish change. An img-processing client has no notion of versions, and
    "make the image private again" must stop every URL of it: unpublish changes every version. Publish makes
    only the current version public: older versions stay as they are (an unpublished one stays private)."""
    return not is_published


def gateway_sends_bytes(accept: str | None, binary_media_types: tuple[str, ...]) -> bool:
    """Whether API Gateway turns a base64 answer into bytes for this request: only when the first media type of
    its Accept header matches one of the API's binary media types. Otherwise the client would get base64 text."""
    first = (accept or "").split(",", maxsplit=1)[0].split(";", maxsplit=1)[0].strip().lower()
    return bool(first) and any(fnmatchcase(first, pattern) for pattern in binary_media_types)


def download_inline(size: int, accept: str | None, binary_media_types: tuple[str, ...]) -> bool:
    """Whether a download answers the bytes itself: they fit in a Lambda answer (delivery's rule) and the gateway
    hands them over as bytes. Else the answer is a 302 to a short-lived presigned S3 URL of the same bytes."""
    return limits.inline(size) and gateway_sends_bytes(accept, binary_media_types)


def download_headers(item: FileItem) -> dict[str, str]:
    """The headers of a downloaded image (its type goes in Content-Type): an attachment with the file's name."""
    return {
        "Content-Disposition": limits.content_disposition(item.name),
        "Cache-Control": DOWNLOAD_CACHE_CONTROL,
        "X-Content-Type-Options": "nosniff",
    }
