"""The server-side fetch of an upload's ``file`` given as an http(s) URL, with server-side request forgery refused.

Each hop (the URL, then every redirect, at most 5) goes through the same steps:

1. The URL is http or https, carries no credentials, and names a host.
2. The host is resolved here (``getaddrinfo``). If *any* of its addresses is not a public unicast address
   (loopback, private, link-local, multicast, reserved, unspecified, shared, the metadata service; an IPv4
   address inside an IPv6 one, mapped, 6to4 or NAT64, is judged as that IPv4 address), the hop is refused.
3. The connection goes to a checked address itself: the HTTP client never resolves the name again, so a
   DNS answer that changes between the check and the connection (rebinding) cannot reach an internal
   address. The request carries the original Host header; https sends SNI and checks the certificate
   against the host name.

The response headers of each hop must arrive within 8 s of its start (DNS included), and the whole fetch
ends within 20 s, well inside API Gateway's 29 s. A watchdog closes the socket at the deadline, so a server
that trickles its answer a byte at a time cannot hold the function. The body is read in chunks and refused
as soon as it passes ``max_bytes``. Every failure is a 4xx (medialib.errors): never the fetched body, never
a resolved address.

The local stack may relax loopback only (``UrlFetchSettings.allow_loopback_urls``, off by default and never
set in template.yaml); private and metadata addresses stay refused.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from functools import cache
from ipaddress import IPv4Address, IPv6Address, IPv6Network, ip_address
from urllib.parse import SplitResult, quote, urljoin, urlsplit

from medialib.errors import BadRequestError, PayloadTooLargeError
from medialib.observability import logger
from medialib.settings import UrlFetchSettings, get_settings

HEADER_TIMEOUT_S = 8.0
TOTAL_TIMEOUT_S = 20.0
MAX_REDIRECTS = 5
METADATA_ADDRESSES = frozenset({ip_address("169.254.169.254"), ip_address("fd00:ec2::254")})
NAT64 = IPv6Network("64:ff9b::/96")
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 * 1024
_URL_SAFE = "/%:@!$&'()*+,;=-._~"  # RFC 3986 reserved and unreserved: anything else is percent-encoded
_HELP = (
    "The file parameter may be an http or https URL that medialib fetches: from a public address, answering "
    "within 8 seconds, with at most 5 redirects."
)

Resolver = Callable[[str, int], list[str]]


def resolve_host(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to, in the resolver's order, without repeats."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


@dataclass(frozen=True)
class FetchedFile:
    content: bytes
    content_type: str | None
    final_url: str


@dataclass(frozen=True)
class FetchPolicy:
    """How a fetch is bounded. The defaults are the product's; tests shorten the timeouts or inject a resolver."""

    header_timeout: float = HEADER_TIMEOUT_S
    total_timeout: float = TOTAL_TIMEOUT_S
    max_redirects: int = MAX_REDIRECTS
    allow_loopback: bool | None = None  # None: UrlFetchSettings (the environment)
    resolve: Resolver = field(default=resolve_host)
    tls: ssl.SSLContext | None = None  # None: the system's trusted CAs, host name checked


# --- the address rule (pure) ------------------------------------------------------------------------------


def refused_address(address: str, *, allow_loopback: bool = False) -> str | None:
    """The rule ``address`` breaks ("loopback", "private", "metadata-service", ...), or None when it is a public
    unicast address that may be fetched from. ``allow_loopback`` relaxes loopback, and nothing else."""
    ip = _as_ipv4_if_embedded(ip_address(address.partition("%")[0]))  # an IPv6 scope (fe80::1%eth0) is no part
    if ip in METADATA_ADDRESSES:
        return "metadata-service"
    if ip.is_loopback:
        return None if allow_loopback else "loopback"
    rules = (
        ("unspecified", ip.is_unspecified),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("reserved", ip.is_reserved),
        ("private", ip.is_private),
        ("not-public", not ip.is_global),  # what is left: shared address space (100.64/10) and the like
    )
    return next((name for name, broken in rules if broken), None)


