"""A small multipart/form-data reader (RFC 7578): the body arrives whole (API Gateway base64-encodes it), so
it is split on its boundary in memory. Each mistake is a 400 that says what is wrong."""

from __future__ import annotations

import re
from dataclasses import dataclass

from medialib.errors import BadRequestError

_BOUNDARY = re.compile(r';\s*boundary=(?:"([^"]+)"|([^;\s]+))', re.IGNORECASE)
_PARAM = re.compile(r';\s*([A-Za-z0-9_*-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]*))')
MAX_PARTS = 64


@dataclass(frozen=True)
class Part:
    """One form field: its bytes, and for a file part its file name and media type."""

    name: str
    data: bytes
    filename: str | None = None
    content_type: str | None = None

    @property
    def is_file(self) -> bool:
        return self.filename is not None


def _invalid(why: str) -> BadRequestError:
    return BadRequestError(f"The multipart/form-data body cannot be read: {why}.", reason="INVALID_BODY")


def boundary_of(content_type: str) -> str:
    match = _BOUNDARY.search(content_type or "")
    if not match:
        raise _invalid("its Content-Type has no boundary")
    return match.group(1) or match.group(2)


def _headers(raw: bytes) -> dict[str, str]:
    headers: dict[str, str] = {}
    for line in raw.decode("utf-8", errors="replace").split("\r\n"):
        name, sep, value = line.partition(":")
        if not sep:
            raise _invalid("a part has a malformed header line")
        headers[name.strip().lower()] = value.strip()
    return headers


def _part(raw: bytes) -> Part:
    head, sep, data = raw.partition(b"\r\n\r\n")
    if not sep:
        raise _invalid("a part has no blank line after its headers")
    headers = _headers(head) if head else {}
    disposition = headers.get("content-disposition", "")
    if not disposition.lower().startswith("form-data"):
        raise _invalid("a part is not form-data (Content-Disposition)")
    params = {
        m.group(1).lower(): m.group(2) if m.group(2) is not None else m.group(3) for m in _PARAM.finditer(disposition)
    }
    name = params.get("name")
    if not name:
        raise _invalid("a part has no name")
    return Part(name=name, data=data, filename=params.get("filename"), content_type=headers.get("content-type"))


def parse(body: bytes, content_type: str) -> dict[str, Part]:
    """The form's fields by name (a repeated name: the last one wins)."""
    delimiter = b"--" + boundary_of(content_type).encode("latin-1")
    start = body.find(delimiter)
    if start < 0:
        raise _invalid("the boundary of its Content-Type does not occur in it")
    parts: dict[str, Part] = {}
    position = start + len(delimiter)
    while True:
        if body.startswith(b"--", position):
            return parts  # the close delimiter
        if not body.startswith(b"\r\n", position):
            raise _invalid("a boundary is not followed by a line break")
        end = body.find(b"\r\n" + delimiter, position + 2)
        if end < 0:
            raise _invalid("it ends before its closing boundary")
        if len(parts) >= MAX_PARTS:
            raise _invalid(f"it has more than {MAX_PARTS} parts")
        part = _part(body[position + 2 : end])
        parts[part.name] = part
        position = end + 2 + len(delimiter)
