"""Signed delivery URLs: what the official SDKs sign is what delivery verifies, from the REST event's decoded
path and query. The four vectors of reference §6.1, URLs built by the installed Python SDK (paths with spaces,
unicode, @, +, parentheses; path and query transformations; versions), and every way a URL can be wrong."""

from __future__ import annotations

from typing import Any
from unittest.mock import patch
from urllib.parse import unquote, unquote_plus, urlsplit

import pytest
from imagekitio import ImageKit

from medialib.delivery.models import DeliveryRequest
from medialib.delivery.rules import check_signature, parse_request, sign, strings_to_sign
from medialib.errors import UnauthorizedError

KEY = "private_TESTKEY"
ENDPOINT = "https://ik.imagekit.io/demo"
NOW = 1_700_000_000


def as_received(url: str, *, plus_as_space: bool = False) -> DeliveryRequest:
    """The request API Gateway's REST proxy hands over for ``url``: the path decoded once, the query split into
    pairs and each decoded once (``plus_as_space``: as the one public observation says API Gateway decodes +)."""
    parts = urlsplit(url)
    decode = unquote_plus if plus_as_space else unquote
    query: dict[str, list[str]] = {}
    for pair in filter(None, parts.query.split("&")):
        key, _, value = pair.partition("=")
        query.setdefault(decode(key), []).append(decode(value))
    return parse_request(unquote(parts.path), query)


def sdk_url(src: str, *, key: str = KEY, **options: Any) -> str:
    """A URL as ``ImageKit(private_key=key).helper.build_url`` makes it, its clock at NOW."""
    with patch("time.time", return_value=float(NOW)):
        return ImageKit(private_key=key).helper.build_url(src=src, url_endpoint=ENDPOINT, **options)


@pytest.mark.parametrize(
    ("url", "signed_string"),
    [
        pytest.param(
            "https://ik.imagekit.io/demo/images/a.jpg?ik-s=f19fdce45c1249fad897047b761db35f840545e7",
            "images/a.jpg9999999999",
            id="signed-no-expiry",
        ),
        pytest.param(
            "https://ik.imagekit.io/demo/images/a.jpg?ik-t=1700000300&ik-s=2a9012b945cf88681d840b11c4bbc359ea4e52cd",
            "images/a.jpg1700000300",
            id="signed-expires",
        ),
        pytest.param(
            "https://ik.imagekit.io/demo/tr:w-300,h-200/images/a.jpg?ik-t=1700000300&ik-s=26c901572094a217365a5fb407ec53c31589970b",
            "tr:w-300,h-200/images/a.jpg1700000300",
            id="path-transformation",
        ),
        pytest.param(
            "https://ik.imagekit.io/demo/images/a.jpg?tr=w-300,h-200&ik-t=1700000300&ik-s=224b9ae24440608090a5149b7291bd72b1a233a3",
            "images/a.jpg?tr=w-300,h-200" + "1700000300",
            id="query-transformation",
        ),
    ],
)
def test_reference_vectors_are_accepted(url: str, signed_string: str) -> None:
    """Given a vector of reference §6.1 (key private_TESTKEY, clock 1700000000), When delivery checks the URL as the
    REST event carries it, Then it rebuilds the string the SDKs signed and accepts the signature."""
    request = as_received(url)
    assert signed_string in strings_to_sign(request)
    assert check_signature(request, KEY, NOW) is True


@pytest.mark.parametrize(
    ("src", "options"),
    [
        pytest.param("/images/a.jpg", {}, id="plain"),
        pytest.param("/folder with space/a b.jpg", {}, id="spaces"),
        pytest.param("/dossier/été ä/ünïcødé-名前.jpg", {}, id="unicode"),
        pytest.param("/at@sign/plus+sign/paren(1).jpg", {}, id="at-plus-parentheses"),
        pytest.param("/odd/semi;colon,comma=eq&amp$dollar!'quote'~tilde*star.jpg", {}, id="rfc3986-sub-delims"),
        pytest.param("/odd/[brackets]{braces}^caret|pipe`tick.jpg", {}, id="characters-the-sdk-encodes"),
        pytest.param(
            "/images/a b.jpg",
            {"transformation": [{"width": 300, "height": 200}, {"rotation": 90}], "transformation_position": "path"},
            id="path-transformation-chained",
        ),
        pytest.param("/images/a b.jpg", {"transformation": [{"width": 300, "height": 200}]}, id="query-transformation"),
        pytest.param("/images/a.jpg", {"transformation": [{"named": "ik_ml_thumbnail"}]}, id="named"),
        pytest.param(
            "/images/a.jpg",
            {
                "query_parameters": {"ik-obj-version": "abc123", "ik-attachment": "true"},
                "transformation": [{"width": 50}],
            },
            id="version-attachment-and-transformation",
        ),
        pytest.param("/images/a.jpg", {"query_parameters": {"v": "1", "x": "a+b"}}, id="extra-query-with-plus"),
    ],
)
@pytest.mark.parametrize("expires_in", [None, 300], ids=["no-expiry", "expires"])
def test_python_sdk_urls_are_accepted(src: str, options: dict[str, Any], expires_in: int | None) -> None:
    """Given a URL the installed Python SDK built and signed, When the REST event carries it decoded, Then the
    signature is accepted."""
    url = sdk_url(src, signed=True, expires_in=expires_in, **options)
    assert ("ik-t=" in url) is (expires_in is not None)
    assert check_signature(as_received(url), KEY, NOW) is True


