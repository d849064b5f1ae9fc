"""Upload sessions: files too large for a direct upload through API Gateway and Lambda (over about 4.4 MB).

1. ``open_session`` (``POST /api/v1/files/upload/sessions``): authenticated like the direct upload, its options
   checked by the same rules, answers a presigned S3 POST for ``incoming/{accountId}/{sessionId}``.
2. The client posts the file to S3. S3 "Object Created" -> EventBridge -> the upload function: ``finalise``
   runs the direct upload's pipeline (``service.ingest``) on the object and records COMPLETED with the upload
   API's JSON, or FAILED with the reason the direct upload would have answered; the object is then deleted.
3. ``get_session`` (``GET /api/v1/files/upload/sessions/{sessionId}``): the client polls for the outcome.

A finaliser claims the session first (a conditional write with a short lease), so a repeated event for a finished
session does nothing and a concurrent one fails until the lease is over (Lambda retries it); the outcome is a
conditional transition PENDING -> COMPLETED | FAILED.
"""

from __future__ import annotations

import json
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, Protocol

from medialib.accounts import service as accounts
from medialib.adapters import blobs
from medialib.adapters.errors import ConditionFailedError
from medialib.adapters.transition import transition
from medialib.api.body import JSON, MULTIPART, media_type
from medialib.errors import BadRequestError, ConflictError, MedialibError, NotFoundError, RetryableError
from medialib.fields import service as custom_fields
from medialib.observability import logger, metrics
from medialib.upload import multipart, service
from medialib.upload import session_rules as rules
from medialib.upload.auth import authenticate_upload
from medialib.upload.form import read_options
from medialib.upload.models import FileSource
from medialib.upload.session_models import OpenSessionResponse, PresignedPost, SessionItem, SessionResponse
from medialib.upload.session_store import TableUploadSessionStore, UploadSessionStore


class Incoming(Protocol):
    """The objects clients post under incoming/ (S3 in AWS; an in-memory fake in unit tests)."""

    def presign_post(
        self, bucket: str, key: str, *, content_type: str, size: int, expires_in: int
    ) -> dict[str, Any]: ...

    def get(self, bucket: str, key: str) -> bytes | None: ...

    def delete(self, bucket: str, key: str) -> None: ...


class S3Incoming:
    def presign_post(self, bucket: str, key: str, *, content_type: str, size: int, expires_in: int) -> dict[str, Any]:
        return blobs.presign_post(bucket, key, content_type=content_type, size=size, expires_in=expires_in)

    def get(self, bucket: str, key: str) -> bytes | None:
        return blobs.get(bucket, key)

    def delete(self, bucket: str, key: str) -> None:
        blobs.delete(bucket, key)


store: UploadSessionStore = TableUploadSessionStore()  # the seams: unit tests put in-memory fakes here
incoming: Incoming = S3Incoming()

Outcome = Literal["COMPLETED", "FAILED", "NOT_A_SESSION", "UNKNOWN_SESSION", "ALREADY_FINISHED"]


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


# ------------------------------------------------------------------ open


def _fields(content_type: str, body: bytes) -> dict[str, str]:
    """The open request's fields: a JSON object, or a multipart form's text fields (the file goes to S3)."""
    media = media_type({"Content-Type": content_type})
    if media == MULTIPART:
        parts = multipart.parse(body, content_type)
        if any(part.is_file for part in parts.values()):
            raise _file_sent()
        return {name: part.data.decode("utf-8", "replace") for name, part in parts.items()}
    if media not in {"", JSON} and not media.endswith("+json"):
        raise BadRequestError(f"The body must be {JSON} or {MULTIPART}.", reason="INVALID_BODY")
    try:
        document = json.loads(body or b"null")
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise BadRequestError("The body is not valid JSON.", reason="INVALID_BODY") from None
    if not isinstance(document, dict):
        raise BadRequestError(
            "The body must be a JSON object with fileName, fileSize and the upload's options.", reason="INVALID_BODY"
        )
    return rules.as_fields(document)