def _as_ipv4_if_embedded(ip: IPv4Address | IPv6Address) -> IPv4Address | IPv6Address:
    if isinstance(ip, IPv4Address):
        return ip
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in NAT64:
        return IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip


# --- the fetch ----------------------------------------------------------------------------------------------


def fetch_url(url: str, *, max_bytes: int, policy: FetchPolicy | None = None) -> FetchedFile:
    """GET ``url`` and return its body, following at most 5 redirects, each hop checked against server-side
    request forgery. Raises BadRequestError (400) or PayloadTooLargeError (413), never anything else for a
    caller's URL."""
    policy = policy or FetchPolicy()
    allow_loopback = (
        get_settings(UrlFetchSettings).allow_loopback_urls if policy.allow_loopback is None else policy.allow_loopback
    )
    deadline = time.monotonic() + policy.total_timeout
    current = url
    for hop in range(policy.max_redirects + 1):
        target = _Target.parse(current, hop)
        with _open(target, policy, allow_loopback, deadline) as response:
            if response.status in REDIRECT_STATUSES and hop < policy.max_redirects:
                current = urljoin(target.url, _location(response, target))
                continue
            if response.status in REDIRECT_STATUSES:
                raise _refused(f"The file URL redirects more than {policy.max_redirects} times.", "URL_REDIRECTS")
            if not 200 <= response.status < 300:
                raise _refused(
                    f"{target.subject} answered HTTP {response.status}; only a 2xx answer can be uploaded.",
                    "URL_HTTP_STATUS",
                )
            content = _read_body(response, max_bytes, target, deadline)
            return FetchedFile(content=content, content_type=_media_type(response), final_url=target.url)
    raise AssertionError("unreachable: the last hop returns or raises")  # pragma: no cover


@dataclass(frozen=True)
class _Target:
    url: str
    hop: int
    tls: bool
    host: str  # ASCII (IDNA) host name or address, without brackets
    port: int
    path: str  # path and query, percent-encoded

    @property
    def subject(self) -> str:
        return _subject(self.hop)

    @classmethod
    def parse(cls, url: str, hop: int) -> _Target:
        subject = _subject(hop)
        try:
            parts = urlsplit(url.strip())
            port = parts.port
            host = (parts.hostname or "").encode("idna").decode("ascii")
        except (ValueError, UnicodeError):
            raise _refused(f"{subject} is not a valid URL.", "URL_INVALID") from None
        scheme = parts.scheme.lower()
        if scheme not in {"http", "https"}:
            raise _refused(f"{subject} must use http or https.", "URL_SCHEME")
        if not host:
            raise _refused(f"{subject} names no host.", "URL_INVALID")
        if parts.username is not None or parts.password is not None:
            raise _refused(f"{subject} carries credentials; medialib fetches public URLs only.", "URL_INVALID")
        tls = scheme == "https"
        default_port = 443 if tls else 80
        return cls(url.strip(), hop, tls, host, default_port if port is None else port, _request_target(parts))


def _subject(hop: int) -> str:
    """How errors name the hop: the caller's URL, or the redirect that broke the rule."""
    return "The file URL" if hop == 0 else f"Redirect {hop} of the file URL"


def _request_target(parts: SplitResult) -> str:
    path = quote(parts.path or "/", safe=_URL_SAFE)
    return f"{path}?{quote(parts.query, safe=_URL_SAFE + '?')}" if parts.query else path


