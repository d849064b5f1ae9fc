"""Pure rules of ImageKit's upload API (seed 002): how each form field is read, normalised and bounded, the
unique name, the ``checks`` expressions, and what ``extensionStatus`` honestly reports. No I/O here."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import unicodedata
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from medialib.api.body import MAX_JSON_DEPTH, nested_deeper_than
from medialib.errors import MedialibError
from medialib.transform.parse import MAX_INPUT_PIXELS, parse

MAX_FILE_BYTES = 25 * 1024 * 1024  # ImageKit's free-plan limit (seed 002)
MAX_PIXELS = MAX_INPUT_PIXELS  # an image over this many pixels is refused before any pixel is decoded
# Post transformations are made during the upload request (each decodes the image): a few, so the request stays
# well inside API Gateway's 29 s.
MAX_POST_TRANSFORMATIONS = 5
MAX_VERSIONS = 100  # seed 001
MAX_FOLDER_LEVELS = 50
MAX_TAGS_LENGTH = 500
MAX_FILE_NAME_LENGTH = 255
MAX_FOLDER_LENGTH = 1024
MAX_URL_LENGTH = 2048
RESPONSE_FIELDS = frozenset(
    {"tags", "customCoordinates", "isPrivateFile", "embeddedMetadata", "isPublished", "customMetadata", "metadata",
     "selectedFieldsSchema"}
)  # fmt: skip
EXTENSIONS = frozenset({"google-auto-tagging", "aws-auto-tagging", "remove-bg", "ai-auto-description", "ai-tasks"})
_AUTO_TAGGING = frozenset({"google-auto-tagging", "aws-auto-tagging"})
POST_TYPES = frozenset({"transformation", "gif-to-video", "thumbnail", "abs"})
_COORDINATES = re.compile(r"^(\d{1,6}),(\d{1,6}),(\d{1,6}),(\d{1,6})$")
_DATA_URI = re.compile(r"^data:([\w.+-]+/[\w.+-]+)?((?:;[\w.+-]+=[\w.+-]+)*);base64,", re.IGNORECASE)
_BASE64 = re.compile(r"^[A-Za-z0-9+/_-]+={0,2}$")


# ------------------------------------------------------------------ names and folders


def _keep(char: str, extra: str) -> bool:
    """Letters, marks and digits of any script, and the given punctuation."""
    return unicodedata.category(char)[0] in "LMN" or char in extra


def sanitize_file_name(value: Any) -> str:
    """``fileName``: letters, marks and digits of any script, ``.`` and ``-`` are kept; anything else is ``_``."""
    name = unicodedata.normalize("NFC", _text(value)).strip()
    if not name:
        raise ValueError("fileName is required")
    if len(name) > MAX_FILE_NAME_LENGTH:
        raise ValueError(f"fileName is longer than {MAX_FILE_NAME_LENGTH} characters")
    cleaned = "".join(char if _keep(char, ".-") else "_" for char in name)
    if cleaned.strip(".") == "":
        raise ValueError("fileName must contain a letter, digit, - or _")
    return cleaned


def unique_file_name(name: str, suffix: str) -> str:
    """``useUniqueFileName``: the suffix goes before the extension (``photo.jpg`` -> ``photo_<suffix>.jpg``)."""
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem:
        return f"{name}_{suffix}"
    return f"{stem}_{suffix}.{extension}"


def normalise_folder(value: Any) -> str:
    """``folder``: ``/a/b/``, ``a/b`` and ``//a//b`` are all ``/a/b``; ``/`` (the default) is the root. Letters,
    digits, ``_`` and ``-`` are kept, other characters become ``_``; ``.``/``..`` levels and >50 levels are refused."""
    text = _text(value).strip()
    if len(text) > MAX_FOLDER_LENGTH:
        raise ValueError(f"folder is longer than {MAX_FOLDER_LENGTH} characters")
    levels = [level for level in text.split("/") if level.strip()]
    if any(level.strip() in {".", ".."} for level in levels):
        raise ValueError("folder must not contain . or .. levels")
    if len(levels) > MAX_FOLDER_LEVELS:
        raise ValueError(f"folder is nested {len(levels)} levels deep; at most {MAX_FOLDER_LEVELS} are allowed")
    cleaned = ["".join(c if _keep(c, "_-") else "_" for c in unicodedata.normalize("NFC", lv.strip())) for lv in levels]
    return "/" + "/".join(cleaned)


def folders_on_the_way(folder: str) -> list[str]:
    """Every folder from the top down to ``folder`` (``/a/b`` -> ``/a``, ``/a/b``); none for the root."""
    levels = [level for level in folder.split("/") if level]
    return ["/" + "/".join(levels[: depth + 1]) for depth in range(len(levels))]


def file_path(folder: str, name: str) -> str:
    return f"{folder.rstrip('/')}/{name}"


# ------------------------------------------------------------------ idempotent retries (Idempotency-Key)

IDEMPOTENCY_HEADER = "Idempotency-Key"
MAX_IDEMPOTENCY_KEY_LENGTH = 255
IDEMPOTENCY_WINDOW_SECONDS = 24 * 3600  # a retry within a day answers the first attempt's result
_IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]+$")  # visible ASCII: UUIDs, Stripe-style keys, the SDKs' own
# Client-side authentication fields: a browser that signs its retry anew still sends the same upload.
_SIGNING_FIELDS = frozenset({"publicKey", "signature", "token", "expire"})


def idempotency_key(value: str) -> str:
    """The ``Idempotency-Key`` header as sent: 1 to 255 visible ASCII characters (ValueError otherwise)."""
    if not value or len(value) > MAX_IDEMPOTENCY_KEY_LENGTH or not _IDEMPOTENCY_KEY.match(value):
        raise ValueError(f"{IDEMPOTENCY_HEADER} must be 1 to {MAX_IDEMPOTENCY_KEY_LENGTH} visible ASCII characters")
    return value


def upload_fingerprint(parts: dict[str, tuple[bytes, str | None]]) -> dict[str, str]:
    """What an upload asks for, independent of how it was framed (multipart boundaries differ between attempts):
    each form field's sha256, file name and media type included, client-side signing fields left out."""
    return {
        name: hashlib.sha256(data).hexdigest() + (f";{filename}" if filename is not None else "")
        for name, (data, filename) in sorted(parts.items())
        if name not in _SIGNING_FIELDS
    }


