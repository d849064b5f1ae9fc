"""The local S3 refuses presigned URLs and browser POST uploads the way S3 does (moto alone accepts them all).

Requests are made with boto3's own presigners and sent with httpx, as a browser or an SDK client would."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest import mock

import boto3
import httpx
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

CONTENT = b"\x89PNG local presign test"
MAX_SIZE = 1000


@pytest.fixture
def bucket(stack: Any) -> str:
    return str(stack.provisioned.physical["OriginalsBucket"])


def s3() -> Any:
    return boto3.client("s3")


def presigner(**credentials: Any) -> Any:
    """An S3 client that presigns with SigV4: in us-east-1 boto3 presigns with SigV2 unless told otherwise."""
    return boto3.client("s3", config=Config(signature_version="s3v4"), **credentials)


def unique_key(prefix: str = "tests/presigned/") -> str:
    return f"{prefix}{uuid.uuid4().hex}.png"


def stored(bucket: str, key: str) -> bool:
    try:
        s3().head_object(Bucket=bucket, Key=key)
    except ClientError as err:
        assert err.response["Error"]["Code"] in ("404", "NoSuchKey")
        return False
    return True


def error_code(response: httpx.Response) -> str:
    return response.text.split("<Code>", 1)[1].split("</Code>", 1)[0] if "<Code>" in response.text else ""


# --- presigned URLs -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "extra"),
    [
        ("photo.png", {}),
        ("dir/a b+c=d&é ✓.png", {}),
        (
            "photo.png",
            {"ResponseContentDisposition": 'attachment; filename="a b.png"', "ResponseCacheControl": "no-store"},
        ),
    ],
    ids=["plain-key", "key-with-reserved-and-unicode-characters", "response-header-overrides"],
)
def test_presigned_get_serves_the_object(bucket: str, name: str, extra: dict[str, str]) -> None:
    """Given an object and a presigned GET for it, When the URL is fetched, Then S3 answers 200 with the object."""
    key = f"tests/presigned/{uuid.uuid4().hex}/{name}"
    s3().put_object(Bucket=bucket, Key=key, Body=CONTENT)
    params = {"Bucket": bucket, "Key": key, **extra}
    url = presigner().generate_presigned_url("get_object", Params=params, ExpiresIn=60)

    response = httpx.get(url)

    assert response.status_code == 200, response.text
    assert response.content == CONTENT


def test_presigned_head_answers_without_a_body(bucket: str) -> None:
    """Given a presigned HEAD, When it is sent as signed and then tampered, Then S3 answers 200, then 403, and
    neither answer has a body."""
    key = unique_key()
    s3().put_object(Bucket=bucket, Key=key, Body=CONTENT)
    url = presigner().generate_presigned_url("head_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=60)

    good, tampered = httpx.head(url), httpx.head(_flip_signature(url))

    assert (good.status_code, good.content) == (200, b"")
    assert (tampered.status_code, tampered.content) == (403, b"")


def _flip_signature(url: str) -> str:
    signature = url.rsplit("X-Amz-Signature=", 1)[1][:64]
    return url.replace(signature, signature[:-1] + ("0" if signature[-1] != "0" else "1"))


def _other_key(url: str) -> str:
    return url.replace(".png?", ".jpg?", 1)


def _longer_expiry(url: str) -> str:
    return url.replace("X-Amz-Expires=60", "X-Amz-Expires=600", 1)


@pytest.mark.parametrize(
    "tamper",
    [_flip_signature, _other_key, _longer_expiry],
    ids=["signature-changed", "key-changed", "expiry-extended"],
)
def test_tampered_presigned_get_is_refused(bucket: str, tamper: Callable[[str], str]) -> None:
    """Given a presigned GET, When any signed part of the URL is changed, Then S3 answers 403
    SignatureDoesNotMatch."""
    key = unique_key()
    s3().put_object(Bucket=bucket, Key=key, Body=CONTENT)
    url = presigner().generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=60)

    response = httpx.get(tamper(url))

    assert response.status_code == 403
    assert error_code(response) == "SignatureDoesNotMatch"


def test_expired_presigned_get_is_refused(bucket: str) -> None:
    """Given a presigned GET signed two hours ago for one minute, When it is fetched, Then S3 answers 403
    AccessDenied "Request has expired"."""
    key = unique_key()
    s3().put_object(Bucket=bucket, Key=key, Body=CONTENT)
    two_hours_ago = datetime.now(UTC) - timedelta(hours=2)
    with mock.patch("botocore.auth.get_current_datetime", return_value=two_hours_ago):
        url = presigner().generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=60)

    response = httpx.get(url)

    assert response.status_code == 403
    assert error_code(response) == "AccessDenied"
    assert "<Message>Request has expired</Message>" in response.text


def test_presigned_get_with_an_unknown_access_key_is_refused(bucket: str) -> None:
    """Given a URL presigned with an access key the stack does not know, When it is fetched, Then S3 answers
    403 InvalidAccessKeyId."""
    client = presigner(aws_access_key_id="AKIAUNKNOWN", aws_secret_access_key="x", aws_session_token=None)
    url = client.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": unique_key()})

    response = httpx.get(url)

    assert response.status_code == 403
    assert error_code(response) == "InvalidAccessKeyId"


def test_presigned_put_stores_the_object(bucket: str) -> None:
    """Given a presigned PUT with a signed Content-Type, When the body is sent with that type, Then S3 answers
    200 and stores the object."""
    key = unique_key()
    params = {"Bucket": bucket, "Key": key, "ContentType": "image/png"}
    url = presigner().generate_presigned_url("put_object", Params=params, ExpiresIn=60)

    response = httpx.put(url, content=CONTENT, headers={"Content-Type": "image/png"})

    assert response.status_code == 200
    assert s3().get_object(Bucket=bucket, Key=key)["Body"].read() == CONTENT


@pytest.mark.parametrize(
    ("method", "content_type"),
    [("PUT", "text/html"), ("POST", "image/png")],
    ids=["other-content-type-than-signed", "other-method-than-signed"],
)
def test_presigned_put_used_otherwise_is_refused(bucket: str, method: str, content_type: str) -> None:
    """Given a presigned PUT for image/png, When it is sent with another type or method, Then S3 answers 403
    SignatureDoesNotMatch and stores nothing."""
    key = unique_key()
    params = {"Bucket": bucket, "Key": key, "ContentType": "image/png"}
    url = presigner().generate_presigned_url("put_object", Params=params, ExpiresIn=60)

    response = httpx.request(method, url, content=CONTENT, headers={"Content-Type": content_type})

    assert response.status_code == 403
    assert error_code(response) == "SignatureDoesNotMatch"
    assert not stored(bucket, key)


# --- browser-based POST uploads -------------------------------------------------------------------------


def presigned_post(bucket: str, expires_in: int = 60) -> dict[str, Any]:
    """The kind of POST the upload feature hands out: key under uploads/, one content type, at most 1000 B."""
    post: dict[str, Any] = presigner().generate_presigned_post(
        Bucket=bucket,
        Key="uploads/${filename}",
        Fields={"Content-Type": "image/png"},
        Conditions=[{"Content-Type": "image/png"}, ["content-length-range", 1, MAX_SIZE]],
        ExpiresIn=expires_in,
    )
    post["fields"]["key"] = unique_key("uploads/")
    return post


def send_post(post: dict[str, Any], content: bytes = CONTENT) -> httpx.Response:
    return httpx.post(post["url"], data=post["fields"], files={"file": ("photo.png", content, "image/png")})


def test_presigned_post_stores_the_file(bucket: str) -> None:
    """Given a presigned POST, When a form within its policy is posted, Then S3 answers 204 and stores the file."""
    post = presigned_post(bucket)

    response = send_post(post)

    assert response.status_code == 204
    assert s3().get_object(Bucket=bucket, Key=post["fields"]["key"])["Body"].read() == CONTENT


def _zero(name: str) -> Callable[[dict[str, str]], None]:
    return lambda fields: fields.update({name: "0" * len(fields[name])})


def _loosen_policy(fields: dict[str, str]) -> None:
    """Raise the policy's size limit without signing it again."""
    policy = json.loads(base64.b64decode(fields["policy"]))
    policy["conditions"] = [
        c for c in policy["conditions"] if not (isinstance(c, list) and c[0] == "content-length-range")
    ]
    fields["policy"] = base64.b64encode(json.dumps(policy).encode()).decode()


