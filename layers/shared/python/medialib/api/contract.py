"""The statuses each route answers, declared on the route (``responses=``) so that the OpenAPI document lists
what a client really receives. The statuses every route shares (401 from the authorizer, 413, 429, 500) are
added by the document's generator from template.yaml's gateway responses."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from pydantic import BaseModel, Field

from medialib.api.body import JSON


class ErrorResponse(BaseModel):
    """ImageKit's error body. ``x-should-retry`` (true/false) tells the SDKs whether to retry."""

    message: str = Field(description="What went wrong, for a person.")
    help: str = Field(description="What to do about it.")
    reason: str | None = Field(default=None, description="A stable code, e.g. INVALID_PARAMETER, NOT_FOUND.")


ERROR_DESCRIPTIONS = {
    400: "Invalid parameters or body (reason INVALID_PARAMETER or INVALID_BODY)",
    401: "No valid private key (Basic user name, or x-api-key on /v1/images)",
    403: "The account is not enabled on this API: its API key is off or not in the usage plan (docs/limits.md)",
    404: "No such resource in this account",
    405: "The path exists with other methods (Allow lists them)",
    409: "Conflict with the current state",
    413: "Request Too Long: over API Gateway's 10 MB, or over Lambda's 6 MB once in the event",
    415: "The body is not of a media type this route reads",
    429: "Rate limited, the account's or the API's (retry after Retry-After), or a quota spent",
    500: "Internal error; nothing was changed",
    503: "A dependency failed; retry",
}


def error_answer(status: int, errors: type[BaseModel] = ErrorResponse) -> OpenAPIResponse:
    return {"description": ERROR_DESCRIPTIONS[status], "content": {JSON: {"model": errors}}}


def answers(
    *statuses: int, success: tuple[int, Any, str] | None = None, errors: type[BaseModel] = ErrorResponse
) -> dict[int, OpenAPIResponse]:
    """``responses=`` of a route: its success (status, model, description) and the errors it answers, in the body
    ``errors`` (ImageKit's; the /v1/images routes answer img-processing.com's)."""
    declared: dict[int, OpenAPIResponse] = {}
    if success is not None:
        status, model, description = success
        declared[status] = {"description": description, "content": {JSON: {"model": model}}}
    for status in statuses:
        declared[status] = error_answer(status, errors)
    return declared


JOBS_IN_FLIGHT = (
    "Rate limited, or the account has as many bulk jobs in progress as it may (MaxJobsInFlightPerAccount, reason "
    "TOO_MANY_JOBS_IN_FLIGHT, docs/jobs-limits.md): nothing was written or started; retry after Retry-After seconds"
)


def job_start_answers(*statuses: int, success: tuple[int, Any, str] | None = None) -> dict[int, OpenAPIResponse]:
    """``responses=`` of a route that starts a bulk job: ``answers`` and the 429 of the account's jobs in flight."""
    declared = answers(*statuses, success=success)
    declared[429] = {**error_answer(429), "description": JOBS_IN_FLIGHT}
    return declared
