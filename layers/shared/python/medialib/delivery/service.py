"""Delivery: ``GET``/``HEAD /{accountId}/[tr:...]/{filePath}[?tr=...]`` -> the original, a rendition, a 304, or a
redirect to S3 for answers larger than a Lambda response.

The order of the checks: the CDN's origin secret (403, before any lookup), the URL (400/404), the account (404),
a signature when the URL has one (401), the file and the version (404), published (404), the transformation
(400), access to a private file (401), then the bytes. A rendition is read from the renditions bucket when it is
there (no image is decoded) and made once otherwise.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import format_datetime

from medialib.accounts import service as accounts
from medialib.accounts.models import Account
from medialib.delivery import limits, rules
from medialib.delivery.models import Answer, DeliveryRequest, Incoming, NotModified, Plan, Redirected, Served
from medialib.delivery.store import DeliveryStore, S3DeliveryStore
from medialib.errors import ForbiddenError, InternalError
from medialib.files.models import FileItem
from medialib.observability import logger, metrics
from medialib.settings import DeliverSettings, get_settings
from medialib.transform.parse import Chain, compose, parse

store: DeliveryStore = S3DeliveryStore()  # the seams: unit tests put an in-memory store and a fixed clock here
clock: Callable[[], float] = time.time

# A warm environment remembers the accounts it delivered for (one table read less per request), as long as the
# authorizer trusts an authenticated account: a rotated private key still verifies signatures that long there.
ACCOUNT_TTL_SECONDS = accounts.AUTHENTICATION_TTL_SECONDS
_MAX_ACCOUNTS = 256
_accounts: dict[str, tuple[Account, float]] = {}

_ORIGIN_HELP = "Delivery is served through the CDN: request the file at the delivery URL (the urlEndpoint)."


def deliver(incoming: Incoming) -> Answer:
    """One delivery request, from the CDN's origin check to the answer (bytes, 304 or a redirect)."""
    secret = get_settings(DeliverSettings).delivery_origin_secret.get_secret_value()
    if not rules.origin_allowed(incoming.origin_secret, secret):
        raise ForbiddenError("Forbidden", help=_ORIGIN_HELP, reason="FORBIDDEN")
    request = rules.parse_request(incoming.path, incoming.query)
    now = int(clock())
    account = _account(request.account_id)
    # The private keys are decrypted only for a URL that carries a signature (docs/keys.md); during a rotation's
    # grace period a URL signed with the previous key verifies too.
    private_keys = accounts.signing_keys(account) if request.signature is not None else ()
    signed = rules.check_signature(request, private_keys, now)
    current = store.file_at(request.account_id, request.file_path)
    if current is None:
        raise rules.not_found()
    logger.append_keys(account_id=current.account_id, file_id=current.file_id)
    version = _version(current, request.version_token)
    rules.check_published(version)
    chain = parse(request.path_transformation or "") + parse(request.query_transformation or "")
    rules.check_access(private=rules.is_private(current, version), chain=chain, signed=signed)
    chain = rules.expanded(chain, account.settings.named_transformations)
    plan = rules.plan(version, chain, incoming.accept)
    headers = _headers(plan, version, request, now, signed=signed)
    if rules.not_modified(incoming.if_none_match, plan.etag):
        return NotModified(headers)
    expires = rules.expiry_of(request) if signed else None
    redirect = _Redirect(
        rules.redirect_cache_control(expires=expires, now=now), rules.redirect_validity(expires=expires, now=now)
    )
    if plan.original:
        return _original(version, plan, headers, redirect, head=incoming.head)
    return _rendition(version, chain, plan, headers, redirect, head=incoming.head)


@dataclass(frozen=True)
class _Redirect:
    """How a redirect to S3 is made: its own Cache-Control, and how long the presigned URL it names is valid."""

    cache_control: str
    validity: int


def _account(account_id: str) -> Account:
    """The account a URL names (remembered ACCOUNT_TTL_SECONDS); 404 when there is none (never remembered) and
    when it is disabled: a suspended account's URL endpoint serves nothing, as if it did not exist."""
    now = accounts.clock()  # the accounts' memo clock (monotonic; tests move it)
    remembered = _accounts.get(account_id)
    if remembered is not None and now < remembered[1]:
        return _enabled(remembered[0])
    account = accounts.get_account(account_id)
    if account is None:
        raise rules.not_found()
    if len(_accounts) >= _MAX_ACCOUNTS:
        _accounts.clear()
    _accounts[account_id] = (account, now + ACCOUNT_TTL_SECONDS)
    return _enabled(account)


def _enabled(account: Account) -> Account:
    if account.disabled:
        raise rules.not_found()
    return account