@contextmanager
def _open(
    target: _Target, policy: FetchPolicy, allow_loopback: bool, deadline: float
) -> Iterator[http.client.HTTPResponse]:
    """The hop's response, its headers read within the header timeout; the connection is closed on exit."""
    headers_by = min(time.monotonic() + policy.header_timeout, deadline)
    addresses = _checked_addresses(target, policy, allow_loopback, headers_by)
    watchdog = _Watchdog(headers_by)
    connection = _PinnedConnection(target, addresses, policy, watchdog)
    try:
        try:
            connection.request("GET", target.path, headers={"User-Agent": "medialib", "Accept": "*/*"})
            response = connection.getresponse()
        except (OSError, http.client.HTTPException, ValueError) as err:
            raise _connection_error(target, err, watchdog, policy) from None
        finally:
            watchdog.cancel()
        with _Watchdog(deadline) as body_watchdog:
            body_watchdog.watch(connection.sock)
            if connection.sock is not None:
                connection.sock.settimeout(body_watchdog.remaining())
            yield response
    finally:
        connection.close()


def _checked_addresses(target: _Target, policy: FetchPolicy, allow_loopback: bool, headers_by: float) -> list[str]:
    """The host's addresses, all of them allowed; else the hop is refused without connecting anywhere."""
    addresses = _resolve_within(target, policy.resolve, headers_by, policy)
    for address in addresses:
        rule = refused_address(address, allow_loopback=allow_loopback)
        if rule is not None:
            logger.info("URL fetch refused", extra={"hop": target.hop, "rule": rule})  # the address stays unsaid
            whose = "host" if target.hop == 0 else "redirect target"
            raise _refused(
                f"{target.subject} resolves to an address that is not allowed: the {whose} must be public "
                "(loopback, private, link-local, multicast, reserved and metadata-service addresses are refused).",
                "URL_ADDRESS_NOT_ALLOWED",
            )
    return addresses


def _resolve_within(target: _Target, resolve: Resolver, headers_by: float, policy: FetchPolicy) -> list[str]:
    """getaddrinfo has no timeout of its own: it runs in a thread that is abandoned at the deadline."""
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="url-fetch-dns")
    try:
        addresses = pool.submit(resolve, target.host, target.port).result(timeout=headers_by - time.monotonic())
    except FutureTimeout:
        raise _timed_out(target, policy) from None
    except (OSError, UnicodeError, ValueError):
        addresses = []
    finally:
        pool.shutdown(wait=False)
    if not addresses:
        raise _refused(f"{target.subject} names a host that does not resolve.", "URL_UNREACHABLE")
    return addresses


class _PinnedConnection(http.client.HTTPConnection):
    """An HTTP(S) connection to already-checked addresses: the host name goes only into Host and SNI."""

    def __init__(self, target: _Target, addresses: list[str], policy: FetchPolicy, watchdog: _Watchdog) -> None:
        super().__init__(target.host, target.port, timeout=policy.header_timeout)
        self.default_port = 443 if target.tls else 80  # Host carries the port only when it is not the default
        self._addresses = addresses
        self._tls = (policy.tls or _default_tls()) if target.tls else None
        self._watchdog = watchdog

    def connect(self) -> None:
        sock = self._connect_any()
        self._watchdog.watch(sock)
        if self._tls is not None:
            sock = self._tls.wrap_socket(sock, server_hostname=self.host)
        self.sock = sock

    def _connect_any(self) -> socket.socket:
        error: OSError = OSError("no address")
        for address in self._addresses:
            try:
                return socket.create_connection((address, self.port), timeout=self._watchdog.remaining())
            except OSError as err:
                error = err
        raise error


@cache
def _default_tls() -> ssl.SSLContext:
    """The system's trusted CAs, host names checked (loaded once per execution environment)."""
    return ssl.create_default_context()


