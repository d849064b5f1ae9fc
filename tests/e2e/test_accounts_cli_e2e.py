"""`medialib accounts` as an operator runs it against `medialib local start-api`: with the arguments the banner
prints, then the official Python SDK with the keys it printed (docs/keys.md)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from imagekitio import ImageKit

from tests.conftest import ROOT
from tests.e2e.conftest import RunningStack

pytestmark = pytest.mark.e2e
MEDIALIB = Path(sys.executable).parent / "medialib"


def _accounts_example(local_api: RunningStack) -> tuple[dict[str, str], list[str]]:
    """The environment and the arguments of the example the banner prints under "Accounts (medialib accounts"."""
    lines = local_api.log.read_text().splitlines()
    at = next(i for i, line in enumerate(lines) if line.strip().startswith("Accounts (medialib accounts"))
    words = lines[at + 1].split()
    start = words.index("medialib")
    assert words[start : start + 3] == ["medialib", "accounts", "list"]
    return dict(word.split("=", 1) for word in words[:start]), words[start + 3 :]


def _accounts(local_api: RunningStack, *args: str) -> subprocess.CompletedProcess[str]:
    environment, target = _accounts_example(local_api)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")} | environment
    command = [str(MEDIALIB), "accounts", *args, *target]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)


def test_an_account_created_with_the_banners_arguments_works_with_the_sdk(local_api: RunningStack) -> None:
    """Given start-api running, When `medialib accounts create --json` runs with the arguments its banner prints,
    Then the SDK lists the new account's files ([]) with the printed key; When the key is rotated, Then the old
    and the new key both work (the grace period) and `list` shows the rotation, without a private key."""
    created = _accounts(local_api, "create", "--json")
    assert created.returncode == 0, created.stderr
    account = json.loads(created.stdout)
    assert ImageKit(private_key=account["privateKey"], base_url=local_api.base_url).assets.list() == []

    rotated = _accounts(local_api, "rotate-key", account["accountId"], "--grace-period", "10m", "--json")
    assert rotated.returncode == 0, rotated.stderr
    new_key = json.loads(rotated.stdout)["privateKey"]
    for key in (account["privateKey"], new_key):
        assert ImageKit(private_key=key, base_url=local_api.base_url).assets.list() == []

    listed = _accounts(local_api, "list")
    assert listed.returncode == 0, listed.stderr
    [row] = [line for line in listed.stdout.splitlines() if line.startswith(account["accountId"])]
    assert "enabled" in row and "previous key valid until" in row
    assert account["privateKey"] not in listed.stdout and new_key not in listed.stdout
