"""CloudFront: the only module that creates or reads invalidations. Errors leave as domain errors."""

from __future__ import annotations

from collections.abc import Sequence

from botocore.exceptions import ClientError

from medialib.adapters import clients
from medialib.adapters.errors import translate


def create_invalidation(distribution_id: str, paths: Sequence[str], *, caller_reference: str) -> str:
    """Invalidate ``paths``; returns the invalidation id. The same ``caller_reference`` is the same request
    (CloudFront answers the first invalidation again), so a retried purge never invalidates twice."""
    try:
        response = clients.cloudfront().create_invalidation(
            DistributionId=distribution_id,
            InvalidationBatch={
                "Paths": {"Quantity": len(paths), "Items": list(paths)},
                "CallerReference": caller_reference,
            },
        )
    except ClientError as err:
        raise translate(err, "CloudFront") from None
    return response["Invalidation"]["Id"]


def get_invalidation(distribution_id: str, invalidation_id: str) -> str | None:
    """The invalidation's status (``InProgress`` or ``Completed``), or None when there is no such one."""
    try:
        response = clients.cloudfront().get_invalidation(DistributionId=distribution_id, Id=invalidation_id)
    except ClientError as err:
        if err.response.get("Error", {}).get("Code") == "NoSuchInvalidation":
            return None
        raise translate(err, "CloudFront") from None
    return response["Invalidation"]["Status"]