def _file_sent() -> BadRequestError:
    return BadRequestError(
        "An upload session takes the file's options, not the file.",
        help="Post the file to the upload.url of this call's answer, with the upload.fields.",
        reason="INVALID_BODY",
    )


def _size(fields: dict[str, str]) -> int:
    try:
        return rules.file_size(fields.get("fileSize"))
    except ValueError as err:
        over = "at most" in str(err)
        raise BadRequestError(
            f"Your request contains invalid parameters. {err}.",
            help="Upload sessions take files of 1 byte to 25 MB; fileSize is the exact size of the file.",
            reason="FILE_TOO_LARGE" if over else "INVALID_PARAMETER",
        ) from None


def _media(fields: dict[str, str]) -> str:
    try:
        return rules.content_type(fields.get("contentType"))
    except ValueError as err:
        raise BadRequestError(f"Your request contains invalid parameters. {err}.", reason="INVALID_PARAMETER") from None


def open_session(
    authorization: str | None, content_type: str, body: bytes, bucket: str, *, now: datetime | None = None
) -> dict[str, Any]:
    """``POST /api/v1/files/upload/sessions``: a new PENDING session and the presigned POST for its file."""
    now = now or datetime.now(UTC)
    fields = _fields(content_type, body)
    if "file" in fields:  # bytes, base64 or a URL: the file goes to S3, never through this route
        raise _file_sent()
    account = authenticate_upload(authorization, fields, now)
    size, media = _size(fields), _media(fields)
    options = rules.options_of(fields)
    if rules.options_too_large(options):
        raise BadRequestError(
            f"The upload's options take more than {rules.MAX_OPTIONS_BYTES} bytes.", reason="INVALID_PARAMETER"
        )
    request = read_options(options, FileSource(kind="binary"))  # the direct upload's rules: a mistake is a 400 now
    if request.custom_metadata is not None:  # checked again at finalising: a field may change or go in between
        custom_fields.checked_custom_metadata(account.account_id, request.custom_metadata, previous=None)
    session_id = secrets.token_hex(16)
    post = incoming.presign_post(
        bucket,
        rules.object_key(account.account_id, session_id),
        content_type=media,
        size=size,
        expires_in=rules.POST_VALID_SECONDS,
    )
    store.create(
        SessionItem(
            account_id=account.account_id,
            session_id=session_id,
            status="PENDING",
            options=options,
            file_size=size,
            content_type=media,
            created_at=_iso(now),
            expires_at=int(now.timestamp()) + rules.SESSION_TTL_SECONDS,
        )
    )
    logger.append_keys(account_id=account.account_id, session_id=session_id)
    metrics.add_metric(name="UploadSessionOpened", unit="Count", value=1)
    answer = OpenSessionResponse(
        session_id=session_id,
        status="PENDING",
        upload=PresignedPost(
            url=post["url"],
            fields={str(k): str(v) for k, v in post["fields"].items()},
            expires_at=_iso(now + timedelta(seconds=rules.POST_VALID_SECONDS)),
        ),
    )
    return answer.model_dump(by_alias=True)


# ------------------------------------------------------------------ poll


def get_session(
    authorization: str | None, query: dict[str, str], session_id: str, *, now: datetime | None = None
) -> dict[str, Any]:
    """``GET /api/v1/files/upload/sessions/{sessionId}``: the session of the caller's account, else 404."""
    account = authenticate_upload(authorization, query, now or datetime.now(UTC))
    item = store.get(account.account_id, session_id)
    if item is None:
        raise NotFoundError("The requested upload session does not exist.", reason="NOT_FOUND")
    answer = SessionResponse(
        session_id=item.session_id,
        status=item.status,
        file_name=item.options.get("fileName", ""),
        file_size=item.file_size,
        content_type=item.content_type,
        created_at=item.created_at,
        expires_at=_iso(datetime.fromtimestamp(item.expires_at, UTC)),
    ).model_dump(by_alias=True, exclude={"file", "error"})
    answer["file"] = item.result  # exactly what the direct upload answered
    answer["error"] = item.error
    return answer


# ------------------------------------------------------------------ finalise


