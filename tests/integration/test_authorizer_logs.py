"""A private key never reaches a log: not as sent, not as its Basic header, not base64-encoded.

The authorizer's output is captured where Powertools writes it (the JSON handler of the one logger of
``medialib.observability``), at DEBUG so that nothing a lower level would hide escapes the check, together
with everything the process prints (the local gateway's access line, the local Lambda's stack traces).
"""

from __future__ import annotations

import base64
import io
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.conftest import basic

WRONG_KEY = "private_wrong_key_never_logged"


@pytest.fixture
def logs(stack: Any) -> Iterator[io.StringIO]:
    """What the functions' logger writes, at DEBUG, for the duration of one test."""
    from medialib.observability import logger

    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(logger.registered_formatter)  # the JSON lines Lambda would get
    previous_level = logger.log_level
    logging.getLogger(logger.name).addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield buffer
    finally:
        logger.setLevel(previous_level)
        logging.getLogger(logger.name).removeHandler(handler)


def secret_forms(key: str, password: str = "do_not_set") -> dict[str, str]:
    """Every way a key could appear: itself, its Basic header, that header's value, the key alone in base64."""
    header = basic(key, password)["Authorization"]
    return {
        "key": key,
        "authorization-header": header,
        "base64-of-key-and-password": header.removeprefix("Basic "),
        "base64-of-key": base64.b64encode(key.encode()).decode(),
    }


@dataclass(frozen=True)
class Credential:
    path: str
    scheme: str  # "basic" or "x-api-key"
    right: bool  # the account's private key, or a wrong one


CREDENTIALS = {
    "right-key-as-basic": Credential("/v1/files", "basic", right=True),
    "wrong-key-as-basic": Credential("/v1/files", "basic", right=False),
    "right-key-as-x-api-key": Credential("/v1/images/abc", "x-api-key", right=True),
    "wrong-key-as-x-api-key": Credential("/v1/images/abc", "x-api-key", right=False),
}


@pytest.mark.parametrize("credential", CREDENTIALS.values(), ids=CREDENTIALS.keys())
def test_authorizer_never_logs_the_key_or_its_basic_header(
    api: Any, account: Any, logs: io.StringIO, capfd: pytest.CaptureFixture[str], credential: Credential
) -> None:
    """Given a request with a right or a wrong private key (Basic, or x-api-key on /v1/images), When the
    authorizer decides, Then the decision is made (not 401 for a right key, 401 for a wrong one) and
    nothing written to the log or printed contains the key, its Basic header or any base64 of it."""
    key = account.private_key if credential.right else WRONG_KEY
    headers = basic(key) if credential.scheme == "basic" else {"x-api-key": key}

    response = api.get(credential.path, headers=headers)

    assert (response.status_code != 401) is credential.right
    logged = logs.getvalue()
    out, err = capfd.readouterr()
    if not credential.right:
        assert "request not authenticated" in logged, "the authorizer's own log line was captured"
    for form, secret in secret_forms(key).items():
        for where, text in (("log", logged), ("stdout", out), ("stderr", err)):
            assert secret not in text, f"the {form} appears in {where}"
