"""Upload sessions on the wire (``OpenSessionResponse``, ``SessionResponse``) and in the table (``SessionItem``)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from medialib.models import ItemModel, WireModel
from medialib.upload.models import UploadResponse
from medialib.upload.session_rules import SessionStatus


class PresignedPost(WireModel):
    """A browser-style S3 POST: send every field of ``fields`` and then the file (last) as ``file``, as
    multipart/form-data, to ``url``. S3 answers 204; the policy fixes the key, the exact size and the
    Content-Type, so any other file is refused by S3 itself."""

    url: str
    fields: dict[str, str]
    expires_at: str = Field(description="When S3 stops accepting this POST (ISO 8601, UTC).")


class OpenSessionResponse(WireModel):
    session_id: str
    status: SessionStatus
    upload: PresignedPost


class SessionError(WireModel):
    """Why a session failed: the body the direct upload would have answered for the same file."""

    message: str
    help: str
    reason: str | None = None


class SessionResponse(WireModel):
    """A session's state. ``file``: the upload API's JSON, exactly as a direct upload answers it (COMPLETED);
    ``error``: why the file was refused (FAILED)."""

    session_id: str
    status: SessionStatus
    file_name: str
    file_size: int
    content_type: str
    created_at: str
    expires_at: str = Field(description="When the session is forgotten (ISO 8601, UTC).")
    file: UploadResponse | None = None
    error: SessionError | None = None


class SessionItem(ItemModel):
    """The session's row: its options as the form's text fields, and its outcome once finalised."""

    account_id: str
    session_id: str
    status: SessionStatus
    options: dict[str, str]
    file_size: int
    content_type: str
    created_at: str
    expires_at: int  # Unix seconds: the table's TTL attribute
    claimant: str | None = None
    claimed_until: int | None = None
    finished_at: str | None = None
    result: dict[str, Any] | None = None  # the upload API's JSON (COMPLETED)
    error: dict[str, Any] | None = None  # ImageKit's error body (FAILED)
