"""Files: list and search, details (get, update, publish), delete (one, in bulk), tags in bulk, and metadata."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse

from medialib.api import Identifier, caller_account_id, json_response, new_router
from medialib.api.body import JSON
from medialib.api.contract import answers, error_answer
from medialib.files import details, listing, metadata, rules, service
from medialib.files.models import (
    BulkAITagsRequest,
    BulkDeleteRequest,
    BulkDeleteResponse,
    BulkTagsRequest,
    BulkUpdateResponse,
    FileResponse,
    FolderResponse,
    ListFilesQuery,
    MetadataQuery,
    MetadataResponse,
    MissingFilesResponse,
    UpdatedFileResponse,
    UpdateFileDetailsRequest,
)
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
    summary="Update a file's details (current version), or publish / unpublish it",
    tags=["Files"],
    responses=answers(
        400, 404, 409, 415, 429, 503, success=(200, UpdatedFileResponse, "The file, as it is now (+ extensionStatus)")
    ),
)
def update_file_details(fileId: Identifier, request: UpdateFileDetailsRequest) -> Response[str]:
    answer = details.update_file_details(caller_account_id(router), fileId, request, datetime.now(UTC), _base_url())
    return json_response(
        200, answer.model_dump(by_alias=True, mode="json", exclude={"extension_status"}) | _extension_status(answer)
    )


@router.delete(
    "/v1/files/<fileId>",
    summary="Delete a file and all its versions (the CDN is not purged)",
    tags=["Files"],
    responses={204: {"description": "Deleted"}, **answers(400, 404, 409, 503)},
)
def delete_file(fileId: Identifier) -> Response[str]:
    details.delete_file(caller_account_id(router), fileId)
    return Response(status_code=204, body="")


@router.post(
    "/v1/files/batch/deleteByFileIds",
    summary="Delete up to 100 files and all their versions",
    tags=["Files"],
    responses={
        **answers(400, 415, 503, success=(200, BulkDeleteResponse, "All deleted")),
        207: {
            "description": "Some files could not be deleted (errors)",
            "content": {JSON: {"model": BulkDeleteResponse}},
        },
        404: error_answer(404, MissingFilesResponse),
    },
)
def delete_files(request: BulkDeleteRequest) -> Response[str]:
    answer = details.delete_files(caller_account_id(router), request.file_ids)
    return _bulk_answer(answer)


_BULK_TAGS_RESPONSES: dict[int, OpenAPIResponse] = {
    **answers(400, 415, 503, success=(200, BulkUpdateResponse, "All updated")),
    207: {"description": "Some files could not be updated (errors)", "content": {JSON: {"model": BulkUpdateResponse}}},
    404: error_answer(404, MissingFilesResponse),
}


@router.post("/v1/files/addTags", summary="Add tags to up to 50 files", tags=["Files"], responses=_BULK_TAGS_RESPONSES)
def add_tags(request: BulkTagsRequest) -> Response[str]:
    return _bulk_answer(details.add_tags(caller_account_id(router), request.file_ids, request.tags, datetime.now(UTC)))


@router.post(
    "/v1/files/removeTags", summary="Remove tags from up to 50 files", tags=["Files"], responses=_BULK_TAGS_RESPONSES
)
def remove_tags(request: BulkTagsRequest) -> Response[str]:
    answer = details.remove_tags(caller_account_id(router), request.file_ids, request.tags, datetime.now(UTC))
    return _bulk_answer(answer)


@router.post(
    "/v1/files/removeAITags",
    summary="Remove AITags from up to 50 files",
    tags=["Files"],
    responses=_BULK_TAGS_RESPONSES,
)
def remove_ai_tags(request: BulkAITagsRequest) -> Response[str]:
    answer = details.remove_ai_tags(caller_account_id(router), request.file_ids, request.ai_tags, datetime.now(UTC))
    return _bulk_answer(answer)


def _bulk_answer(answer: BulkDeleteResponse | BulkUpdateResponse) -> Response[str]:
    return json_response(rules.bulk_status(answer.errors), answer.model_dump(by_alias=True, exclude_none=True))


def _extension_status(answer: UpdatedFileResponse) -> dict[str, Any]:
    return {} if answer.extension_status is None else {"extensionStatus": answer.extension_status}


def _base_url() -> str:
    return get_settings(FilesSettings).delivery_base_url


@router.get(
    "/v1/files/<fileId>/metadata",
    summary="Get the metadata of a file's current version (dimensions, format, EXIF, pHash...)",
    tags=["Files"],
    responses=answers(400, 404, 503, success=(200, MetadataResponse, "ImageKit's Metadata object")),
)
def get_file_metadata(fileId: Identifier) -> Response[str]:
    return _metadata_answer(metadata.file_metadata(caller_account_id(router), fileId))


@router.get(
    "/v1/metadata",
    summary="Get the metadata of what a delivery URL of your account serves (a version, a transformation)",
    tags=["Files"],
    responses=answers(400, 404, 503, success=(200, MetadataResponse, "ImageKit's Metadata object")),
)
def get_url_metadata(query: Annotated[MetadataQuery, Query()]) -> Response[str]:
    return _metadata_answer(metadata.url_metadata(caller_account_id(router), query.url, _base_url()))


def _metadata_answer(answer: MetadataResponse) -> Response[str]:
    """Fields that do not apply (a file that is not an image, a quality of a PNG) are left out, not null."""
    return json_response(200, answer.model_dump(by_alias=True, exclude_none=True))
