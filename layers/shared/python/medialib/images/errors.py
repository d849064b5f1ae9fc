"""The /v1/images routes answer errors in img-processing.com's style, not ImageKit's (pure; docs/img-processing.md).

``medialib.api`` applies it to every answer of a management function under ``/v1/images`` (the publish function's
routes, and the fallback's 404/405), so that a client of those routes sees one error shape."""

from __future__ import annotations

from medialib.accounts.rules import is_images_route
from medialib.images.models import ImageErrorDetail, ImageErrorResponse

__all__ = ["image_error", "is_images_route"]

# The domain's reason (ImageKit's body) -> the code of the img-processing body.
_CODES_BY_REASON = {
    "FILE_NOT_FOUND": "image_not_found",
    "NOT_AN_IMAGE": "not_an_image",
    "NOT_FOUND": "not_found",
    "INVALID_PARAMETER": "invalid_request",
    "INVALID_BODY": "invalid_request",
    "METHOD_NOT_ALLOWED": "method_not_allowed",
    "UNSUPPORTED_MEDIA_TYPE": "unsupported_media_type",
}
_CODES_BY_STATUS = {
    400: "invalid_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
    500: "internal_error",
    503: "service_unavailable",
}
# Messages that name a medialib file where an img-processing client thinks of an image.
_MESSAGES_BY_REASON = {"FILE_NOT_FOUND": "The requested image does not exist."}


def image_error(status: int, reason: str | None, message: str) -> ImageErrorResponse:
    """The img-processing body of an error: its code from the reason, else from the status."""
    code = _CODES_BY_REASON.get(reason or "") or _CODES_BY_STATUS.get(status, "error")
    return ImageErrorResponse(error=ImageErrorDetail(code=code, message=_MESSAGES_BY_REASON.get(reason or "", message)))