@dataclass(frozen=True)
class Refusal:
    status: int
    code: str
    message: str = ""
    change: Callable[[dict[str, str]], None] = lambda _fields: None
    content: bytes = CONTENT
    expires_in: int = 60
    drop: tuple[str, ...] = field(default=())


REFUSALS = {
    "file-over-content-length-range": Refusal(400, "EntityTooLarge", content=b"x" * (MAX_SIZE * 5)),
    "empty-file-under-content-length-range": Refusal(400, "EntityTooSmall", content=b""),
    "key-outside-starts-with": Refusal(
        403, "AccessDenied", '["starts-with", "$key", "uploads/"]', lambda f: f.update(key=unique_key("elsewhere/"))
    ),
    "content-type-other-than-eq": Refusal(
        403, "AccessDenied", '["eq", "$Content-Type", "image/png"]', lambda f: f.update({"Content-Type": "text/html"})
    ),
    "signature-zeroed": Refusal(403, "SignatureDoesNotMatch", change=_zero("x-amz-signature")),
    "policy-loosened-after-signing": Refusal(
        403, "SignatureDoesNotMatch", change=_loosen_policy, content=b"x" * (MAX_SIZE * 5)
    ),
    "extra-field-not-in-policy": Refusal(
        403, "AccessDenied", "Extra input fields: acl", lambda f: f.update(acl="public-read")
    ),
    "policy-expired": Refusal(403, "AccessDenied", "Invalid according to Policy: Policy expired.", expires_in=-60),
    "no-policy-at-all": Refusal(403, "AccessDenied", drop=("policy", "x-amz-signature")),
}


