"""`medialib accounts` against the local stack (its moto endpoint, as `medialib local start-api` prints it), and
what the accounts it makes can do through the local API Gateway, driven by the official Python SDK (imagekitio,
unchanged but for its base URL and an httpx transport onto the in-process stack).

Time is moved, never slept: one clock stands for the gateway's authorizer cache (``Gateway.clock``), the accounts'
memo (``accounts.service.clock``) and the wall time that ends a rotation's grace period
(``accounts.service.wall_clock``); the CLI runs in a subprocess and writes the grace period's end from the real
time, which the moved clock starts from."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import imagekitio
import pytest
from imagekitio import ImageKit

from medialib.upload.signing import sign
from tests.conftest import ROOT, basic
from tests.integration.delivery_helpers import sdk_path
from tests.upload_helpers import multipart

MEDIALIB = Path(sys.executable).parent / "medialib"
BASE_URL = "http://127.0.0.1:3000"


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(stack: Any, monkeypatch: pytest.MonkeyPatch) -> Clock:
    from medialib.accounts import service as accounts

    fake = Clock()
    monkeypatch.setattr(stack.gateway, "clock", fake)
    monkeypatch.setattr(accounts, "clock", fake)
    monkeypatch.setattr(accounts, "wall_clock", fake)
    return fake


@pytest.fixture
def cache_ttl(stack: Any) -> int:
    """The authorizer cache's TTL the local stack deploys (AuthorizerCacheTtlSeconds' default)."""
    ttl: int = stack.spec.apis["MedialibApi"].authorizer_specs["KeyAuthorizer"].ttl
    return ttl


Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def medialib(stack: Any) -> Run:
    """``medialib accounts ARGS...`` on the local stack, in a subprocess, as an operator runs it."""
    target = stack.accounts_target().split()

    def run(*args: str, where: bool = True) -> subprocess.CompletedProcess[str]:
        command = [str(MEDIALIB), "accounts", *args, *(target if where else [])]
        return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)

    return run


@dataclass(frozen=True)
class Created:
    account_id: str
    public_key: str
    private_key: str


def create(medialib: Run, *extra: str) -> Created:
    done = medialib("create", "--json", *extra)
    assert done.returncode == 0, done.stderr
    body = json.loads(done.stdout)
    return Created(body["accountId"], body["publicKey"], body["privateKey"])


def sdk(stack: Any, private_key: str) -> ImageKit:
    """The official SDK, unchanged, talking to the in-process local stack."""
    transport = httpx.WSGITransport(app=stack.app)
    return ImageKit(private_key=private_key, base_url=BASE_URL, http_client=httpx.Client(transport=transport))


def lists(stack: Any, private_key: str) -> bool:
    """True when the SDK lists the account's files with this key; False on AuthenticationError (401)."""
    try:
        sdk(stack, private_key).assets.list()
    except imagekitio.AuthenticationError as refused:
        assert refused.status_code == 401
        return False
    return True


def upload(api: Any, private_key: str, **fields: str) -> dict[str, Any]:
    values = {"fileName": "a.txt", "folder": "/accounts-" + uuid.uuid4().hex[:8], "useUniqueFileName": "false"}
    body, content_type = multipart(values | fields, b"hello")
    answer = api.post("/api/v1/files/upload", headers={**basic(private_key), "Content-Type": content_type}, data=body)
    assert answer.status_code == 200, answer.get_data()
    uploaded: dict[str, Any] = answer.get_json()
    return uploaded


def client_side_upload(api: Any, public_key: str, signing_key: str) -> int:
    """A browser's upload: the public key and a signature of ``signing_key``, no Authorization header."""
    token, expire = uuid.uuid4().hex, str(int(time.time()) + 600)
    fields = {"fileName": "b.txt", "publicKey": public_key, "token": token, "expire": expire,
              "signature": sign(signing_key, token, expire)}  # fmt: skip
    body, content_type = multipart(fields, b"browser")
    status: int = api.post("/api/v1/files/upload", headers={"Content-Type": content_type}, data=body).status_code
    return status


@dataclass(frozen=True)
class _Account:  # what sdk_path needs of an account
    account_id: str
    private_key: str


def signed_status(api: Any, stack: Any, account: Created, file_path: str, key: str) -> int:
    """The status of the file's delivery URL signed with ``key`` (the SDK's helper)."""
    path = sdk_path(stack, _Account(account.account_id, key), file_path, signed=True, expires_in=600)
    status: int = api.get(path).status_code
    return status


# ------------------------------------------------------------------ create, list


