"""`medialib local start-api` meters each account as the deployed stack does (docs/limits.md): its banner names the
usage plan, which has the template's own figures (the test session lifts them, a user's stack does not), and the
stack's development account has its API key in it."""

from __future__ import annotations

from typing import Any

import pytest

from medialib.accounts.rules import usage_key
from medialib_local.template import load_sam
from tests.conftest import TEMPLATE
from tests.e2e.conftest import RunningStack
from tests.e2e.test_local_aws import _banner, _client

pytestmark = pytest.mark.e2e


def test_the_printed_usage_plan_has_the_templates_figures_and_the_dev_accounts_key(local_api: RunningStack) -> None:
    """Given start-api running with every default, When the usage plan its banner prints is read at the printed
    endpoint, Then its throttle is the template's AccountRateLimit and AccountBurstLimit defaults, it has no quota,
    and the development account's usage key is one of its keys."""
    [plan_id] = _banner(local_api)["Usage plan"]
    apigateway: Any = _client(local_api, "apigateway")
    plan = apigateway.get_usage_plan(usagePlanId=plan_id)
    parameters = load_sam(TEMPLATE)["Parameters"]
    assert plan["throttle"] == {
        "rateLimit": float(parameters["AccountRateLimit"]["Default"]),
        "burstLimit": parameters["AccountBurstLimit"]["Default"],
    }
    assert "quota" not in plan
    values = {key["value"] for key in apigateway.get_usage_plan_keys(usagePlanId=plan_id)["items"]}
    assert usage_key(local_api.account_id) in values
