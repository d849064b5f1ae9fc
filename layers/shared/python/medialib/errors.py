"""Domain errors. Each carries the HTTP status and ImageKit's error body: ``{"message", "help"[, "reason"]}``.

Raise these anywhere below a handler; ``medialib.api.register_error_handlers`` turns them into responses.
"""

from __future__ import annotations

from typing import Any

DEFAULT_HELP = "See the medialib README for the API reference, or ask your medialib administrator."


class MedialibError(Exception):
    """An error a client can act on. ``retryable`` decides the ``x-should-retry`` header the SDKs obey."""

    status = 500
    retryable = False
    retry_after: int | None = None  # seconds: the ``Retry-After`` header of the answer when set

    def __init__(
        self,
        message: str,
        *,
        help: str = DEFAULT_HELP,
        reason: str | None = None,
        retry_after: int | None = None,
        **extra: Any,
    ):
        super().__init__(message)
        self.message = message
        self.help = help
        self.reason = reason
        self.retry_after = retry_after
        self.extra = extra

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"message": self.message, "help": self.help}
        if self.reason:
            body["reason"] = self.reason
        body.update(self.extra)
        return body


class BadRequestError(MedialibError):
    status = 400


class UnauthorizedError(MedialibError):
    status = 401


class ForbiddenError(MedialibError):
    status = 403


class NotFoundError(MedialibError):
    status = 404


class MethodNotAllowedError(MedialibError):
    """The path exists, not with this method: ``allowed`` goes in the ``Allow`` header."""

    status = 405

    def __init__(self, method: str, allowed: list[str]):
        super().__init__(
            f"{method} is not allowed on this path; it answers {', '.join(allowed)}.",
            help="See the medialib API reference (/docs on the local stack) for the routes and their methods.",
            reason="METHOD_NOT_ALLOWED",
        )
        self.allowed = allowed


class ConflictError(MedialibError):
    status = 409


class UnsupportedMediaTypeError(MedialibError):
    status = 415


class PayloadTooLargeError(MedialibError):
    """A file over the size limit: the same file will never fit, so the SDKs must not retry."""

    status = 413


class QuotaExceededError(MedialibError):
    """A monthly quota is spent: retrying before the reset cannot help, so the SDKs must not retry.
    ``retry_after``: the seconds until the reset (the ``Retry-After`` header)."""

    status = 429

    def __init__(self, message: str, *, retry_after: int | None = None, **kwargs: Any):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class ThrottledError(MedialibError):
    """A dependency refuses more work for now (CloudFront: too many invalidations in progress): the same
    request will succeed later, so the SDKs retry, after ``Retry-After`` seconds."""

    status = 429
    retryable = True

    def __init__(self, message: str, *, retry_after: int, reason: str = "TOO_MANY_REQUESTS") -> None:
        super().__init__(
            message,
            help="Nothing was changed by this request; retry after Retry-After seconds.",
            reason=reason,
            retry_after=retry_after,
        )


class TooManyJobsError(ThrottledError):
    """The account has as many bulk jobs in flight as it may (medialib.jobs): nothing was written or started; the
    same request succeeds once one of its jobs has ended, so the SDKs retry, after ``Retry-After`` seconds."""

    def __init__(self, limit: int, *, retry_after: int) -> None:
        super().__init__(
            f"Too many requests: this account already has {limit} bulk jobs in progress, the most it may run at "
            "once. Retry when one of them has completed (GET /v1/bulkJobs/{jobId}).",
            retry_after=retry_after,
            reason="TOO_MANY_JOBS_IN_FLIGHT",
        )


class InternalError(MedialibError):
    """A failure a retry will not fix (a misconfiguration, a bug); its cause is logged, never returned."""

    status = 500

    def __init__(self) -> None:
        super().__init__("We encountered an internal error.", help="The error was logged; nothing was changed.")


class ServiceUnavailableError(MedialibError):
    """A dependency (DynamoDB, S3, CloudFront) failed in a way a retry may fix."""

    status = 503
    retryable = True

    def __init__(self) -> None:
        super().__init__(
            "The service is temporarily unavailable. Please retry.",
            help="Nothing was changed by this request.",
        )


class PurgeOwedError(MedialibError):
    """A change is made (a file unpublished) but clearing the CDN of it failed (busy, unavailable, or a repeat
    refused by a spent quota): the answer keeps the cause's status and retry hint, and says what was done."""

    def __init__(self, done: str, cause: MedialibError) -> None:
        super().__init__(
            f"{done} Clearing the CDN failed: {cause.message}",
            help="The change is made and enforced: its URLs answer 404. "
            + ("Retry the same request to clear the CDN of copies it still holds." if cause.retryable else cause.help),
            reason="PURGE_FAILED",
            retry_after=cause.retry_after,
        )
        self.status, self.retryable = cause.status, cause.retryable


class RetryableError(Exception):
    """A Step Functions task failed in a way a retry may fix (throttling, a dependency down).

    Not an HTTP error: workers raise it in place of any retryable MedialibError. Lambda reports the class name
    as the error's type, and every Task of statemachines/*.asl.json retries ``RetryableError`` by that name.
    """


class MissingFilesError(NotFoundError):
    """A bulk request by file ids names files that do not exist: nothing was changed, and the body lists them in
    ``missingFileIds`` (ImageKit's shape)."""

    def __init__(self, missing_file_ids: list[str]) -> None:
        super().__init__(
            "The requested file(s) does not exist.",
            help="Nothing was changed. Send the request again without the missing files.",
            reason="FILE_NOT_FOUND",
            missingFileIds=missing_file_ids,
        )
        self.missing_file_ids = missing_file_ids
