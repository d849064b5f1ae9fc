"""URL uploads against a real HTTP server the test starts on loopback: what is fetched, and every way a caller's
URL is refused with a 4xx (time, size, status, redirects, addresses), never reaching an internal address."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from medialib.errors import MedialibError
from medialib.settings import ALLOW_LOOPBACK_URLS
from medialib.upload.fetch import FetchedFile, FetchPolicy, fetch_url
from medialib_local.cli import _parser, start_api_environment

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
SECRET_BODY = "internal stack trace of the origin"
LOCAL = FetchPolicy(allow_loopback=True)  # the local stack's allowance: loopback only


@dataclass
class Origin:
    """What the loopback server saw and did."""

    base: str = ""
    hosts: list[str] = field(default_factory=list)
    big_sent: int = 0
    big_completed: bool = False
    big_done: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)

    def url(self, path: str) -> str:
        return f"{self.base}{path}"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Any

    def log_message(self, *_: Any) -> None:
        pass

    def do_GET(self) -> None:
        origin: Origin = self.server.origin
        origin.hosts.append(self.headers["Host"])
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        route = parts.path.split("/")[1]
        getattr(self, f"_{route}")(origin, parts.path, query)

    def _answer(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _file(self, *_: Any) -> None:
        self._answer(200, PNG, {"Content-Type": "image/png; charset=binary"})

    def _bytes(self, _: Origin, __: str, query: dict[str, str]) -> None:
        self._answer(200, b"x" * int(query["n"]))

    def _status(self, _: Origin, path: str, __: dict[str, str]) -> None:
        self._answer(int(path.split("/")[2]), SECRET_BODY.encode(), {"Content-Type": "text/plain"})

    def _hops(self, _: Origin, path: str, __: dict[str, str]) -> None:
        left = int(path.split("/")[2])
        self._answer(302, b"", {"Location": f"/hops/{left - 1}" if left > 1 else "/file"})

    def _to(self, _: Origin, __: str, query: dict[str, str]) -> None:
        self._answer(302, b"", {"Location": query["url"]})

    def _slow(self, origin: Origin, *_: Any) -> None:
        origin.release.wait(10)
        self._answer(200, PNG)

    def _trickle(self, origin: Origin, *_: Any) -> None:
        for byte in b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n":
            if origin.release.wait(0.1):
                return
            self.wfile.write(bytes([byte]))
            self.wfile.flush()

    def _big(self, origin: Origin, __: str, query: dict[str, str]) -> None:
        total, chunk = 64 * 1024 * 1024, b"x" * 65536
        self.send_response(200)
        declared = query.get("declared") == "yes"
        self.send_header("Content-Length" if declared else "Transfer-Encoding", str(total) if declared else "chunked")
        self.end_headers()
        try:
            while origin.big_sent < total:
                self.wfile.write(chunk if declared else b"%x\r\n%s\r\n" % (len(chunk), chunk))
                origin.big_sent += len(chunk)
            if not declared:
                self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
            origin.big_completed = True
        except OSError:
            pass  # the client hung up
        finally:
            origin.big_done.set()


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, *_: Any) -> None:
        pass  # a client that hangs up mid-answer is what these tests do


@pytest.fixture
def origin() -> Iterator[Origin]:
    server = Server(("127.0.0.1", 0), Handler)
    server.origin = Origin(base=f"http://127.0.0.1:{server.server_address[1]}")  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    yield server.origin  # type: ignore[attr-defined]
    server.origin.release.set()  # type: ignore[attr-defined]
    server.shutdown()
    server.server_close()


def refusal(url: str, policy: FetchPolicy = LOCAL, max_bytes: int = 1024 * 1024) -> MedialibError:
    with pytest.raises(MedialibError) as raised:
        fetch_url(url, max_bytes=max_bytes, policy=policy)
    error = raised.value
    assert error.status < 500
    assert SECRET_BODY not in str(error.body())
    return error


# --- loopback only with the local allowance -----------------------------------------------------------------


def test_a_loopback_url_is_fetched_with_the_local_allowance(origin: Origin) -> None:
    """Given a file served on loopback and the local stack's allowance, When its URL is fetched, Then its bytes,
    its media type (parameters dropped) and the URL it came from."""
    fetched = fetch_url(origin.url("/file"), max_bytes=1024 * 1024, policy=LOCAL)
    assert fetched == FetchedFile(content=PNG, content_type="image/png", final_url=origin.url("/file"))


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::ffff:127.0.0.1]"], ids=["ipv4", "name", "v4-mapped"])
def test_a_loopback_url_is_refused_without_the_allowance(origin: Origin, host: str) -> None:
    """Given a file served on loopback and no allowance (as in AWS), When its URL is fetched, Then 400 saying
    the address is not allowed, without naming it, and the server never sees a request."""
    port = urlsplit(origin.base).port
    error = refusal(f"http://{host}:{port}/file", FetchPolicy(allow_loopback=False))
    assert (error.status, error.reason) == (400, "URL_ADDRESS_NOT_ALLOWED")
    assert "not allowed" in error.message and "127.0.0.1" not in str(error.body())
    assert origin.hosts == []


@pytest.mark.parametrize(
    ("flags", "allowed"),
    [pytest.param(["--allow-loopback-urls"], True, id="with-the-flag"), pytest.param([], False, id="by-default")],
)
def test_start_api_flag_turns_the_allowance_on(
    origin: Origin, monkeypatch: pytest.MonkeyPatch, flags: list[str], allowed: bool
) -> None:
    """Given `medialib local start-api` with or without --allow-loopback-urls, When its environment is applied
    and a loopback URL is fetched with the default policy, Then it is fetched only with the flag."""
    monkeypatch.delenv(ALLOW_LOOPBACK_URLS, raising=False)
    for name, value in start_api_environment(_parser().parse_args(["local", "start-api", *flags])).items():
        monkeypatch.setenv(name, value)
    if allowed:
        assert fetch_url(origin.url("/file"), max_bytes=1024 * 1024).content == PNG
    else:
        assert refusal(origin.url("/file"), FetchPolicy()).reason == "URL_ADDRESS_NOT_ALLOWED"


# --- every hop checked ---------------------------------------------------------------------------------------

FORBIDDEN_TARGETS = {
    "to-the-metadata-service": "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
    "to-a-private-address": "http://10.0.0.1/file",
    "to-the-ipv6-metadata-service": "http://[fd00:ec2::254]/latest/meta-data/",
    "to-a-mapped-metadata-address": "http://[::ffff:169.254.169.254]/",
    "to-the-unspecified-address": "http://0.0.0.0:{port}/file",
}


@pytest.mark.parametrize("target", FORBIDDEN_TARGETS.values(), ids=FORBIDDEN_TARGETS.keys())
def test_a_redirect_to_a_forbidden_address_is_refused(origin: Origin, target: str) -> None:
    """Given an allowed host (loopback, with the allowance) that redirects to an internal address, When fetched,
    Then 400 naming the redirect as not allowed, the address unsaid, and no connection to it."""
    started = time.monotonic()
    target = target.format(port=urlsplit(origin.base).port)
    error = refusal(origin.url(f"/to?url={target}"))
    assert (error.status, error.reason) == (400, "URL_ADDRESS_NOT_ALLOWED")
    assert error.message.startswith("Redirect 1 of the file URL")
    assert str(urlsplit(target).hostname) not in str(error.body())
    assert time.monotonic() - started < 2  # refused before connecting (10.0.0.1 would hang)
    assert len(origin.hosts) == 1


def test_a_host_resolving_to_any_forbidden_address_is_refused(origin: Origin) -> None:
    """Given a name that resolves to loopback and to a private address, When fetched with the allowance, Then
    400: one allowed address does not excuse another."""
    policy = FetchPolicy(allow_loopback=True, resolve=lambda host, port: ["127.0.0.1", "10.0.0.1"])
    port = urlsplit(origin.base).port
    assert refusal(f"http://media.example.test:{port}/file", policy).reason == "URL_ADDRESS_NOT_ALLOWED"
    assert origin.hosts == []


def test_the_checked_address_is_the_one_connected_to_with_the_original_host(origin: Origin) -> None:
    """Given a name only our resolver knows (so the HTTP client resolving it again would fail), When fetched,
    Then the connection goes to the checked address and the server sees the original Host header."""
    asked: list[tuple[str, int]] = []

    def resolve(host: str, port: int) -> list[str]:
        asked.append((host, port))
        return ["127.0.0.1"]

    port = urlsplit(origin.base).port
    url = f"http://media.example.test:{port}/file"
    fetched = fetch_url(url, max_bytes=1024 * 1024, policy=FetchPolicy(allow_loopback=True, resolve=resolve))
    assert (fetched.content, fetched.final_url) == (PNG, url)
    assert origin.hosts == [f"media.example.test:{port}"]
    assert asked == [("media.example.test", port)]


@pytest.mark.parametrize(
    ("hops", "fetched"),
    [pytest.param(5, True, id="five-redirects-followed"), pytest.param(6, False, id="a-sixth-redirect-is-400")],
)
def test_at_most_five_redirects_are_followed(origin: Origin, hops: int, fetched: bool) -> None:
    """Given a chain of redirects ending at a file, When fetched, Then 5 are followed to the file (its URL the
    final one) and a 6th is a 400 saying so."""
    if fetched:
        result = fetch_url(origin.url(f"/hops/{hops}"), max_bytes=1024 * 1024, policy=LOCAL)
        assert (result.content, result.final_url) == (PNG, origin.url("/file"))
    else:
        error = refusal(origin.url(f"/hops/{hops}"))
        assert (error.status, error.reason) == (400, "URL_REDIRECTS")
        assert "more than 5" in error.message
    assert len(origin.hosts) == 6


# --- answers and limits --------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [404, 403, 500, 503, 304], ids=lambda s: f"http-{s}-is-400")
def test_a_non_2xx_answer_is_a_400_naming_the_status(origin: Origin, status: int) -> None:
    """Given a URL that answers an error status, When fetched, Then 400 naming that status (never the origin's
    5xx passed on), without the answer's body."""
    error = refusal(origin.url(f"/status/{status}"))
    assert (error.status, error.reason) == (400, "URL_HTTP_STATUS")
    assert f"HTTP {status}" in error.message


