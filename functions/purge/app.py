"""Purge API (``POST /v1/files/purge``, ``GET /v1/files/purge/{requestId}``) and the monthly quota reset."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel

from medialib.api import Identifier, caller_account_id, json_response, new_resolver, not_implemented, respond
from medialib.api.contract import answers
from medialib.observability import api_handler, logger, metrics, task_handler
from medialib.purge import service

app = new_resolver()


class PurgeStatusResponse(BaseModel):
    """``GET /v1/files/purge/{requestId}``: ImageKit's purge status (Pending or Completed)."""

    status: str


not_implemented(app, "Purge", [("POST", "/v1/files/purge")], tag="Purge")  # the purge issue builds it: 201 {requestId}


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
