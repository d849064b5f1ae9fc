"""Server-side upload, ``POST /api/v1/files/upload`` (multipart/form-data), and the finalisation of upload
sessions (an S3 "Object Created" event under ``incoming/``, through EventBridge). The route is thin: the body
as it arrived goes to ``medialib.upload.service.upload``; a session finaliser calls ``service.ingest``."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.utilities.typing import LambdaContext

from medialib.api import Identifier, json_response, new_resolver, respond
from medialib.api.body import JSON, MULTIPART, check_body
from medialib.api.contract import answers
from medialib.errors import BadRequestError
from medialib.observability import api_handler, task_handler
from medialib.settings import UploadSettings, get_settings
from medialib.upload import service, sessions
from medialib.upload.models import UploadResponse
from medialib.upload.session_models import OpenSessionResponse, SessionResponse

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


def _header(name: str) -> str | None:
    return app.current_event.headers.get(name)  # Powertools' headers are case-insensitive


@app.post(
    "/api/v1/files/upload",
    summary="Upload a file (multipart/form-data): binary, base64 or URL",
    tags=["Upload"],
    responses=answers(400, 401, 409, 503, success=(200, UploadResponse, "The uploaded file")),
)
def upload_file() -> Response[str]:
    refused = check_body(app.current_event.raw_event, (MULTIPART,))  # the function reads JSON on sessions only
    if refused is not None:
        raise refused
    answer = service.upload(
        _header("Authorization"),
        _header("Content-Type") or "",
        _body(),
        get_settings(UploadSettings).delivery_base_url,
        idempotency_key=_header("Idempotency-Key"),
        context=app.lambda_context,
    )
    return json_response(200, answer)


@app.post(
    "/api/v1/files/upload/sessions",
    summary="Open an upload session: a presigned S3 POST for a file too large for a direct upload",
    description="JSON (or a multipart form without the file): fileName, fileSize (exact bytes, at most 25 MB), "
    "contentType, and any option of the direct upload. Post the file to upload.url with upload.fields (the file "
    "last, as `file`) before upload.expiresAt, then poll GET /api/v1/files/upload/sessions/{sessionId}.",
    tags=["Upload"],
    responses=answers(400, 401, 409, 503, success=(201, OpenSessionResponse, "The session and its S3 POST")),
)
def open_upload_session() -> Response[str]:
    answer = sessions.open_session(
        _header("Authorization"),
        _header("Content-Type") or "",
        _body(),
        get_settings(UploadSettings).originals_bucket,
    )
    return json_response(201, answer)


@app.get(
    "/api/v1/files/upload/sessions/<sessionId>",
    summary="Get an upload session: PENDING, COMPLETED with the uploaded file, or FAILED with the reason",
    tags=["Upload"],
    responses=answers(400, 401, 404, 503, success=(200, SessionResponse, "The session")),
)
def get_upload_session(sessionId: Identifier) -> Response[str]:
    query = {k: str(v) for k, v in (app.current_event.query_string_parameters or {}).items()}
    return json_response(200, sessions.get_session(_header("Authorization"), query, sessionId))


@task_handler
def _finalise_session(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """S3 "Object Created" under incoming/ (EventBridge): finalise the upload session whose object it is."""
    detail = event.get("detail") or {}
    bucket = str((detail.get("bucket") or {}).get("name", ""))
    key = str((detail.get("object") or {}).get("key", ""))
    outcome = sessions.finalise(bucket, key, get_settings(UploadSettings).delivery_base_url)
    return {"bucket": bucket, "key": key, "outcome": outcome}


@api_handler
def _api(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return respond(app, event, context, accepts=(MULTIPART, JSON))


def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Two entry points: API Gateway requests, and S3 "Object Created" events delivered by EventBridge."""
    if event.get("source") == "aws.s3" and event.get("detail-type") == "Object Created":
        return _finalise_session(event, context)
    return _api(event, context)
