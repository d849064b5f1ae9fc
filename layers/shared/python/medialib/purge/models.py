"""The purge API's bodies on the wire (ImageKit's ``POST /v1/files/purge``, and medialib's ``dryRun``)."""

from __future__ import annotations

from pydantic import Field, StrictBool, StrictStr

from medialib.models import WireModel


class PurgeRequest(WireModel):
    url: StrictStr = Field(
        description="The delivery URL to purge: a file (https://<endpoint>/<accountId>/path/file.jpg) or a folder "
        "prefix ending in a single '*' (docs/purge.md gives the wildcard rules)."
    )
    dry_run: StrictBool = Field(
        default=False, description="medialib only: validate and answer what would be invalidated, spending nothing."
    )


class PurgeResponse(WireModel):
    """201: the purge is under way; ``GET /v1/files/purge/{requestId}`` tells when it is done."""

    request_id: str


class PurgeDryRunResponse(WireModel):
    """200, for ``dryRun``: what the purge would invalidate; no quota spent, nothing written."""

    dry_run: bool = True
    paths: list[str] = Field(description="The CloudFront invalidation paths, under /{accountId}/.")
    files: int = Field(description="How many files' cached renditions would be removed.")
    remaining: int = Field(description="The account's purges left this month (none spent by a dry run).")


class PurgeStatusResponse(WireModel):
    """``GET /v1/files/purge/{requestId}``: ImageKit's purge status (Pending or Completed)."""

    status: str
