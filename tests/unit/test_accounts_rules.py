"""Which credential a request presents (pure rules of the authorizer)."""

from __future__ import annotations

import base64

import pytest

from medialib.accounts.rules import basic_user, presented_key


def _basic(raw: str) -> str:
    return "Basic " + base64.b64encode(raw.encode()).decode()


@pytest.mark.parametrize(
    ("header", "user"),
    [
        pytest.param(_basic("private_key:do_not_set"), "private_key", id="sdk-password-ignored"),
        pytest.param(_basic("private_key:"), "private_key", id="empty-password"),
        pytest.param(_basic("private_key"), "private_key", id="no-colon"),
        pytest.param(_basic("private:key:with:colons"), "private", id="split-on-first-colon"),
        pytest.param("basic " + base64.b64encode(b"k:").decode(), "k", id="scheme-case-insensitive"),
        pytest.param(_basic(":password-only"), None, id="empty-user"),
        pytest.param("Bearer abc", None, id="not-basic"),
        pytest.param("Basic !!!not-base64!!!", None, id="bad-base64"),
        pytest.param("Basic " + base64.b64encode(b"\xff\xfe:x").decode(), None, id="not-utf8"),
        pytest.param("", None, id="empty-header"),
        pytest.param(None, None, id="no-header"),
    ],
)
def test_basic_user_is_the_private_key(header: str | None, user: str | None) -> None:
    """Given an Authorization header, When it is parsed, Then the user name (the key) or nothing comes out."""
    assert basic_user(header) == user


def test_x_api_key_counts_only_on_img_processing_routes() -> None:
    """Given only x-api-key, When the path is /v1/images/..., Then it is the key; elsewhere it is ignored."""
    headers = {"X-Api-Key": "private_key"}
    assert presented_key("/v1/images/abc/publish", headers) == "private_key"
    assert presented_key("/prod/v1/images/abc", headers) == "private_key"
    assert presented_key("/v1/files", headers) is None


@pytest.mark.parametrize(
    ("path", "key"),
    [
        pytest.param("/v1/images/abc", "from_header", id="images-route-x-api-key-wins-over-a-stale-basic"),
        pytest.param("/v1/files", "from_basic", id="elsewhere-basic-is-the-only-credential"),
    ],
)
def test_both_credentials_sent(path: str, key: str) -> None:
    """Given a Basic header and x-api-key, When the key is chosen, Then x-api-key on /v1/images (that service's
    own credential, a stale Basic header must not hide it), and Basic everywhere else."""
    headers = {"authorization": _basic("from_basic:"), "x-api-key": "from_header"}
    assert presented_key(path, headers) == key


@pytest.mark.parametrize("account_id", ["v1", "api", "docs", "incoming"])
def test_an_account_id_that_collides_with_a_route_or_a_storage_prefix_is_refused(account_id: str) -> None:
    """Given an account id that is an API route's first segment (/v1, /api, /docs) or the originals bucket's
    upload-session prefix (incoming/), When an account is made with it, Then it is refused, naming why."""
    from pydantic import ValidationError

    from medialib.accounts.models import Account

    with pytest.raises(ValidationError, match="reserved"):
        Account(account_id=account_id, public_key="public_key_1", private_key="private_key_1")
    assert Account(account_id=f"{account_id}x", public_key="public_key_1", private_key="private_key_1")
