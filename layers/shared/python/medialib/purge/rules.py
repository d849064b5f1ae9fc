"""What a purge request may name, and the CloudFront paths that clear it. Pure: no I/O, clock or environment.

``parse_purge_url`` checks the URL of ``POST /v1/files/purge`` against the account's delivery endpoints
(``{DELIVERY_BASE_URL}/{accountId}``) and returns a ``PurgeTarget``; ``check_wildcard`` holds the seed's wildcard
rules; ``invalidation_paths`` turns a target into CloudFront invalidation paths. Every refusal is a 400
``BadRequestError`` (reason ``INVALID_PURGE_URL``) whose message says what to change.

Decisions:

- **Scheme and host.** ``http`` and ``https`` only; either scheme is accepted for an endpoint configured with the
  other, because CloudFront keeps one cache entry for both (the scheme is not in its cache key). The host compares
  case-insensitively (DNS names are), a default port equals an absent one; the account id compares exactly
  (account ids are lower case, and a URL path is case-sensitive). A URL on our host whose first segment is
  another account id is refused as "not this account's"; userinfo (``user@host``) is refused.
- **Wildcards** (seed 003, ImageKit's purge API): one ``*``, as the very last character of the URL; the path
  before it (after the account id, without its leading ``/``) must have two levels of nesting
  (``images/upload*``), or be at least 15 characters long, or be a complete file name with an extension
  (``sample.jpg*``). Levels are the non-empty ``/``-separated segments, so ``images/*`` has one level, like
  ``images*``: both purge the whole folder, which the seed refuses. ``media/catalog/*`` and ``s/files/*`` are
  refused unconditionally, and so is any wildcard that covers one of them entirely (``media/catalog*``).
- **Query-string variants.** Our cache policy keys on the query string (``?tr=...``, ``?ik-obj-version=...``
  produce different responses). CloudFront's developer guide ("Specifying the files to invalidate", *Forwarding
  query strings*): when the cache key includes query strings, an invalidation path must include the query string
  to clear that variant, or end in ``*`` — "to invalidate every version of a file:
  ``/directory-path/file-name.file-name-extension*``". Unlike cookies and headers, an invalidation path without
  ``*`` does not clear the query-string variants. So a URL without a wildcard is invalidated as ``/{acc}/path*``:
  one path (billed as one) that clears the file and every query variant of it. It also clears names that merely
  start with the same characters (``a.jpg`` clears ``a.jpg.webp``): a few extra cache misses, never stale content.
  A wildcard URL already ends in ``*``. The query string of the URL given is ignored: every variant is purged.
- **Path transformations** (``/{acc}/tr:w-100/path``) are cached under another path and are *not* purged by a
  purge of ``/{acc}/path`` (seed 000, reference §7.2): a URL naming such a path purges that path only.
- **Encoding.** The target's path is the decoded (unicode) path. CloudFront matches the path as viewers sent it,
  URL-encoded; its guide says to encode non-ASCII and unsafe characters and nothing else, and viewers do not all
  encode alike: the API's ``url`` field and Python's ``quote`` keep only ``/`` and unreserved characters, the
  Python SDK keeps RFC 3986's pchars, the Node SDK (``URL.pathname``) encodes only the WHATWG path set (some
  versions also ``^``). ``invalidation_paths`` returns each distinct form (one for a plain ASCII path), each
  ending in ``*``. A ``*`` is never encoded. Dot segments (``.``, ``..``), an encoded ``/`` (``%2F``) and control
  characters are refused, so every path stays under ``/{acc}/``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import SplitResult, quote, unquote, urlsplit

from medialib.errors import BadRequestError

MAX_URL_LENGTH = 2048
# CloudFront's limit on one invalidation path (developer guide, "Invalidation paths").
MAX_INVALIDATION_PATH_LENGTH = 4000
WILDCARD = "*"
MIN_WILDCARD_LEVELS = 2
MIN_WILDCARD_LENGTH = 15
# Purged by ImageKit only on request to its support (seed 003): a wildcard covering one of these is refused.
NEVER_WILDCARD = ("media/catalog/", "s/files/")
REASON = "INVALID_PURGE_URL"
HELP = (
    "Send the full delivery URL of one file, e.g. {endpoint}/folder/file.jpg, or of a folder with a single * at the "
    "end: folder/sub/*, a prefix of at least 15 characters, or file.jpg*."
)
_DEFAULT_PORTS = {"http": 80, "https": 443}
_FILE_WITH_EXTENSION = re.compile(r"[^/]*[^/.][.][A-Za-z0-9]+")
# How viewers encode a path (see the module docstring): Python's quote (safe "/"), the Python SDK, the Node SDK.
_PYTHON_SDK_SAFE = "/:@!$&'()*+,;=-._~"
_WHATWG_PATH_ENCODED = frozenset('"#<>?`{}')


@dataclass(frozen=True)
class PurgeTarget:
    """A purge request's target: ``path`` is the decoded path after the account id, starting with ``/``; with
    ``wildcard`` it ends in ``*``."""

    account_id: str
    path: str
    wildcard: bool


def _refuse(message: str, endpoint: str = "https://media.example.com/your_account") -> BadRequestError:
    return BadRequestError(message, help=HELP.format(endpoint=endpoint), reason=REASON)


# ------------------------------------------------------------------ wildcards (seed 003)


def _levels(prefix: str) -> int:
    return len([segment for segment in prefix.split("/") if segment])


def check_wildcard(path: str) -> None:
    """Refuse a wildcard the seed does not allow. ``path`` is the decoded path after the account id, starting
    with ``/``; a path without ``*`` is no wildcard and always passes."""
    if WILDCARD not in path:
        return
    if path.count(WILDCARD) > 1 or not path.endswith(WILDCARD):
        raise _refuse(
            f"The purge path '{path}' has a * that is not its last character: a wildcard is allowed only at the "
            "very end of the URL, once (e.g. /folder/sub/*, not /folder/*/sample.jpg)."
        )
    prefix = path[: -len(WILDCARD)].lstrip("/")
    if not prefix:
        raise _refuse(
            f"The wildcard purge '{path}' would purge the whole account: name a folder or a file before the *."
        )
    for never in NEVER_WILDCARD:
        if never.startswith(prefix):
            raise _refuse(
                f"A wildcard purge of '{path}' would cover {never}*, which cannot be purged with a wildcard: "
                "purge its files one by one, or a deeper folder."
            )
    if _levels(prefix) >= MIN_WILDCARD_LEVELS or len(prefix) >= MIN_WILDCARD_LENGTH:
        return
    if _FILE_WITH_EXTENSION.fullmatch(prefix.rsplit("/", 1)[-1]):
        return
    raise _refuse(
        f"The wildcard purge '{path}' is too broad: the path before the * must have two levels of folders "
        f"(e.g. /images/upload*), or be at least {MIN_WILDCARD_LENGTH} characters long, or be a complete file "
        f"name with its extension (e.g. /sample.jpg*); '{prefix}' is none of these."
    )


# ------------------------------------------------------------------ the URL


def _port(parts: SplitResult) -> int | None:
    try:
        port = parts.port
    except ValueError:
        return -1
    return None if port == _DEFAULT_PORTS.get(parts.scheme.lower()) else port


def _split(url: str) -> SplitResult:
    if not url.strip():
        raise _refuse("The purge URL is empty: send the delivery URL of the file to purge.")
    if len(url) > MAX_URL_LENGTH:
        raise _refuse(f"The purge URL is {len(url)} characters long; it may have at most {MAX_URL_LENGTH}.")
    try:
        parts = urlsplit(url.strip())
    except ValueError as error:
        raise _refuse(f"The purge URL '{url}' cannot be read as a URL ({error}).") from None
    if parts.scheme.lower() not in _DEFAULT_PORTS or not parts.hostname:
        raise _refuse(f"The purge URL '{url}' must be an absolute http:// or https:// URL of your media.")
    if parts.username is not None or parts.password is not None:
        raise _refuse(f"The purge URL '{url}' carries user credentials (user@host): send the plain delivery URL.")
    if WILDCARD in parts.query or WILDCARD in parts.fragment or (parts.path.endswith(WILDCARD) and parts.query):
        raise _refuse(
            f"The purge URL '{url}' has a * that is not its last character: a wildcard is allowed only at the "
            "very end of the URL, after the path and with no query string."
        )
    return parts


def _account_path(parts: SplitResult, endpoints: Sequence[str], url: str) -> tuple[str, str]:
    """The account id and the raw path after it, for the endpoint ``parts`` is on."""
    if not endpoints:
        raise _refuse("This account has no delivery endpoint, so no URL can be purged.")
    on_our_host: list[tuple[str, str, str]] = []
    for endpoint in endpoints:
        mine = urlsplit(endpoint.rstrip("/"))
        if mine.hostname != parts.hostname or _port(mine) != _port(parts):
            continue
        base, _, account_id = mine.path.rpartition("/")
        if parts.path == f"{base}/{account_id}" or parts.path.startswith(f"{base}/{account_id}/"):
            return account_id, parts.path[len(base) + 1 + len(account_id) :]
        on_our_host.append((base, account_id, endpoint.rstrip("/")))
    for base, account_id, mine_url in on_our_host:
        if parts.path.startswith(f"{base}/"):
            other = parts.path[len(base) + 1 :].split("/", 1)[0]
            if not other:
                continue
            raise _refuse(
                f"The purge URL '{url}' is under '{unquote(other)}', which is not this account's: an account can "
                f"purge only URLs under its own id ('{account_id}').",
                endpoint=mine_url,
            )
    raise _refuse(
        f"The purge URL '{url}' is not on this account's delivery endpoint: it must start with "
        f"{' or '.join(endpoints)}.",
        endpoint=endpoints[0].rstrip("/"),
    )


def _decoded(raw: str, url: str) -> str:
    if "%2f" in raw.lower():
        raise _refuse(
            f"The purge URL '{url}' has an encoded slash (%2F): file and folder names cannot contain '/', so no "
            "delivery URL has one. Write the path's slashes as '/'."
        )
    try:
        path = unquote(raw, errors="strict")
    except UnicodeDecodeError:
        raise _refuse(f"The purge URL '{url}' has percent-escapes that are not UTF-8 text.") from None
    if path in {"", "/", f"/{WILDCARD}"}:
        raise _refuse(
            f"The purge URL '{url}' names no file: add the file's path after the account id "
            "(purging a whole account is not allowed)."
        )
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in path):
        raise _refuse(f"The purge URL '{url}' has a control character in its path.")
    if any(segment in {".", ".."} for segment in path.split("/")):
        raise _refuse(f"The purge URL '{url}' has a '.' or '..' segment: send the file's path as delivered.")
    return path


def parse_purge_url(url: str, endpoints: Sequence[str]) -> PurgeTarget:
    """Check a purge URL against the account's delivery endpoints (each ``{base}/{accountId}``) and the wildcard
    rules; return what to purge. Every refusal is a 400 saying why."""
    parts = _split(url)
    account_id, raw_path = _account_path(parts, endpoints, url)
    path = _decoded(raw_path, url)
    check_wildcard(path)
    target = PurgeTarget(account_id=account_id, path=path, wildcard=path.endswith(WILDCARD))
    longest = max(invalidation_paths(target), key=len)
    if len(longest) > MAX_INVALIDATION_PATH_LENGTH:
        raise _refuse(
            f"The purge URL's path is {len(longest)} characters long once percent-encoded for the CDN; "
            f"it may have at most {MAX_INVALIDATION_PATH_LENGTH}."
        )
    return target


# ------------------------------------------------------------------ CloudFront paths


def _percent(char: str) -> str:
    return "".join(f"%{byte:02X}" for byte in char.encode("utf-8"))


def _whatwg(path: str, extra: str = "") -> str:
    return "".join(
        _percent(c) if not (0x20 < ord(c) < 0x7F) or c in _WHATWG_PATH_ENCODED or c in extra else c for c in path
    )


def encodings(path: str) -> list[str]:
    """Each distinct way a viewer may percent-encode ``path`` (no ``*`` in it), sorted."""
    return sorted({quote(path, safe="/"), quote(path, safe=_PYTHON_SDK_SAFE), _whatwg(path), _whatwg(path, "^")})


def invalidation_paths(target: PurgeTarget) -> list[str]:
    """The CloudFront invalidation paths for ``target``: ``/{accountId}`` + each encoding of its path + ``*``
    (see the module docstring: the ``*`` clears the query-string variants)."""
    prefix = target.path.removesuffix(WILDCARD) if target.wildcard else target.path
    return [f"/{target.account_id}{encoded}{WILDCARD}" for encoded in encodings(prefix)]


# CloudFront allows 15 invalidation paths with a wildcard in progress at once per distribution (developer guide,
# "Concurrent invalidation request maximum"), shared by every account: an unpublish leaves room for other purges.
MAX_UNPUBLISH_WILDCARDS = 10
PATH_TRANSFORMATIONS = "/tr:"


def unpublish_paths(account_id: str, file_paths: Sequence[str]) -> list[str]:
    """The CloudFront paths that clear every public URL form of unpublished files: each file's path with every
    query variant (its versions' ``?ik-obj-version=``, ``?tr=``), in each viewer encoding, and the account's path
    transformations (``/{acc}/tr:*``: ImageKit keeps those cached; medialib clears them, so that no transformed
    copy of an unpublished file outlives the purge). At most MAX_UNPUBLISH_WILDCARDS paths: when there are more,
    the deepest paths fold into their folders, level by level (``/{acc}/*`` at worst): clearing more, never less."""
    prefixes = {encoded for path in file_paths for encoded in encodings(path)}
    while len(prefixes) + 1 > MAX_UNPUBLISH_WILDCARDS:  # {"/"} alone fits: the loop ends there
        deepest = max(_depth(prefix) for prefix in prefixes)
        prefixes = _outermost({_parent(p) if _depth(p) == deepest else p for p in prefixes})
    if prefixes == {"/"}:
        return [f"/{account_id}/{WILDCARD}"]
    paths = [f"/{account_id}{prefix}{WILDCARD}" for prefix in sorted(prefixes)]
    return [*paths, f"/{account_id}{PATH_TRANSFORMATIONS}{WILDCARD}"]


def _depth(prefix: str) -> int:
    return prefix.rstrip("/").count("/")


def _parent(prefix: str) -> str:
    """The folder holding ``prefix`` (``/a/b.jpg`` and ``/a/b/`` are both in ``/a/``)."""
    return prefix.rstrip("/").rsplit("/", 1)[0] + "/"


def _outermost(prefixes: set[str]) -> set[str]:
    """The prefixes that no other prefix of the set covers."""
    return {p for p in prefixes if not any(p != other and p.startswith(other) for other in prefixes)}
