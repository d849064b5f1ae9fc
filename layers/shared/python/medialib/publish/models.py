"""Publish requests: ``POST /v1/files/publish`` (bulk) and the state machine's task input."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, StrictBool

from medialib.models import ResourceId, WireModel

MAX_BULK_FILES = 100


class BulkPublishRequest(WireModel):
    file_ids: list[ResourceId] = Field(min_length=1, max_length=MAX_BULK_FILES)
    is_published: StrictBool  # JSON true/false only: "yes" or 1 is a 400, not a guess
    include_file_versions: StrictBool = False


class BulkPublishResponse(WireModel):
    job_id: str


class WorkerTask(WireModel):
    """One step of a bulk publish execution (see statemachines/publish.asl.json)."""

    action: Literal["start", "file", "purge", "finish", "fail"]
    account_id: str
    job_id: str
    file_id: str | None = None
    is_published: bool | None = None
    include_file_versions: bool = False
    results: list[dict[str, Any]] = Field(default_factory=list)
    purge_request_id: str | None = None
    error: dict[str, Any] = Field(default_factory=dict)
