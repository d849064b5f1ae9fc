"""Building upload requests in tests: a multipart body as the SDKs send it, and small images made on the fly."""

from __future__ import annotations

import io
import struct
import uuid
import zlib
from typing import Any

BOUNDARY = "----medialibtest" + uuid.uuid4().hex


def multipart(
    fields: dict[str, str], file: bytes | str | None = None, *, filename: str = "upload"
) -> tuple[bytes, str]:
    """A multipart/form-data body: text fields, then ``file`` as a binary part (bytes) or a text field (str)."""
    chunks: list[bytes] = []
    for name, value in fields.items():
        chunks.append(f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    if isinstance(file, bytes):
        head = (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        )
        chunks.append(head.encode() + file + b"\r\n")
    elif isinstance(file, str):
        chunks.append(f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"\r\n\r\n{file}\r\n'.encode())
    chunks.append(f"--{BOUNDARY}--\r\n".encode())
    return b"".join(chunks), f"multipart/form-data; boundary={BOUNDARY}"


def image(
    width: int = 40, height: int = 30, fmt: str = "PNG", mode: str = "RGB", exif: dict[int, Any] | None = None
) -> bytes:
    from PIL import Image

    picture = Image.new(mode, (width, height), (200, 30, 30, 128)[: len(mode)] if mode != "L" else 128)
    out = io.BytesIO()
    kwargs: dict[str, Any] = {}
    if exif:
        data = Image.Exif()
        for tag, value in exif.items():
            data[tag] = value
        kwargs["exif"] = data
    picture.save(out, format=fmt, **kwargs)
    return out.getvalue()


def png_bomb(width: int = 50_000, height: int = 50_000) -> bytes:
    """A valid PNG header announcing ``width`` x ``height`` pixels with almost no data (a decompression bomb)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )
