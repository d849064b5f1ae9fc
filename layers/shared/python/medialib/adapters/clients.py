"""Cached boto3 clients: created on first use, never at import. Tests call ``reset()``."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_cloudfront import CloudFrontClient
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_stepfunctions import SFNClient


@cache
def _session() -> Any:
    import boto3  # noqa: PLC0415 - keeps boto3's import cost off modules that never call AWS

    return boto3.session.Session()  # one session: its loaders and credentials are shared by every client


@cache
def _client(service: str) -> Any:
    from botocore.config import Config  # noqa: PLC0415

    return _session().client(
        service,
        config=Config(
            retries={"mode": "standard", "max_attempts": 3},
            connect_timeout=2,
            read_timeout=10,
            signature_version="s3v4" if service == "s3" else None,  # presigned URLs/POSTs: new buckets refuse V2
        ),
    )


def dynamodb() -> DynamoDBClient:
    return _client("dynamodb")  # type: ignore[no-any-return]


def s3() -> S3Client:
    return _client("s3")  # type: ignore[no-any-return]


def cloudfront() -> CloudFrontClient:
    return _client("cloudfront")  # type: ignore[no-any-return]


def sfn() -> SFNClient:
    return _client("stepfunctions")  # type: ignore[no-any-return]


def kms() -> Any:  # no type stubs for KMS among the dev dependencies
    return _client("kms")


def reset() -> None:
    """Forget every client (tests switch endpoints and credentials between runs)."""
    _client.cache_clear()
    _session.cache_clear()
