"""Server-side upload, ``POST /api/v1/files/upload`` (multipart/form-data). The upload issue builds it out."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.utilities.typing import LambdaContext

from medialib.api import caller_account_id, new_resolver, respond
from medialib.errors import NotImplementedYetError
from medialib.observability import api_handler

app = new_resolver()


@app.post("/api/v1/files/upload")
def create_upload() -> Response[str]:
    caller_account_id(app)
    raise NotImplementedYetError("Upload")


@api_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return respond(app, event, context)
