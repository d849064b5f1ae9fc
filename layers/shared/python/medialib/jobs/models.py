"""Bulk jobs (``JOB#<id>``): status moves only by conditional update, PENDING -> RUNNING -> SUCCEEDED | FAILED."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import Field

from medialib.models import ItemModel, WireModel


class JobStatus(StrEnum):
    PENDING = "PENDING"
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"


class JobItem(ItemModel):
    account_id: str = Field(alias="accountId")
    job_id: str = Field(alias="jobId")
    type: str
    status: JobStatus
    total: int = 0
    succeeded: int = 0
    failures: list[dict[str, Any]] = Field(default_factory=list)
    purge_request_id: str | None = Field(default=None, alias="purgeRequestId")
    # Unix seconds until which the job holds its slot in the account's jobs in flight without a sign of life
    # (docs/jobs-limits.md): set when it starts, renewed by each step of its state machine.
    lease_until: int | None = Field(default=None, alias="leaseUntil")


class JobResponse(WireModel):
    """ImageKit's bulk job status (``jobId``, ``type``, ``status``: Pending | Completed), plus counts and failures."""

    job_id: str
    type: str
    status: str
    total_files: int
    succeeded_files: int
    failed_files: list[dict[str, Any]]
    purge_request_id: str | None = Field(
        default=None, description="The purge request that cleared the CDN of the files a job unpublished."
    )
