"""Delivery rules, pure: no I/O, no clock (``now`` is an argument), no environment.

- :func:`parse_request`: the proxy event's decoded path and query -> a :class:`DeliveryRequest`, or a 4xx.
- :func:`check_signature`: ``ik-s``/``ik-t`` as the official SDKs make them (reference §6.1).
- :func:`check_published`, :func:`check_access`: which URLs of which files are served.
- :func:`plan`: original or rendition, its format, ETag and content type, decided without reading an object.
- :func:`rendition_key`, cache headers, ``Content-Disposition``, the inline size limit.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping, Sequence
from urllib.parse import quote

from medialib.delivery.limits import (
    REDIRECT_VALIDITY,  # limits.py: the answer-size rules, shared with the img-processing download
)
from medialib.delivery.models import DeliveryRequest, Plan
from medialib.errors import BadRequestError, NotFoundError, UnauthorizedError
from medialib.files.models import FileItem
from medialib.transform.formats import FORMAT_MIME, output_format
from medialib.transform.parse import BUILT_IN_NAMED, Chain, compose, expand_named, named_only, parse, wants_original

ORIGIN_SECRET_HEADER = "x-medialib-origin-secret"  # noqa: S105 - the header's name, not its value
# Every account's files share the delivery domain: an HTML or SVG file opened there runs no script and loads
# nothing. The value of CloudFront's response headers policy (template.yaml, DeliveryResponseHeadersPolicy), which
# replaces this one at the edge; tests/unit/test_edge_template.py keeps the two equal.
CONTENT_SECURITY_POLICY = (
    "sandbox; default-src 'none'; img-src 'self' data:; media-src 'self'; style-src 'unsafe-inline'"
)

TRANSFORMATION = "tr"
VERSION = "ik-obj-version"
ATTACHMENT = "ik-attachment"
SIGNATURE = "ik-s"
EXPIRY = "ik-t"
_SINGLE_VALUED = (TRANSFORMATION, VERSION, ATTACHMENT, SIGNATURE, EXPIRY)
PATH_TRANSFORMATION_PREFIX = "tr:"
NO_EXPIRY = "9999999999"  # what the SDKs sign when a signed URL does not expire (it is not sent)

MAX_PATH_CHARS = 2048  # the decoded path, account id included
MAX_QUERY_CHARS = 4096  # every decoded key and value together
_EXPIRY_PATTERN = re.compile(r"[0-9]{1,18}")
_FORBIDDEN_CHARS = re.compile("[\x00-\x1f\x7f\ufffd\ud800-\udfff]")  # controls; what invalid UTF-8 decodes to


LONG_MAX_AGE = 31_536_000  # a year: versioned and transformed URLs
MUTABLE_MAX_AGE = 3600  # the bare path of an original: a new version changes it
NOT_FOUND_MAX_AGE = 60  # 400 and 404: a file may appear at the path soon
RENDITION_OBJECT_CACHE_CONTROL = f"public, max-age={LONG_MAX_AGE}, immutable"  # stored with each rendition
REDIRECT_MAX_AGE = 60  # the redirect itself is cached for less than the URL it names stays valid

_FORMAT_EXTENSION = {"jpeg": "jpg", "png": "png", "webp": "webp", "avif": "avif", "gif": "gif"}

_HELP = "Delivery URLs are /{accountId}/[tr:<transformation>/]{filePath}[?tr=<transformation>]; see docs/delivery.md."
_SIGNED_HELP = (
    "Build the URL with an ImageKit SDK (signed=True, optionally expires_in) and the account's private key, "
    "and send it unchanged."
)


# ------------------------------------------------------------------ the URL


def not_found() -> NotFoundError:
    """The one 404 of delivery: no account, no file, or an unpublished version (indistinguishable on purpose)."""
    return NotFoundError("The requested resource does not exist.", help=_HELP, reason="NOT_FOUND")


def _invalid_path(message: str) -> BadRequestError:
    return BadRequestError(message, help=_HELP, reason="INVALID_PATH")


def _segments(path: str) -> tuple[str, list[str]]:
    """The account id and the segments after it; 404 when there is no account id, 400 when it is malformed."""
    if len(path) > MAX_PATH_CHARS:
        raise _invalid_path(f"The path is longer than {MAX_PATH_CHARS} characters.")
    if _FORBIDDEN_CHARS.search(path):
        raise _invalid_path("The path contains control characters or bytes that are not UTF-8.")
    account_id, _, rest = path.removeprefix("/").partition("/")
    segments = rest.split("/")
    if not account_id:
        raise not_found()
    if any(segment in {".", ".."} for segment in segments):
        raise _invalid_path("The path must not contain . or .. segments.")
    if "" in segments[:-1]:
        raise _invalid_path("The path must not contain empty segments (//).")
    return account_id, segments


def _query_pairs(query: Mapping[str, Sequence[str] | str | None]) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for key, values in query.items():
        listed = [""] if values is None else [values] if isinstance(values, str) else values
        pairs.extend((key, value) for value in listed)
    if sum(len(key) + len(value) + 2 for key, value in pairs) > MAX_QUERY_CHARS:
        raise BadRequestError(f"The query string is longer than {MAX_QUERY_CHARS} characters.", help=_HELP)
    for name in _SINGLE_VALUED:
        if sum(1 for key, _ in pairs if key == name) > 1:
            raise BadRequestError(f"The query parameter {name} is given more than once.", help=_HELP)
    return pairs


def parse_request(path: str, query: Mapping[str, Sequence[str] | str | None] | None) -> DeliveryRequest:
    """The request a delivery URL makes. ``path`` is the event's decoded path (``/{accountId}/...``); ``query`` its
    multi-valued query (``multiValueQueryStringParameters``, or the single-valued one). The path's transformation
    is its first segment after the account id when that starts with ``tr:``. Other query parameters do not change
    the bytes, but they are part of what a signature signs."""
    account_id, segments = _segments(path)
    path_transformation = None
    file_segments = segments
    if segments[0].startswith(PATH_TRANSFORMATION_PREFIX):
        path_transformation = segments[0].removeprefix(PATH_TRANSFORMATION_PREFIX) or None
        file_segments = segments[1:]
    if not file_segments or file_segments[-1] == "":
        raise not_found()  # no file path (an account id or a transformation alone), or a folder (a trailing slash)
    pairs = _query_pairs(query or {})
    values = dict(pairs)
    return DeliveryRequest(
        account_id=account_id,
        file_path="/" + "/".join(file_segments),
        signed_path="/".join(segments),
        path_transformation=path_transformation,
        query_transformation=values.get(TRANSFORMATION) or None,
        version_token=values.get(VERSION) or None,
        attachment=values.get(ATTACHMENT) == "true",
        signature=values.get(SIGNATURE),
        expires=values.get(EXPIRY),
        query=tuple((key, value) for key, value in pairs if key not in {SIGNATURE, EXPIRY}),
    )


# ------------------------------------------------------------------ signatures (reference §6.1)

# The Python SDK percent-encodes the path keeping RFC 3986's pchars; the Node SDK sets URL.pathname, which encodes
# the WHATWG path percent-encode set (controls, space, " # < > ? ` { } and non-ASCII; newer versions also ^).
_PYTHON_PATH_SAFE = "/:@!$&'()*+,;=-._~"
_WHATWG_PATH_ENCODED = frozenset('"#<>?`{}')  # and whatever is not printable ASCII (0x21-0x7E), space included


def _percent(char: str) -> str:
    return "".join(f"%{byte:02X}" for byte in char.encode("utf-8"))


def _whatwg_path(path: str, extra: str = "") -> str:
    return "".join(
        _percent(c) if not (0x20 < ord(c) < 0x7F) or c in _WHATWG_PATH_ENCODED or c in extra else c for c in path
    )


def _form(text: str) -> str:
    """URLSearchParams' serialisation (application/x-www-form-urlencoded), as the Node SDK's query parameters."""
    return "".join(
        c if c.isascii() and (c.isalnum() or c in "*-._") else "+" if c == " " else _percent(c) for c in text
    )


def _path_candidates(path: str) -> set[str]:
    candidates = {quote(path, safe=_PYTHON_PATH_SAFE), _whatwg_path(path)}
    if "^" in path:
        candidates.add(_whatwg_path(path, "^"))
    return candidates


def _query_candidates(pairs: Sequence[tuple[str, str]]) -> set[str]:
    """The query as each SDK wrote it: the Python SDK writes ``k=v`` unencoded, the Node SDK form-encodes its
    query parameters (never ``tr``). API Gateway may decode a ``+`` to a space: then the Python SDK sent ``+``."""
    raw = "&".join(f"{key}={value}" for key, value in pairs)
    candidates = {raw, "&".join(f"{key}={value if key == TRANSFORMATION else _form(value)}" for key, value in pairs)}
    if " " in raw:
        candidates.add(raw.replace(" ", "+"))
    return candidates


def strings_to_sign(request: DeliveryRequest) -> list[str]:
    """What an SDK may have signed for this request: the URL after ``{urlEndpoint}/`` (the endpoint ends with the
    account id), then the ``ik-t`` value or ``9999999999``. The REST event carries the path and query decoded, so
    the URL is re-encoded the ways the SDKs encode it."""
    expiry = request.expires if request.expires is not None else NO_EXPIRY
    queries = _query_candidates(request.query)
    return sorted(
        {
            path + (f"?{query}" if query else "") + expiry
            for path in _path_candidates(request.signed_path)
            for query in queries
        }
    )


def sign(private_key: str, text: str) -> str:
    return hmac.new(private_key.encode("utf-8"), text.encode("utf-8"), hashlib.sha1).hexdigest()


def check_signature(request: DeliveryRequest, private_keys: str | Sequence[str], now: int) -> bool:
    """True when the URL carries a valid signature, False when it carries none; 401 when it carries one that is
    expired, malformed or wrong. A signature is checked whenever one is present, on public files too. Several
    keys: an account's current and previous key during a rotation's grace period; a signature of any of them
    verifies (every candidate of every key is compared)."""
    keys = (private_keys,) if isinstance(private_keys, str) else tuple(private_keys)
    if request.signature is None and request.expires is None:
        return False
    if request.signature is None:
        raise UnauthorizedError(
            "The URL has ik-t but no ik-s signature.", help=_SIGNED_HELP, reason="INVALID_SIGNATURE"
        )
    if request.expires is not None:
        if not _EXPIRY_PATTERN.fullmatch(request.expires):
            raise UnauthorizedError(
                "ik-t must be a Unix time in seconds.", help=_SIGNED_HELP, reason="INVALID_SIGNATURE"
            )
        if int(request.expires) < now:
            raise UnauthorizedError("This signed URL has expired.", help=_SIGNED_HELP, reason="URL_EXPIRED")
    given = request.signature.encode("utf-8", "replace")
    matched = False
    for text in strings_to_sign(request):  # every candidate is compared, in constant time each
        for private_key in keys:
            matched |= hmac.compare_digest(sign(private_key, text).encode(), given)
    if not matched:
        raise UnauthorizedError(
            "The signature of this URL is not valid.", help=_SIGNED_HELP, reason="INVALID_SIGNATURE"
        )
    return True


def expiry_of(request: DeliveryRequest) -> int | None:
    """The URL's expiry (Unix seconds) when it has a real ``ik-t``; None for unsigned or never-expiring URLs."""
    if request.expires is None or not _EXPIRY_PATTERN.fullmatch(request.expires):
        return None
    return int(request.expires)