@pytest.mark.parametrize(
    ("size", "limit", "accepted"),
    [
        pytest.param(1000, 1000, True, id="exactly-the-limit-is-accepted"),
        pytest.param(1001, 1000, False, id="one-byte-over-is-413"),
    ],
)
def test_the_size_limit_is_exact(origin: Origin, size: int, limit: int, accepted: bool) -> None:
    """Given a file of ``size`` bytes and a limit, When fetched, Then accepted up to the limit itself, refused
    413 saying the limit one byte over."""
    if accepted:
        assert len(fetch_url(origin.url(f"/bytes?n={size}"), max_bytes=limit, policy=LOCAL).content) == size
    else:
        error = refusal(origin.url(f"/bytes?n={size}"), max_bytes=limit)
        assert (error.status, error.reason, error.retryable) == (413, "FILE_TOO_LARGE", False)
        assert "1000 bytes" in error.message


@pytest.mark.parametrize("declared", ["yes", "no"], ids=["length-declared", "chunked-length-unknown"])
def test_a_body_over_the_limit_is_refused_while_streaming(origin: Origin, declared: str) -> None:
    """Given a 64 MB answer (its length declared, or chunked), When fetched with a 1 MB limit, Then 413 saying
    the limit, and the client hung up long before the server could send it all."""
    error = refusal(origin.url(f"/big?declared={declared}"), max_bytes=1024 * 1024)
    assert (error.status, error.reason) == (413, "FILE_TOO_LARGE")
    assert "1 MB" in error.message
    assert origin.big_done.wait(10)
    assert not origin.big_completed
    assert origin.big_sent < 32 * 1024 * 1024