# ------------------------------------------------------------------ simple fields


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            raise ValueError("must be UTF-8 text") from None
    if not isinstance(value, str):
        raise ValueError("must be text")
    return value


def parse_bool(value: Any) -> bool | None:
    """Booleans travel as ``true``/``false``; an empty field is absent."""
    if isinstance(value, bool) or value is None:
        return value
    text = _text(value).strip().lower()
    if text in {"true", "false"}:
        return text == "true"
    if text == "":
        return None
    raise ValueError("must be true or false")


def parse_tags(value: Any) -> list[str] | None:
    """``tags``: a comma-separated string (or a list); at most 500 characters in all, no ``%``; empty entries
    and repeats are dropped, order is kept."""
    if value is None:
        return None
    items = value if isinstance(value, list) else _text(value).split(",")
    tags = list(dict.fromkeys(str(tag).strip() for tag in items if str(tag).strip()))
    if any("%" in tag for tag in tags):
        raise ValueError("tags must not contain %")
    if len(",".join(tags)) > MAX_TAGS_LENGTH:
        raise ValueError(f"tags are longer than {MAX_TAGS_LENGTH} characters in all")
    return tags or None


def parse_coordinates(value: Any) -> str | None:
    """``customCoordinates``: ``x,y,width,height``, non-negative integers, width and height at least 1."""
    if value is None:
        return None
    text = _text(value).strip()
    if text == "":
        return None
    match = _COORDINATES.match(text)
    if not match:
        raise ValueError("must be x,y,width,height (four non-negative integers)")
    _, _, width, height = (int(group) for group in match.groups())
    if width < 1 or height < 1:
        raise ValueError("width and height must be at least 1")
    return ",".join(str(int(group)) for group in match.groups())


def coordinates_outside(coordinates: str, width: int, height: int) -> bool:
    """Whether the area ``x,y,w,h`` reaches outside an image of ``width`` x ``height``."""
    x, y, w, h = (int(part) for part in coordinates.split(","))
    return x + w > width or y + h > height


def parse_response_fields(value: Any) -> list[str]:
    if value is None:
        return []
    items = value if isinstance(value, list) else _text(value).split(",")
    fields = [str(item).strip() for item in items if str(item).strip()]
    unknown = sorted(set(fields) - RESPONSE_FIELDS)
    if unknown:
        raise ValueError(f"unknown field(s) {', '.join(unknown)}; allowed: {', '.join(sorted(RESPONSE_FIELDS))}")
    return fields


def check_webhook_url(value: Any) -> str | None:
    if value is None:
        return None
    text = _text(value).strip()
    if text == "":
        return None
    if len(text) > MAX_URL_LENGTH or not re.match(r"^https?://[^\s/?#]+[^\s]*$", text, re.IGNORECASE):
        raise ValueError("must be an http(s) URL")
    return text


# ------------------------------------------------------------------ JSON fields


