"""Server-side upload, ``POST /api/v1/files/upload`` (multipart/form-data), and the finalisation of upload
sessions (an S3 "Object Created" event under ``incoming/``, through EventBridge). The route is thin: the body
as it arrived goes to ``medialib.upload.service.upload``; a session finaliser calls ``service.ingest``."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.utilities.typing import LambdaContext

from medialib.api import json_response, new_resolver, respond
from medialib.api.body import MULTIPART
from medialib.api.contract import answers
from medialib.errors import BadRequestError, NotImplementedYetError
from medialib.observability import api_handler, task_handler
from medialib.settings import UploadSettings, get_settings
from medialib.upload import service
from medialib.upload.models import UploadResponse

app = new_resolver()


def _body() -> bytes:
    event = app.current_event
    if not event.body:
        return b""
    if not event.is_base64_encoded:
        return event.body.encode("utf-8")
    try:
        return base64.b64decode(event.body, validate=True)
    except binascii.Error:
        raise BadRequestError("The body is not valid base64.", reason="INVALID_BODY") from None


@app.post(
    "/api/v1/files/upload",
    summary="Upload a file (multipart/form-data): binary, base64 or URL",
    tags=["Upload"],
    responses=answers(400, 401, 409, 503, success=(200, UploadResponse, "The uploaded file")),
)
def upload_file() -> Response[str]:
    headers = app.current_event.headers
    answer = service.upload(
        headers.get("Authorization") or headers.get("authorization"),
        headers.get("Content-Type") or headers.get("content-type") or "",
        _body(),
        get_settings(UploadSettings).delivery_base_url,
        idempotency_key=next((v for k, v in headers.items() if k.lower() == "idempotency-key"), None),
        context=app.lambda_context,
    )
    return json_response(200, answer)


@task_handler
def _finalise_session(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    # TODO(upload sessions): read the incoming object, then service.ingest(account, request, content, ...).
    raise NotImplementedYetError("Finalising an upload session")


@api_handler
def _api(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return respond(app, event, context, accepts=(MULTIPART,))


def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Two entry points: API Gateway requests, and S3 "Object Created" events delivered by EventBridge."""
    if event.get("source") == "aws.s3" and event.get("detail-type") == "Object Created":
        return _finalise_session(event, context)
    return _api(event, context)
