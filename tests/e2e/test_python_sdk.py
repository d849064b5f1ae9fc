"""The official Python SDK (imagekitio), unchanged but for its base URL, against `medialib local start-api`."""

from __future__ import annotations

import httpx
import imagekitio
import pytest
from imagekitio import ImageKit

from tests.e2e.conftest import RunningStack

pytestmark = pytest.mark.e2e


def _counting_client(requests: list[httpx.Request]) -> httpx.Client:
    return httpx.Client(event_hooks={"request": [requests.append]})


def test_listing_files_of_a_new_account_returns_an_empty_list(local_api: RunningStack) -> None:
    """Given a fresh local stack, When the SDK lists assets with the account's private key, Then []."""
    client = ImageKit(private_key=local_api.private_key, base_url=local_api.base_url)
    assert client.assets.list() == []


def test_wrong_key_is_401_and_the_sdk_does_not_retry(local_api: RunningStack) -> None:
    """Given a wrong private key, When the SDK lists assets, Then AuthenticationError with ImageKit's body,
    after exactly one HTTP request (x-should-retry: false; the SDK would otherwise not retry 401 either)."""
    sent: list[httpx.Request] = []
    client = ImageKit(private_key="private_wrong_key", base_url=local_api.base_url, http_client=_counting_client(sent))
    with pytest.raises(imagekitio.AuthenticationError) as caught:
        client.assets.list()
    assert caught.value.status_code == 401
    assert caught.value.body == {
        "message": "Your account cannot be authenticated.",
        "help": "Send your private API key as the Basic auth user name (or x-api-key on /v1/images).",
    }
    assert len(sent) == 1


def test_missing_file_details_raise_not_found_once(local_api: RunningStack) -> None:
    """Given no such file, When the SDK gets its details, Then NotFoundError with the message, no retry."""
    sent: list[httpx.Request] = []
    client = ImageKit(
        private_key=local_api.private_key, base_url=local_api.base_url, http_client=_counting_client(sent)
    )
    with pytest.raises(imagekitio.NotFoundError) as caught:
        client.files.get("no-such-file")
    assert isinstance(caught.value.body, dict)
    assert caught.value.body["message"] == "The requested file does not exist."
    assert len(sent) == 1


def test_invalid_list_parameter_is_a_bad_request(local_api: RunningStack) -> None:
    """Given limit=0, When the SDK lists assets, Then BadRequestError (400, not 422), no retry."""
    client = ImageKit(private_key=local_api.private_key, base_url=local_api.base_url)
    with pytest.raises(imagekitio.BadRequestError) as caught:
        client.assets.list(limit=0)
    assert "limit" in str(caught.value.body)


def test_private_key_never_appears_in_the_stack_log(local_api: RunningStack) -> None:
    """Given requests with good and bad keys, When the stack's log is read, Then no key value is in it,
    except the startup banner that prints the dev account's keys on purpose."""
    ImageKit(private_key=local_api.private_key, base_url=local_api.base_url).assets.list()
    with pytest.raises(imagekitio.AuthenticationError):
        ImageKit(private_key="private_wrong_key", base_url=local_api.base_url, max_retries=0).assets.list()
    log_lines = local_api.log.read_text().splitlines()
    banner_end = next(i for i, line in enumerate(log_lines) if line.startswith("Try:"))
    after_banner = "\n".join(log_lines[banner_end + 1 :])
    assert local_api.private_key not in after_banner
    assert "private_wrong_key" not in after_banner
