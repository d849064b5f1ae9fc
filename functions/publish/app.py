"""Bulk publish/unpublish, ``POST /v1/files/publish`` -> 202 with a job id; and the img-processing.com image routes
``/v1/images/{imageId}[/download|/publish|/unpublish]`` (docs/img-processing.md), whose errors are that service's
``{"error": {"code", "message"}}`` (``medialib.api`` shapes every answer under /v1/images so).

The routes stay in this module rather than in a ``routes`` package as the files function has: a second package of
that name would collide with the files function's for mypy (one module name per path entry)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from aws_lambda_powertools.utilities.typing import LambdaContext

from medialib.api import Identifier, binary, bytes_response, caller_account_id, json_response, new_resolver, respond
from medialib.api.body import JSON
from medialib.api.contract import answers, job_start_answers
from medialib.api.routes import MANAGEMENT_BINARY_MEDIA_TYPES
from medialib.images import service as images
from medialib.images.errors import is_images_route
from medialib.images.models import ImageErrorResponse, ImageResponse
from medialib.observability import api_handler
from medialib.publish import service
from medialib.publish.models import BulkPublishRequest, BulkPublishResponse
from medialib.settings import PublishSettings, get_settings

app = new_resolver()

IMAGES = "img-processing.com"


@app.post(
    "/v1/files/publish",
    summary="Publish or unpublish up to 100 files (a bulk job)",
    tags=["Publish"],
    responses=job_start_answers(
        400, 415, 503, success=(202, BulkPublishResponse, "The job is started; poll GET /v1/bulkJobs/{jobId}")
    ),
)
def create_bulk_publish(request: BulkPublishRequest) -> Response[str]:
    settings = get_settings(PublishSettings)
    job = service.request_bulk_publish(caller_account_id(app), request, settings.state_machine_arn)
    return json_response(202, job.model_dump(by_alias=True))


# ---------------------------------------------------------------- img-processing.com


def _image_answers(success: tuple[int, Any, str] | None, *statuses: int) -> dict[int, OpenAPIResponse]:
    declared = answers(*statuses, 500, success=success, errors=ImageErrorResponse)
    declared[400] = {**declared[400], "description": "imageId is not a valid id (code invalid_request)"}
    declared[404] = {
        **declared[404],
        "description": "No such image in this account (image_not_found), or the file is not an image (not_an_image)",
    }
    return declared


def _base_url() -> str:
    return get_settings(PublishSettings).delivery_base_url


# Unpublishing purges the CDN: a busy CDN is the function's 429 (retryable, Retry-After) in img-processing's body;
# API Gateway's own throttling 429 keeps ImageKit's.
_BUSY_CDN: OpenAPIResponse = {
    "description": "The CDN refuses more invalidations for now (code rate_limited, x-should-retry true, Retry-After): "
    "the image is unpublished already; retry to purge. Or API Gateway's throttling (ImageKit's body)",
    "content": {
        JSON: {
            "schema": {
                "oneOf": [
                    {"$ref": "#/components/schemas/ImageErrorResponse"},
                    {"$ref": "#/components/schemas/ErrorResponse"},
                ]
            }
        }
    },
}

_DOWNLOADED: dict[int, OpenAPIResponse] = _image_answers(None, 400, 404, 503) | {
    200: {
        "description": "The image's bytes (its stored type), as an attachment with the file's name: when the first "
        "Accept type is image/* or application/octet-stream and the image is at most 4,706,304 bytes",
        "content": {"image/*": {"schema": {"type": "string", "format": "binary"}}},
        "headers": {"Content-Disposition": {"description": "attachment; filename=...", "schema": {"type": "string"}}},
    },
    302: {
        "description": "Any other request: Location is a presigned S3 URL of the bytes, valid 5 minutes, whose "
        "answer has the image's type and the attachment's file name",
        "content": {},
        "headers": {"Location": {"description": "The presigned S3 URL", "schema": {"type": "string"}}},
    },
}


@app.get(
    "/v1/images/<imageId>",
    summary="Get an image (img-processing.com's Image object), published or not",
    tags=[IMAGES],
    responses=_image_answers((200, ImageResponse, "The Image object; url is null while unpublished"), 400, 404, 503),
)
def get_image(imageId: Identifier) -> ImageResponse:
    return images.get_image(caller_account_id(app), imageId, _base_url())


@app.get(
    "/v1/images/<imageId>/download",
    summary="Download an image's current version, published or not",
    tags=[IMAGES],
    responses=_DOWNLOADED,
)
@binary
def download_image(imageId: Identifier) -> Response[bytes]:
    accept = app.current_event.headers.get("accept")
    answer = images.download(caller_account_id(app), imageId, accept, MANAGEMENT_BINARY_MEDIA_TYPES)
    return bytes_response(answer)


@app.post(
    "/v1/images/<imageId>/publish",
    summary="Publish an image (its current version): url is its delivery URL",
    tags=[IMAGES],
    responses=_image_answers((200, ImageResponse, "The Image object, published"), 400, 404, 503),
)
def publish_image(imageId: Identifier) -> ImageResponse:
    return images.set_published(caller_account_id(app), imageId, is_published=True, base_url=_base_url())


@app.post(
    "/v1/images/<imageId>/unpublish",
    summary="Unpublish an image (every version): its URLs answer 404, url is null; download still works",
    tags=[IMAGES],
    responses=_image_answers((200, ImageResponse, "The Image object, unpublished (url null)"), 400, 404, 503)
    | {429: _BUSY_CDN},
)
def unpublish_image(imageId: Identifier) -> ImageResponse:
    return images.set_published(caller_account_id(app), imageId, is_published=False, base_url=_base_url())


@api_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    # The img-processing.com routes take no body: whatever a client sends with them is ignored, never refused.
    accepts = () if is_images_route(str(event.get("path") or "")) else (JSON,)
    return respond(app, event, context, accepts=accepts)
