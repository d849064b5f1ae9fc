"""Publish requests: ``POST /v1/files/publish`` (bulk) and the state machine's task input."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import ConfigDict, Field, StrictBool, model_validator

from medialib.models import ResourceId, WireModel

MAX_BULK_FILES = 100


class BulkPublishRequest(WireModel):
    model_config = ConfigDict(extra="forbid")  # a misspelt option would silently change less than asked

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
    purge_error: dict[str, Any] = Field(default_factory=dict)
    error: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _state_given(self) -> WorkerTask:
        if self.action in {"file", "purge"} and self.is_published is None:
            raise ValueError(f"a {self.action} step needs isPublished")  # never a default that unpublishes
        return self
