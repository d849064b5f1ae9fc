"""CloudFront: the only module that creates or reads invalidations. Errors leave as domain errors."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from medialib.adapters import clients
from medialib.adapters.errors import AWS_ERRORS, error_code, translate
from medialib.errors import ThrottledError

# CloudFront refuses an invalidation while too many paths (3,000; 15 with a wildcard) are in progress, or when
# calls come too fast. Both pass: an invalidation takes about a minute, so a client retries after that.
_THROTTLED = {"TooManyInvalidationsInProgress", "Throttling", "ThrottlingException"}
THROTTLED_RETRY_AFTER = 60


def create_invalidation(distribution_id: str, paths: Sequence[str], *, caller_reference: str) -> str:
    """Invalidate ``paths``; returns the invalidation id. The same ``caller_reference`` is the same request
    (in AWS, CloudFront answers the first invalidation again), so a retried purge never invalidates twice."""
    try:
        response = clients.cloudfront().create_invalidation(
            DistributionId=distribution_id,
            InvalidationBatch={
                "Paths": {"Quantity": len(paths), "Items": list(paths)},
                "CallerReference": caller_reference,
            },
        )
    except AWS_ERRORS as err:
        if error_code(err) in _THROTTLED:
            raise ThrottledError(
                "The CDN has too many invalidations in progress. Please retry later.",
                retry_after=THROTTLED_RETRY_AFTER,
                reason="PURGE_THROTTLED",
            ) from None
        raise translate(err, "CloudFront") from None
    return str(response["Invalidation"]["Id"])


InvalidationStatus = Literal["InProgress", "Completed"]


def get_invalidation(distribution_id: str, invalidation_id: str) -> InvalidationStatus | None:
    """The invalidation's status, or None when there is no such invalidation."""
    try:
        response = clients.cloudfront().get_invalidation(DistributionId=distribution_id, Id=invalidation_id)
    except AWS_ERRORS as err:
        if error_code(err) == "NoSuchInvalidation":
            return None
        raise translate(err, "CloudFront") from None
    # CloudFront documents "InProgress" and "Completed"; compare without case (emulators write COMPLETED).
    return "Completed" if response["Invalidation"]["Status"].lower() == "completed" else "InProgress"
