"""The img-processing.com rules: which files are images, the Image object of a file, which versions publish and
unpublish change, and when a download is answered with its bytes rather than a redirect to S3."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from medialib.delivery.limits import MAX_INLINE_BYTES
from medialib.errors import NotFoundError
from medialib.files.models import FileItem
from medialib.images import rules

BASE_URL = "https://cdn.example.com"
BINARY = ("multipart/form-data", "image/*", "application/octet-stream")


def _item(**overrides: Any) -> FileItem:
    fields: dict[str, Any] = {
        "accountId": "acme",
        "fileId": "f1",
        "versionId": "v1",
        "versionNumber": 1,
        "name": "cat photo.jpg",
        "filePath": "/pets/cat photo.jpg",
        "fileType": "image",
        "mime": "image/jpeg",
        "size": 282000,
        "width": 460,
        "height": 460,
        "objectToken": "tok",
        "createdAt": datetime(2021, 9, 1, 12, 0, 0, 123456, tzinfo=UTC),
        "updatedAt": datetime(2021, 9, 2, tzinfo=UTC),
    }
    return FileItem.model_validate(fields | overrides)


@pytest.mark.parametrize(
    ("mime", "fmt"),
    [
        pytest.param("image/jpeg", "jpeg", id="jpeg"),
        pytest.param("image/png", "png", id="png"),
        pytest.param("image/webp", "webp", id="webp"),
        pytest.param("IMAGE/JPEG; charset=binary", "jpeg", id="case-and-parameters-are-ignored"),
        pytest.param("image/jpg", "jpeg", id="non-standard-jpg-is-jpeg"),
        pytest.param("image/pjpeg", "jpeg", id="progressive-jpeg-label-is-jpeg"),
        pytest.param("image/gif", "gif", id="other-image-types-give-their-subtype"),
        pytest.param("image/avif", "avif", id="avif-subtype"),
        pytest.param("image/svg+xml", "svg", id="structured-suffix-is-dropped"),
        pytest.param("image/x-icon", "icon", id="x-prefix-is-dropped"),
        pytest.param("", "unknown", id="no-mime-is-unknown"),
        pytest.param("image/png; a=1; b=2", "png", id="every-parameter-is-ignored"),
        pytest.param("image/x-foo+bar+xml", "foo", id="only-the-part-before-the-first-plus"),
        pytest.param("image/a/b", "a/b", id="the-subtype-is-everything-after-the-first-slash"),
    ],
)
def test_format_is_img_processings_name_or_the_media_subtype(mime: str, fmt: str) -> None:
    """Given a file's media type, When its Image format is named, Then jpeg|png|webp as img-processing.com names
    them, and any other image type its subtype (documented in docs/img-processing.md)."""
    assert rules.image_format(mime) == fmt


def test_the_image_object_of_a_published_file() -> None:
    """Given a published JPEG, When mapped, Then every field of img-processing.com's Image object, url the files
    API's url (path quoted) and created_at ISO 8601 with milliseconds and Z."""
    image = rules.to_image(_item(), BASE_URL)
    assert image.model_dump() == {
        "id": "f1",
        "name": "cat photo.jpg",
        "url": "https://cdn.example.com/acme/pets/cat%20photo.jpg",
        "width": 460,
        "height": 460,
        "format": "jpeg",
        "size": 282000,
        "created_at": "2021-09-01T12:00:00.123Z",
    }


def test_url_is_null_while_the_current_version_is_unpublished() -> None:
    """Given a file whose current version is unpublished, When mapped, Then url is null (seed 004) and the rest
    is still there."""
    image = rules.to_image(_item(isPublished=False), BASE_URL)
    assert image.url is None and image.size == 282000


def test_a_file_that_is_not_an_image_is_not_found_as_an_image() -> None:
    """Given a PDF, When the image routes look it up, Then 404 NOT_AN_IMAGE naming its type (the files API still
    serves it)."""
    with pytest.raises(NotFoundError) as raised:
        rules.check_image(_item(fileType="non-image", mime="application/pdf"))
    assert (raised.value.reason, raised.value.message, raised.value.help) == (
        "NOT_AN_IMAGE",
        "The file f1 is not an image (application/pdf); the /v1/images routes serve images only.",
        "Use the files API (/v1/files/{fileId}/details) for files that are not images.",
    )