@pytest.mark.parametrize("refusal", REFUSALS.values(), ids=REFUSALS.keys())
def test_presigned_post_outside_its_policy_is_refused(bucket: str, refusal: Refusal) -> None:
    """Given a presigned POST (uploads/ keys, image/png, 1..1000 B), When the form breaks one rule of the
    policy or of its signature, Then S3 refuses it with its error code and stores nothing."""
    post = presigned_post(bucket, refusal.expires_in)
    refusal.change(post["fields"])
    for name in refusal.drop:
        del post["fields"][name]

    response = send_post(post, refusal.content)

    assert response.status_code == refusal.status, response.text
    assert error_code(response) == refusal.code
    assert refusal.message in response.text
    assert not stored(bucket, post["fields"]["key"])


def test_signature_v2_is_refused_as_on_buckets_created_since_2020(bucket: str) -> None:
    """Given boto3's default presigning in us-east-1 (Signature V2), When its GET and POST are sent, Then S3
    answers 400 InvalidRequest (V2 is refused on new buckets) and stores nothing: presign with s3v4."""
    key = unique_key()
    s3().put_object(Bucket=bucket, Key=key, Body=CONTENT)
    url = s3().generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key})
    post = s3().generate_presigned_post(Bucket=bucket, Key=unique_key("uploads/"))
    assert "AWSAccessKeyId=" in url and "AWSAccessKeyId" in post["fields"]  # boto3's default, so V2

    responses = [httpx.get(url), send_post(post)]

    assert [(r.status_code, error_code(r)) for r in responses] == [(400, "InvalidRequest")] * 2
    assert not stored(bucket, post["fields"]["key"])


# --- everything else passes through ---------------------------------------------------------------------


def test_other_services_pass_through(stack: Any) -> None:
    """Given the S3 checks in front of the one moto server, When DynamoDB and header-signed S3 calls are made,
    Then they work as before."""
    tables = boto3.client("dynamodb").list_tables()["TableNames"]
    buckets = [b["Name"] for b in s3().list_buckets()["Buckets"]]

    assert stack.provisioned.physical["MediaTable"] in tables
    assert stack.provisioned.physical["OriginalsBucket"] in buckets
