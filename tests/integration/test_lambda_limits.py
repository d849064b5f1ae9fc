"""Lambda's synchronous payload limits, enforced by the local gateway as AWS enforces them: the invocation
event (the proxy event, body included, base64 when binary) and the function's result are each limited to
6 MB. Tested at the boundary, through real routes: an event or a result of exactly the limit passes, one
byte more is refused.

The local gateway measures a payload as its JSON text (``len(json.dumps(payload))``). A spy on the stack's
function invocations records the size of each payload that reaches or leaves a function, so each test first
measures one request, then sizes the next one to land on the limit exactly, and proves it did."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.conftest import basic

# Lambda's own numbers (its errors name them), written here rather than imported from the local gateway, so
# that a wrong constant there fails these tests instead of moving their boundary with it.
LAMBDA_MAX_REQUEST = 6_291_456  # 6 MiB: "Request must be smaller than 6291456 bytes"
LAMBDA_MAX_RESPONSE = 6_291_556  # "Response payload size exceeded maximum allowed payload size (6291556 bytes)"


def payload_size(payload: Any) -> int:
    """A payload's size as the local gateway measures it."""
    return len(json.dumps(payload))


@dataclass
class Spy:
    """Sizes of the events given to and the results returned by one function, per request."""

    function_id: str
    events: list[int] = field(default_factory=list)
    results: list[int] = field(default_factory=list)
    base64: list[bool] = field(default_factory=list)