@pytest.mark.parametrize("route", ["/slow", "/trickle"], ids=["headers-late", "headers-trickled-byte-by-byte"])
def test_headers_not_received_in_time_are_a_400(origin: Origin, route: str) -> None:
    """Given a server that answers late, or trickles its headers a byte every 0.1 s (each read within any socket
    timeout), When fetched with a 0.6 s header timeout, Then 400 saying the URL did not answer in time, about
    when the timeout ends."""
    started = time.monotonic()
    error = refusal(origin.url(route), FetchPolicy(allow_loopback=True, header_timeout=0.6))
    elapsed = time.monotonic() - started
    assert (error.status, error.reason) == (400, "URL_TIMEOUT")
    assert "did not answer in time" in error.message and "0.6 seconds" in error.message
    assert 0.5 < elapsed < 2


# --- URLs that are not fetched at all ------------------------------------------------------------------------

BAD_URLS = {
    "ftp-scheme": ("ftp://example.com/a.png", "URL_SCHEME"),
    "file-scheme": ("file:///etc/passwd", "URL_SCHEME"),
    "gopher-scheme": ("gopher://127.0.0.1:6379/_INFO", "URL_SCHEME"),
    "no-host": ("http:///a.png", "URL_INVALID"),
    "bad-port": ("http://example.com:99999/a.png", "URL_INVALID"),
    "credentials": ("http://user:secret@example.com/a.png", "URL_INVALID"),
    "name-that-does-not-resolve": ("http://no-such-host.invalid/a.png", "URL_UNREACHABLE"),
}


