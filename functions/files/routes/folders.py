"""Folders: create, delete, and the bulk jobs that copy, move or rename one (docs/folders.md).

``POST /v1/folder/`` (the trailing slash of older docs) reaches the same route: API Gateway's REST API routes it
to the ``/v1/folder`` resource and Powertools' REST resolver ignores a trailing slash."""

from __future__ import annotations

from datetime import UTC, datetime

from aws_lambda_powertools.event_handler import Response

from medialib.api import caller_account_id, json_response, new_router
from medialib.api.contract import answers, job_start_answers
from medialib.folders import service
from medialib.folders.models import (
    CopyFolderRequest,
    CreateFolderRequest,
    DeleteFolderRequest,
    FolderCreatedResponse,
    FolderJobResponse,
    MoveFolderRequest,
    RenameFolderRequest,
)
from medialib.settings import FolderJobSettings, get_settings

router = new_router()


def _machine() -> str:
    return get_settings(FolderJobSettings).folders_state_machine_arn


@router.post(
    "/v1/folder",
    summary="Create a folder (and its parents)",
    tags=["Folders"],
    responses=answers(400, 415, 503, success=(201, FolderCreatedResponse, "Created, or it existed already: {}")),
)
def create_folder(request: CreateFolderRequest) -> Response[str]:
    service.create_folder(caller_account_id(router), request, datetime.now(UTC))
    return json_response(201, {})


@router.delete(
    "/v1/folder",
    summary="Delete a folder with its files and subfolders (a DELETE_FOLDER job)",
    tags=["Folders"],
    responses={
        204: {"description": "The folder left every listing; a job deletes what it held"},
        **job_start_answers(400, 404, 415, 503),
    },
)
def delete_folder(request: DeleteFolderRequest) -> Response[str]:
    job_id = service.request_delete(caller_account_id(router), request, _machine())
    return Response(status_code=204, body="", headers={"x-medialib-job-id": job_id})


@router.post(
    "/v1/bulkJobs/copyFolder",
    summary="Copy a folder into another (a bulk job)",
    tags=["Folders"],
    responses=job_start_answers(
        400, 404, 415, 503, success=(200, FolderJobResponse, "The job; poll GET /v1/bulkJobs/{jobId}")
    ),
)
def copy_folder(request: CopyFolderRequest) -> FolderJobResponse:
    return service.request_copy(caller_account_id(router), request, _machine())


@router.post(
    "/v1/bulkJobs/moveFolder",
    summary="Move a folder into another (a bulk job)",
    tags=["Folders"],
    responses=job_start_answers(
        400, 404, 415, 503, success=(200, FolderJobResponse, "The job; poll GET /v1/bulkJobs/{jobId}")
    ),
)
def move_folder(request: MoveFolderRequest) -> FolderJobResponse:
    return service.request_move(caller_account_id(router), request, _machine())


@router.post(
    "/v1/bulkJobs/renameFolder",
    summary="Rename a folder (a bulk job); purgeCache purges <old-folder-url>*",
    tags=["Folders"],
    responses=job_start_answers(
        400, 404, 409, 415, 503, success=(200, FolderJobResponse, "The job; poll GET /v1/bulkJobs/{jobId}")
    ),
)
def rename_folder(request: RenameFolderRequest) -> FolderJobResponse:
    return service.request_rename(caller_account_id(router), request, _machine())