def test_an_image_passes_the_check() -> None:
    item = _item()
    assert rules.check_image(item) is item


@pytest.mark.parametrize(
    ("is_published", "all_versions"),
    [
        pytest.param(False, True, id="unpublish-stops-every-version"),
        pytest.param(True, False, id="publish-current-only"),
    ],
)
def test_which_versions_publish_and_unpublish_change(is_published: bool, all_versions: bool) -> None:
    """Given the img-processing action, When its versions are chosen, Then unpublish takes every version (make the
    image private again stops every URL) and publish only the current one."""
    assert rules.include_file_versions(is_published=is_published) is all_versions


@pytest.mark.parametrize(
    ("accept", "bytes_"),
    [
        pytest.param("image/png", True, id="an-image-type-gets-bytes"),
        pytest.param("image/*", True, id="any-image-gets-bytes"),
        pytest.param("application/octet-stream", True, id="octet-stream-gets-bytes"),
        pytest.param("IMAGE/WEBP;q=0.9, */*", True, id="first-type-case-and-parameters"),
        pytest.param("*/*", False, id="curl-and-requests-default-is-not-binary"),
        pytest.param("application/json, image/png", False, id="only-the-first-type-counts"),
        pytest.param("application/octet-stream, text/html, */*", True, id="the-first-of-several-types-alone"),
        pytest.param(
            "application/octet-stream;q=0.9;v=1, text/html, */*",
            True,
            id="the-first-type-alone-without-its-parameters-is-matched",
        ),
        pytest.param("", False, id="empty-accept"),
        pytest.param(None, False, id="no-accept"),
    ],
)
def test_the_gateway_sends_bytes_only_for_a_binary_first_accept_type(accept: str | None, bytes_: bool) -> None:
    """Given a request's Accept, When API Gateway's rule is applied, Then a base64 answer becomes bytes only when
    the first Accept type matches a binary media type of the API (else the client would read base64 text)."""
    assert rules.gateway_sends_bytes(accept, BINARY) is bytes_


@pytest.mark.parametrize(
    ("size", "accept", "inline"),
    [
        pytest.param(MAX_INLINE_BYTES, "image/*", True, id="delivery-limit-is-inline"),
        pytest.param(MAX_INLINE_BYTES + 1, "image/*", False, id="one-byte-more-is-a-redirect"),
        pytest.param(10, "*/*", False, id="small-but-not-binary-accept-is-a-redirect"),
    ],
)
def test_a_download_is_inline_only_when_it_fits_and_travels_as_bytes(size: int, accept: str, inline: bool) -> None:
    """Given an image's size and the Accept, When the download is planned, Then its bytes are in the answer only
    within delivery's Lambda limit and when the gateway sends bytes; else a redirect to S3."""
    assert rules.download_inline(size, accept, BINARY) is inline


@pytest.mark.parametrize(
    ("name", "disposition"),
    [
        pytest.param("cat.jpg", 'attachment; filename="cat.jpg"', id="ascii-name"),
        pytest.param(
            "chat-été.jpg",
            "attachment; filename=\"chat-_t_.jpg\"; filename*=UTF-8''chat-%C3%A9t%C3%A9.jpg",
            id="utf8-name",
        ),
    ],
)
def test_a_download_is_an_attachment_named_as_the_file(name: str, disposition: str) -> None:
    """Given a file name, When downloaded, Then Content-Disposition attachment with its name (RFC 6266, as
    delivery's ik-attachment), never cached, never sniffed as another type (the names exactly: the download reads
    Content-Disposition back for the redirect's presigned URL)."""
    headers = rules.download_headers(_item(name=name))
    assert headers == {
        "Content-Disposition": disposition,
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
    }