def test_a_created_account_lists_its_files_with_the_sdk(stack: Any, medialib: Run, clock: Clock) -> None:
    """Given `medialib accounts create --json` on the local stack, When the official SDK lists assets with the
    printed private key, Then [] (a new, empty account); And `list` shows it enabled, with its public key, and no
    private key anywhere in what it prints."""
    created = create(medialib)

    assert sdk(stack, created.private_key).assets.list() == []

    listed = medialib("list", "--json")
    assert listed.returncode == 0, listed.stderr
    [row] = [row for row in json.loads(listed.stdout) if row["accountId"] == created.account_id]
    assert (row["publicKey"], row["status"], row["keyRotation"]) == (created.public_key, "enabled", None)
    assert row["createdAt"].endswith("Z")
    table = medialib("list")
    assert created.account_id in table.stdout and "enabled" in table.stdout
    for printed in (listed.stdout, listed.stderr, table.stdout, table.stderr):
        assert created.private_key not in printed and stack.account.private_key not in printed


def test_create_prints_the_keys_once_in_plain_text_too(medialib: Run) -> None:
    """Given `create --account-id ID` without --json, When it runs, Then it names the id and both keys, which are
    ImageKit-shaped keys with 32 random bytes (public_/private_ and 43 characters)."""
    account_id = "acc-" + uuid.uuid4().hex[:10]
    done = medialib("create", "--account-id", account_id)
    assert done.returncode == 0, done.stderr
    lines = {line.split()[0] + " " + line.split()[1]: line.split()[-1] for line in done.stdout.splitlines()[1:]}
    assert lines["Account id"] == account_id
    assert lines["Public key"].startswith("public_") and len(lines["Public key"]) == len("public_") + 43
    assert lines["Private key"].startswith("private_") and len(lines["Private key"]) == len("private_") + 43


# ------------------------------------------------------------------ rotation with a grace period


def test_after_rotation_both_keys_work_until_the_grace_period_ends(
    stack: Any, api: Any, medialib: Run, clock: Clock, cache_ttl: int
) -> None:
    """Given an account with a private file, When its key is rotated with a grace period of 1 h, Then the old and
    the new key both list files with the SDK, both sign delivery URLs and client-side uploads (past the gateway's
    cache TTL too); When the grace period has passed, Then only the new key does: the old one is 401 everywhere."""
    created = create(medialib)
    private = upload(api, created.private_key, isPrivateFile="true")

    rotated = medialib("rotate-key", created.account_id, "--grace-period", "1h", "--json")

    assert rotated.returncode == 0, rotated.stderr
    new_key = json.loads(rotated.stdout)["privateKey"]
    assert new_key != created.private_key and new_key.startswith("private_")
    clock.now += cache_ttl + 1  # past the gateway's cache: the authorizer decides again
    for key in (created.private_key, new_key):
        assert lists(stack, key)
        assert signed_status(api, stack, created, private["filePath"], key) == 200
        assert client_side_upload(api, created.public_key, key) == 200

    clock.now += 3600
    assert not lists(stack, created.private_key)
    assert signed_status(api, stack, created, private["filePath"], created.private_key) == 401
    assert client_side_upload(api, created.public_key, created.private_key) == 401
    assert lists(stack, new_key)
    assert signed_status(api, stack, created, private["filePath"], new_key) == 200
    assert client_side_upload(api, created.public_key, new_key) == 200
    [row] = [r for r in json.loads(medialib("list", "--json").stdout) if r["accountId"] == created.account_id]
    assert row["keyRotation"].startswith("previous key valid until ")  # the CLI reads the real time: 1 h left


def test_a_rotation_without_grace_ends_the_old_key_at_once(stack: Any, medialib: Run, clock: Clock) -> None:
    """Given an account, When its key is rotated with --grace-period 0, Then the old key is refused by the next
    request the authorizer decides (the gateway had not cached it) and the new key works."""
    created = create(medialib)
    rotated = medialib("rotate-key", created.account_id, "--grace-period", "0", "--json")
    assert rotated.returncode == 0, rotated.stderr
    assert not lists(stack, created.private_key)
    assert lists(stack, json.loads(rotated.stdout)["privateKey"])


# ------------------------------------------------------------------ disable, within the cache's TTL