def forget_accounts() -> None:
    """Forget the remembered accounts (tests; an operator's change is seen after ACCOUNT_TTL_SECONDS otherwise)."""
    _accounts.clear()


def _version(current: FileItem, token: str | None) -> FileItem:
    if token is None or token == current.object_token:
        return current
    return rules.select_version(current, store.versions(current.account_id, current.file_id), token)


def _headers(plan: Plan, version: FileItem, request: DeliveryRequest, now: int, *, signed: bool) -> dict[str, str]:
    headers = {
        "ETag": plan.etag,
        "Cache-Control": rules.cache_control(
            versioned=request.version_token is not None,
            transformed=not plan.original,
            expires=rules.expiry_of(request) if signed else None,
            now=now,
        ),
        "Last-Modified": format_datetime(version.updated_at, usegmt=True),
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": rules.CONTENT_SECURITY_POLICY,
    }
    if plan.vary_accept:
        headers["Vary"] = "Accept"
    if request.attachment:
        headers["Content-Disposition"] = limits.content_disposition(rules.download_name(version.name, plan.fmt))
    return headers


def _redirected(location: str, redirect: _Redirect) -> Redirected:
    return Redirected(location, {"Cache-Control": redirect.cache_control})


def _original_bytes(version: FileItem) -> bytes:
    body = store.original(version)
    if body is None:
        logger.error("the object of a version is missing", extra={"version_id": version.version_id})
        raise InternalError()
    return body


def _original(version: FileItem, plan: Plan, headers: dict[str, str], redirect: _Redirect, *, head: bool) -> Answer:
    """The stored bytes; a redirect to them when they are too large for a Lambda response (not read then). HEAD
    answers the headers itself: a presigned URL is signed for GET, so a HEAD following a redirect would fail."""
    if head:
        return Served(b"", plan.content_type, headers)
    if not limits.inline(version.size):
        url = store.original_url(version, redirect.validity, headers.get("Content-Disposition"))
        return _redirected(url, redirect)
    return Served(_original_bytes(version), plan.content_type, headers)


def _rendition(  # noqa: PLR0913 - the answer's parts: what, how, its headers and a redirect's
    version: FileItem, chain: Chain, plan: Plan, headers: dict[str, str], redirect: _Redirect, *, head: bool
) -> Answer:
    """The cached rendition (never decoded), else made from the original, stored, then answered."""
    assert plan.fmt is not None  # plan() gives every rendition a format
    key = rules.rendition_key(version, chain, plan.fmt)
    disposition = headers.get("Content-Disposition")
    cached = store.rendition(key, limits.MAX_INLINE_BYTES)
    if cached is not None:
        metrics.add_metric(name="RenditionCacheHit", unit="Count", value=1)
        if head:
            return Served(b"", plan.content_type, headers)
        if cached.body is None:
            return _redirected(store.rendition_url(key, redirect.validity, disposition), redirect)
        return Served(cached.body, plan.content_type, headers)
    metrics.add_metric(name="RenditionCacheMiss", unit="Count", value=1)
    from medialib.transform.engine import render  # noqa: PLC0415 - Pillow is imported by the first miss, not at init

    made = render(_original_bytes(version), chain, fmt=plan.fmt, custom_coordinates=version.custom_coordinates)
    store.put_rendition(key, made.body, plan.content_type, rules.RENDITION_OBJECT_CACHE_CONTROL)
    if head:
        return Served(b"", plan.content_type, headers)
    if not limits.inline(len(made.body)):
        return _redirected(store.rendition_url(key, redirect.validity, disposition), redirect)
    return Served(made.body, plan.content_type, headers)


def make_renditions(version: FileItem, original: bytes, chains: list[Chain]) -> None:
    """Upload's ``post`` transformations, made eagerly: each is stored under the key a delivery request for it
    reads (for the format a browser without AVIF/WebP preferences gets), so its first request is a cache hit.
    The file is stored already: a rendition that fails is logged and left to be made by its first request."""
    from medialib.transform import engine  # noqa: PLC0415 - Pillow only where images are transformed

    for chain in chains:
        try:
            plan = rules.plan(version, chain, None)
            if plan.original or plan.fmt is None:
                continue
            made = engine.render(original, chain, fmt=plan.fmt, custom_coordinates=version.custom_coordinates)
            key = rules.rendition_key(version, chain, plan.fmt)
            store.put_rendition(key, made.body, plan.content_type, rules.RENDITION_OBJECT_CACHE_CONTROL)
        except Exception:  # the upload succeeded; this rendition is made on demand instead
            logger.exception("an eager rendition failed", extra={"transformation": compose(chain)})
