"""AWS error codes as domain errors, in one place for every adapter (raw botocore errors never escape)."""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as AwsConnectionError

from medialib.errors import BadRequestError, ConflictError, InternalError, MedialibError, ServiceUnavailableError
from medialib.observability import logger

_RETRYABLE = {
    "ProvisionedThroughputExceededException", "ThrottlingException", "Throttling", "RequestLimitExceeded",
    "TooManyRequestsException", "InternalServerError", "InternalError", "ServiceUnavailable",
    "TransactionConflictException", "SlowDown",
}  # fmt: skip


# What a call of boto3 can raise: an error answer of the service, or a failure to get one (no connection, a
# timeout, a bug in the call's parameters). Adapters catch exactly these and pass them to ``translate``.
AWS_ERRORS = (ClientError, BotoCoreError)


def error_code(err: ClientError | BotoCoreError) -> str:
    """The service's error code (``ConditionalCheckFailedException``...), or "" when no answer came."""
    return err.response.get("Error", {}).get("Code", "") if isinstance(err, ClientError) else ""


class ConditionFailedError(ConflictError):
    """A conditional write lost: the item was not in the expected state."""

    def __init__(self, message: str = "The resource was changed by another request. Please retry.") -> None:
        super().__init__(message, reason="CONDITION_FAILED")


def translate(err: ClientError | BotoCoreError, service: str) -> MedialibError:
    """Lost conditions are conflicts; a value the service refuses (a key too long, empty) is the caller's 400;
    throttling, server errors and no answer at all (connection refused or reset, a timeout) are retryable;
    anything else (access denied, a missing resource, parameters botocore refuses) is a misconfiguration or a
    bug: logged with its code, answered 500 and not retried."""
    if isinstance(err, BotoCoreError):
        logger.error("AWS request failed", extra={"service": service, "error_code": type(err).__name__})
        unreachable = isinstance(err, AwsConnectionError | HTTPClientError)
        return ServiceUnavailableError() if unreachable else InternalError()
    code = error_code(err)
    if code in {"ConditionalCheckFailedException", "TransactionCanceledException"}:
        return ConditionFailedError()
    if code == "ValidationException":
        return BadRequestError(
            "The request contains an identifier or value that cannot be stored.", reason="INVALID_VALUE"
        )
    logger.error("AWS request failed", extra={"service": service, "error_code": code})
    return ServiceUnavailableError() if code in _RETRYABLE else InternalError()
