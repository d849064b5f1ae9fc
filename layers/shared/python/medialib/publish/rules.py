"""Pure rules of bulk publishing: what a job purges, under which request id."""

from __future__ import annotations

from typing import Any

PURGE_REQUEST_ID_LENGTH = 24  # ImageKit's request ids are 24 hexadecimal characters


def unpublished_paths(is_published: bool | None, results: list[dict[str, Any]]) -> list[str]:
    """The paths an unpublish job must purge: those of the files it unpublished (none for a publish job)."""
    if is_published is not False:
        return []
    paths = (result.get("filePath") for result in results if result.get("status") == "SUCCEEDED")
    return sorted({path for path in paths if isinstance(path, str) and path})


def purge_request_id(job_id: str) -> str:
    """A job's purge request id: fixed by the job (its hexadecimal id), so a retried purge step is the same request."""
    return job_id[:PURGE_REQUEST_ID_LENGTH]
