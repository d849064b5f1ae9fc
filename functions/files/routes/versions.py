"""File versions: list, get, restore a non-current version, delete a non-current version (seed 001)."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response

from medialib.api import Identifier, caller_account_id, new_router
from medialib.api.contract import answers
from medialib.files import service
from medialib.files.models import FileResponse
from medialib.settings import FilesSettings, get_settings

router = new_router()


def _base_url() -> str:
    return get_settings(FilesSettings).delivery_base_url


@router.get(
    "/v1/files/<fileId>/versions",
    summary="List a file's versions",
    tags=["Versions"],
    responses=answers(400, 404, 503, success=(200, list[FileResponse], "Every version, the current one as type file")),
)
def list_file_versions(fileId: Identifier) -> list[FileResponse]:
    return service.list_versions(caller_account_id(router), fileId, _base_url())


@router.get(
    "/v1/files/<fileId>/versions/<versionId>",
    summary="Get one version of a file",
    tags=["Versions"],
    responses=answers(400, 404, 503, success=(200, FileResponse, "The version")),
)
def get_file_version(fileId: Identifier, versionId: Identifier) -> FileResponse:
    return service.get_version(caller_account_id(router), fileId, versionId, _base_url())


@router.put(
    "/v1/files/<fileId>/versions/<versionId>/restore",
    summary="Restore a non-current version (it becomes current)",
    tags=["Versions"],
    responses=answers(400, 404, 409, 503, success=(200, FileResponse, "The file, now at that version")),
)
def restore_file_version(fileId: Identifier, versionId: Identifier) -> FileResponse:
    return service.restore_version(caller_account_id(router), fileId, versionId, _base_url())


@router.delete(
    "/v1/files/<fileId>/versions/<versionId>",
    summary="Delete a non-current version",
    tags=["Versions"],
    responses={204: {"description": "Deleted"}, **answers(400, 404, 409, 503)},
)
def delete_file_version(fileId: Identifier, versionId: Identifier) -> Response[str]:
    service.delete_version(caller_account_id(router), fileId, versionId)
    return Response(status_code=204, body="")
