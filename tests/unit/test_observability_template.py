"""What template.yaml makes observable (docs/observability.md): every function's log group with the retention
parameter, both APIs' access logs with the authorizer's account id, both state machines logging failures without
execution data, the CDN's standard logs in the logs bucket, and an alarm for every API, function and machine that
notifies the AlarmTopicArn parameter only when one is given."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from medialib_local.template import describe, to_cloudformation
from tests.conftest import TEMPLATE

# What CloudWatch Logs accepts as RetentionInDays (PutRetentionPolicy).
CLOUDWATCH_RETENTION_DAYS = [
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
]  # fmt: skip
NO_TOPIC = {"Fn::If": ["HasAlarmTopic", [{"Ref": "AlarmTopicArn"}], {"Ref": "AWS::NoValue"}]}
# Actions AWS documents for a state machine's role to deliver its logs to CloudWatch Logs (vended logs).
LOG_DELIVERY_ACTIONS = {
    "logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery", "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:DescribeResourcePolicies", "logs:DescribeLogGroups",
}  # fmt: skip


@pytest.fixture(scope="module")
def resources(sam: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = sam["Resources"]
    return found


def _of_type(resources: dict[str, Any], kind: str) -> list[str]:
    return [lid for lid, res in resources.items() if res["Type"] == kind]


def _target(value: Any) -> str:
    """The logical id a ``Ref`` or ``GetAtt`` names."""
    if "Ref" in value:
        return str(value["Ref"])
    target = value["Fn::GetAtt"]
    return str(target[0] if isinstance(target, list) else target.split(".")[0])


def _log_group(resources: dict[str, Any], reference: Any) -> dict[str, Any]:
    resource = resources[_target(reference)]
    assert resource["Type"] == "AWS::Logs::LogGroup"
    props: dict[str, Any] = resource["Properties"]
    return props


def _alarms(resources: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {lid: resources[lid]["Properties"] for lid in _of_type(resources, "AWS::CloudWatch::Alarm")}


def _dimensions(alarm: dict[str, Any]) -> list[dict[str, Any]]:
    """Every metric dimension of an alarm, whether it watches one metric or a metric-math expression."""
    metrics = [query["MetricStat"]["Metric"] for query in alarm.get("Metrics", []) if "MetricStat" in query]
    return [d for metric in [alarm, *metrics] for d in metric.get("Dimensions", [])]


def _watching(alarms: dict[str, dict[str, Any]], metric_name: str, dimension: str, value: Any) -> list[str]:
    found = []
    for lid, alarm in alarms.items():
        names = {alarm.get("MetricName")} | {q["MetricStat"]["Metric"]["MetricName"] for q in alarm.get("Metrics", [])
                                             if "MetricStat" in q}  # fmt: skip
        if metric_name in names and {"Name": dimension, "Value": value} in _dimensions(alarm):
            found.append(lid)
    return found


def test_retention_parameter_takes_what_cloudwatch_accepts_and_defaults_to_30_days(sam: dict[str, Any]) -> None:
    """Given the LogRetentionDays parameter, When its values are read, Then they are CloudWatch Logs' retention
    values and a stack deployed without it keeps its logs 30 days."""
    parameter = sam["Parameters"]["LogRetentionDays"]
    assert parameter["AllowedValues"] == CLOUDWATCH_RETENTION_DAYS
    assert parameter["Default"] == 30


def test_every_function_logs_to_its_own_group_kept_for_the_retention(resources: dict[str, Any]) -> None:
    """Given every function of the template, When its LoggingConfig is read, Then it names a log group of the stack
    (never one Lambda would create without retention) that keeps LogRetentionDays, one group per function."""
    functions = _of_type(resources, "AWS::Serverless::Function")
    groups = set()
    for function_id in functions:
        reference = resources[function_id]["Properties"]["LoggingConfig"]["LogGroup"]
        group = _log_group(resources, reference)
        assert group["RetentionInDays"] == {"Ref": "LogRetentionDays"}, function_id
        assert group["LogGroupName"] == {"Fn::Sub": f"/aws/lambda/${{AWS::StackName}}-{function_id}"}
        groups.add(_target(reference))
    assert len(groups) == len(functions) == 10


def test_no_log_group_of_the_stack_keeps_logs_forever(resources: dict[str, Any]) -> None:
    """Given every log group the template declares, Then each expires with LogRetentionDays."""
    for lid in _of_type(resources, "AWS::Logs::LogGroup"):
        assert resources[lid]["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}, lid


def _access_log_fields(api: dict[str, Any]) -> dict[str, str]:
    fields: dict[str, str] = json.loads(api["AccessLogSetting"]["Format"])
    return fields


@pytest.mark.parametrize("api_id", ["MedialibApi", "DeliveryApi"])
def test_each_api_writes_a_json_access_log_with_the_account_id(resources: dict[str, Any], api_id: str) -> None:
    """Given an API of the template, When its access log setting is read, Then every request is one JSON line in
    the API's own log group (kept LogRetentionDays) with the request id, the account id the authorizer put in its
    context, the caller's address, method, path, status and latency."""
    props = resources[api_id]["Properties"]
    _log_group(resources, props["AccessLogSetting"]["DestinationArn"])
    fields = _access_log_fields(props)
    assert fields["requestId"] == "$context.requestId"
    assert fields["accountId"] == "$context.authorizer.accountId"
    assert fields["ip"] == "$context.identity.sourceIp"
    assert fields["httpMethod"] == "$context.httpMethod"
    assert fields["path"] == "$context.path"
    assert fields["status"] == "$context.status"
    assert fields["latency"] == "$context.responseLatency"


