"""The local edge (CloudFront's part of `medialib local start-api`), built from the provisioned template: the cache
key holds only what changes the answer, and the delivery function receives what CloudFront would forward."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from werkzeug.test import Client, EnvironBuilder

CHROME = "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8"
FIREFOX = "image/avif,image/webp,*/*"
SAFARI = (
    "image/webp,image/avif,image/jxl,image/heic,image/heic-sequence,video/*;q=0.8,image/png,image/*;q=0.8,*/*;q=0.5"
)
CURL = "*/*"


def _key(stack: Any, url: str, headers: dict[str, str] | None = None) -> Any:
    path, _, query = url.partition("?")
    environ = EnvironBuilder(path=path, query_string=query, headers=list((headers or {}).items())).get_environ()
    return stack.app.cache_key(environ)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        pytest.param(
            ("/dev/a.jpg?tr=w-300", {}), ("/dev/a.jpg?tr=w-300&x=8f3a", {}), id="a-cache-buster-is-not-in-the-key"
        ),
        pytest.param(
            ("/dev/a.jpg?v=1&tr=w-300&ik-s=abc", {}),
            ("/dev/a.jpg?v=2&tr=w-300&ik-s=abc", {}),
            id="a-signed-parameter-outside-the-whitelist-is-not-in-the-key",
        ),
        pytest.param(
            ("/dev/a.jpg", {"Accept": CHROME}), ("/dev/a.jpg", {"Accept": FIREFOX}), id="chrome-and-firefox-share"
        ),
        pytest.param(
            ("/dev/a.jpg", {"Accept": CHROME}), ("/dev/a.jpg", {"Accept": SAFARI}), id="chrome-and-safari-share"
        ),
        pytest.param(("/dev/a.jpg", {"Accept": CURL}), ("/dev/a.jpg", {}), id="curl-and-no-accept-share"),
        pytest.param(
            ("/dev/a.jpg", {"Accept": CURL, "Cookie": "s=1", "User-Agent": "curl/8"}),
            ("/dev/a.jpg", {"Accept": "text/html", "Cookie": "s=2", "User-Agent": "Wget"}),
            id="cookies-user-agents-and-non-image-accepts-are-not-in-the-key",
        ),
        pytest.param(
            ("/dev/a.jpg", {"Accept-Encoding": "gzip, deflate, br"}),
            ("/dev/a.jpg", {"Accept-Encoding": "identity"}),
            id="accept-encoding-is-not-in-the-key",
        ),
    ],
)
def test_requests_that_get_the_same_bytes_share_one_cache_key(
    stack: Any, first: tuple[str, dict[str, str]], second: tuple[str, dict[str, str]]
) -> None:
    """Given two requests whose answers are the same bytes, When the edge computes their cache keys, Then the keys
    are equal: the second is a cache hit in CloudFront."""
    assert _key(stack, *first) == _key(stack, *second)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        pytest.param(("/dev/a.jpg?tr=w-300", {}), ("/dev/a.jpg?tr=w-301", {}), id="tr"),
        pytest.param(("/dev/a.jpg", {}), ("/dev/a.jpg?ik-obj-version=t1", {}), id="ik-obj-version"),
        pytest.param(("/dev/a.jpg?ik-s=abc", {}), ("/dev/a.jpg?ik-s=abd", {}), id="ik-s"),
        pytest.param(("/dev/a.jpg?ik-s=abc&ik-t=1", {}), ("/dev/a.jpg?ik-s=abc&ik-t=2", {}), id="ik-t"),
        pytest.param(("/dev/a.jpg", {}), ("/dev/a.jpg?ik-attachment=true", {}), id="ik-attachment"),
        pytest.param(("/dev/a.jpg", {}), ("/dev/b.jpg", {}), id="path"),
        pytest.param(("/dev/a.jpg", {"Accept": CHROME}), ("/dev/a.jpg", {"Accept": CURL}), id="avif-viewer-vs-any"),
        pytest.param(
            ("/dev/a.jpg", {"Accept": CHROME}), ("/dev/a.jpg", {"Accept": "image/webp,*/*"}), id="avif-vs-webp-only"
        ),
        pytest.param(
            ("/dev/a.jpg", {"Accept": "image/webp"}), ("/dev/a.jpg", {"Accept": "image/webp;q=0"}), id="q-zero-refuses"
        ),
    ],
)
def test_requests_that_may_get_other_bytes_have_other_keys(
    stack: Any, first: tuple[str, dict[str, str]], second: tuple[str, dict[str, str]]
) -> None:
    """Given two requests that differ in a part that changes the answer (or, for ik-s and ik-t, who may have it),
    When the edge computes their cache keys, Then the keys differ."""
    assert _key(stack, *first) != _key(stack, *second)


def test_the_key_holds_the_normalised_accept_and_the_whitelisted_query_in_order(stack: Any) -> None:
    """Given a browser's signed, transformed request with a cache buster, When the key is computed, Then it is the
    path, the whitelisted query strings as sent and in order, and Accept as the CloudFront function reduced it."""
    key = dict(_key(stack, "/dev/a.jpg?v=1&tr=w-300&x=1&ik-t=99&ik-s=abc", {"Accept": CHROME}))
    assert key == {
        "path": "/dev/a.jpg",
        "query": (("tr", "w-300"), ("ik-t", "99"), ("ik-s", "abc")),
        "headers": (("accept", "image/avif,image/webp"),),
        "accept-encoding": (),
    }


@pytest.fixture
def received(stack: Any, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict[str, Any]]]:
    """Every (function, event) the gateway invokes during the test, the functions still running."""
    calls: list[tuple[str, dict[str, Any]]] = []
    invoke: Callable[[str, dict[str, Any]], Any] = stack.functions.invoke

    def recording(function_id: str, event: dict[str, Any]) -> Any:
        calls.append((function_id, event))
        return invoke(function_id, event)

    monkeypatch.setattr(stack.functions, "invoke", recording)
    return calls


def test_deliver_receives_what_cloudfront_forwards(api: Client, stack: Any, received: list[Any]) -> None:
    """Given a browser's request for a delivery URL with a parameter the SDK signed, a cache buster and its own
    headers (credentials, referrer), When it goes through the edge, Then deliver gets every query string in the order sent (so the
    signature checks), the reduced Accept, the conditional header, the origin secret, and none of the viewer's
    other headers."""
    api.get(
        "/dev/a.jpg?v=1&tr=w-300&x=8f3a&ik-s=abc",
        headers={
            "Accept": CHROME,
            "Authorization": "Basic c2VjcmV0Og==",
            "Referer": "https://example.com/",
            "If-None-Match": '"e1"',
            "x-medialib-origin-secret": "guessed",
        },
    )
    [event] = [e for f, e in received if f == "DeliverFunction"]
    headers = {k.lower(): v for k, v in event["headers"].items()}
    assert list(event["queryStringParameters"]) == ["v", "tr", "x", "ik-s"]
    assert event["queryStringParameters"] == {"v": "1", "tr": "w-300", "x": "8f3a", "ik-s": "abc"}
    assert headers["accept"] == "image/avif,image/webp"
    assert headers["if-none-match"] == '"e1"'
    assert headers["x-medialib-origin-secret"] == stack.origin_secret, "the origin's header wins over the viewer's"
    assert "authorization" not in headers
    assert "referer" not in headers
    assert headers["user-agent"] == "Amazon CloudFront"


def test_a_request_without_accept_reaches_deliver_as_any(api: Client, received: list[Any]) -> None:
    """Given curl's request with no Accept header, When it goes through the edge, Then deliver gets */* (the source
    format for f-auto), the value CloudFront's function sets."""
    api.get("/dev/a.jpg?tr=f-auto", headers={"Accept": ""})
    [event] = [e for f, e in received if f == "DeliverFunction"]
    assert {k.lower(): v for k, v in event["headers"].items()}["accept"] == "*/*"


def test_management_requests_pass_the_edge_untouched(api: Client, received: list[Any]) -> None:
    """Given a request for the management API (another host in AWS), When it goes through the local edge, Then its
    headers reach the authorizer as sent: no Accept reduction, no origin secret."""
    sent = {"Accept": "image/webp;q=0", "Referer": "https://example.com/", "Authorization": "Basic cHJpdmF0ZV94Og=="}
    api.get("/v1/files", headers=sent)
    [(function_id, event)] = received[:1]
    headers = {k.lower(): v for k, v in event["headers"].items()}
    assert function_id == "AuthorizerFunction"
    assert headers["accept"] == "image/webp;q=0"
    assert headers["referer"] == "https://example.com/"
    assert "x-medialib-origin-secret" not in headers