class _Watchdog:
    """Shuts the watched socket down at ``deadline``: a read blocked on it returns, however slowly the server
    trickles bytes (a socket timeout alone restarts with every byte)."""

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self.expired = False
        self._sock: socket.socket | None = None
        self._lock = threading.Lock()
        self._timer = threading.Timer(max(0.0, self.remaining()), self._expire)
        self._timer.daemon = True
        self._timer.start()

    def remaining(self) -> float:
        return max(0.001, self.deadline - time.monotonic())

    def watch(self, sock: socket.socket | None) -> None:
        with self._lock:
            self._sock = sock
            if self.expired:
                self._shutdown()

    def cancel(self) -> None:
        self._timer.cancel()

    def __enter__(self) -> _Watchdog:
        return self

    def __exit__(self, *_: object) -> None:
        self.cancel()

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            self._shutdown()

    def _shutdown(self) -> None:
        if self._sock is not None:
            with suppress(OSError):  # already closed
                socket.socket.shutdown(self._sock, socket.SHUT_RDWR)  # the raw socket, also under TLS


def _connection_error(target: _Target, err: Exception, watchdog: _Watchdog, policy: FetchPolicy) -> BadRequestError:
    if watchdog.expired or isinstance(err, TimeoutError):
        return _timed_out(target, policy)
    if isinstance(err, ssl.SSLCertVerificationError):
        return _refused(
            f"{target.subject} presents a certificate that is not valid for its host (another name, an untrusted issuer or expired).",
            "URL_TLS",
        )
    if isinstance(err, ssl.SSLError):
        return _refused(f"{target.subject} failed the TLS handshake.", "URL_TLS")
    if isinstance(err, http.client.HTTPException):
        return _refused(f"{target.subject} did not answer with a valid HTTP response.", "URL_UNREACHABLE")
    return _refused(f"{target.subject} could not be reached.", "URL_UNREACHABLE")


def _location(response: http.client.HTTPResponse, target: _Target) -> str:
    location = response.getheader("Location")
    if not location:
        raise _refused(
            f"{target.subject} answered HTTP {response.status} without a Location to follow.", "URL_HTTP_STATUS"
        )
    return location


def _read_body(response: http.client.HTTPResponse, max_bytes: int, target: _Target, deadline: float) -> bytes:
    declared = (response.getheader("Content-Length") or "").strip()
    if declared.isdigit() and int(declared) > max_bytes:
        raise _too_large(max_bytes)
    chunks: list[bytes] = []
    size = 0
    try:
        while chunk := response.read(_CHUNK):
            size += len(chunk)
            if size > max_bytes:
                raise _too_large(max_bytes)
            chunks.append(chunk)
    except (OSError, http.client.HTTPException, ValueError) as err:
        if isinstance(err, TimeoutError) or time.monotonic() >= deadline:
            raise _refused(f"{target.subject} did not send the whole file in time.", "URL_TIMEOUT") from None
        raise _refused(
            f"{target.subject} closed the connection before sending the whole file.", "URL_UNREACHABLE"
        ) from None
    return b"".join(chunks)


def _media_type(response: http.client.HTTPResponse) -> str | None:
    value = (response.getheader("Content-Type") or "").split(";", 1)[0].strip().lower()
    return value or None


def _refused(message: str, reason: str) -> BadRequestError:
    return BadRequestError(message, help=_HELP, reason=reason)


def _timed_out(target: _Target, policy: FetchPolicy) -> BadRequestError:
    return _refused(
        f"{target.subject} did not answer in time: no response headers within {_seconds(policy.header_timeout)}.",
        "URL_TIMEOUT",
    )


def _too_large(max_bytes: int) -> PayloadTooLargeError:
    return PayloadTooLargeError(
        f"The file at the URL is larger than the limit of {_size(max_bytes)}.",
        help=f"medialib uploads files of at most {_size(max_bytes)}; fetch a smaller file.",
        reason="FILE_TOO_LARGE",
    )


def _size(size: int) -> str:
    mb = 1024 * 1024
    return f"{size // mb} MB" if size >= mb and size % mb == 0 else f"{size} bytes"


def _seconds(seconds: float) -> str:
    return f"{seconds:g} seconds" if seconds != 1 else "1 second"
