"""The img-processing.com image routes' use cases: an Image object, its download, publish and unpublish.

``imageId`` is the file's id; only files whose type is image are images here (else 404 ``not_an_image``). The
bytes and the publishing are those of medialib's files: the originals bucket (read as delivery reads it) and
``medialib.publish.service.publish_file``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol

from medialib.accounts import service as accounts
from medialib.delivery.limits import REDIRECT_VALIDITY
from medialib.delivery.models import Redirected, Served
from medialib.delivery.store import S3DeliveryStore
from medialib.errors import InternalError
from medialib.files import service as files
from medialib.files.models import FileItem
from medialib.images import rules
from medialib.images.models import ImageResponse
from medialib.observability import logger
from medialib.publish import service as publishing


class Originals(Protocol):
    """The originals bucket as a download reads it (delivery's store does)."""

    def original(self, version: FileItem) -> bytes | None: ...

    def original_url(self, version: FileItem, expires_in: int, disposition: str | None) -> str: ...


originals: Originals = S3DeliveryStore()  # the seams: unit tests put an in-memory store and a fixed clock here
clock: Callable[[], datetime] = lambda: datetime.now(UTC)  # noqa: E731 - a one-line seam


def image_item(account_id: str, image_id: str) -> FileItem:
    """The current record of the account's image; 404 for no such file (or another account's) or not an image."""
    return rules.check_image(files.current_item(account_id, image_id))


def get_image(account_id: str, image_id: str, base_url: str) -> ImageResponse:
    return rules.to_image(image_item(account_id, image_id), base_url)


def set_published(account_id: str, image_id: str, *, is_published: bool, base_url: str) -> ImageResponse:
    """Publish (the current version) or unpublish (every version) the image, then its Image object."""
    image_item(account_id, image_id)  # 404 before anything changes: no such image, or a file that is not one
    item = publishing.publish_file(
        accounts.existing(account_id),
        image_id,
        is_published=is_published,
        include_file_versions=rules.include_file_versions(is_published=is_published),
        now=clock(),
    )
    return rules.to_image(item, base_url)


def download(
    account_id: str, image_id: str, accept: str | None, binary_media_types: tuple[str, ...]
) -> Served | Redirected:
    """The current version's original, published or not: its bytes when the answer can carry them, else a 302 to
    a presigned S3 URL valid REDIRECT_VALIDITY seconds, whose answer has the same type and file name."""
    item = image_item(account_id, image_id)
    headers = rules.download_headers(item)
    if not rules.download_inline(item.size, accept, binary_media_types):
        location = originals.original_url(item, REDIRECT_VALIDITY, headers["Content-Disposition"])
        return Redirected(location, {"Cache-Control": rules.DOWNLOAD_CACHE_CONTROL})
    body = originals.original(item)
    if body is None:
        logger.error("the object of a version is missing", extra={"version_id": item.version_id})
        raise InternalError()
    return Served(body, item.mime, headers)