def _json(value: Any, kind: type, shape: str) -> Any:
    if value is None or isinstance(value, kind):
        return value
    text = _text(value)
    if text.strip() == "":
        return None
    try:
        parsed = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        raise ValueError(f"must be valid JSON ({shape})") from None
    if nested_deeper_than(parsed):  # the same on every runtime (medialib.api.body.MAX_JSON_DEPTH)
        raise ValueError(f"must be valid JSON ({shape}) nested at most {MAX_JSON_DEPTH} levels deep")
    if not isinstance(parsed, kind):
        raise ValueError(f"must be {shape}")
    return parsed


def parse_custom_metadata(value: Any) -> dict[str, Any] | None:
    """``customMetadata``: a JSON object (its keys and values are checked against the account's custom metadata
    fields by ``medialib.fields.service.checked_custom_metadata`` when the upload is stored, or its session opens)."""
    data = _json(value, dict, "a JSON object")
    return None if data is None else dict(data)


def _camel(key: str) -> str:
    head, *rest = key.split("_")
    return head + "".join(part.title() for part in rest)


def _extension(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
        raise ValueError("each extension must be an object with a name")
    extension = {_camel(key): value for key, value in raw.items()}  # the Python SDK sends snake_case keys
    name = extension["name"]
    if name not in EXTENSIONS:
        raise ValueError(f"unknown extension {name!r}; known: {', '.join(sorted(EXTENSIONS))}")
    if name in _AUTO_TAGGING:
        max_tags, confidence = extension.get("maxTags"), extension.get("minConfidence")
        if not isinstance(max_tags, int) or isinstance(max_tags, bool) or max_tags < 1:
            raise ValueError(f"{name} needs maxTags, a positive integer")
        if not isinstance(confidence, int | float) or isinstance(confidence, bool) or not 0 <= confidence <= 100:
            raise ValueError(f"{name} needs minConfidence, a number from 0 to 100")
    if "options" in extension and not isinstance(extension["options"], dict):
        raise ValueError(f"{name} options must be an object")
    return extension


def parse_extensions(value: Any) -> list[dict[str, Any]] | None:
    """``extensions``: a JSON array of extension objects; keys in snake_case or camelCase."""
    data = _json(value, list, "a JSON array of extensions")
    return None if data is None else [_extension(raw) for raw in data]


def extension_status(extensions: list[dict[str, Any]] | None) -> dict[str, str] | None:
    """No extension runs in medialib: each requested one is reported ``failed``, never ``pending``/``success``."""
    if not extensions:
        return None
    return {extension["name"]: "failed" for extension in extensions}


def _post_step(step: Any) -> dict[str, Any]:
    if not isinstance(step, dict) or set(step) - {"type", "value", "protocol"}:
        raise ValueError("each post step is an object with type, value and protocol")
    kind, value, protocol = step.get("type"), step.get("value"), step.get("protocol")
    if kind not in POST_TYPES:
        raise ValueError(f"post type must be one of {', '.join(sorted(POST_TYPES))}")
    if value is not None and (not isinstance(value, str) or not value):
        raise ValueError("post value must be a non-empty string")
    if kind in {"transformation", "abs"} and value is None:
        raise ValueError(f"post type {kind} needs a value")
    if protocol is not None and (kind != "abs" or protocol not in {"hls", "dash"}):
        raise ValueError("protocol is hls or dash, and only for type abs")
    if kind == "abs" and protocol is None:
        raise ValueError("post type abs needs a protocol (hls or dash)")
    return dict(step)


def parse_transformation(value: Any) -> dict[str, Any] | None:
    """``transformation``: ``{"pre": "<transformation>", "post": [{"type", "value", "protocol"}]}``."""
    data = _json(value, dict, 'a JSON object {"pre": ..., "post": [...]}')
    if data is None:
        return None
    if set(data) - {"pre", "post"}:
        raise ValueError("only pre and post are allowed")
    pre, post = data.get("pre"), data.get("post")
    if pre is not None and (not isinstance(pre, str) or not pre.strip()):
        raise ValueError("pre must be a non-empty transformation string")
    if post is not None and not isinstance(post, list):
        raise ValueError("post must be an array")
    steps = [_post_step(s) for s in post or []]
    if sum(step["type"] == "transformation" for step in steps) > MAX_POST_TRANSFORMATIONS:
        raise ValueError(f"post holds at most {MAX_POST_TRANSFORMATIONS} steps of type transformation")
    for text in [pre, *(step["value"] for step in steps if step["type"] == "transformation")]:
        if text is not None:
            _grammar(text)
    return {**({"pre": pre} if pre is not None else {}), **({"post": steps} if steps else {})}


def _grammar(text: str) -> None:
    """A pre or post transformation is checked by delivery's grammar when the upload arrives (named ones are
    resolved against the account when the file is stored)."""
    try:
        parse(text)
    except MedialibError as err:
        raise ValueError(err.message) from None


# ------------------------------------------------------------------ checks


class Check(BaseModel):
    """One ``checks`` clause: ``"file.size" < "1mb"`` or ``"file.mime" : "image/"``."""

    model_config = ConfigDict(frozen=True)

    field: Literal["file.size", "file.mime"]
    operator: Literal["<", "<=", ">", ">=", "=", ":", "IN", "NOT IN"]
    values: tuple[str, ...]


_QUOTED = r"""(?:"([^"]*)"|'([^']*)')"""
_CLAUSE = re.compile(
    rf"^\s*{_QUOTED}\s*(<=|>=|<|>|=|:|NOT\s+IN|IN)\s*(\[.*\]|{_QUOTED})\s*$", re.IGNORECASE | re.DOTALL
)
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?\s*$", re.IGNORECASE)
_UNITS = {"b": 1, "kb": 1024, "mb": 1024**2, "gb": 1024**3}
_SIZE_OPERATORS = {"<", "<=", ">", ">=", "="}
_MIME_OPERATORS = {"=", ":", "IN", "NOT IN"}


def size_in_bytes(text: str) -> int:
    match = _SIZE.match(text)
    if not match:
        raise ValueError(f"{text!r} is not a size such as 500kb or 1mb")
    return int(float(match.group(1)) * _UNITS[(match.group(2) or "b").lower()])


def _clause(text: str) -> Check:
    match = _CLAUSE.match(text)
    if not match:
        raise ValueError('each check is "field" operator "value", e.g. "file.size" < "1mb"')
    field = match.group(1) if match.group(1) is not None else match.group(2)
    operator = re.sub(r"\s+", " ", match.group(3).upper())
    if field not in {"file.size", "file.mime"}:
        raise ValueError(f"check {field!r} is not supported; supported: file.size, file.mime")
    if match.group(4).startswith("["):
        values = tuple(a or b for a, b in re.findall(_QUOTED, match.group(4)))
        if not values or operator not in {"IN", "NOT IN"}:
            raise ValueError("a [list] goes with IN or NOT IN and holds quoted values")
    else:
        values = (match.group(5) if match.group(5) is not None else match.group(6),)
    allowed = _SIZE_OPERATORS if field == "file.size" else _MIME_OPERATORS
    if operator not in allowed or (operator in {"IN", "NOT IN"}) != match.group(4).startswith("["):
        raise ValueError(f"operator {operator} does not apply to {field}")
    if field == "file.size":
        size_in_bytes(values[0])
    return Check(field=field, operator=operator, values=values)


def parse_checks(value: Any) -> list[list[Check]] | None:
    """``checks``: clauses joined by ``AND`` (binding tighter) and ``OR``. Returns OR-groups of AND-clauses."""
    if value is None or isinstance(value, list):
        return value
    text = _text(value).strip()
    if text == "":
        return None
    groups = re.split(r"\s+OR\s+(?=(?:[^\"']|\"[^\"]*\"|'[^']*')*$)", text)
    return [[_clause(c) for c in re.split(r"\s+AND\s+(?=(?:[^\"']|\"[^\"]*\"|'[^']*')*$)", g)] for g in groups]


def _passes(check: Check, size: int, mime: str) -> bool:
    if check.field == "file.size":
        limit = size_in_bytes(check.values[0])
        return {"<": size < limit, "<=": size <= limit, ">": size > limit, ">=": size >= limit, "=": size == limit}[
            check.operator
        ]
    mime = mime.lower()
    values = [value.lower() for value in check.values]
    if check.operator == ":":
        return mime.startswith(values[0])
    if check.operator == "=":
        return mime == values[0]
    return (mime in values) == (check.operator == "IN")


def checks_pass(checks: list[list[Check]] | None, size: int, mime: str) -> bool:
    return not checks or any(all(_passes(check, size, mime) for check in group) for group in checks)


# ------------------------------------------------------------------ the file field


def looks_like_url(text: str) -> bool:
    return bool(re.match(r"^https?://", text.strip(), re.IGNORECASE))


def decode_base64(text: str) -> tuple[bytes, str | None]:
    """A ``file`` text field that is not a URL: base64, plain or as a data URI. Returns the bytes and the data
    URI's media type."""
    text = text.strip()
    media_type = None
    match = _DATA_URI.match(text)
    if match:
        media_type, text = match.group(1), text[match.end() :]
    compact = re.sub(r"\s+", "", text)
    if not compact or not _BASE64.match(compact):
        raise ValueError("file must be binary, base64 (plain or a data URI) or an http(s) URL")
    try:
        altchars = b"-_" if re.search(r"[-_]", compact) else None
        return base64.b64decode(compact + "=" * (-len(compact) % 4), altchars=altchars, validate=True), media_type
    except binascii.Error:
        raise ValueError("file is not valid base64") from None


def over_size(size: int) -> bool:
    return size > MAX_FILE_BYTES
