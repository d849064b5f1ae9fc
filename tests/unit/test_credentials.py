"""Which credential a request presents, at the edges of the header grammar (pure rules of the authorizer)."""

from __future__ import annotations

import base64
import hashlib

import pytest

from medialib.accounts.rules import basic_user, key_digest, presented_key


def _b64(raw: str) -> str:
    return base64.b64encode(raw.encode()).decode()


@pytest.mark.parametrize(
    ("header", "user"),
    [
        pytest.param("Basic   " + _b64("spaced:"), "spaced", id="several-spaces-after-the-scheme"),
        pytest.param("  Basic " + _b64("padded:") + "  ", "padded", id="surrounding-spaces"),
        pytest.param("Bearer " + _b64("token_user:"), None, id="other-scheme-with-valid-base64"),
        pytest.param("Basic " + _b64("user:")[:2] + "*" + _b64("user:")[2:], None, id="character-outside-base64"),
        pytest.param("Basic", None, id="scheme-without-credentials"),
    ],
)
def test_basic_header_edges(header: str, user: str | None) -> None:
    """Given an Authorization header at the edge of the Basic grammar, When parsed, Then the user name only
    when it is Basic and strictly base64 (no character is silently dropped), else nothing."""
    assert basic_user(header) == user


@pytest.mark.parametrize(
    ("path", "headers", "key"),
    [
        pytest.param("/v1/files", {"X-Other": "value", "Accept": "*/*"}, None, id="unrelated-headers-present-no-key"),
        pytest.param("/v1/images/a", {"X-Other": "value"}, None, id="images-route-unrelated-headers-no-key"),
        pytest.param("/v1/files", {"AUTHORIZATION": "Basic " + _b64("upper:")}, "upper", id="header-name-any-case"),
        pytest.param("/v1/images/a", {"X-API-KEY": "shouted"}, "shouted", id="x-api-key-name-any-case"),
        pytest.param("/v1/images/a", {"x-api-key": ""}, None, id="empty-x-api-key-is-no-key"),
        pytest.param("/v1/images", {"x-api-key": "bare"}, "bare", id="images-collection-route"),
        pytest.param("/v1/imagesX/a", {"x-api-key": "k"}, None, id="look-alike-route-is-not-images"),
    ],
)
def test_presented_key(path: str, headers: dict[str, str], key: str | None) -> None:
    """Given a request's path and headers, When the key it presents is read, Then only Authorization (any
    route) or a non-empty x-api-key (img-processing.com routes) count, whatever the header names' case."""
    assert presented_key(path, headers) == key


def test_key_index_is_the_sha256_of_the_key_never_the_key() -> None:
    """Given a private key, When indexed, Then its SHA-256 in hex (docs/data-model.md: ``APIKEY#{sha256}``),
    which never contains the key and differs from another key's."""
    digest = key_digest("private_dev_local_key")
    assert digest == hashlib.sha256(b"private_dev_local_key").hexdigest()
    assert "private" not in digest
    assert digest != key_digest("private_dev_local_key2")
