"""Media library API: list files, file details and bulk job status; the template's other routes of this
function answer 501 until their issues build them."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.utilities.typing import LambdaContext

from medialib.api import Identifier, caller_account_id, new_resolver, not_implemented, respond
from medialib.files import service
from medialib.files.models import FileResponse, FolderResponse, ListFilesQuery
from medialib.jobs import service as jobs
from medialib.jobs.models import JobResponse
from medialib.observability import api_handler
from medialib.settings import FilesSettings, get_settings

app = new_resolver()


@app.get("/v1/files")
def list_files(query: Annotated[ListFilesQuery, Query()]) -> list[FileResponse | FolderResponse]:
    return service.list_files(caller_account_id(app), query, get_settings(FilesSettings).delivery_base_url)


@app.get("/v1/files/<fileId>/details")
def get_file_details(fileId: Identifier) -> FileResponse:
    return service.get_file(caller_account_id(app), fileId, get_settings(FilesSettings).delivery_base_url)


@app.get("/v1/bulkJobs/<jobId>")
def get_bulk_job(jobId: Identifier) -> JobResponse:
    return jobs.get_job(caller_account_id(app), jobId)


not_implemented(
    app,
    "The media library API (update, delete, copy, move, rename, tags, versions, metadata, folders, fields)",
    [
        ("PATCH", "/v1/files/<fileId>/details"),
        ("DELETE", "/v1/files/<fileId>"),
        ("POST", "/v1/files/batch/deleteByFileIds"),
        ("POST", "/v1/files/copy"),
        ("POST", "/v1/files/move"),
        ("PUT", "/v1/files/rename"),
        ("POST", "/v1/files/addTags"),
        ("POST", "/v1/files/removeTags"),
        ("POST", "/v1/files/removeAITags"),
        ("GET", "/v1/files/<fileId>/versions"),
        ("GET", "/v1/files/<fileId>/versions/<versionId>"),
        ("DELETE", "/v1/files/<fileId>/versions/<versionId>"),
        ("PUT", "/v1/files/<fileId>/versions/<versionId>/restore"),
        ("GET", "/v1/files/<fileId>/metadata"),
        ("GET", "/v1/metadata"),
        ("POST", "/v1/folder"),
        ("DELETE", "/v1/folder"),
        ("POST", "/v1/bulkJobs/copyFolder"),
        ("POST", "/v1/bulkJobs/moveFolder"),
        ("POST", "/v1/bulkJobs/renameFolder"),
        ("POST", "/v1/customMetadataFields"),
        ("GET", "/v1/customMetadataFields"),
        ("PATCH", "/v1/customMetadataFields/<fieldId>"),
        ("DELETE", "/v1/customMetadataFields/<fieldId>"),
    ],
)


@api_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return respond(app, event, context)