def test_access_logs_read_the_context_key_the_authorizer_sets() -> None:
    """Given the authorizer's answer for an account, When its context is read, Then it carries ``accountId``, the
    key the access log format reads as $context.authorizer.accountId."""
    from functions.authorizer.app import _allow

    answer = _allow("arn:aws:execute-api:eu-west-1:123456789012:api1/prod/GET/v1/files", "acme")
    assert answer["context"] == {"accountId": "acme"}


def test_access_logs_leave_out_what_carries_a_key(resources: dict[str, Any]) -> None:
    """Given the access log format, Then no field reads a header, the query string or the API key: a private key
    travels in Authorization or x-api-key, a signature in the query string."""
    for api_id in ("MedialibApi", "DeliveryApi"):
        variables = set(
            re.findall(r"\$context\.[A-Za-z.]+", resources[api_id]["Properties"]["AccessLogSetting"]["Format"])
        )
        assert not {v for v in variables if "apiKey" in v or "header" in v.lower() or "querystring" in v.lower()}


@pytest.mark.parametrize("machine_id", ["PublishStateMachine", "FoldersStateMachine"])
def test_each_state_machine_logs_failures_without_execution_data(resources: dict[str, Any], machine_id: str) -> None:
    """Given a state machine of the template, When its logging is read, Then it logs at ERROR, without the
    executions' input and output, to a log group of the stack kept LogRetentionDays."""
    logging = resources[machine_id]["Properties"]["Logging"]
    assert logging["Level"] == "ERROR"
    assert logging["IncludeExecutionData"] is False
    [destination] = logging["Destinations"]
    group = _log_group(resources, destination["CloudWatchLogsLogGroup"]["LogGroupArn"])
    assert group["LogGroupName"]["Fn::Sub"].startswith("/aws/vendedlogs/states/")


