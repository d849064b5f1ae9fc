"""S3 request authentication that moto's server leaves out: presigned URLs and browser POST policies.

moto's S3 server accepts any presigned (query-string SigV4) request and any browser-based POST upload: it
checks neither the signature nor the expiry of a presigned URL, nor the signature, expiration or conditions
of a POST policy (measured: a 5000 B file against a 1000 B ``content-length-range``, a key outside the
policy's ``starts-with``, a wrong ``Content-Type``, a zeroed signature, a tampered or expired presigned GET
were all stored or served). AWS refuses all of these, so a client that only works against moto would break
in AWS. :func:`verify_s3_signatures` is a WSGI middleware in front of moto that refuses them the way S3 does:

- a presigned request (``X-Amz-Credential`` scoped to ``/s3/``): unknown key -> 403 InvalidAccessKeyId,
  signature not matching (recomputed with botocore's SigV4 canonical request) -> 403 SignatureDoesNotMatch,
  expired -> 403 AccessDenied "Request has expired";
- a browser POST (unsigned ``multipart/form-data`` POST to ``/BUCKET``): the policy's signature, its
  expiration and every condition (``bucket``, exact matches, ``eq``, ``starts-with``,
  ``content-length-range``), and no form field left uncovered by a condition. A POST without a policy is an
  anonymous write, refused as on a private bucket. Valid bodies are replayed to moto byte for byte.

Requests signed with an ``Authorization`` header (boto3's own calls) and other services' requests pass
through untouched. Only path-style POST uploads are understood (``/BUCKET``); a virtual-host-style POST
(bucket in the Host) has no bucket in its path and fails the policy's ``bucket`` condition. Presigned
URLs work for both styles (the signed path and Host are taken as sent).

Signature V2 presigned URLs and POSTs are refused (400 InvalidRequest), as S3 refuses them on buckets created
since 24 June 2020. Beware: boto3 presigns with V2 in us-east-1 unless its client has
``Config(signature_version="s3v4")``; such URLs would work with moto alone and fail in AWS.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import io
import json
import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlsplit
from xml.sax.saxutils import escape

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

LOCAL_SECRETS = {"testing": "testing"}  # moto's fake credentials (FAKE_CREDENTIALS in aws.py)
ALGORITHM = "AWS4-HMAC-SHA256"
MAX_EXPIRES = 604800  # a week, S3's limit for X-Amz-Expires
CLOCK_SKEW = timedelta(minutes=15)
QUERY_AUTH = ("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-Date", "X-Amz-SignedHeaders")
UNCHECKED_FIELDS = {"file", "policy", "x-amz-signature"}  # and x-ignore-*: fields a POST policy need not cover
MISMATCH = (
    "The request signature we calculated does not match the signature you provided. Check your key and signing method."
)


class S3Error(Exception):
    """An S3 error answer: status, code, message and extra XML elements."""

    def __init__(self, status: int, code: str, message: str, **details: object) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details


def _sigv2_refused() -> S3Error:
    """S3 buckets created since 24 June 2020 refuse Signature V2."""
    return S3Error(
        400,
        "InvalidRequest",
        "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.",
    )


def verify_s3_signatures(app: WsgiApp, secrets: Mapping[str, str] = LOCAL_SECRETS) -> WsgiApp:
    """``app`` behind S3's checks of presigned URLs and POST policies; ``secrets``: secret key by access key."""

    def wrapped(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if "HTTP_AUTHORIZATION" not in environ:  # header-signed calls are the cheap, common case
            query = environ.get("QUERY_STRING", "")
            try:
                if "X-Amz-Credential=" in query:
                    _verify_presigned(environ, secrets)
                elif "AWSAccessKeyId=" in query and "Signature=" in query and "SignatureVersion=" not in query:
                    raise _sigv2_refused()  # S3's own V2 query form (other services' V2 name a SignatureVersion)
                elif _is_form_upload(environ):
                    _verify_post(environ, secrets)
            except S3Error as err:
                return _error(err, environ, start_response)
        return app(environ, start_response)

    return wrapped


# --- presigned URLs -----------------------------------------------------------------------------------


def _verify_presigned(environ: dict[str, Any], secrets: Mapping[str, str]) -> None:
    pairs = parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    query = dict(pairs)
    scope = query.get("X-Amz-Credential", "").split("/")
    if len(scope) != 5 or scope[3] != "s3":
        return  # another service's presigned request (or not SigV4): not ours to judge
    if any(not query.get(name) for name in (*QUERY_AUTH, "X-Amz-Expires")) or query["X-Amz-Algorithm"] != ALGORITHM:
        raise _query_error(
            "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, "
            "X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters."
        )
    access_key, day, region, _, _ = scope
    secret = _secret(secrets, access_key)
    signed_at = _parse_date(query["X-Amz-Date"], "%Y%m%dT%H%M%SZ")
    if day != query["X-Amz-Date"][:8]:
        raise _query_error("Invalid credential date. Date is not the same as X-Amz-Date.")
    if not query["X-Amz-Expires"].isdigit():
        raise _query_error("X-Amz-Expires should be a number")
    expires = int(query["X-Amz-Expires"])
    if expires > MAX_EXPIRES:
        raise _query_error(f"X-Amz-Expires must be less than a week (in seconds) that is; {MAX_EXPIRES}")

    expected = _presigned_signature(environ, pairs, secret, region, query)
    if not hmac.compare_digest(expected, query["X-Amz-Signature"]):
        raise S3Error(403, "SignatureDoesNotMatch", MISMATCH, AWSAccessKeyId=access_key)
    now = datetime.now(UTC)
    if now > signed_at + timedelta(seconds=expires):
        raise S3Error(
            403,
            "AccessDenied",
            "Request has expired",
            **{
                "X-Amz-Expires": expires,
                "Expires": _iso(signed_at + timedelta(seconds=expires)),
                "ServerTime": _iso(now),
            },
        )
    if signed_at > now + CLOCK_SKEW:
        raise S3Error(403, "AccessDenied", "Request is not valid yet")


def _presigned_signature(
    environ: dict[str, Any], pairs: list[tuple[str, str]], secret: str, region: str, query: dict[str, str]
) -> str:
    """The SigV4 signature S3 computes for this request, with botocore's canonical request."""
    from botocore.auth import S3SigV4QueryAuth  # noqa: PLC0415 - botocore loads in ~100 ms; only when needed
    from botocore.awsrequest import AWSRequest  # noqa: PLC0415
    from botocore.credentials import Credentials  # noqa: PLC0415

    canonical_query = "&".join(f"{_encode(k)}={_encode(v)}" for k, v in pairs if k != "X-Amz-Signature")
    headers = {name: _header(environ, name) for name in query["X-Amz-SignedHeaders"].split(";")}
    url = f"http://{environ.get('HTTP_HOST', '')}{_canonical_path(environ)}?{canonical_query}"
    request = AWSRequest(method=environ["REQUEST_METHOD"], url=url, headers=headers)
    request.context["timestamp"] = query["X-Amz-Date"]
    auth = S3SigV4QueryAuth(Credentials(query["X-Amz-Credential"].split("/")[0], secret), "s3", region)
    return auth.signature(auth.string_to_sign(request, auth.canonical_request(request)), request)


def _canonical_path(environ: dict[str, Any]) -> str:
    """The path as the client sent it (werkzeug's RAW_URI), each segment URI-encoded once, as S3 signs it."""
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI") or quote(environ.get("PATH_INFO", "/"))
    path = raw.split("?", 1)[0] if raw.startswith("/") else urlsplit(raw).path  # origin or absolute form
    return "/".join(quote(unquote(segment), safe="~") for segment in path.split("/"))


def _header(environ: dict[str, Any], name: str) -> str:
    key = name.upper().replace("-", "_")
    return str(environ.get(key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else f"HTTP_{key}", ""))


def _encode(value: str) -> str:
    return quote(value, safe="-_.~")


def _query_error(message: str) -> S3Error:
    return S3Error(400, "AuthorizationQueryParametersError", message)


# --- browser-based POST uploads -------------------------------------------------------------------------


def _is_form_upload(environ: dict[str, Any]) -> bool:
    return environ.get("REQUEST_METHOD") == "POST" and environ.get("CONTENT_TYPE", "").startswith("multipart/form-data")


def _verify_post(environ: dict[str, Any], secrets: Mapping[str, str]) -> None:
    from werkzeug.formparser import parse_form_data  # noqa: PLC0415 - moto's own dependency

    body = _buffer_body(environ)
    _, form, files = parse_form_data({**environ, "wsgi.input": io.BytesIO(body)})
    fields = {name.lower(): value for name, value in form.items()}
    if "policy" not in fields:
        raise S3Error(403, "AccessDenied", "Access Denied")  # an anonymous write: our buckets are private
    if "x-amz-algorithm" not in fields and "awsaccesskeyid" in fields:
        raise _sigv2_refused()
    for name in ("x-amz-algorithm", "x-amz-credential", "x-amz-date", "x-amz-signature", "key"):
        if name not in fields:
            raise S3Error(
                400,
                "InvalidArgument",
                f"Bucket POST must contain a field named '{name}'.  If it is specified, please check the order of the fields.",
            )
    if "file" in files:
        stream = files["file"].stream
        size = stream.seek(0, io.SEEK_END)
    elif "file" in fields:
        size = len(fields.pop("file").encode())
    else:
        raise S3Error(400, "InvalidArgument", "POST requires exactly one file upload per request.")
    _verify_policy_signature(fields, secrets)
    bucket = environ.get("PATH_INFO", "/").strip("/").split("/")[0]
    _check_policy(_decode_policy(fields["policy"]), fields, bucket, size)


def _buffer_body(environ: dict[str, Any]) -> bytes:
    """Read the body once and give moto a replayable copy of it."""
    stream = environ["wsgi.input"]
    if environ.get("CONTENT_LENGTH"):
        body: bytes = stream.read(int(environ["CONTENT_LENGTH"]))
    elif environ.get("wsgi.input_terminated"):
        body = stream.read()
    else:
        raise S3Error(411, "MissingContentLength", "You must provide the Content-Length HTTP header.")
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    return body


def _verify_policy_signature(fields: dict[str, str], secrets: Mapping[str, str]) -> None:
    from botocore.auth import S3SigV4PostAuth  # noqa: PLC0415
    from botocore.awsrequest import AWSRequest  # noqa: PLC0415
    from botocore.credentials import Credentials  # noqa: PLC0415

    scope = fields["x-amz-credential"].split("/")
    if len(scope) != 5 or scope[3] != "s3" or scope[4] != "aws4_request" or fields["x-amz-algorithm"] != ALGORITHM:
        raise S3Error(400, "InvalidArgument", f"Invalid credential or algorithm: {fields['x-amz-credential']}")
    access_key, day, region, _, _ = scope
    secret = _secret(secrets, access_key)
    request = AWSRequest()
    request.context["timestamp"] = day  # the signing key is derived from the credential's date
    expected = S3SigV4PostAuth(Credentials(access_key, secret), "s3", region).signature(fields["policy"], request)
    if not hmac.compare_digest(expected, fields["x-amz-signature"]):
        raise S3Error(403, "SignatureDoesNotMatch", MISMATCH, AWSAccessKeyId=access_key)


def _decode_policy(policy: str) -> dict[str, Any]:
    try:
        document = json.loads(base64.b64decode(policy, validate=True))
    except (binascii.Error, ValueError) as err:
        raise S3Error(400, "InvalidPolicyDocument", "Invalid Policy: Invalid JSON.") from err
    if not isinstance(document, dict) or not isinstance(document.get("conditions"), list):
        raise S3Error(400, "InvalidPolicyDocument", "Invalid Policy: Policy missing conditions.")
    if not isinstance(document.get("expiration"), str):
        raise S3Error(400, "InvalidPolicyDocument", "Invalid Policy: Policy missing expiration.")
    return document


def _check_policy(policy: dict[str, Any], fields: dict[str, str], bucket: str, size: int) -> None:
    try:
        expiration = datetime.fromisoformat(policy["expiration"])
        expiration = expiration if expiration.tzinfo else expiration.replace(tzinfo=UTC)
    except ValueError as err:
        raise S3Error(400, "InvalidPolicyDocument", "Invalid Policy: Invalid 'expiration' value.") from err
    if datetime.now(UTC) > expiration:
        raise _denied("Policy expired.")
    values = {**fields, "bucket": bucket}
    covered: set[str] = set()
    for condition in policy["conditions"]:
        if isinstance(condition, dict):
            for name, value in condition.items():
                covered.add(_check_match("eq", f"${name}", value, values))
        elif isinstance(condition, list) and condition and str(condition[0]).lower() == "content-length-range":
            _check_size(condition, size)
        elif isinstance(condition, list) and len(condition) == 3:
            covered.add(_check_match(str(condition[0]).lower(), condition[1], condition[2], values))
        else:
            raise S3Error(400, "InvalidPolicyDocument", f"Invalid Policy: Invalid Condition: {json.dumps(condition)}")
    extra = sorted(n for n in fields if n not in covered | UNCHECKED_FIELDS and not n.startswith("x-ignore-"))
    if extra:
        raise _denied(f"Extra input fields: {', '.join(extra)}")


def _check_match(operator: str, field: object, expected: object, values: dict[str, str]) -> str:
    """Check one ``eq`` / ``starts-with`` condition; the name of the field it covers."""
    if operator not in ("eq", "starts-with") or not isinstance(field, str) or not field.startswith("$"):
        raise S3Error(400, "InvalidPolicyDocument", f"Invalid Policy: Invalid Condition: {operator} {field}")
    name, wanted = field[1:].lower(), str(expected)
    value = values.get(name)
    if operator == "eq":
        ok = value == wanted
    else:  # Content-Type may list several types; each must match
        parts = value.split(",") if value is not None and name == "content-type" else [value]
        ok = all(part is not None and part.strip().startswith(wanted) for part in parts)
    if not ok:
        raise _denied(f"Policy Condition failed: {json.dumps([operator, field, expected])}")
    return name


def _check_size(condition: list[Any], size: int) -> None:
    try:
        low, high = int(condition[1]), int(condition[2])
    except (IndexError, TypeError, ValueError) as err:
        raise S3Error(400, "InvalidPolicyDocument", "Invalid Policy: Invalid content-length-range.") from err
    if size > high:
        raise S3Error(
            400,
            "EntityTooLarge",
            "Your proposed upload exceeds the maximum allowed size",
            ProposedSize=size,
            MaxSizeAllowed=high,
        )
    if size < low:
        raise S3Error(
            400,
            "EntityTooSmall",
            "Your proposed upload is smaller than the minimum allowed size",
            ProposedSize=size,
            MinSizeAllowed=low,
        )


def _denied(reason: str) -> S3Error:
    return S3Error(403, "AccessDenied", f"Invalid according to Policy: {reason}")


# --- shared ---------------------------------------------------------------------------------------------


def _secret(secrets: Mapping[str, str], access_key: str) -> str:
    if access_key not in secrets:
        raise S3Error(
            403,
            "InvalidAccessKeyId",
            "The AWS Access Key Id you provided does not exist in our records.",
            AWSAccessKeyId=access_key,
        )
    return secrets[access_key]


def _parse_date(value: str, layout: str) -> datetime:
    try:
        return datetime.strptime(value, layout).replace(tzinfo=UTC)
    except ValueError as err:
        raise _query_error("X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"") from err


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _error(err: S3Error, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    request_id = uuid.uuid4().hex[:16].upper()
    details = "".join(f"<{name}>{escape(str(value))}</{name}>" for name, value in err.details.items())
    body = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{err.code}</Code>'
        f"<Message>{escape(err.message)}</Message>{details}<RequestId>{request_id}</RequestId></Error>"
    ).encode()
    status = HTTPStatus(err.status)
    start_response(
        f"{status.value} {status.phrase}",
        [("Content-Type", "application/xml"), ("Content-Length", str(len(body))), ("x-amz-request-id", request_id)],
    )
    return [] if environ.get("REQUEST_METHOD") == "HEAD" else [body]