@pytest.fixture
def spy(stack: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    spies: dict[str, Spy] = {}
    real_invoke = stack.functions.invoke

    def invoke(function_id: str, event: Any) -> Any:
        watched = spies.get(function_id)
        if watched is not None:
            watched.events.append(payload_size(event))
            watched.base64.append(bool(event.get("isBase64Encoded")))
        result = real_invoke(function_id, event)
        if watched is not None:
            watched.results.append(payload_size(result))
        return result

    monkeypatch.setattr(stack.functions, "invoke", invoke)

    def watch(function_id: str) -> Spy:
        spies[function_id] = Spy(function_id)
        return spies[function_id]

    yield watch


def function_of(stack: Any, method: str, path: str) -> str:
    """The function the template routes this request to."""
    route, _ = stack.gateway.match(method, path)
    return str(route.function_id)


def _pads(total: int, steps: tuple[int, int]) -> tuple[int, int]:
    """Non-negative (a, b) with a * steps[0] + b * steps[1] == total."""
    for b in range(steps[0] + 1):
        rest = total - b * steps[1]
        if rest >= 0 and rest % steps[0] == 0:
            return rest // steps[0], b
    raise AssertionError(f"{total} cannot be reached with steps {steps}")


# --- request: the proxy event ---------------------------------------------------------------------------


def test_event_of_exactly_6_mb_reaches_the_function_and_one_byte_more_is_413(
    api: Any, account: Any, spy: Any, stack: Any
) -> None:
    """Given POST /v1/files/publish with a body sized so that the proxy event is exactly Lambda's 6 MB, When
    sent, Then the function is invoked (it answers 400: the body is not JSON); When the event is one byte
    larger, Then the gateway answers 413 and the function is not invoked."""
    publish = spy(function_of(stack, "POST", "/v1/files/publish"))

    def send(body_size: int, pad: int = 0, agent: int = 0) -> Any:
        headers = {
            **basic(account.private_key),
            "Content-Type": "application/json",
            "X-Pad": "p" * (1 + pad),
            "User-Agent": "u" * (1 + agent),
        }
        return api.post("/v1/files/publish", data=b"x" * body_size, headers=headers)

    # Measure: how the event grows with one header byte, one user-agent byte, and the body.
    for pad, agent in ((0, 0), (1, 0), (0, 1)):
        assert send(3000, pad, agent).status_code == 400  # the function refuses a body that is not JSON
    base, with_pad, with_agent = publish.events
    steps = (with_pad - base, with_agent - base)
    per_byte = 4 / 3 if publish.base64[0] else 1  # a binary body travels base64 (4 bytes per 3)
    body_size = 3 * int((LAMBDA_MAX_REQUEST - base - 4096) / per_byte / 3) + 3000  # a few KB under the limit
    assert send(body_size).status_code == 400
    under = publish.events[-1]
    assert 0 < LAMBDA_MAX_REQUEST - under < 8192, "the calibration landed a few KB under the limit"

    at_limit = send(body_size, *_pads(LAMBDA_MAX_REQUEST - under, steps))
    assert publish.events[-1] == LAMBDA_MAX_REQUEST, "the event was exactly the limit"
    invoked = len(publish.events)
    over_limit = send(body_size, *_pads(LAMBDA_MAX_REQUEST - under + 1, steps))

    assert at_limit.status_code == 400, "the function answered: the event reached it"
    assert over_limit.status_code == 413
    assert json.loads(over_limit.get_data())["message"] == "Request Too Long"
    assert len(publish.events) == invoked, "a refused event never reaches the function"


# --- response: the function's result --------------------------------------------------------------------

LARGE_FILES = 20
DESCRIPTION = 300_000  # characters of description per file: 20 files make about 6 MB of JSON


@pytest.fixture
def crowded_account(stack: Any) -> Iterator[Any]:
    """An account of its own with 21 files whose descriptions make a listing of about 6 MB."""
    from medialib.accounts.models import Account
    from medialib.accounts.service import seed_account
    from medialib_local.stack import DevAccount

    crowded = DevAccount(f"big{uuid.uuid4().hex[:12]}", f"public_{uuid.uuid4().hex}", f"private_{uuid.uuid4().hex}")
    seed_account(Account(account_id=crowded.account_id, public_key=crowded.public_key, private_key=crowded.private_key))
    for number in range(LARGE_FILES):
        put_file(crowded.account_id, f"f{number:03d}", "d" * DESCRIPTION)
    put_file(crowded.account_id, "tuning", "")
    yield crowded


def put_file(account_id: str, file_id: str, description: str) -> None:
    """A file's current record as docs/data-model.md lays it out (GSI2: the account's files by creation)."""
    from medialib.adapters import table

    created = f"2026-01-01T00:00:{int(file_id != 'tuning'):02d}.000Z"
    table.put(
        {
            "PK": f"ACCOUNT#{account_id}#FILE#{file_id}",
            "SK": "FILE",
            "GSI2PK": f"ACCOUNT#{account_id}#FILES",
            "GSI2SK": f"{created}#{file_id}",
            "type": "file",
            "accountId": account_id,
            "fileId": file_id,
            "versionId": f"v{file_id}",
            "versionNumber": 1,
            "name": f"{file_id}.txt",
            "filePath": f"/{file_id}.txt",
            "fileType": "non-image",
            "mime": "text/plain",
            "size": 1,
            "objectToken": "t",
            "description": description,
            "createdAt": created,
            "updatedAt": created,
        }
    )


def test_result_of_exactly_6_mb_is_answered_and_one_byte_more_is_502(
    api: Any, crowded_account: Any, spy: Any, stack: Any
) -> None:
    """Given an account whose file listing makes a function result of exactly Lambda's 6 MB response limit,
    When GET /v1/files, Then 200 with every file; When one description is one character longer, Then the
    gateway answers 502 (Lambda refuses the response) instead of passing it on."""
    files = spy(function_of(stack, "GET", "/v1/files"))
    headers = basic(crowded_account.private_key)

    assert api.get("/v1/files", headers=headers).status_code == 200
    missing = LAMBDA_MAX_RESPONSE - files.results[-1]
    assert 0 < missing < DESCRIPTION, "the listing starts under the limit"

    put_file(crowded_account.account_id, "tuning", "d" * missing)
    at_limit = api.get("/v1/files", headers=headers)
    assert files.results[-1] == LAMBDA_MAX_RESPONSE, "the result was exactly the limit"
    put_file(crowded_account.account_id, "tuning", "d" * (missing + 1))
    over_limit = api.get("/v1/files", headers=headers)

    assert at_limit.status_code == 200
    assert len(json.loads(at_limit.get_data())) == LARGE_FILES + 1
    assert files.results[-1] == LAMBDA_MAX_RESPONSE + 1, "the function did answer, one byte over"
    assert over_limit.status_code == 502
    assert b"d" * 1000 not in over_limit.get_data(), "none of the refused result reaches the client"
