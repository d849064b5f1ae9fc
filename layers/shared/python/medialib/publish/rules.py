"""Pure rules of bulk publishing: what a job purges, under which request id, and what a failed purge reports."""

from __future__ import annotations

from typing import Any


def unpublished_ids(is_published: bool | None, results: list[dict[str, Any]]) -> list[str]:
    """The files an unpublish job must purge: those it unpublished, changed now or before (a retried file step
    finds its file already unpublished); none for a publish job."""
    if is_published is not False:
        return []
    ids = (result.get("fileId") for result in results if result.get("status") == "SUCCEEDED")
    return sorted({file_id for file_id in ids if isinstance(file_id, str) and file_id})


def took_down(results: list[dict[str, Any]]) -> bool:
    """Whether the job changed any file's state: its purge is then never refused by the quota (seed 000); a job
    that only repeated unpublishes is an ordinary purge."""
    return any(result.get("status") == "SUCCEEDED" and result.get("changed") is True for result in results)


def purge_failure(error: dict[str, Any]) -> dict[str, Any]:
    """The job's report of a purge that failed after its retries: the error's name, never its cause (a trace)."""
    name = error.get("Error") or "INTERNAL_ERROR"
    return {
        "fileId": None,  # the job's, not one file's
        "reason": "PURGE_FAILED",
        "message": f"The files are unpublished, but the CDN could not be cleared ({name}); unpublish them again "
        "to clear it.",
    }
