"""S3: the only module that reads, writes, signs or deletes objects. Errors leave as domain errors."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from medialib.adapters import clients
from medialib.adapters.errors import AWS_ERRORS, error_code, translate
from medialib.errors import ServiceUnavailableError
from medialib.observability import logger

if TYPE_CHECKING:
    from mypy_boto3_s3.type_defs import ObjectIdentifierTypeDef

_MISSING = {"NoSuchKey", "404", "NotFound"}
MAX_PRESIGN_SECONDS = 7 * 24 * 3600  # SigV4's limit: a presigned URL lives at most a week


def put(
    bucket: str,
    key: str,
    body: bytes,
    *,
    content_type: str = "application/octet-stream",
    cache_control: str | None = None,
) -> None:
    """Store ``body``; ``cache_control`` is kept with the object and sent by S3 with it (a presigned GET too)."""
    extra: dict[str, Any] = {"CacheControl": cache_control} if cache_control else {}
    try:
        clients.s3().put_object(Bucket=bucket, Key=key, Body=body, ContentType=content_type, **extra)
    except AWS_ERRORS as err:
        raise translate(err, "S3") from None


def get(bucket: str, key: str) -> bytes | None:
    """The object's bytes, or None when there is no such object."""
    try:
        response = clients.s3().get_object(Bucket=bucket, Key=key)
    except AWS_ERRORS as err:
        if error_code(err) in _MISSING:
            return None
        raise translate(err, "S3") from None
    return response["Body"].read()


@dataclass(frozen=True)
class Bounded:
    """An object read only when small enough: ``body`` is None when it has more than the bound's bytes."""

    body: bytes | None
    size: int


def get_bounded(bucket: str, key: str, max_bytes: int) -> Bounded | None:
    """The object's bytes when it has at most ``max_bytes``, else only its size (the body is not read); None when
    there is no such object. One request either way."""
    try:
        response = clients.s3().get_object(Bucket=bucket, Key=key)
    except AWS_ERRORS as err:
        if error_code(err) in _MISSING:
            return None
        raise translate(err, "S3") from None
    size = int(response["ContentLength"])
    if size > max_bytes:
        response["Body"].close()
        return Bounded(None, size)
    return Bounded(response["Body"].read(), size)


def presign(
    bucket: str,
    key: str,
    *,
    expires_in: int,
    content_disposition: str | None = None,
    content_type: str | None = None,
) -> str:
    """A GET URL for the object, valid ``expires_in`` seconds (1 s to a week). Signing calls no service.
    ``content_disposition``/``content_type``: headers S3 answers instead of the stored ones (signed in the URL)."""
    if not 1 <= expires_in <= MAX_PRESIGN_SECONDS:
        raise ValueError(f"expires_in must be 1..{MAX_PRESIGN_SECONDS} seconds, got {expires_in}")
    params: dict[str, Any] = {"Bucket": bucket, "Key": key}
    if content_disposition:
        params["ResponseContentDisposition"] = content_disposition
    if content_type:
        params["ResponseContentType"] = content_type
    return clients.s3().generate_presigned_url("get_object", Params=params, ExpiresIn=expires_in)


def delete(bucket: str, key: str) -> None:
    """Delete the object; deleting an object that does not exist succeeds, as in S3."""
    try:
        clients.s3().delete_object(Bucket=bucket, Key=key)
    except AWS_ERRORS as err:
        raise translate(err, "S3") from None


DELETE_BATCH = 1000  # S3 DeleteObjects' limit per request


def delete_many(bucket: str, keys: list[str]) -> list[str]:
    """Delete the objects (absent ones count as deleted, as in S3), ``DELETE_BATCH`` keys per DeleteObjects
    request; returns the keys S3 reported it could not delete. A request that fails as a whole raises."""
    failed: list[str] = []
    for start in range(0, len(keys), DELETE_BATCH):
        batch: list[ObjectIdentifierTypeDef] = [{"Key": key} for key in keys[start : start + DELETE_BATCH]]
        try:
            answer = clients.s3().delete_objects(Bucket=bucket, Delete={"Objects": batch, "Quiet": True})
        except AWS_ERRORS as err:
            raise translate(err, "S3") from None
        failed += [str(error.get("Key", "")) for error in answer.get("Errors", [])]  # Quiet: only the failures
    return failed


