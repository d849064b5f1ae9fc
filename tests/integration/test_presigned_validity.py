"""A presigned URL is valid from its X-Amz-Date (give or take S3's 15 minutes of clock skew) for at most a
week: the local S3 refuses one signed for later, and one asking for more than 604800 seconds, as S3 does.

URLs are presigned by boto3 with its clock moved, and fetched with httpx, as an SDK client would."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest import mock

import boto3
import httpx
import pytest
from botocore.config import Config

CONTENT = b"presigned validity"
WEEK = 604800


@pytest.fixture
def object_key(stack: Any) -> tuple[str, str]:
    bucket = str(stack.provisioned.physical["OriginalsBucket"])
    key = f"tests/presigned-validity/{uuid.uuid4().hex}.bin"
    boto3.client("s3").put_object(Bucket=bucket, Key=key, Body=CONTENT)
    return bucket, key


def presign(bucket: str, key: str, *, expires_in: int = 60, signed_at: datetime | None = None) -> str:
    client = boto3.client("s3", config=Config(signature_version="s3v4"))
    with mock.patch("botocore.auth.get_current_datetime", return_value=signed_at or datetime.now(UTC)):
        url: str = client.generate_presigned_url(
            "get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=expires_in
        )
    return url


def error_code(response: httpx.Response) -> str:
    return response.text.split("<Code>", 1)[1].split("</Code>", 1)[0] if "<Code>" in response.text else ""


@pytest.mark.parametrize(
    "ahead",
    [timedelta(hours=1), timedelta(days=2), timedelta(minutes=16)],
    ids=["signed-an-hour-ahead", "signed-two-days-ahead", "signed-just-beyond-the-15-minute-skew"],
)
def test_presigned_url_is_refused_before_its_start_time(object_key: tuple[str, str], ahead: timedelta) -> None:
    """Given a URL whose X-Amz-Date is later than now by more than S3's clock skew, When fetched, Then 403
    AccessDenied "Request is not valid yet" and no object bytes."""
    url = presign(*object_key, expires_in=WEEK, signed_at=datetime.now(UTC) + ahead)

    response = httpx.get(url)

    assert (response.status_code, error_code(response)) == (403, "AccessDenied")
    assert "Request is not valid yet" in response.text
    assert CONTENT not in response.content


def test_presigned_url_signed_within_the_clock_skew_is_served(object_key: tuple[str, str]) -> None:
    """Given a URL signed by a client whose clock is 5 minutes fast (within S3's 15), When fetched, Then 200."""
    url = presign(*object_key, signed_at=datetime.now(UTC) + timedelta(minutes=5))

    response = httpx.get(url)

    assert (response.status_code, response.content) == (200, CONTENT)


@pytest.mark.parametrize(
    ("expires_in", "status", "code"),
    [(WEEK, 200, ""), (WEEK + 1, 400, "AuthorizationQueryParametersError"), (10 * WEEK, 400, "AuthorizationQueryParametersError")],
    ids=["expiry-of-exactly-a-week-is-served", "expiry-one-second-beyond-a-week-is-refused", "expiry-of-ten-weeks-is-refused"],
)  # fmt: skip
def test_presigned_url_is_refused_beyond_a_week(
    object_key: tuple[str, str], expires_in: int, status: int, code: str
) -> None:
    """Given a URL correctly signed for ``expires_in`` seconds, When fetched at once, Then S3 serves it when
    the expiry is at most a week (604800 s) and answers 400 AuthorizationQueryParametersError beyond."""
    url = presign(*object_key, expires_in=expires_in)
    assert f"X-Amz-Expires={expires_in}" in url

    response = httpx.get(url)

    assert (response.status_code, error_code(response)) == (status, code), response.text
    assert (CONTENT in response.content) is (status == 200)
    if status == 400:
        assert "X-Amz-Expires must be less than a week" in response.text
