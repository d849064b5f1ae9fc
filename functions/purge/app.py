"""Purge API (``POST /v1/files/purge``, ``GET /v1/files/purge/{requestId}``) and the monthly quota reset."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse, OpenAPIResponseHeader
from aws_lambda_powertools.utilities.typing import LambdaContext

from medialib.api import (
    PURGE_REMAINING_HEADER,
    Identifier,
    caller_account,
    caller_account_id,
    json_response,
    new_resolver,
    respond,
)
from medialib.api.body import JSON
from medialib.api.contract import answers
from medialib.observability import api_handler, logger, metrics, task_handler
from medialib.purge import service
from medialib.purge.models import PurgeDryRunResponse, PurgeRequest, PurgeResponse, PurgeStatusResponse

app = new_resolver()


def _with_remaining(responses: dict[int, OpenAPIResponse]) -> dict[int, OpenAPIResponse]:
    """The 200 and 201 answers carry the account's remaining purges of the month (docs/purge.md)."""
    remaining: OpenAPIResponseHeader = {
        "description": "The purges the account has left this calendar month (UTC), after this one.",
        "schema": {"type": "integer", "minimum": 0},
    }
    for status in (200, 201):
        responses[status]["headers"] = {PURGE_REMAINING_HEADER: remaining}
    return responses


@app.post(
    "/v1/files/purge",
    summary="Purge a URL (or a folder prefix ending in *) from the CDN and the renditions cache",
    tags=["Purge"],
    responses=_with_remaining(
        {
            **answers(
                400,
                415,
                429,
                503,
                success=(
                    201,
                    PurgeResponse,
                    "The purge is under way; its status is at GET /v1/files/purge/{requestId}",
                ),
            ),
            200: {
                "description": "dryRun: what would be invalidated; no quota spent, nothing written",
                "content": {JSON: {"model": PurgeDryRunResponse}},
            },
        }
    ),
)
def create_purge(request: PurgeRequest) -> Response[str]:
    account = caller_account(app)
    answer = service.request_purge(account, request.url, datetime.now(UTC), dry_run=request.dry_run)
    headers = {PURGE_REMAINING_HEADER: str(answer.remaining)}
    return json_response(200 if answer.request_id is None else 201, answer.body(), headers=headers)


@app.get(
    "/v1/files/purge/<requestId>",
    summary="Get a purge request's status",
    tags=["Purge"],
    responses=answers(400, 404, 503, success=(200, PurgeStatusResponse, "The purge request's status")),
)
def get_purge_status(requestId: Identifier) -> Response[str]:
    return json_response(200, service.get_status(caller_account_id(app), requestId))


@task_handler
def _reset(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    fired_at = datetime.fromisoformat(event["time"].replace("Z", "+00:00")) if "time" in event else datetime.now(UTC)
    reset = service.reset_monthly_quota(fired_at)
    logger.info("purge quota reset", extra={"period": fired_at.strftime("%Y-%m"), "reset": reset})
    if reset:
        metrics.add_metric(name="PurgeQuotaReset", unit="Count", value=1)
    return {"reset": reset, "period": fired_at.strftime("%Y-%m")}


@api_handler
def _api(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return respond(app, event, context)


def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Two entry points: API Gateway requests, and the EventBridge schedule (``detail-type``)."""
    if event.get("detail-type") == "Scheduled Event":
        return _reset(event, context)
    return _api(event, context)
