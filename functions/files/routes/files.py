"""Files: list and search, details, publish, and (later) update, delete, copy, move, rename, tags and metadata."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from medialib.api import Identifier, caller_account_id, new_router, not_implemented
from medialib.api.contract import answers, error_answer
from medialib.files import listing, service
from medialib.files.models import FileResponse, FolderResponse, ListFilesQuery, UpdateFileDetailsRequest
from medialib.files.rules import to_file_response
from medialib.publish import service as publish
from medialib.settings import FilesSettings, get_settings

router = new_router()


@router.get(
    "/v1/files",
    summary="List and search files and folders",
    tags=["Files"],
    responses=answers(400, 503, success=(200, list[FileResponse | FolderResponse], "Files and folders")),
)
def list_files(query: Annotated[ListFilesQuery, Query()]) -> list[FileResponse | FolderResponse]:
    return listing.list_files(
        caller_account_id(router), query, get_settings(FilesSettings).delivery_base_url, datetime.now(UTC)
    )


@router.get(
    "/v1/files/<fileId>/details",
    summary="Get a file's details",
    tags=["Files"],
    responses=answers(400, 404, 503, success=(200, FileResponse, "The file")),
)
def get_file_details(fileId: Identifier) -> FileResponse:
    return service.get_file(caller_account_id(router), fileId, get_settings(FilesSettings).delivery_base_url)


@router.patch(
    "/v1/files/<fileId>/details",
    summary="Publish or unpublish a file (publish); updating other details is on the medialib roadmap",
    tags=["Files"],
    responses={
        **answers(400, 404, 415, 429, 503, success=(200, FileResponse, "The file, as it is now")),
        501: {**error_answer(501), "description": "Details other than publish: on the medialib roadmap"},
    },
)
def update_file_details(fileId: Identifier, request: UpdateFileDetailsRequest) -> FileResponse:
    item = publish.update_details(caller_account_id(router), fileId, request, datetime.now(UTC))
    return to_file_response(item, get_settings(FilesSettings).delivery_base_url)


not_implemented(
    router,
    "Deleting files, their tags and metadata",
    [
        ("DELETE", "/v1/files/<fileId>"),
        ("POST", "/v1/files/batch/deleteByFileIds"),
        ("POST", "/v1/files/addTags"),
        ("POST", "/v1/files/removeTags"),
        ("POST", "/v1/files/removeAITags"),
        ("GET", "/v1/files/<fileId>/metadata"),
        ("GET", "/v1/metadata"),
    ],
    tag="Files",
)