def origin_allowed(sent: str | None, expected: str) -> bool:
    """Whether the request came through the CDN: its origin header equals the secret (constant-time)."""
    return sent is not None and hmac.compare_digest(sent.encode("utf-8", "replace"), expected.encode("utf-8"))


# ------------------------------------------------------------------ access


def select_version(current: FileItem, versions: Iterable[FileItem], token: str | None) -> FileItem:
    """The version a URL addresses: the current one at the bare path, else the one whose ``ik-obj-version`` token
    this is (the current version's token works too); 404 for an unknown token, the same as for no file."""
    if token is None or token == current.object_token:
        return current
    for version in versions:
        if version.object_token == token:
            return version
    raise not_found()


def check_published(version: FileItem) -> None:
    """An unpublished (draft) version is never delivered: 404, the same answer as for a path with no file."""
    if not version.is_published:
        raise not_found()


def is_private(current: FileItem, version: FileItem) -> bool:
    """A file is private when its current record says so; a version uploaded private stays private."""
    return current.is_private_file or version.is_private_file


def check_access(*, private: bool, chain: Chain, signed: bool) -> None:
    """A private file's original and its unnamed transformations need a signed URL; a transformation made of
    named steps only (``tr:n-ik_ml_thumbnail``) does not."""
    if private and not signed and not (chain and named_only(chain)):
        raise UnauthorizedError(
            "This file is private: its URL must be signed.", help=_SIGNED_HELP, reason="SIGNATURE_REQUIRED"
        )


