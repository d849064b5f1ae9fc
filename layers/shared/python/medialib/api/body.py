"""The request body as a caller sends it, checked in one place before any route reads it: its media type,
its encoding, its JSON, its shape. Each mistake is a 4xx whose message says what is wrong in plain words."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from medialib.errors import BadRequestError, MedialibError, UnsupportedMediaTypeError

JSON = "application/json"
MULTIPART = "multipart/form-data"
# Methods whose body a route may read; a body on GET or HEAD is ignored, as API Gateway's routes ignore it.
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# No body of the API nests more than a few levels. The limit is ours, not the interpreter's: json.loads on Python
# 3.11 gives up near 1,000 levels (RecursionError), on 3.13 only past its C recursion limit, so the same body would
# be "nested too deeply" on one runtime and a shape error on the other.
MAX_JSON_DEPTH = 100


def media_type(headers: dict[str, Any] | None) -> str:
    content_type = next((str(v) for k, v in (headers or {}).items() if k.lower() == "content-type"), "")
    return content_type.split(";", maxsplit=1)[0].strip().lower()


def check_body(event: dict[str, Any], accepts: tuple[str, ...]) -> MedialibError | None:
    """The error of a body this function cannot read, else None. A JSON body that API Gateway base64-encoded
    (a binary media type) is decoded here, so that routes see text."""
    if event.get("httpMethod") not in _BODY_METHODS or not event.get("body") or not accepts:
        return None
    media = media_type(event.get("headers"))
    if (media or JSON) not in accepts and not (JSON in accepts and media.endswith("+json")):
        return UnsupportedMediaTypeError(
            f"The body must be sent as {' or '.join(accepts)}; Content-Type was {media or 'missing'}.",
            help=f"Send Content-Type: {accepts[0]} with a body of that type.",
            reason="UNSUPPORTED_MEDIA_TYPE",
        )
    if media in {"", JSON} or media.endswith("+json"):
        _labelled_json(event)
        return _decoded_as_text(event)
    return None


def _labelled_json(event: dict[str, Any]) -> None:
    """Media types are case-insensitive and ``+json`` types are JSON, but routes read only a body labelled
    ``application/json``: label an accepted JSON body so, so that what passes here is what routes read."""
    for name in [k for k in event.get("headers") or {} if k.lower() == "content-type"]:
        event["headers"][name] = JSON  # what the resolver reads the content type from


def _decoded_as_text(event: dict[str, Any]) -> MedialibError | None:
    if not event.get("isBase64Encoded"):
        return None
    try:
        event["body"] = base64.b64decode(event["body"], validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return BadRequestError(
            "The body is not valid UTF-8 text; JSON must be encoded in UTF-8.", reason="INVALID_BODY"
        )
    event["isBase64Encoded"] = False
    return None


def parse_json(text: str) -> Any:
    """The resolver's JSON deserializer: a body that is not JSON is the caller's mistake, said plainly."""
    too_deep = BadRequestError("The body is not valid JSON: it is nested too deeply.", reason="INVALID_BODY")
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError as err:
        raise BadRequestError(
            f"The body is not valid JSON ({err.msg} at line {err.lineno}, column {err.colno}).",
            reason="INVALID_BODY",
        ) from None
    except RecursionError:
        raise too_deep from None
    if nested_deeper_than(parsed, MAX_JSON_DEPTH):
        raise too_deep
    return parsed


def nested_deeper_than(value: Any, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether ``value`` (parsed JSON) has arrays or objects nested more than ``limit`` deep."""
    containers = [(value, 1)] if isinstance(value, dict | list) else []
    while containers:
        node, depth = containers.pop()
        if depth > limit:
            return True
        children = node.values() if isinstance(node, dict) else node
        containers.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def expected_object(fields: list[str], *, conjunction: str = "and") -> str:
    """``an object with a, b and c``; ``conjunction="or"`` when any of the fields will do."""
    return "an object with " + (
        f" {conjunction} ".join([", ".join(fields[:-1]), fields[-1]]) if len(fields) > 1 else fields[0]
    )