def test_state_machine_roles_may_deliver_their_logs() -> None:
    """Given the template as SAM transforms it, When each state machine's role is read, Then it holds the log
    delivery actions AWS documents for Step Functions logging (without them the machine cannot be created)."""
    cfn = to_cloudformation(describe(TEMPLATE), "eu-west-1")
    machines = [lid for lid, r in cfn["Resources"].items() if r["Type"] == "AWS::StepFunctions::StateMachine"]
    assert len(machines) == 2
    for machine_id in machines:
        role = cfn["Resources"][_target(cfn["Resources"][machine_id]["Properties"]["RoleArn"])]
        actions = {
            action
            for policy in role["Properties"]["Policies"]
            for statement in policy["PolicyDocument"]["Statement"]
            if "Action" in statement  # not the X-Ray grant that only tracing adds (an Fn::If)
            for action in ([statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"])
        }
        assert actions >= LOG_DELIVERY_ACTIONS, machine_id


def test_the_cdn_writes_standard_logs_to_a_private_logs_bucket(resources: dict[str, Any]) -> None:
    """Given the distribution, When its logging is read, Then it writes to the logs bucket, which lets CloudFront's
    log delivery write with its ACL (BucketOwnerPreferred), is encrypted, blocks public access and expires objects
    after LogRetentionDays."""
    [distribution] = _of_type(resources, "AWS::CloudFront::Distribution")
    logging = resources[distribution]["Properties"]["DistributionConfig"]["Logging"]
    assert logging["Bucket"] == {"Fn::GetAtt": ["LogsBucket", "DomainName"]}
    assert logging["IncludeCookies"] is False
    bucket = resources["LogsBucket"]["Properties"]
    assert bucket["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerPreferred"}]}
    assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
    assert all(bucket["PublicAccessBlockConfiguration"][k] is True for k in (
        "BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"))  # fmt: skip
    [rule] = bucket["LifecycleConfiguration"]["Rules"]
    assert rule["ExpirationInDays"] == {"Ref": "LogRetentionDays"}


@pytest.mark.parametrize("api_id", ["MedialibApi", "DeliveryApi"])
def test_each_api_has_a_5xx_rate_alarm_on_its_own_metrics(resources: dict[str, Any], api_id: str) -> None:
    """Given an API of the template, Then an alarm watches the 5XXError and Count of that API's stage: the ApiName
    dimension is the API's own Name (both would otherwise be named after the stack and share their metrics)."""
    name = resources[api_id]["Properties"]["Name"]
    [alarm_id] = _watching(_alarms(resources), "5XXError", "ApiName", name)
    alarm = _alarms(resources)[alarm_id]
    assert _watching({alarm_id: alarm}, "Count", "ApiName", name) == [alarm_id]
    assert {"Name": "Stage", "Value": {"Ref": "Stage"}} in _dimensions(alarm)
    names = [resources[a]["Properties"]["Name"] for a in _of_type(resources, "AWS::Serverless::Api")]
    assert len(set(map(json.dumps, names))) == len(names)


@pytest.mark.parametrize("metric", ["Errors", "Throttles"])
def test_every_function_has_an_errors_and_a_throttles_alarm(resources: dict[str, Any], metric: str) -> None:
    """Given every function of the template, Then one alarm fires on any of its Lambda Errors, one on any of its
    Throttles, within 5 minutes."""
    alarms = _alarms(resources)
    for function_id in _of_type(resources, "AWS::Serverless::Function"):
        [alarm_id] = _watching(alarms, metric, "FunctionName", {"Ref": function_id})
        alarm = alarms[alarm_id]
        assert (alarm["Namespace"], alarm["Statistic"], alarm["Threshold"]) == ("AWS/Lambda", "Sum", 1)
        assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"


def test_every_state_machine_has_a_failed_executions_alarm(resources: dict[str, Any]) -> None:
    """Given every state machine of the template, Then an alarm fires on any ExecutionsFailed of it."""
    alarms = _alarms(resources)
    for machine_id in _of_type(resources, "AWS::Serverless::StateMachine"):
        [alarm_id] = _watching(alarms, "ExecutionsFailed", "StateMachineArn", {"Ref": machine_id})
        assert alarms[alarm_id]["Namespace"] == "AWS/States"


def test_alarms_notify_the_topic_only_when_one_is_given(sam: dict[str, Any], resources: dict[str, Any]) -> None:
    """Given every alarm of the template, Then its ALARM and OK actions are the AlarmTopicArn parameter when it is
    set and none when it is empty (the parameter's default)."""
    assert sam["Parameters"]["AlarmTopicArn"]["Default"] == ""
    assert sam["Conditions"]["HasAlarmTopic"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "AlarmTopicArn"}, ""]}]}
    alarms = _alarms(resources)
    assert len(alarms) >= 2 * 10 + 2 + 2
    for lid, alarm in alarms.items():
        assert alarm["AlarmActions"] == NO_TOPIC, lid
        assert alarm["OKActions"] == NO_TOPIC, lid
