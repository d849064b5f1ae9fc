"""Media library API: ``GET /v1/files`` and ``GET /v1/files/{fileId}/details`` (more routes come with later issues)."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.utilities.typing import LambdaContext

from medialib.api import caller_account_id, new_resolver, respond
from medialib.files import service
from medialib.files.models import (
    FileResponse,
    FileTypeFilter,
    FolderResponse,
    ListFilesQuery,
    ListType,
    SortKey,
)
from medialib.jobs import service as jobs
from medialib.jobs.models import JobResponse
from medialib.observability import api_handler
from medialib.settings import FilesSettings, get_settings

app = new_resolver()


@app.get("/v1/files")
def list_files(  # noqa: PLR0913, PLR0917 - one argument per ImageKit query parameter
    type: Annotated[ListType, Query()] = ListType.FILE,
    sort: Annotated[SortKey, Query()] = "ASC_CREATED",
    path: Annotated[str | None, Query()] = None,
    search_query: Annotated[str | None, Query(alias="searchQuery")] = None,
    file_type: Annotated[FileTypeFilter, Query(alias="fileType")] = FileTypeFilter.ALL,
    limit: Annotated[int, Query(ge=1, le=1000)] = 1000,
    skip: Annotated[int, Query(ge=0)] = 0,
) -> list[FileResponse | FolderResponse]:
    query = ListFilesQuery(
        type=type,
        sort=sort,
        path=path,
        search_query=search_query,
        file_type=file_type,
        limit=limit,
        skip=skip,
    )
    settings = get_settings(FilesSettings)
    return service.list_files(caller_account_id(app), query, settings.delivery_base_url)


@app.get("/v1/files/<fileId>/details")
def get_file_details(fileId: str) -> FileResponse:
    return service.get_file(caller_account_id(app), fileId, get_settings(FilesSettings).delivery_base_url)


@app.get("/v1/bulkJobs/<jobId>")
def get_bulk_job(jobId: str) -> JobResponse:
    return jobs.get_job(caller_account_id(app), jobId)


@api_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return respond(app, event, context)
