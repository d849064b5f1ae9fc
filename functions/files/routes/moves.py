"""Copying, moving and renaming files (seed 001: what their versions do; docs/moves.md)."""

from __future__ import annotations

from datetime import UTC, datetime

from aws_lambda_powertools.event_handler import Response

from medialib.api import caller_account, caller_account_id, error_response, json_response, new_router
from medialib.api.body import JSON
from medialib.api.contract import ErrorResponse, answers
from medialib.files import moves
from medialib.files.models import CopyFileRequest, MoveFileRequest, RenameFileRequest, RenameFileResponse

router = new_router()


@router.post(
    "/v1/files/copy",
    summary="Copy a file (its current version, or every version) into a folder",
    tags=["Files"],
    responses={204: {"description": "Copied"}, **answers(400, 404, 409, 415, 503)},
)
def copy_file(request: CopyFileRequest) -> Response[str]:
    moves.copy(
        caller_account_id(router),
        request.source_file_path,
        request.destination_path,
        include_versions=request.include_file_versions,
        now=datetime.now(UTC),
    )
    return Response(status_code=204, body="")


@router.post(
    "/v1/files/move",
    summary="Move a file with every version into a folder (metadata only)",
    tags=["Files"],
    responses={204: {"description": "Moved"}, **answers(400, 404, 409, 415, 503)},
)
def move_file(request: MoveFileRequest) -> Response[str]:
    moves.move(caller_account_id(router), request.source_file_path, request.destination_path, now=datetime.now(UTC))
    return Response(status_code=204, body="")


@router.put(
    "/v1/files/rename",
    summary="Rename a file, every version (metadata only); purgeCache purges the old URL",
    tags=["Files"],
    responses={
        **answers(400, 404, 409, 415, 503, success=(200, RenameFileResponse, "Renamed ({} or {purgeRequestId})")),
        207: {
            "description": "Renamed, but the purge of the old URL failed (reason PURGE_FAILED)",
            "content": {JSON: {"model": ErrorResponse}},
        },
    },
)
def rename_file(request: RenameFileRequest) -> Response[str]:
    done = moves.rename(
        caller_account(router),
        request.file_path,
        request.new_file_name,
        purge_cache=request.purge_cache,
        now=datetime.now(UTC),
    )
    if done.purge_error is not None:
        return error_response(done.purge_error)
    answer = RenameFileResponse(purge_request_id=done.purge_request_id)
    return json_response(200, answer.model_dump(by_alias=True, exclude_none=True))