def finalise(bucket: str, key: str, base_url: str, *, now: datetime | None = None) -> Outcome:
    """Finalise the session whose object S3 reports created at ``bucket``/``key``. Idempotent: an object no
    session handed out, an unknown session, or a session finished or being finished by another finaliser is left
    alone. A file the pipeline refuses is the session's FAILED outcome, not an error; an error a retry may fix
    (a dependency down) is raised, so that Lambda's asynchronous retries run it again."""
    now = now or datetime.now(UTC)
    parsed = rules.parse_object_key(key)
    if parsed is None:
        logger.warning("object created outside any upload session", extra={"key": key})
        return "NOT_A_SESSION"
    account_id, session_id = parsed
    logger.append_keys(account_id=account_id, session_id=session_id)
    item = store.get(account_id, session_id)
    if item is None:  # expired, or never handed out: the bucket's incoming/ lifecycle rule removes the object
        logger.warning("object of an unknown upload session")
        return "UNKNOWN_SESSION"
    if item.status != "PENDING":
        incoming.delete(bucket, key)  # a repeated event, or a second POST of the same form: nothing more to do
        return "ALREADY_FINISHED"
    claimant = uuid.uuid4().hex
    stamp = int(now.timestamp())
    try:
        store.claim(account_id, session_id, claimant=claimant, now=stamp, until=stamp + rules.PROCESSING_LEASE_SECONDS)
    except ConditionFailedError:
        return _held_elsewhere(account_id, session_id)
    item = item.model_copy(update={"claimant": claimant})
    try:
        finished = _run(item, bucket, key, base_url, now)
    except MedialibError:
        store.release(account_id, session_id, claimant=claimant)
        raise
    _record(finished)
    incoming.delete(bucket, key)
    metrics.add_metric(name=f"UploadSession{finished.status.title()}", unit="Count", value=1)
    return "COMPLETED" if finished.status == "COMPLETED" else "FAILED"


def _held_elsewhere(account_id: str, session_id: str) -> Outcome:
    """The claim was refused: another finaliser finished the session since we read it (done), or holds it now.
    A held session is raised as RetryableError, never answered as done: the holder may die before it finishes
    (a timeout leaves its lease to run out), and only a failed invocation makes Lambda retry the event later, and
    send it to the dead-letter queue when every retry found the session held (docs/dead-letters.md)."""
    item = store.get(account_id, session_id)
    if item is None or item.status != "PENDING":
        return "ALREADY_FINISHED"
    raise RetryableError("Another finaliser holds this upload session; the event is retried after its lease.")


def _run(item: SessionItem, bucket: str, key: str, base_url: str, now: datetime) -> SessionItem:
    """The session with its outcome: the pipeline's answer, or the 4xx it refused the file with. An error a
    retry may fix (5xx, a lost conditional write) is raised."""
    done = {"finished_at": _iso(now)}
    account = accounts.get_account(item.account_id)
    content = incoming.get(bucket, key)
    try:
        if account is None:
            raise NotFoundError("The account of this upload session no longer exists.", reason="ACCOUNT_NOT_FOUND")
        if content is None:
            raise NotFoundError("The session's file is no longer in storage.", reason="FILE_NOT_FOUND")
        declared = rules.declared_type(item.content_type)
        request = read_options(item.options, FileSource(kind="binary", content=content, content_type=declared))
        result = service.ingest(account, request, content, declared, base_url, now=now)
    except MedialibError as err:
        if err.status >= 500 or err.retryable or isinstance(err, ConflictError):
            raise
        logger.info("upload session refused", extra={"reason": err.reason, "status": err.status})
        return item.model_copy(update={"status": "FAILED", "error": err.body(), **done})
    return item.model_copy(update={"status": "COMPLETED", "result": result, **done})


def _record(item: SessionItem) -> None:
    """PENDING -> COMPLETED | FAILED, once: a repeat that finds its own outcome recorded is a success."""
    transition(
        lambda: store.finish(item),
        reread=lambda: store.get(item.account_id, item.session_id),
        settled=lambda current: current.status == item.status and current.claimant == item.claimant,
    )
