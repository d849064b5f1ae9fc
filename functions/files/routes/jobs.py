"""Bulk job status: ``GET /v1/bulkJobs/{jobId}`` (publish today; folder jobs later)."""

from __future__ import annotations

from medialib.api import Identifier, caller_account_id, new_router
from medialib.api.contract import answers
from medialib.jobs import service
from medialib.jobs.models import JobResponse

router = new_router()


@router.get(
    "/v1/bulkJobs/<jobId>",
    summary="Get a bulk job's status",
    tags=["Bulk jobs"],
    responses=answers(400, 404, 503, success=(200, JobResponse, "The job's status")),
)
def get_bulk_job(jobId: Identifier) -> JobResponse:
    return service.get_job(caller_account_id(router), jobId)
