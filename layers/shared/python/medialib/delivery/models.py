"""Delivery's shapes: the request a URL makes (``DeliveryRequest``), what the service decides to send (``Plan``),
and the three answers a delivery gives (``Served``, ``Redirected``, ``NotModified``) for the handler to shape."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict, Field


class DeliveryQuery(BaseModel):
    """The query parameters delivery reads, for the OpenAPI document. Any other parameter is ignored for the bytes
    but is part of what a signature signs. Read from the event by ``rules.parse_request``, not from this model."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    tr: str | None = Field(default=None, description="Transformation steps (w-300,h-200:rt-90), after the path's tr:")
    ik_obj_version: str | None = Field(
        default=None, alias="ik-obj-version", description="A version's token (versionInfo): that version's bytes"
    )
    ik_attachment: str | None = Field(
        default=None, alias="ik-attachment", description="true: Content-Disposition attachment with the file's name"
    )
    ik_t: str | None = Field(default=None, alias="ik-t", description="A signed URL's expiry (Unix seconds)")
    ik_s: str | None = Field(default=None, alias="ik-s", description="A signed URL's signature (HMAC-SHA1, hex)")


@dataclass(frozen=True)
class Incoming:
    """What delivery reads from the proxy event: the decoded path, the (multi-valued) query, four headers."""

    path: str
    query: Mapping[str, Sequence[str] | str | None] | None
    origin_secret: str | None = None  # x-medialib-origin-secret
    accept: str | None = None
    if_none_match: str | None = None
    head: bool = False  # HEAD: the same status and headers, no body


@dataclass(frozen=True)
class DeliveryRequest:
    """``/{accountId}/[tr:<steps>/]{filePath}?[tr=<steps>][&ik-obj-version=..][&ik-attachment=true][&ik-t=..&ik-s=..]``
    after the checks of :func:`medialib.delivery.rules.parse_request`."""

    account_id: str
    file_path: str  # "/folder/name.jpg", decoded, as stored
    signed_path: str  # the decoded path after "/{accountId}/", the tr: segment included (what the SDKs sign)
    path_transformation: str | None  # the text after "tr:" in the path
    query_transformation: str | None  # the query's tr
    version_token: str | None  # ik-obj-version
    attachment: bool  # ik-attachment=true
    signature: str | None  # ik-s
    expires: str | None  # ik-t, as sent (checked by check_signature)
    query: tuple[tuple[str, str], ...] = ()  # every query parameter but ik-s and ik-t, in the order received


@dataclass(frozen=True)
class Plan:
    """What a delivery sends once access is granted, decided without reading any object: the original's bytes or
    a rendition in ``fmt``, and the headers that follow from it."""

    original: bool
    fmt: str | None  # the rendition's format (jpeg, png, webp, avif, gif); None for the original
    content_type: str
    canonical: str  # compose(chain) of the rendition; "" for the original
    etag: str
    vary_accept: bool  # f-auto: the bytes depend on the Accept header


@dataclass(frozen=True)
class Served:
    """200: the bytes (empty for HEAD) and their headers."""

    body: bytes
    content_type: str
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Redirected:
    """302 to a short-lived presigned URL of the object: answers larger than a Lambda response can carry."""

    location: str
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class NotModified:
    """304: the client's copy (If-None-Match) is current."""

    headers: dict[str, str] = field(default_factory=dict)


Answer = Served | Redirected | NotModified
