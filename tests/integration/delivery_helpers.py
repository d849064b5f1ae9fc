"""Delivery tests' helpers: files uploaded through the API, URLs built by the official Python SDK, images with
regions of known colours, and a look at what came back."""

from __future__ import annotations

import io
import json
import uuid
from dataclasses import dataclass
from typing import Any

import boto3
from imagekitio import ImageKit
from PIL import Image

from tests.conftest import basic
from tests.upload_helpers import multipart

UPLOAD = "/api/v1/files/upload"
RED, BLUE = (220, 20, 20), (20, 20, 220)


def halves(width: int = 80, height: int = 40, fmt: str = "PNG") -> bytes:
    """An image whose left half is red and right half blue (so a crop shows which part it kept)."""
    picture = Image.new("RGB", (width, height), RED)
    picture.paste(BLUE, (width // 2, 0, width, height))
    out = io.BytesIO()
    picture.save(out, format=fmt)
    return out.getvalue()


@dataclass(frozen=True)
class Uploaded:
    file_id: str
    file_path: str
    url: str
    thumbnail: str | None
    body: dict[str, Any]


def upload(api: Any, key: str, content: bytes, **fields: str) -> Uploaded:
    """``content`` uploaded through the API into a fresh folder (``fileName`` defaults to a.png)."""
    values = {"fileName": "a.png", "folder": "/delivery-" + uuid.uuid4().hex[:10], "useUniqueFileName": "false"}
    body, content_type = multipart(values | fields, content)
    answer = api.post(UPLOAD, headers={**basic(key), "Content-Type": content_type}, data=body)
    assert answer.status_code == 200, answer.get_data()
    data = json.loads(answer.get_data())
    return Uploaded(data["fileId"], data["filePath"], data["url"], data.get("thumbnailUrl"), data)


def versions(api: Any, key: str, file_id: str) -> list[dict[str, Any]]:
    answer = api.get(f"/v1/files/{file_id}/versions", headers=basic(key))
    assert answer.status_code == 200
    listed: list[dict[str, Any]] = json.loads(answer.get_data())
    return listed


def token_of(version: dict[str, Any]) -> str:
    """The ik-obj-version token in a version's url (the current version's url has none)."""
    return str(version["url"].split("ik-obj-version=", 1)[1])


def sdk_path(stack: Any, account: Any, src: str, *, key: str | None = None, **options: Any) -> str:
    """The path and query of the URL ``ImageKit(private_key=...).helper.build_url`` makes for the local stack."""
    helper = ImageKit(private_key=key or account.private_key).helper
    url = helper.build_url(src=src, url_endpoint=f"{stack.base_url}/{account.account_id}", **options)
    assert url.startswith(stack.base_url)
    return url.removeprefix(stack.base_url)


def picture(response: Any) -> Image.Image:
    image = Image.open(io.BytesIO(response.get_data()))
    image.load()
    return image


def colour_at(image: Image.Image, x: int, y: int) -> tuple[int, int, int]:
    pixel = image.convert("RGB").getpixel((x, y))
    assert isinstance(pixel, tuple)
    return (int(pixel[0]), int(pixel[1]), int(pixel[2]))


def close(colour: tuple[int, int, int], expected: tuple[int, int, int], tolerance: int = 40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(colour, expected, strict=True))


def invalidation_ids(stack: Any) -> list[str]:
    """The ids of every CloudFront invalidation of the local distribution, oldest first (every page: a list answers
    at most 100, and a whole test run makes more)."""
    pages = boto3.client("cloudfront").get_paginator("list_invalidations")
    listed = pages.paginate(DistributionId=stack.provisioned.distribution_id)
    return [summary["Id"] for page in listed for summary in page["InvalidationList"].get("Items") or []]


def invalidations(stack: Any) -> list[Any]:
    """Every CloudFront invalidation of the local distribution, with its batch (paths, CallerReference), oldest first."""
    cloudfront, distribution = boto3.client("cloudfront"), stack.provisioned.distribution_id
    return [
        cloudfront.get_invalidation(DistributionId=distribution, Id=i)["Invalidation"] for i in invalidation_ids(stack)
    ]


def invalidations_of(stack: Any, request_id: str) -> list[Any]:
    """The invalidations made for one purge request (its id is their CallerReference): one, when all went well."""
    return [i for i in invalidations(stack) if i["InvalidationBatch"]["CallerReference"] == request_id]