def test_a_plus_that_api_gateway_decodes_to_a_space_still_verifies() -> None:
    """Given a Python SDK URL with + in a query value (sent unencoded), When API Gateway decodes + as a space, Then
    delivery tries the + the SDK signed and accepts the signature."""
    url = sdk_url("/images/a.jpg", signed=True, query_parameters={"x": "a+b"})
    assert check_signature(as_received(url, plus_as_space=True), KEY, NOW) is True


def test_a_node_sdk_style_url_verifies() -> None:
    """Given a URL signed the Node SDK's way (WHATWG path encoding keeps [ ] | ^; form-encoded query parameters),
    When delivery checks it, Then the signature is accepted."""
    signed = "a[1]|%C3%A4%20b.jpg?ik-obj-version=v%2B1&tr=w-10" + "9999999999"
    url = f"{ENDPOINT}/a[1]|%C3%A4%20b.jpg?ik-obj-version=v%2B1&tr=w-10&ik-s={sign(KEY, signed)}"
    assert check_signature(as_received(url), KEY, NOW) is True


def _replace(url: str, old: str, new: str) -> str:
    assert old in url
    return url.replace(old, new, 1)


@pytest.mark.parametrize(
    ("tamper", "reason"),
    [
        pytest.param(lambda u: _replace(u, "/a.jpg", "/b.jpg"), "INVALID_SIGNATURE", id="tampered-path"),
        pytest.param(lambda u: _replace(u, "/images/", "/tr:w-10/images/"), "INVALID_SIGNATURE", id="added-path-tr"),
        pytest.param(lambda u: _replace(u, "w-300", "w-301"), "INVALID_SIGNATURE", id="tampered-tr"),
        pytest.param(
            lambda u: _replace(u, "ik-t=1700000300", "ik-t=1700000900"), "INVALID_SIGNATURE", id="tampered-ik-t"
        ),
        pytest.param(lambda u: _replace(u, "ik-t=1700000300&", ""), "INVALID_SIGNATURE", id="ik-t-removed"),
        pytest.param(lambda u: _replace(u, "?tr=", "?v=2&tr="), "INVALID_SIGNATURE", id="added-query-parameter"),
        pytest.param(lambda u: _replace(u, "ik-s=", "ik-s=0"), "INVALID_SIGNATURE", id="tampered-signature"),
        pytest.param(lambda u: _replace(u, "&ik-s=", "&ik-s=x"), "INVALID_SIGNATURE", id="signature-not-hex"),
        pytest.param(lambda u: _replace(u, "ik-t=1700000300", "ik-t=17e8"), "INVALID_SIGNATURE", id="ik-t-not-integer"),
        pytest.param(lambda u: _replace(u, "ik-t=1700000300", "ik-t=-1"), "INVALID_SIGNATURE", id="ik-t-negative"),
        pytest.param(lambda u: u.split("&ik-s=")[0], "INVALID_SIGNATURE", id="ik-t-without-ik-s"),
    ],
)
def test_tampered_urls_are_refused(tamper: Any, reason: str) -> None:
    """Given a signed URL with an expiry, When any part of it is changed, Then 401 with a message that echoes
    neither the signature nor the key."""
    url = sdk_url("/images/a.jpg", signed=True, expires_in=300, transformation=[{"width": 300, "height": 200}])
    request = as_received(tamper(url))
    with pytest.raises(UnauthorizedError) as refused:
        check_signature(request, KEY, NOW)
    assert refused.value.status == 401 and refused.value.reason == reason
    text = f"{refused.value.message} {refused.value.help}"
    assert KEY not in text
    assert request.signature is None or request.signature not in text


def test_another_accounts_key_is_refused() -> None:
    """Given a URL signed with another private key, When checked with the account's key, Then 401."""
    url = sdk_url("/images/a.jpg", key="private_OTHERKEY", signed=True)
    with pytest.raises(UnauthorizedError):
        check_signature(as_received(url), KEY, NOW)


@pytest.mark.parametrize(
    ("offset", "accepted"),
    [pytest.param(0, True, id="expiring-this-second-is-valid"), pytest.param(1, False, id="one-second-late-401")],
)
def test_expiry(offset: int, accepted: bool) -> None:
    """Given a URL signed for 300 s, When it is checked at its expiry and one second after, Then valid, then 401
    saying it expired."""
    request = as_received(sdk_url("/images/a.jpg", signed=True, expires_in=300))
    if accepted:
        assert check_signature(request, KEY, NOW + 300 + offset) is True
        return
    with pytest.raises(UnauthorizedError) as refused:
        check_signature(request, KEY, NOW + 300 + offset)
    assert refused.value.reason == "URL_EXPIRED" and "expired" in refused.value.message


