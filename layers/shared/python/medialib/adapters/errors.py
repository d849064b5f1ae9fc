"""AWS error codes as domain errors, in one place for every adapter (raw botocore errors never escape)."""

from __future__ import annotations

from botocore.exceptions import ClientError

from medialib.errors import BadRequestError, ConflictError, InternalError, MedialibError, ServiceUnavailableError
from medialib.observability import logger

_RETRYABLE = {
    "ProvisionedThroughputExceededException", "ThrottlingException", "Throttling", "RequestLimitExceeded",
    "TooManyRequestsException", "InternalServerError", "InternalError", "ServiceUnavailable",
    "TransactionConflictException", "SlowDown",
}  # fmt: skip


class ConditionFailedError(ConflictError):
    """A conditional write lost: the item was not in the expected state."""

    def __init__(self, message: str = "The resource was changed by another request. Please retry.") -> None:
        super().__init__(message, reason="CONDITION_FAILED")


def translate(err: ClientError, service: str) -> MedialibError:
    """Lost conditions are conflicts; a value the service refuses (a key too long, empty) is the caller's 400;
    throttling and server errors are retryable; anything else (access denied, a missing resource) is a
    misconfiguration: logged with its code, answered 500 and not retried."""
    code = err.response.get("Error", {}).get("Code", "")
    if code in {"ConditionalCheckFailedException", "TransactionCanceledException"}:
        return ConditionFailedError()
    if code == "ValidationException":
        return BadRequestError(
            "The request contains an identifier or value that cannot be stored.", reason="INVALID_VALUE"
        )
    logger.error("AWS request failed", extra={"service": service, "error_code": code})
    return ServiceUnavailableError() if code in _RETRYABLE else InternalError()
