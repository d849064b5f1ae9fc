"""Server-side upload, ``POST /api/v1/files/upload`` (multipart/form-data), and the finalisation of upload
sessions (an S3 "Object Created" event under ``incoming/``, through EventBridge). The upload issue builds
both; until then the route answers 501 and a session event fails loudly."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from medialib.api import new_resolver, not_implemented, respond
from medialib.api.body import MULTIPART
from medialib.errors import NotImplementedYetError
from medialib.observability import api_handler, task_handler

app = new_resolver()


not_implemented(app, "Upload", [("POST", "/api/v1/files/upload")], tag="Upload")


@task_handler
def _finalise_session(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    raise NotImplementedYetError("Finalising an upload session")


@api_handler
def _api(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return respond(app, event, context, accepts=(MULTIPART,))


def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Two entry points: API Gateway requests, and S3 "Object Created" events delivered by EventBridge."""
    if event.get("source") == "aws.s3" and event.get("detail-type") == "Object Created":
        return _finalise_session(event, context)
    return _api(event, context)
