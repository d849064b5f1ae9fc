"""Per-account limits on the management API, through the local stack's API Gateway (docs/limits.md): the usage plan
of template.yaml meters each account by the API key its authorizer names, so one account flooding the API is
throttled while another goes on; a key that is not enabled in the plan is refused; a quota, when set, stops an
account for the rest of its period. The plan carries the template's default figures for these tests (the session's
stack lifts them, tests/conftest.py), and the gateway's clock stands still unless a test moves it."""

from __future__ import annotations

import json
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pytest
from werkzeug.test import Client

from medialib_local.template import load_sam
from tests.conftest import SESSION_PARAMETERS, TEMPLATE, basic


@dataclass(frozen=True)
class Tenant:
    account_id: str
    private_key: str


@dataclass
class Clock:
    now: float = 1_800_000_000.0  # 2027-01-15T08:00:00Z

    def __call__(self) -> float:
        return self.now


def _apigateway(stack: Any) -> Any:
    from medialib_local.aws import aws_client

    return aws_client("apigateway", stack.moto.endpoint)


def _set_plan(stack: Any, **values: str) -> None:
    """Change the usage plan as an operator would (update-usage-plan); ``quota=None`` removes the quota."""
    operations = [{"op": "replace", "path": f"/{name.replace('__', '/')}", "value": v} for name, v in values.items()]
    _apigateway(stack).update_usage_plan(usagePlanId=stack.usage_plan_ids()[0], patchOperations=operations)


@pytest.fixture
def clock(stack: Any) -> Iterator[Clock]:
    """The template's default throttle on the usage plan, and the gateway's clock standing still."""
    parameters = load_sam(TEMPLATE)["Parameters"]
    rate, burst = parameters["AccountRateLimit"]["Default"], parameters["AccountBurstLimit"]["Default"]
    usage_plans = stack.gateway.usage_plans
    still = Clock()
    _set_plan(stack, throttle__rateLimit=str(rate), throttle__burstLimit=str(burst))
    usage_plans.clock = still
    try:
        yield still
    finally:
        usage_plans.clock = time.time
        _set_plan(
            stack,
            throttle__rateLimit=SESSION_PARAMETERS["AccountRateLimit"],
            throttle__burstLimit=SESSION_PARAMETERS["AccountBurstLimit"],
        )
        _apigateway(stack).update_usage_plan(
            usagePlanId=stack.usage_plan_ids()[0], patchOperations=[{"op": "remove", "path": "/quota"}]
        )


@pytest.fixture
def tenant(stack: Any, forget_rows: Callable[[str], None]) -> Callable[[str], Tenant]:
    """``tenant(name)``: a new account, seeded as an operator creates one (its API key attached to the plan)."""
    from medialib.accounts.models import Account
    from medialib.accounts.service import seed_account

    def create(name: str) -> Tenant:
        account_id = f"{name}-{uuid.uuid4().hex[:10]}"
        key = f"private_{account_id}_{uuid.uuid4().hex}"
        seed_account(Account(account_id=account_id, public_key=f"public_{account_id}", private_key=key))
        forget_rows(f"ACCOUNT#{account_id}")
        return Tenant(account_id, key)

    return create


def _list(client: Client, who: Tenant) -> Any:
    return client.get("/v1/files", headers=basic(who.private_key))


def test_an_account_flooding_past_its_burst_is_throttled_while_another_goes_on(
    stack: Any, clock: Clock, tenant: Callable[[str], Tenant]
) -> None:
    """Given accounts A and B and the default limits (burst 50, 25/s), When A sends 80 requests at one instant from 8
    clients and B sends 10 in that same instant, Then exactly 50 of A's pass and 30 get 429, while all of B's pass;
    and 50 ms later (1.25 tokens at 25/s) A passes once more, not twice."""
    a, b = tenant("flood"), tenant("calm")

    def send(who: Tenant) -> int:
        return int(_list(Client(stack.app), who).status_code)

    with ThreadPoolExecutor(max_workers=8) as pool:
        flood = pool.map(send, [a] * 80)
        calm = pool.map(send, [b] * 10)
        a_statuses, b_statuses = Counter(flood), Counter(calm)

    assert a_statuses == {200: 50, 429: 30}
    assert b_statuses == {200: 10}
    client = Client(stack.app)
    assert _list(client, a).status_code == 429
    clock.now += 0.05  # 1.25 tokens at 25/s
    assert [_list(client, a).status_code for _ in range(2)] == [200, 429]


