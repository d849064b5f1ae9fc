"""The /v1/images routes' errors in img-processing.com's style: ``{"error": {"code", "message"}}``, the code from
the domain's reason, else from the status."""

from __future__ import annotations

import pytest

from medialib.images.errors import image_error, is_images_route


@pytest.mark.parametrize(
    ("status", "reason", "code"),
    [
        pytest.param(404, "FILE_NOT_FOUND", "image_not_found", id="unknown-or-other-accounts-id"),
        pytest.param(404, "NOT_AN_IMAGE", "not_an_image", id="a-file-that-is-not-an-image"),
        pytest.param(404, "NOT_FOUND", "not_found", id="a-path-no-route-has"),
        pytest.param(400, "INVALID_PARAMETER", "invalid_request", id="bad-id"),
        pytest.param(400, "INVALID_BODY", "invalid_request", id="bad-body"),
        pytest.param(405, "METHOD_NOT_ALLOWED", "method_not_allowed", id="wrong-method"),
        pytest.param(415, "UNSUPPORTED_MEDIA_TYPE", "unsupported_media_type", id="wrong-content-type"),
        pytest.param(500, None, "internal_error", id="unexpected"),
        pytest.param(503, None, "service_unavailable", id="dependency-down"),
        pytest.param(429, "TOO_MANY_REQUESTS", "rate_limited", id="unknown-reason-falls-back-to-the-status"),
        pytest.param(418, None, "error", id="unknown-status-is-a-generic-error"),
    ],
)
def test_the_code_comes_from_the_reason_else_the_status(status: int, reason: str | None, code: str) -> None:
    """Given a domain error, When shaped for /v1/images, Then its code is the documented one."""
    assert image_error(status, reason, "m").error.code == code


def test_a_missing_file_reads_as_a_missing_image() -> None:
    """Given the files domain's 404, When shaped, Then the message speaks of an image, not a file."""
    body = image_error(404, "FILE_NOT_FOUND", "The requested file does not exist.").model_dump()
    assert body == {"error": {"code": "image_not_found", "message": "The requested image does not exist."}}


def test_other_messages_are_kept() -> None:
    assert image_error(400, "INVALID_PARAMETER", "imageId: too long").error.message == "imageId: too long"


@pytest.mark.parametrize(
    ("path", "images"),
    [
        pytest.param("/v1/images/abc", True, id="an-image"),
        pytest.param("/v1/images/abc/download", True, id="a-sub-route"),
        pytest.param("/v1/images", True, id="the-collection"),
        pytest.param("/prod/v1/images/abc", True, id="with-a-stage-prefix"),
        pytest.param("/v1/files/abc/details", False, id="the-files-api"),
        pytest.param("/v1/imagesX/abc", False, id="a-longer-segment"),
    ],
)
def test_which_paths_answer_in_img_processings_style(path: str, images: bool) -> None:
    assert is_images_route(path) is images
