"""How large an answer a function may give itself, and how a file leaves as a download (pure, and free of the
transformation grammar and Pillow: the img-processing download shares these with delivery).

Lambda answers at most 6 MB (6 MiB) of JSON, in which a binary body travels base64-encoded (4 characters for every
3 bytes); the headers and the answer's envelope stay well under RESPONSE_HEADROOM. A larger answer is a redirect to
a presigned S3 URL (the local gateway enforces the same limit: tools/medialib_local/gateway.py LAMBDA_MAX_RESPONSE).
"""

from __future__ import annotations

from urllib.parse import quote

LAMBDA_MAX_RESPONSE_BYTES = 6 * 1024 * 1024
RESPONSE_HEADROOM = 16 * 1024
MAX_INLINE_BYTES = (LAMBDA_MAX_RESPONSE_BYTES - RESPONSE_HEADROOM) // 4 * 3  # 4,706,304 bytes
REDIRECT_VALIDITY = 300  # seconds: the presigned URL of a large answer


def inline(size: int) -> bool:
    """Whether an answer of ``size`` bytes fits in a Lambda response (else it is a redirect to S3)."""
    return size <= MAX_INLINE_BYTES


def content_disposition(name: str) -> str:
    """``attachment`` with the name (RFC 6266): an ASCII ``filename`` fallback, and ``filename*`` in UTF-8 when the
    name is not plain ASCII."""
    fallback = "".join(c if 0x20 <= ord(c) < 0x7F and c not in '"\\' else "_" for c in name)
    if fallback == name:
        return f'attachment; filename="{name}"'
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
