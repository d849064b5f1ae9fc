"""Pure rules of upload sessions: the ``incoming/`` key of a session's object, what a session's options are (the
direct upload's fields, read from JSON or a form), the declared size and media type, and how long each part
lives. No I/O here.

A session exists for files the AWS edge cannot carry in a direct upload (a synchronous Lambda event is at most
6 MB, and a binary body travels base64-encoded in it: about 4.4 MB of file). Its file goes to S3 by a presigned
POST whose policy fixes the key, the exact size and the media type; S3 "Object Created" -> EventBridge -> the
upload function finalises it through the direct upload's pipeline.
"""

from __future__ import annotations

import json
import re
from typing import Any, Literal

from medialib.models import ID_MAX_LENGTH
from medialib.upload.rules import MAX_FILE_BYTES

SessionStatus = Literal["PENDING", "COMPLETED", "FAILED"]

INCOMING_PREFIX = "incoming/"  # template.yaml: the FinaliseUploadSession rule and the bucket's lifecycle rule
POST_VALID_SECONDS = 15 * 60  # how long the presigned POST is accepted by S3
SESSION_TTL_SECONDS = 24 * 3600  # the session row's life (DynamoDB TTL), as long as incoming/ objects live
PROCESSING_LEASE_SECONDS = 60  # a finaliser's claim: over the function's 29 s timeout, under the first async retry
MAX_OPTIONS_BYTES = 64 * 1024  # the options are stored in the session's row (DynamoDB items are <= 400 KB)
DEFAULT_CONTENT_TYPE = "application/octet-stream"
_MEDIA_TYPE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$")
_SEGMENT = re.compile(r"^[A-Za-z0-9_.-]+$")

# Fields of an open request that are not upload options: the file's size and type, and the client-side
# authentication (publicKey, signature, token, expire), which authenticates the opening itself.
SESSION_FIELDS = frozenset({"fileSize", "contentType"})
AUTH_FIELDS = frozenset({"publicKey", "signature", "token", "expire"})
NOT_OPTIONS = SESSION_FIELDS | AUTH_FIELDS | {"file"}


def object_key(account_id: str, session_id: str) -> str:
    """Where the session's file is posted: ``incoming/{accountId}/{sessionId}``."""
    return f"{INCOMING_PREFIX}{account_id}/{session_id}"


def parse_object_key(key: str) -> tuple[str, str] | None:
    """(account id, session id) of an ``incoming/`` key, or None for a key no session hands out."""
    if not key.startswith(INCOMING_PREFIX):
        return None
    parts = key[len(INCOMING_PREFIX) :].split("/")
    if len(parts) != 2 or not all(_SEGMENT.match(p) and len(p) <= ID_MAX_LENGTH for p in parts):
        return None
    return parts[0], parts[1]


def form_value(value: Any) -> str:
    """A JSON value as the direct upload's form would carry it: text as is, booleans ``true``/``false``, a list
    of texts comma-joined (tags, responseFields), an object or a list of objects as JSON text."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return ",".join(value)
    return json.dumps(value, separators=(",", ":"))


def as_fields(body: dict[str, Any]) -> dict[str, str]:
    """The fields of a JSON body as form text (``null`` leaves a field out)."""
    return {name: form_value(value) for name, value in body.items() if value is not None}


def options_of(fields: dict[str, str]) -> dict[str, str]:
    """The upload options among an open request's fields: everything but the file's size and type, the file,
    and the client-side authentication fields."""
    return {name: value for name, value in fields.items() if name not in NOT_OPTIONS}


def options_too_large(options: dict[str, str]) -> bool:
    return len(json.dumps(options).encode()) > MAX_OPTIONS_BYTES


def file_size(value: str | None) -> int:
    """``fileSize``: the exact number of bytes the client will post, 1 to 25 MB. ValueError says why not."""
    if value is None or not value.strip():
        raise ValueError("fileSize is required: the exact size of the file in bytes")
    text = value.strip()
    if not text.isdigit():
        raise ValueError("fileSize must be a whole number of bytes")
    size = int(text)
    if size < 1:
        raise ValueError("fileSize must be at least 1 byte")
    if size > MAX_FILE_BYTES:
        raise ValueError(f"fileSize is {size} bytes; at most {MAX_FILE_BYTES} bytes are accepted")
    return size


def content_type(value: str | None) -> str:
    """``contentType``: the file's media type (``type/subtype``, no parameters), application/octet-stream when
    absent. The presigned POST's policy requires exactly this Content-Type."""
    if value is None or not value.strip():
        return DEFAULT_CONTENT_TYPE
    media = value.strip().lower()
    if not _MEDIA_TYPE.match(media):
        raise ValueError("contentType must be a media type such as image/jpeg")
    return media


def declared_type(media: str) -> str | None:
    """The media type the pipeline is told: none for application/octet-stream (it says nothing)."""
    return None if media == DEFAULT_CONTENT_TYPE else media
