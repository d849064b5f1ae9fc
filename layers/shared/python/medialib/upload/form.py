"""The multipart form read into an ``UploadRequest``: the ``file`` field's three kinds (binary part, base64 or
data URI, URL) and every other field through its rule. A field that breaks a rule is a 400 naming it."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from medialib.errors import BadRequestError
from medialib.upload import rules
from medialib.upload.models import FileSource, UploadRequest
from medialib.upload.multipart import Part

_OCTET_STREAM = "application/octet-stream"


def _invalid(message: str) -> BadRequestError:
    return BadRequestError(f"Your request contains invalid parameters. {message}", reason="INVALID_PARAMETER")


def file_source(part: Part | None) -> FileSource:
    """A part with a file name is the file's bytes; a text part is a URL, or base64 (plain or a data URI)."""
    if part is None or (not part.data and not part.is_file):
        raise BadRequestError("Missing file parameter for upload.", reason="MISSING_PARAMETER")
    if part.is_file:
        media = (part.content_type or "").split(";")[0].strip().lower() or None
        return FileSource(kind="binary", content=part.data, content_type=None if media == _OCTET_STREAM else media)
    try:
        text = part.data.decode("utf-8")
        if rules.looks_like_url(text):
            return FileSource(kind="url", url=text.strip())
        content, media = rules.decode_base64(text)
    except (UnicodeDecodeError, ValueError) as err:
        raise _invalid(f"file: {err}" if isinstance(err, ValueError) else "file: text is not UTF-8") from None
    return FileSource(kind="base64", content=content, content_type=media)


def read_form(parts: dict[str, Part]) -> UploadRequest:
    fields: dict[str, Any] = {name: part.data for name, part in parts.items() if name != "file"}
    if not fields.get("fileName"):
        raise BadRequestError("Missing fileName parameter for upload.", reason="MISSING_PARAMETER")
    return read_options(
        {k: v.decode("utf-8", "replace") if isinstance(v, bytes) else v for k, v in fields.items()},
        file_source(parts.get("file")),
    )


def read_options(fields: dict[str, str], source: FileSource) -> UploadRequest:
    """Every upload option but the file, each through its rule; ``source`` is the file. An upload session checks
    its options with this when it opens, and its finaliser reads them again with the bytes that arrived."""
    if not fields.get("fileName"):
        raise BadRequestError("Missing fileName parameter for upload.", reason="MISSING_PARAMETER")
    try:
        return UploadRequest.model_validate({**fields, "file": source})
    except ValidationError as err:
        problems = [
            f"{'.'.join(str(p) for p in e['loc']) or 'request'}: {str(e['msg']).removeprefix('Value error, ')}"
            for e in err.errors()
        ]
        raise _invalid("; ".join(problems)) from None
