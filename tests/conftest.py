"""Shared fixtures. ``stack``: the local stack (moto server provisioned from template.yaml, handlers
in-process), started once per session; ``invoke``/``event``/``api``: ways to reach the real handlers."""

from __future__ import annotations

import base64
import json
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
EVENTS = ROOT / "events"
TEMPLATE = ROOT / "template.yaml"


def _lambda_like_environment() -> None:
    """In Lambda, a function's environment exists before its code is imported. Give every test process the
    template's literal global variables (service name, metrics namespace...) before any import of ours."""
    from medialib_local.template import load_sam

    variables = load_sam(TEMPLATE)["Globals"]["Function"]["Environment"]["Variables"]
    for name, value in variables.items():
        if isinstance(value, str):
            os.environ.setdefault(name, value)


def _independent_of_the_callers_environment() -> None:
    """The suite runs the same whatever the caller's shell exports: MEDIALIB_* (the dev account's keys, the
    template, tracing) would change the stack under test, so in-process stacks get the documented defaults and
    tests that need the account read it from the ``account`` fixture."""
    for name in [name for name in os.environ if name.startswith("MEDIALIB_")]:
        del os.environ[name]


_independent_of_the_callers_environment()
_lambda_like_environment()


# THROTTLE: every test of the session shares the dev account, whose requests would otherwise meet the template's
# per-account throttle (25/s, burst 50) whenever tests run fast; tests/integration/test_account_limits.py puts the
# template's own figures back on the usage plan for the tests that prove them.
SESSION_PARAMETERS = {"AccountRateLimit": "10000", "AccountBurstLimit": "5000"}  # medialib_local.stack.UNTHROTTLED


@pytest.fixture(scope="session")
def stack() -> Iterator[Any]:
    """The whole local stack, as `medialib local start-api` runs it, without the HTTP listener (and with the
    per-account throttle lifted: SESSION_PARAMETERS)."""
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        os.environ.pop(name, None)
    from medialib_local.stack import DevAccount, LocalStack

    local = LocalStack(TEMPLATE, "http://127.0.0.1:3000", DevAccount.from_env(), SESSION_PARAMETERS)
    local.start(schedules=False)
    yield local
    local.stop()


@pytest.fixture(autouse=True)
def _fresh_caches() -> Iterator[None]:
    """Settings, clients and authenticated accounts are cached per process; metrics accumulate in Powertools'
    module state."""
    yield
    from medialib.settings import clear_settings

    clear_settings()
    accounts = sys.modules.get("medialib.accounts.service")
    if accounts is not None:
        accounts.forget_authenticated()
    delivery = sys.modules.get("medialib.delivery.service")
    if delivery is not None:
        delivery.forget_accounts()
    observability = sys.modules.get("medialib.observability")
    if observability is not None:
        observability.metrics.clear_metrics()
    gateway = sys.modules.get("medialib_local.gateway")
    if gateway is not None:  # the local API Gateway's authorizer cache, as after a deployment
        gateway.forget_authorizations()


@pytest.fixture
def account(stack: Any) -> Any:
    return stack.account


@pytest.fixture(scope="session")
def other_account(stack: Any) -> Any:
    """A second account, to prove that one account never sees another's data."""
    from medialib.accounts.models import Account
    from medialib.accounts.service import seed_account
    from medialib_local.stack import DevAccount

    other = DevAccount("other", "public_other_key", "private_other_key")
    seed_account(Account(account_id=other.account_id, public_key=other.public_key, private_key=other.private_key))
    return other


def load_event(name: str, **overrides: Any) -> dict[str, Any]:
    """An event from events/ (the files `sam local invoke -e` uses) with top-level fields overridden."""
    event: dict[str, Any] = json.loads((EVENTS / f"{name}.json").read_text())
    event.update(overrides)
    return event


@pytest.fixture
def invoke(stack: Any) -> Callable[[str, dict[str, Any]], Any]:
    """Invoke one function of the template (by logical id) once, in-process, like Lambda would."""

    def run(function_id: str, event: dict[str, Any]) -> Any:
        return stack.functions.invoke(function_id, event)

    return run


def basic(key: str, password: str = "do_not_set") -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{key}:{password}".encode()).decode()}


@pytest.fixture
def api(stack: Any) -> Any:
    """A werkzeug test client on what `medialib local start-api` serves: the API Gateway emulation (routes,
    authorizer, limits), with CloudFront's part in front of delivery."""
    from werkzeug.test import Client

    return Client(stack.app)


@pytest.fixture
def forget_rows() -> Iterator[Callable[[str], None]]:
    """``forget_rows(prefix)``: the table rows whose PK starts with ``prefix`` are deleted after the test. Tests that
    write thousands of rows use it: the local moto copies the whole table on every transaction, so rows left behind
    slow every later upload of the session."""
    prefixes: list[str] = []
    yield prefixes.append
    if not prefixes:
        return
    import boto3

    from medialib.settings import TableSettings, get_settings

    name = get_settings(TableSettings).table_name
    dynamodb = boto3.client("dynamodb")
    pages = dynamodb.get_paginator("scan").paginate(TableName=name, ProjectionExpression="PK, SK")  # tests may scan
    keys = [item for page in pages for item in page["Items"] if item["PK"]["S"].startswith(tuple(prefixes))]
    for start in range(0, len(keys), 25):
        batch: list[Any] = [{"DeleteRequest": {"Key": key}} for key in keys[start : start + 25]]
        dynamodb.batch_write_item(RequestItems={name: batch})
