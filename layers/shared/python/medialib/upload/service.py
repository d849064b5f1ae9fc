"""The upload pipeline: the form read and checked, the caller authenticated, the bytes identified, then stored
as a file or a new version through ``medialib.files.service.store_version``.

``ingest`` is the pipeline from bytes and parsed options to the answer: a direct upload and the finaliser of an
upload session both call it.
"""

from __future__ import annotations

import secrets
import string
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from medialib.accounts.models import Account
from medialib.adapters.idempotency import KeyInUseError, KeyReusedError
from medialib.delivery.rules import expanded
from medialib.errors import BadRequestError, ConflictError
from medialib.fields import service as fields
from medialib.files import service as files
from medialib.files.models import NewVersion
from medialib.observability import logger, metrics
from medialib.transform.formats import output_format
from medialib.transform.parse import Chain, parse
from medialib.upload import images, multipart, rules
from medialib.upload.auth import authenticate_upload
from medialib.upload.fetch import fetch_url
from medialib.upload.form import read_form
from medialib.upload.models import FileSource, UploadRequest
from medialib.upload.response import upload_response
from medialib.upload.store import upload_once

_SUFFIX_ALPHABET = string.ascii_letters + string.digits


class UploadInProgressError(ConflictError):
    """An upload with the same Idempotency-Key is still running: a retry gets its answer once it is done."""

    retryable = True

    def __init__(self) -> None:
        super().__init__(
            f"An upload with this {rules.IDEMPOTENCY_HEADER} is in progress; nothing else was uploaded. Please retry.",
            reason="IDEMPOTENCY_KEY_IN_USE",
        )


def _content(source: FileSource) -> tuple[bytes, str | None]:
    """The file's bytes and declared media type; a URL is fetched by the server, checked against request
    forgery on every hop (``medialib.upload.fetch``)."""
    if source.kind == "url" and source.url is not None:
        fetched = fetch_url(source.url, max_bytes=rules.MAX_FILE_BYTES)
        return fetched.content, fetched.content_type
    return source.content, source.content_type


def upload(  # noqa: PLR0913 - the request as it arrived: credentials, framing, body, and the retry's key
    authorization: str | None,
    content_type: str,
    body: bytes,
    base_url: str,
    *,
    idempotency_key: str | None = None,
    context: LambdaContext | None = None,
) -> dict[str, Any]:
    """``POST /api/v1/files/upload``: the multipart body as it arrived. With an ``Idempotency-Key`` the store step
    runs once per account and key: a retry (same key, same form) answers the first attempt's result without a
    second version; the same key with another form is a 400; while the first attempt runs, a retryable 409."""
    now = datetime.now(UTC)
    parts = multipart.parse(body, content_type)
    fields = {name: part.data.decode("utf-8", "replace") for name, part in parts.items() if not part.is_file}
    account = authenticate_upload(authorization, fields, now)
    request = read_form(parts)

    def store() -> dict[str, Any]:
        content, declared_type = _content(request.file)
        return ingest(account, request, content, declared_type, base_url, now=now)

    if idempotency_key is None:
        return store()
    try:
        key = rules.idempotency_key(idempotency_key)
    except ValueError as err:
        raise BadRequestError(f"{err}.", reason="INVALID_IDEMPOTENCY_KEY") from None
    fingerprint = rules.upload_fingerprint({name: (part.data, part.filename) for name, part in parts.items()})
    try:
        return upload_once(
            account.account_id,
            key,
            fingerprint,
            expires_after_seconds=rules.IDEMPOTENCY_WINDOW_SECONDS,
            work=store,
            context=context,
        )
    except KeyReusedError:
        raise BadRequestError(
            f"This {rules.IDEMPOTENCY_HEADER} was used for a different upload; nothing was uploaded.",
            help="Send a new key for each distinct upload, and the same key only when retrying the same request.",
            reason="IDEMPOTENCY_KEY_REUSED",
        ) from None
    except KeyInUseError:
        raise UploadInProgressError from None


def unique_suffix() -> str:
    return "".join(secrets.choice(_SUFFIX_ALPHABET) for _ in range(10))


def _transformations(account: Account, request: UploadRequest) -> tuple[Chain, list[Chain]]:
    """The upload's ``pre`` transformation and its ``post`` ones of type transformation, named ones resolved
    against the account: a name it does not define is a 400 before anything is stored."""
    spec = request.transformation or {}
    steps = [step["value"] for step in spec.get("post", []) if step["type"] == "transformation"]

    def resolved(text: str) -> Chain:
        return expanded(parse(text), account.settings.named_transformations)

    return resolved(spec.get("pre") or ""), [resolved(text) for text in steps]