def presign_post(bucket: str, key: str, *, content_type: str, size: int, expires_in: int) -> dict[str, Any]:
    """A browser-style POST (``{"url", "fields"}``) that S3 accepts for ``expires_in`` seconds, for exactly
    ``key``, a file of exactly ``size`` bytes and the Content-Type ``content_type``: its policy says so and S3
    refuses any other form. Signing calls no service."""
    if not 1 <= expires_in <= MAX_PRESIGN_SECONDS:
        raise ValueError(f"expires_in must be 1..{MAX_PRESIGN_SECONDS} seconds, got {expires_in}")
    post: dict[str, Any] = clients.s3().generate_presigned_post(
        Bucket=bucket,
        Key=key,
        Fields={"Content-Type": content_type},
        Conditions=[{"Content-Type": content_type}, ["content-length-range", size, size]],
        ExpiresIn=expires_in,
    )
    return post


@dataclass(frozen=True)
class Listed:
    key: str
    last_modified: datetime


def list_keys(bucket: str, *, start_after: str | None = None, page_size: int = 1000) -> Iterator[Listed]:
    """Every object of ``bucket`` in key order, after ``start_after`` when given, paginated lazily."""
    kwargs: dict[str, Any] = {"Bucket": bucket, "MaxKeys": page_size}
    if start_after:
        kwargs["StartAfter"] = start_after
    while True:
        try:
            page = clients.s3().list_objects_v2(**kwargs)
        except AWS_ERRORS as err:
            raise translate(err, "S3") from None
        yield from (Listed(obj["Key"], obj["LastModified"]) for obj in page.get("Contents", []))
        if not page.get("IsTruncated"):
            return
        kwargs["ContinuationToken"] = page["NextContinuationToken"]


def delete_prefix(bucket: str, prefix: str) -> int:
    """Delete every object whose key starts with ``prefix``, a page of at most 1,000 keys at a time (one
    ListObjectsV2 and one DeleteObjects per page); returns how many were deleted. ``prefix`` must not be empty."""
    if not prefix:
        raise ValueError("delete_prefix needs a non-empty prefix")
    deleted = 0
    kwargs: dict[str, Any] = {"Bucket": bucket, "Prefix": prefix, "MaxKeys": 1000}
    while True:
        try:
            page = clients.s3().list_objects_v2(**kwargs)
            keys: list[ObjectIdentifierTypeDef] = [{"Key": obj["Key"]} for obj in page.get("Contents", [])]
            if keys:
                answer = clients.s3().delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})
                if answer.get("Errors"):  # Quiet: only the keys S3 failed to delete are listed
                    codes = sorted({str(e.get("Code", "")) for e in answer["Errors"]})
                    logger.error("S3 DeleteObjects left keys", extra={"error_codes": codes})
                    raise ServiceUnavailableError()
        except AWS_ERRORS as err:
            raise translate(err, "S3") from None
        deleted += len(keys)
        if not page.get("IsTruncated"):
            return deleted
        kwargs["ContinuationToken"] = page["NextContinuationToken"]


def copy(bucket: str, source_key: str, dest_key: str) -> None:
    """A server-side copy within ``bucket``: the bytes never leave S3 (CopyObject: up to 5 GB, far above an
    original's limit). Content-Type and the other metadata are copied with the object."""
    try:
        clients.s3().copy_object(Bucket=bucket, Key=dest_key, CopySource={"Bucket": bucket, "Key": source_key})
    except AWS_ERRORS as err:
        raise translate(err, "S3") from None