def test_a_throttled_client_reads_imagekits_answer(stack: Any, clock: Clock, tenant: Callable[[str], Tenant]) -> None:
    """Given an account that used its burst, When it sends one more request, Then the answer is 429 in ImageKit's
    shape, with the request id, x-should-retry true, Retry-After and ImageKit's rate-limit headers (the stack's figures)."""
    a = tenant("throttled")
    client = Client(stack.app)
    assert all(_list(client, a).status_code == 200 for _ in range(50))

    answer = _list(client, a)

    assert answer.status_code == 429
    assert json.loads(answer.get_data()) == {
        "message": "Too many requests. Please retry.",
        "help": "The API is rate limited; the SDKs retry after Retry-After.",
    }
    headers = answer.headers
    assert headers["x-ik-requestId"] == headers["x-amzn-RequestId"]
    assert (headers["x-should-retry"], headers["Retry-After"]) == ("true", "1")
    # X-RateLimit-Limit is the stack's AccountRateLimit parameter (this session's), not the plan as changed since
    rate_limit = SESSION_PARAMETERS["AccountRateLimit"]
    assert (headers["X-RateLimit-Limit"], headers["X-RateLimit-Interval"], headers["X-RateLimit-Reset"]) == (
        rate_limit,
        "1000",
        "1000",
    )


@pytest.mark.parametrize("how", ["key-disabled", "key-detached"])
def test_an_account_whose_key_is_not_enabled_in_the_plan_is_refused(
    stack: Any, clock: Clock, tenant: Callable[[str], Tenant], how: str
) -> None:
    """Given an authenticated account whose API key is disabled or not in the usage plan, When it calls the API, Then
    API Gateway answers 403 in ImageKit's shape whatever the authorizer said; enabled again, the account passes."""
    from medialib_local.usage_plans import attach_account, find_key, set_account_enabled

    a = tenant("refused")
    apigateway, plan_id = _apigateway(stack), stack.usage_plan_ids()[0]
    key_id = find_key(apigateway, a.account_id)
    assert key_id is not None
    if how == "key-disabled":
        set_account_enabled(apigateway, a.account_id, enabled=False)
    else:
        apigateway.delete_usage_plan_key(usagePlanId=plan_id, keyId=key_id)
    client = Client(stack.app)

    answer = _list(client, a)

    assert answer.status_code == 403
    assert json.loads(answer.get_data()) == {
        "message": "Your account is not enabled on this API.",
        "help": "The operator attaches each account to the stack's usage plan when creating it (docs/limits.md).",
    }
    assert answer.headers["x-should-retry"] == "false"
    if how == "key-disabled":
        set_account_enabled(apigateway, a.account_id, enabled=True)
    else:
        attach_account(apigateway, plan_id, a.account_id)
    assert _list(client, a).status_code == 200


def test_a_quota_stops_an_account_until_its_next_period(
    stack: Any, clock: Clock, tenant: Callable[[str], Tenant]
) -> None:
    """Given a quota of 3 requests a day, When an account sends a 4th the same day, Then it is refused 429 with
    x-should-retry false (retrying cannot help), another account still passes, and the next day it passes again."""
    a, b = tenant("quota"), tenant("other")
    _apigateway(stack).update_usage_plan(
        usagePlanId=stack.usage_plan_ids()[0],
        patchOperations=[
            {"op": "add", "path": "/quota/limit", "value": "3"},
            {"op": "add", "path": "/quota/period", "value": "DAY"},
        ],
    )
    client = Client(stack.app)
    assert [_list(client, a).status_code for _ in range(3)] == [200] * 3

    refused = _list(client, a)

    assert refused.status_code == 429
    assert refused.headers["x-should-retry"] == "false"
    assert set(json.loads(refused.get_data())) == {"message", "help"}
    assert _list(client, b).status_code == 200
    clock.now += 24 * 3600
    assert _list(client, a).status_code == 200


def test_attaching_an_account_twice_gives_it_one_key_once_in_the_plan(
    stack: Any, tenant: Callable[[str], Tenant]
) -> None:
    """Given an account the stack attached when it was seeded, When the operator's tool attaches it again, Then it
    finds the same enabled key, named after the account, whose value is the account's usage key, once in the plan."""
    from medialib.accounts.rules import usage_key
    from medialib_local.usage_plans import attach_account

    a = tenant("twice")
    apigateway, plan_id = _apigateway(stack), stack.usage_plan_ids()[0]
    first = attach_account(apigateway, plan_id, a.account_id)

    again = attach_account(apigateway, plan_id, a.account_id)

    assert again == first
    key = apigateway.get_api_key(apiKey=first, includeValue=True)
    assert (key["name"], key["value"], key["enabled"]) == (f"medialib-{a.account_id}", usage_key(a.account_id), True)
    in_plan = [k["id"] for k in apigateway.get_usage_plan_keys(usagePlanId=plan_id, limit=500)["items"]]
    assert in_plan.count(first) == 1


def test_a_key_made_by_hand_with_the_accounts_value_is_the_one_attached(stack: Any) -> None:
    """Given an API key an operator made by hand with an account's usage key as value, under another name, When the
    account is attached, Then that key is found and put in the plan (a value is unique in a region)."""
    from medialib.accounts.rules import usage_key
    from medialib_local.usage_plans import attach_account

    account_id = f"byhand-{uuid.uuid4().hex[:10]}"
    apigateway, plan_id = _apigateway(stack), stack.usage_plan_ids()[0]
    made = apigateway.create_api_key(name=f"hand-made-{account_id}", value=usage_key(account_id), enabled=True)["id"]

    assert attach_account(apigateway, plan_id, account_id) == made