@pytest.mark.parametrize(("url", "reason"), BAD_URLS.values(), ids=BAD_URLS.keys())
def test_urls_that_cannot_be_fetched_are_a_400(url: str, reason: str) -> None:
    """Given a URL with another scheme, no host, a bad port, credentials, or a name that does not resolve, When
    fetched, Then 400 with the reason (a DNS failure is the caller's URL, not a 5xx)."""
    error = refusal(url)
    assert (error.status, error.reason) == (400, reason)
    assert "secret" not in str(error.body())


# --- https: certificate and SNI checked against the host name, connection pinned ----------------------------


@dataclass
class TlsOrigin:
    port: int
    ca_file: str
    server_names: list[str | None]


@pytest.fixture(scope="module")
def tls_origin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TlsOrigin]:
    """A loopback HTTPS server whose certificate names ``localhost`` only (no IP address)."""
    import datetime
    import ssl

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    names: list[str | None] = []
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(folder / "cert.pem", folder / "key.pem")
    context.sni_callback = lambda _sock, server_name, _ctx: names.append(server_name)
    server = Server(("127.0.0.1", 0), Handler)
    server.origin = Origin()  # type: ignore[attr-defined]
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    yield TlsOrigin(server.server_address[1], str(folder / "cert.pem"), names)
    server.shutdown()
    server.server_close()


def trusting(tls_origin: TlsOrigin) -> FetchPolicy:
    import ssl

    return FetchPolicy(
        allow_loopback=True,
        resolve=lambda host, port: ["127.0.0.1"],
        tls=ssl.create_default_context(cafile=tls_origin.ca_file),
    )


def test_https_checks_the_certificate_against_the_host_name_on_the_pinned_address(tls_origin: TlsOrigin) -> None:
    """Given an HTTPS server whose certificate names localhost, and a resolver that answers 127.0.0.1, When
    https://localhost/... is fetched, Then the file arrives: SNI carried the host name and the certificate was
    checked against it, while the connection went to the checked address."""
    tls_origin.server_names.clear()
    url = f"https://localhost:{tls_origin.port}/file"
    assert fetch_url(url, max_bytes=1024 * 1024, policy=trusting(tls_origin)).content == PNG
    assert tls_origin.server_names == ["localhost"]


@pytest.mark.parametrize(
    ("host", "trusted"),
    [
        pytest.param("127.0.0.1", True, id="certificate-for-another-name"),
        pytest.param("localhost", False, id="certificate-from-an-untrusted-issuer"),
    ],
)
def test_https_with_a_certificate_not_valid_for_the_host_is_a_400(
    tls_origin: TlsOrigin, host: str, trusted: bool
) -> None:
    """Given the HTTPS server, When fetched by a name its certificate does not carry, or with only the system's
    trusted issuers, Then 400 saying the certificate is not valid for the host."""
    policy = trusting(tls_origin) if trusted else FetchPolicy(allow_loopback=True, resolve=lambda h, p: ["127.0.0.1"])
    error = refusal(f"https://{host}:{tls_origin.port}/file", policy)
    assert (error.status, error.reason) == (400, "URL_TLS")
    assert "certificate that is not valid for its host" in error.message