def named_definition(named: Mapping[str, str], name: str) -> str | None:
    """The definition of ``n-<name>`` among the account's (None when it has none), checked against the grammar."""
    text = named.get(name)
    if text is None:
        return None
    problem = _definition_problem(name, text)
    if problem is not None:
        raise BadRequestError(
            f"The account's named transformation n-{name} is not valid: {problem}",
            help="Correct the account's named transformations (AccountSettings.named_transformations).",
            reason="INVALID_TRANSFORMATION",
        )
    return text


def _definition_problem(name: str, text: str) -> str | None:
    if name in BUILT_IN_NAMED:
        return "it redefines a built-in name"
    try:
        chain = parse(text)
    except BadRequestError as err:
        return err.message
    if not chain or any(step.named is not None for step in chain):
        return "a definition must be steps that name no other"
    if wants_original(chain):  # a named URL is served unsigned for a private file; its original is not
        return "orig-true would serve a private file's original without a signature"
    return None


# ------------------------------------------------------------------ what is sent


def etag(version_id: str, canonical: str, fmt: str) -> str:
    """A strong ETag from what determines the bytes: the version, the canonical transformation and the format."""
    digest = hashlib.sha256(f"{version_id}|{canonical}|{fmt}".encode()).hexdigest()[:32]
    return f'"{digest}"'