def test_an_unsigned_url_is_unsigned() -> None:
    """Given a URL without ik-s or ik-t, When checked, Then it is not signed (and not refused: access decides)."""
    assert check_signature(as_received(sdk_url("/images/a.jpg")), KEY, NOW) is False


@pytest.mark.parametrize(
    ("path", "query", "candidates"),
    [
        pytest.param("/acc/images/a.jpg", None, ["images/a.jpg9999999999"], id="plain-path-is-one-string"),
        pytest.param(
            "/acc/!@é b.jpg",
            None,
            ["!@%C3%A9%20b.jpg9999999999"],
            id="both-sdks-keep-!-and-@-and-encode-space-and-unicode",
        ),
        pytest.param(
            "/acc/X[1].jpg",
            None,
            ["X%5B1%5D.jpg9999999999", "X[1].jpg9999999999"],
            id="python-encodes-brackets-node-keeps-them",
        ),
        pytest.param(
            "/acc/X^[1].jpg",
            None,
            ["X%5E%5B1%5D.jpg9999999999", "X%5E[1].jpg9999999999", "X^[1].jpg9999999999"],
            id="caret-kept-by-older-node-sdks-encoded-by-newer",
        ),
        pytest.param(
            "/acc/a.jpg",
            {"tr": ["w-300,h-200"], "x": ["a b,c*-._~"]},
            [
                "a.jpg?tr=w-300,h-200&x=a b,c*-._~9999999999",
                "a.jpg?tr=w-300,h-200&x=a+b%2Cc*-._%7E9999999999",
                "a.jpg?tr=w-300,h-200&x=a+b,c*-._~9999999999",
            ],
            id="query-raw-node-form-encoded-never-tr-and-plus-for-space",
        ),
        pytest.param(
            "/acc/a.jpg",
            {"x": ["a,b"], "ik-t": ["1700000300"]},
            ["a.jpg?x=a%2Cb1700000300", "a.jpg?x=a,b1700000300"],
            id="no-space-no-plus-candidate-and-ik-t-appended",
        ),
    ],
)
def test_the_exact_strings_an_sdk_may_have_signed(path: str, query: Any, candidates: list[str]) -> None:
    """Given a decoded path and query, When delivery rebuilds what an SDK signed, Then exactly these strings: the
    Python SDK's RFC 3986 path and raw query, the Node SDK's WHATWG path (with and without ^ encoded) and
    form-encoded query values (tr excepted), + for a space API Gateway decoded, then ik-t or 9999999999. Each extra
    string is one more that a forged signature could match."""
    assert strings_to_sign(parse_request(path, query)) == candidates


@pytest.mark.parametrize(
    ("query", "now", "body"),
    [
        pytest.param(
            {"ik-t": ["1700000300"]},
            NOW,
            {"message": "The URL has ik-t but no ik-s signature.", "reason": "INVALID_SIGNATURE"},
            id="ik-t-without-ik-s",
        ),
        pytest.param(
            {"ik-t": ["soon"], "ik-s": ["00"]},
            NOW,
            {"message": "ik-t must be a Unix time in seconds.", "reason": "INVALID_SIGNATURE"},
            id="ik-t-not-a-unix-time",
        ),
        pytest.param(
            {"ik-t": ["1700000300"], "ik-s": ["00"]},
            NOW + 301,
            {"message": "This signed URL has expired.", "reason": "URL_EXPIRED"},
            id="expired",
        ),
        pytest.param(
            {"ik-t": ["1700000300"], "ik-s": ["00"]},
            NOW + 300,
            {"message": "The signature of this URL is not valid.", "reason": "INVALID_SIGNATURE"},
            id="wrong-signature-checked-at-expiry",
        ),
        pytest.param(
            {"ik-s": ["\ud800"]},
            NOW,
            {"message": "The signature of this URL is not valid.", "reason": "INVALID_SIGNATURE"},
            id="signature-that-is-not-text-is-401-not-500",
        ),
    ],
)
def test_refused_signatures_answer_an_exact_401(query: Any, now: int, body: dict[str, str]) -> None:
    """Given a URL whose signature is missing, malformed, expired or wrong, When checked, Then 401 with the exact
    message and reason, and help that says how to build a signed URL."""
    help_text = (
        "Build the URL with an ImageKit SDK (signed=True, optionally expires_in) and the account's private key, "
        "and send it unchanged."
    )
    with pytest.raises(UnauthorizedError) as refused:
        check_signature(parse_request("/acc/a.jpg", query), KEY, now)
    assert (refused.value.status, refused.value.body()) == (401, {**body, "help": help_text})