def _custom_metadata(account: Account, request: UploadRequest) -> dict[str, Any] | None:
    """The upload's custom metadata, checked against the account's fields (a key that is not one, or a value that
    does not fit, is a 400 naming it), with the defaults of required fields. Absent with
    ``overwriteCustomMetadata=false``: None, the file's current values are kept (or none, for a new file)."""
    if request.custom_metadata is None and not request.overwrite_custom_metadata:
        return None
    return fields.checked_custom_metadata(account.account_id, request.custom_metadata or {}, previous=None)


def _pre_transformed(content: bytes, pre: Chain, probe: images.Probe, name: str) -> tuple[bytes, images.Probe]:
    """``transformation.pre``: the file is transformed before it is stored, and the result is what is kept."""
    if probe.file_type != "image":
        raise BadRequestError(
            "transformation.pre applies to images only; this file is not an image.", reason="INVALID_TRANSFORMATION"
        )
    from medialib.transform import engine  # noqa: PLC0415 - Pillow is imported by the first upload that needs it

    made = engine.render(content, pre, fmt=output_format(pre, probe.mime, None))
    if rules.over_size(len(made.body)):  # the limit is on what is stored
        raise BadRequestError(
            f"transformation.pre makes a file of {len(made.body)} bytes; at most {rules.MAX_FILE_BYTES} bytes are"
            " accepted.",
            reason="FILE_TOO_LARGE",
        )
    return made.body, images.probe(made.body, name, made.content_type)


def ingest(  # noqa: PLR0913 - the pipeline's inputs: who, what options, which bytes, where it is served, when
    account: Account,
    request: UploadRequest,
    content: bytes,
    declared_type: str | None,
    base_url: str,
    *,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Identify ``content``, apply the request's rules, store it as a version and answer ImageKit's upload JSON.
    Every refusal happens before anything is written."""
    if not content:
        raise BadRequestError("The file is empty.", reason="EMPTY_FILE")
    if rules.over_size(len(content)):
        raise BadRequestError(
            f"The file is {len(content)} bytes; at most {rules.MAX_FILE_BYTES} bytes are accepted.",
            reason="FILE_TOO_LARGE",
        )
    name = (
        rules.unique_file_name(request.file_name, unique_suffix())
        if request.use_unique_file_name
        else request.file_name
    )
    custom_metadata = _custom_metadata(account, request)
    probe = images.probe(content, name, declared_type)
    if not rules.checks_pass(request.checks, len(content), probe.mime):
        raise BadRequestError("The file does not pass the upload's checks.", reason="CHECKS_FAILED")
    pre, post = _transformations(account, request)
    if pre:
        content, probe = _pre_transformed(content, pre, probe, name)
    coordinates = request.custom_coordinates
    if (
        coordinates
        and probe.width
        and probe.height
        and rules.coordinates_outside(coordinates, probe.width, probe.height)
    ):
        raise BadRequestError(
            f"customCoordinates {coordinates} reach outside the image ({probe.width} x {probe.height}).",
            reason="INVALID_PARAMETER",
        )
    new = NewVersion(
        name=name,
        folder=request.folder,
        mime=probe.mime,
        size=len(content),
        file_type="image" if probe.file_type == "image" else "non-image",
        width=probe.width,
        height=probe.height,
        has_alpha=probe.has_alpha,
        embedded_metadata=probe.embedded_metadata or None,
        tags=request.tags,
        custom_coordinates=coordinates,
        custom_metadata=custom_metadata,
        is_private_file=request.is_private_file,
        is_published=request.is_published if request.is_published is not None else not account.settings.upload_as_draft,
        description=request.description,
        transformation=request.transformation,
        # a unique name never replaces a file: should its suffix ever collide, that is a 400, not a version
        overwrite_file=request.overwrite_file and not request.use_unique_file_name,
        overwrite_tags=request.overwrite_tags,
        overwrite_ai_tags=request.overwrite_ai_tags,
        overwrite_custom_metadata=request.overwrite_custom_metadata,
    )
    item = files.store_version(account.account_id, new, content, now)
    logger.append_keys(file_id=item.file_id)
    if post and item.file_type == "image":
        from medialib.delivery import service as delivery  # noqa: PLC0415 - only uploads with post renditions

        delivery.make_renditions(item, content, post)
    metrics.add_metric(name="FileUploaded", unit="Count", value=1)
    return upload_response(item, request, probe.format, base_url)
