"""Folder requests (``POST/DELETE /v1/folder``, ``POST /v1/bulkJobs/{copy,move,rename}Folder``), the state machine's
task input, and a folder job's progress row."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import Field, StrictBool, model_validator

from medialib.models import ItemModel, WireModel

MAX_PATH_LENGTH = 1024


class FolderJobType(StrEnum):
    COPY = "COPY_FOLDER"
    MOVE = "MOVE_FOLDER"
    RENAME = "RENAME_FOLDER"
    DELETE = "DELETE_FOLDER"


FolderPath = Field(min_length=1, max_length=MAX_PATH_LENGTH)


class FolderCreatedResponse(WireModel):
    """``POST /v1/folder`` answers ImageKit's empty object ``{}``."""


class CreateFolderRequest(WireModel):
    """``POST /v1/folder``. Unknown fields are ignored, as ImageKit does."""

    folder_name: str = Field(min_length=1, max_length=255)
    parent_folder_path: str = Field(default="/", max_length=MAX_PATH_LENGTH)


class DeleteFolderRequest(WireModel):
    folder_path: str = FolderPath


class CopyFolderRequest(WireModel):
    """``POST /v1/bulkJobs/copyFolder``: ``includeVersions`` (the SDKs), or ``includeFileVersions`` (older docs)."""

    source_folder_path: str = FolderPath
    destination_path: str = FolderPath
    include_versions: StrictBool | None = None
    include_file_versions: StrictBool | None = None

    @model_validator(mode="after")
    def _one_answer(self) -> CopyFolderRequest:
        given = {v for v in (self.include_versions, self.include_file_versions) if v is not None}
        if len(given) > 1:
            raise ValueError("includeVersions and includeFileVersions disagree: send one of them")
        return self

    @property
    def with_versions(self) -> bool:
        return bool(self.include_versions or self.include_file_versions)


class MoveFolderRequest(WireModel):
    source_folder_path: str = FolderPath
    destination_path: str = FolderPath


class RenameFolderRequest(WireModel):
    folder_path: str = FolderPath
    new_folder_name: str = Field(min_length=1, max_length=255)
    purge_cache: StrictBool = False


class FolderJobResponse(WireModel):
    job_id: str


class FolderTask(WireModel):
    """One step of a folder job's execution (statemachines/folders.asl.json): the state carries ids only."""

    action: Literal["start", "batch", "purge", "finish", "fail"]
    account_id: str
    job_id: str
    purge_request_id: str | None = None
    purge_error: dict[str, Any] = Field(default_factory=dict)
    error: dict[str, Any] = Field(default_factory=dict)
    state_machine: str | None = Field(default=None, description="The batch's machine (``$$.StateMachine.Id``).")
    execution: str | None = Field(default=None, description="The batch's execution name (``$$.Execution.Name``).")


class Phase(StrEnum):
    """Where a job is: copying/moving/deleting the files of the tree (``FILES``), then removing the source's
    folder rows (``FOLDERS``; moves, renames and deletes), then ``DONE``."""

    FILES = "FILES"
    FOLDERS = "FOLDERS"
    DONE = "DONE"


class FolderJobItem(ItemModel):
    """A folder job's request and its progress, beside the job's row: ``folder`` is the source folder the walk is
    in, ``after`` the name of the last file of it handled (None: none yet). Each handled file moves them on."""

    account_id: str = Field(alias="accountId")
    job_id: str = Field(alias="jobId")
    type: FolderJobType
    source: str
    destination: str  # the path the source folder gets (copy, move, rename); the source itself for a delete
    include_versions: bool = Field(default=False, alias="includeVersions")
    purge_cache: bool = Field(default=False, alias="purgeCache")
    phase: Phase = Phase.FILES
    folder: str
    after: str | None = None
    step: int = Field(default=0, description="How many times the progress moved: the condition of each move.")
    batches: int = Field(default=0, description="Batches run so far: which execution of the job runs the next.")
    succeeded: int = 0
    failed: int = 0
    failures: list[dict[str, Any]] = Field(
        default_factory=list, description="The first MAX_REPORTED_FAILURES failures (``failed`` counts them all)."
    )
