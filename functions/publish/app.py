"""Bulk publish/unpublish, ``POST /v1/files/publish`` -> 202 with a job id; img-processing.com ``/v1/images``."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.utilities.typing import LambdaContext

from medialib.api import caller_account_id, json_response, new_resolver, not_implemented, respond
from medialib.api.contract import answers
from medialib.observability import api_handler
from medialib.publish import service
from medialib.publish.models import BulkPublishRequest, BulkPublishResponse
from medialib.settings import PublishSettings, get_settings

app = new_resolver()


@app.post(
    "/v1/files/publish",
    summary="Publish or unpublish up to 100 files (a bulk job)",
    tags=["Publish"],
    responses=answers(
        400, 415, 503, success=(202, BulkPublishResponse, "The job is started; poll GET /v1/bulkJobs/{jobId}")
    ),
)
def create_bulk_publish(request: BulkPublishRequest) -> Response[str]:
    settings = get_settings(PublishSettings)
    job = service.request_bulk_publish(caller_account_id(app), request, settings.state_machine_arn)
    return json_response(202, job.model_dump(by_alias=True))


not_implemented(
    app,
    "The img-processing.com image routes",
    [
        ("GET", "/v1/images/<imageId>"),
        ("GET", "/v1/images/<imageId>/download"),
        ("POST", "/v1/images/<imageId>/publish"),
        ("POST", "/v1/images/<imageId>/unpublish"),
    ],
    tag="img-processing.com",
)


@api_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return respond(app, event, context)