def test_a_disabled_account_stops_within_the_authorizer_cache_ttl(
    stack: Any, api: Any, medialib: Run, clock: Clock, cache_ttl: int
) -> None:
    """Given an account whose key the gateway has just authorized (cached), When it is disabled, Then the API
    still serves that key until the cache TTL passes, and refuses it (401, ImageKit's body) from then on, with
    nothing else hidden behind it; uploads (Basic and client-side) and delivery stop at once in this process; When
    it is enabled again, Then its key works at once (a refusal is never cached)."""
    created = create(medialib)
    file = upload(api, created.private_key)
    assert lists(stack, created.private_key)  # now in the gateway's cache

    disabled = medialib("disable", created.account_id)

    assert disabled.returncode == 0, disabled.stderr
    from medialib.accounts import service as accounts

    accounts.forget_authenticated()  # the disable ran in another process; this one's memo is bounded apart
    clock.now += cache_ttl - 1
    assert lists(stack, created.private_key), "served from the gateway's cache within its TTL"
    clock.now += 1
    refused = api.get("/v1/files", headers=basic(created.private_key))
    assert refused.status_code == 401
    assert refused.get_json()["message"] == "Your account cannot be authenticated."
    assert api.get(f"/v1/images/{file['fileId']}", headers={"x-api-key": created.private_key}).status_code == 401
    assert client_side_upload(api, created.public_key, created.private_key) == 401
    body, content_type = multipart({"fileName": "c.txt"}, b"x")
    basic_upload = api.post(
        "/api/v1/files/upload", headers={**basic(created.private_key), "Content-Type": content_type}, data=body
    )
    assert basic_upload.status_code == 401
    assert api.get(f"/{created.account_id}{file['filePath']}").status_code == 404
    [row] = [r for r in json.loads(medialib("list", "--json").stdout) if r["accountId"] == created.account_id]
    assert row["status"] == "disabled"

    enabled = medialib("enable", created.account_id)
    assert enabled.returncode == 0, enabled.stderr
    accounts.forget_authenticated()
    assert lists(stack, created.private_key)


# ------------------------------------------------------------------ careless operators


CARELESS = {
    "rotate-an-unknown-account": (["rotate-key", "no-such-account"], 1, "There is no account 'no-such-account'"),
    "disable-an-unknown-account": (["disable", "no-such-account"], 1, "There is no account 'no-such-account'"),
    "enable-an-unknown-account": (["enable", "no-such-account"], 1, "There is no account 'no-such-account'"),
    "rotate-without-an-account-id": (["rotate-key"], 2, "the following arguments are required: account_id"),
    "disable-without-an-account-id": (["disable"], 2, "the following arguments are required: account_id"),
    "grace-period-not-a-duration": (["rotate-key", "dev", "--grace-period", "forever"], 2, "is not a duration"),
    "grace-period-negative": (["rotate-key", "dev", "--grace-period", "-5"], 2, "--grace-period"),
    "grace-period-over-30-days": (["rotate-key", "dev", "--grace-period", "31d"], 2, "longer than"),
    "an-account-id-that-is-no-id": (["create", "--account-id", "Not An Id!"], 1, "account_id"),
    "a-reserved-account-id": (["create", "--account-id", "v1"], 1, "reserved"),
    "an-account-id-taken": (["create", "--account-id", "dev"], 1, "exists already"),
    "an-unknown-action": (["delete", "dev"], 2, "invalid choice"),
}


@pytest.mark.parametrize(("args", "code", "says"), CARELESS.values(), ids=CARELESS.keys())
def test_a_careless_command_is_one_clear_line_and_no_traceback(
    medialib: Run, args: list[str], code: int, says: str
) -> None:
    """Given a command an operator gets wrong, When it runs, Then it exits non-zero (2 for usage) with a message
    naming the problem, no traceback, and no key printed."""
    done = medialib(*args)
    assert done.returncode == code, done.stdout + done.stderr
    assert says in done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    assert "private_" not in done.stdout + done.stderr


def test_no_stack_named_is_a_usage_error(medialib: Run) -> None:
    """Given neither --stack-name nor --table-name, When `list` runs, Then exit 2 naming the two ways."""
    done = medialib("list", where=False)
    assert done.returncode == 2
    assert "one of the arguments --stack-name --table-name is required" in done.stderr


def test_an_unknown_stack_is_named(stack: Any, medialib: Run) -> None:
    """Given --stack-name of no stack (on the local endpoint), When `list` runs, Then exit 1: there is no such
    stack, no traceback."""
    done = subprocess.run(
        [str(MEDIALIB), "accounts", "list", "--stack-name", "no-such-stack", "--endpoint-url", stack.moto.endpoint,
         "--region", "us-east-1"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    assert "there is no stack 'no-such-stack'" in done.stderr
    assert "Traceback" not in done.stderr


def test_enable_turns_the_accounts_api_key_back_on(stack: Any, medialib: Run) -> None:
    """Given an account whose API key an operator turned off (usage_plans.set_account_enabled, docs/limits.md), When
    `medialib accounts enable` runs and says the account is enabled, Then the account is let in again (no 403)."""
    import boto3

    from medialib_local.usage_plans import set_account_enabled

    created = create(medialib)
    apigateway = boto3.client("apigateway", endpoint_url=stack.moto.endpoint, region_name="us-east-1")
    assert set_account_enabled(apigateway, created.account_id, enabled=False)
    assert not _lists_or_403(stack, created.private_key)

    enabled = medialib("enable", created.account_id)

    assert enabled.returncode == 0, enabled.stderr
    assert _lists_or_403(stack, created.private_key)


def _lists_or_403(stack: Any, private_key: str) -> bool:
    try:
        sdk(stack, private_key).assets.list()
    except imagekitio.PermissionDeniedError as refused:
        assert refused.status_code == 403
        return False
    return True