def _keyed(version: FileItem, chain: Chain) -> str:
    """What a rendition's bytes depend on besides the version and the format: the canonical transformation, and the
    file's customCoordinates when a step uses them (they change without a new version)."""
    canonical = compose(chain)
    if any(step.focus == "custom" for step in chain):
        return f"{canonical}|{version.custom_coordinates or ''}"
    return canonical


def plan(version: FileItem, chain: Chain, accept: str | None) -> Plan:
    """The original (no transformation, or ``orig-true``) or a rendition of an image; 400 for a transformation of a
    file that is not an image."""
    if not chain or wants_original(chain):
        return Plan(True, None, version.mime, "", etag(version.version_id, "", version.mime), vary_accept=False)
    if version.file_type != "image":
        raise BadRequestError(
            "Transformations apply to images only; this file is not an image.",
            help="Request the file without tr, or with tr=orig-true.",
            reason="INVALID_TRANSFORMATION",
        )
    fmt = output_format(chain, version.mime, accept)
    canonical = compose(chain)
    requested = next((step.format for step in reversed(chain) if step.format is not None), None)
    varies = requested == "auto"
    return Plan(False, fmt, FORMAT_MIME[fmt], canonical, etag(version.version_id, _keyed(version, chain), fmt), varies)


def rendition_key(item: FileItem, chain: Chain, fmt: str) -> str:
    """Where a rendition is kept in the renditions bucket: equivalent transformations compose equal, so they share
    one object; each version has its own, so a new version never serves an old rendition (nor new customCoordinates
    an old fo-custom crop)."""
    digest = hashlib.sha256(f"{_keyed(item, chain)}|{fmt}".encode()).hexdigest()
    return f"renditions/{item.account_id}/{item.file_id}/{item.version_id}/{digest}"


def not_modified(if_none_match: str | None, current: str) -> bool:
    """``If-None-Match`` (RFC 9110 §13.1.2, weak comparison): ``*`` or any listed tag equal to ``current``, our
    strong ETag (:func:`etag`), once the listed tag's ``W/`` is dropped."""
    if not if_none_match:
        return False
    tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
    return "*" in tags or current in tags


def cache_control(*, versioned: bool, transformed: bool, expires: int | None, now: int) -> str:
    """Long for versioned and transformed URLs, shorter for an original's bare path (a new version changes it);
    a signed URL with ``ik-t`` is never cached past its expiry."""
    max_age = LONG_MAX_AGE if versioned or transformed else MUTABLE_MAX_AGE
    if expires is not None:
        max_age = max(0, min(max_age, expires - now))
    return f"public, max-age={max_age}"


def error_cache_control(status: int) -> str:
    """401/403 and server errors are never cached; a 400 or 404 briefly (the file may appear)."""
    if status in {400, 404}:
        return f"public, max-age={NOT_FOUND_MAX_AGE}"
    return "no-store"


def redirect_validity(*, expires: int | None, now: int) -> int:
    """Seconds the presigned URL of a redirect is valid: REDIRECT_VALIDITY, and never past a signed URL's expiry
    (at least one second: the URL was valid when the request arrived)."""
    return REDIRECT_VALIDITY if expires is None else max(1, min(REDIRECT_VALIDITY, expires - now))


def redirect_cache_control(*, expires: int | None, now: int) -> str:
    """A redirect to S3 is kept briefly (less than the presigned URL it names stays valid), and, like a 200, never
    past the expiry of a signed URL: a cached 302 is served without the signature being checked again."""
    max_age = REDIRECT_MAX_AGE if expires is None else max(0, min(REDIRECT_MAX_AGE, expires - now))
    return f"public, max-age={max_age}"


def download_name(name: str, fmt: str | None) -> str:
    """The file name a download gets: the file's, with the extension of the rendition's format when converted."""
    if fmt is None:
        return name
    extension = _FORMAT_EXTENSION[fmt]
    stem, dot, current = name.rpartition(".")
    if dot and stem:
        current = current.lower()
        same = current == extension or (fmt == "jpeg" and current == "jpeg")  # jpeg's extension is jpg; jpeg too
        return name if same else f"{stem}.{extension}"
    return f"{name}.{extension}"


def expanded(chain: Chain, named: Mapping[str, str]) -> Chain:
    """``chain`` with each ``n-<name>`` step replaced by its definition: a built-in one, else the account's
    (``named``), checked by ``named_definition``. Delivery and upload's pre/post transformations both use it."""
    return expand_named(chain, lambda name: named_definition(named, name))
