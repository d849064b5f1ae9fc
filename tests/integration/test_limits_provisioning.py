"""The per-account limits of template.yaml as the local stack provisions them on moto (docs/limits.md): the usage
plan on the management API's stage with the stack's figures, the dev account's key in it, a quota and delivery's
reserved concurrency when their parameters ask for them, and API keys and usage plan keys declared in a template."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import boto3

from medialib.accounts.rules import usage_key
from medialib_local import ACCOUNT_ID
from medialib_local.provision import Provisioner, Stack
from medialib_local.template import describe, to_cloudformation
from tests.conftest import SESSION_PARAMETERS, TEMPLATE

OTHER_REGION = "eu-central-1"  # a region of their own on the session's moto: the stack's own plan stays alone


def test_the_usage_plan_meters_the_management_stage_with_the_stacks_figures(stack: Any) -> None:
    """Given the session's stack, When its usage plan is read from moto, Then it is the UsagePlanId output, names the
    management API's stage (as the gateway knows it), has the stack's throttle and no quota, and holds the dev
    account's key."""
    apigateway = boto3.client("apigateway", endpoint_url=stack.moto.endpoint)
    plan_id = stack.provisioned.outputs["UsagePlanId"]
    assert stack.usage_plan_ids() == [plan_id]
    plan = apigateway.get_usage_plan(usagePlanId=plan_id)
    rest_api, stage = stack.gateway.usage_plans.stages["MedialibApi"]
    assert plan["apiStages"] == [{"apiId": rest_api, "stage": stage}]
    assert plan["throttle"] == {
        "rateLimit": float(SESSION_PARAMETERS["AccountRateLimit"]),
        "burstLimit": int(SESSION_PARAMETERS["AccountBurstLimit"]),
    }
    assert "quota" not in plan
    keys = apigateway.get_usage_plan_keys(usagePlanId=plan_id, limit=500)["items"]
    assert usage_key(stack.account.account_id) in {key["value"] for key in keys}


def test_a_quota_reserved_concurrency_and_declared_keys_are_provisioned_when_asked(stack: Any) -> None:
    """Given the usage plan and the deliver function provisioned with a daily quota of 5000 and 50 reserved executions,
    and a template's API key and usage plan key, When moto is read, Then the plan has the quota, the function its
    reserved concurrency, and the key (enabled, with its value) is in the plan under CloudFormation's Ref."""
    cfn = to_cloudformation(describe(TEMPLATE), "us-east-1")
    wanted = {"AccountUsagePlan", "DeliverFunction", "DeliverFunctionRole"}
    resources = {lid: res for lid, res in cfn["Resources"].items() if lid in wanted}
    resources["TestKey"] = {
        "Type": "AWS::ApiGateway::ApiKey",
        "Properties": {"Name": "declared", "Enabled": True, "Value": usage_key("declared-account")},
    }
    resources["TestPlanKey"] = {
        "Type": "AWS::ApiGateway::UsagePlanKey",
        "Properties": {"KeyId": {"Ref": "TestKey"}, "UsagePlanId": {"Ref": "AccountUsagePlan"}, "KeyType": "API_KEY"},
    }
    parameters = {"AccountRequestQuota": "5000", "AccountQuotaPeriod": "DAY", "DeliveryReservedConcurrency": "50"}
    isolated = Stack("medialib-limits", OTHER_REGION, ACCOUNT_ID, parameters)
    others = [lid for lid in cfn["Resources"] if lid not in resources]
    isolated.refs |= {lid: f"local-{lid}" for lid in others}  # what the provisioned resources name
    arn = f"arn:aws:sqs:{OTHER_REGION}:{ACCOUNT_ID}:local"  # any ARN: the role's policies name these resources
    isolated.attributes |= {lid: defaultdict(lambda: arn) for lid in others}

    def client(service: str) -> Any:
        return boto3.client(service, endpoint_url=stack.moto.endpoint, region_name=OTHER_REGION)  # type: ignore[call-overload]

    created = Provisioner(isolated, client).create({**cfn, "Resources": resources, "Outputs": {}})

    plan = client("apigateway").get_usage_plan(usagePlanId=created.refs["AccountUsagePlan"])
    assert plan["quota"] == {"limit": 5000, "period": "DAY", "offset": 0}
    concurrency = client("lambda").get_function_concurrency(FunctionName=created.refs["DeliverFunction"])
    assert concurrency["ReservedConcurrentExecutions"] == 50
    key_id = created.refs["TestKey"]
    assert created.refs["TestPlanKey"] == f"{key_id}:{plan['id']}"
    [in_plan] = client("apigateway").get_usage_plan_keys(usagePlanId=plan["id"])["items"]
    key = client("apigateway").get_api_key(apiKey=key_id, includeValue=True)
    assert (in_plan["id"], key["enabled"], key["value"]) == (key_id, True, usage_key("declared-account"))
