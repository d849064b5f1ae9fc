"""The template's logs and alarms as moto gets them (docs/observability.md): the local stack creates every log
group with its retention, every alarm, the logs bucket and the distribution's standard logging; given an
AlarmTopicArn, every alarm notifies it."""

from __future__ import annotations

from typing import Any

import boto3

from medialib_local import ACCOUNT_ID, REGION
from medialib_local.provision import Provisioner, Stack
from medialib_local.template import describe, to_cloudformation
from tests.conftest import TEMPLATE

TOPIC = f"arn:aws:sns:{REGION}:{ACCOUNT_ID}:medialib-alarms"
OTHER_REGION = "ap-southeast-2"  # away from the local stack's resources
FUNCTIONS = 10
MACHINES = 2
APIS = 2


def _log_groups(logs: Any = None) -> dict[str, Any]:
    pages = (logs or boto3.client("logs")).get_paginator("describe_log_groups").paginate()
    return {group["logGroupName"]: group for page in pages for group in page["logGroups"]}


def _alarms(cloudwatch: Any = None) -> list[dict[str, Any]]:
    pages = (cloudwatch or boto3.client("cloudwatch")).get_paginator("describe_alarms").paginate()
    return [alarm for page in pages for alarm in page["MetricAlarms"]]


def test_every_log_group_is_created_with_the_default_retention(stack: Any) -> None:
    """Given the local stack (LogRetentionDays not given), When its log groups are listed, Then each function, each
    API's access log and each state machine has its group, kept 30 days, under the name the template gives."""
    groups = _log_groups()
    physical = stack.provisioned.physical
    function_groups = [physical[f"{function_id}LogGroup"] for function_id in stack.spec.functions]
    assert len(function_groups) == FUNCTIONS
    others = ["MedialibApiAccessLogGroup", "DeliveryApiAccessLogGroup"]
    others += ["PublishStateMachineLogGroup", "FoldersStateMachineLogGroup"]
    for name in [*function_groups, *(physical[lid] for lid in others)]:
        assert groups[name]["retentionInDays"] == 30, name
    assert physical["UploadFunctionLogGroup"] == "/aws/lambda/medialib-local-UploadFunction"


def test_alarms_are_created_without_actions_when_no_topic_is_given(stack: Any) -> None:
    """Given the local stack (AlarmTopicArn empty), When its alarms are described, Then there is one per function
    and metric, per API and per state machine, each on the created resource, and none notifies anything."""
    alarms = {alarm["AlarmName"]: alarm for alarm in _alarms()}
    physical = stack.provisioned.physical
    ours = {name: alarms[name] for lid, name in physical.items() if lid.endswith("Alarm")}
    assert len(ours) >= 2 * FUNCTIONS + APIS + MACHINES
    for alarm in ours.values():
        assert alarm["AlarmActions"] == [] and alarm["OKActions"] == []
    errors = ours[physical["DeliverFunctionErrorsAlarm"]]
    assert errors["Dimensions"] == [{"Name": "FunctionName", "Value": physical["DeliverFunction"]}]
    failed = ours[physical["FoldersStateMachineFailedAlarm"]]
    assert failed["Dimensions"] == [{"Name": "StateMachineArn", "Value": physical["FoldersStateMachine"]}]
    rate = ours[physical["MedialibApi5xxAlarm"]]
    assert [query["Id"] for query in rate["Metrics"]] == ["rate", "errors", "requests"]


def test_logs_bucket_and_distribution_logging(stack: Any) -> None:
    """Given the local stack, When the logs bucket and the distribution are read, Then the bucket lets CloudFront's
    log delivery write (BucketOwnerPreferred), expires logs after the retention, and the distribution logs to it."""
    s3 = boto3.client("s3")
    bucket = stack.provisioned.physical["LogsBucket"]
    ownership = s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]["Rules"]
    assert ownership == [{"ObjectOwnership": "BucketOwnerPreferred"}]
    [rule] = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    assert rule["Expiration"]["Days"] == 30
    config = boto3.client("cloudfront").get_distribution_config(Id=stack.provisioned.distribution_id)
    logging = config["DistributionConfig"]["Logging"]
    assert logging["Enabled"] is True
    assert logging["Bucket"] == f"{bucket}.s3.amazonaws.com"
    assert logging["Prefix"] == "cdn/"


def test_given_a_topic_and_a_retention_every_alarm_notifies_it_and_every_group_keeps_it(stack: Any) -> None:
    """Given the template's log groups and alarms provisioned with AlarmTopicArn and LogRetentionDays=7 (on the
    session's moto, in a region of their own), When alarms and log groups are read, Then every alarm notifies the
    topic on ALARM and on OK, and every log group keeps 7 days."""
    cfn = to_cloudformation(describe(TEMPLATE), REGION)
    kinds = {"AWS::Logs::LogGroup", "AWS::CloudWatch::Alarm", "AWS::SQS::Queue"}  # the DLQ alarm reads its queue
    observed = {lid: res for lid, res in cfn["Resources"].items() if res["Type"] in kinds}
    parameters = {"AlarmTopicArn": TOPIC, "LogRetentionDays": "7"}
    isolated = Stack("medialib-observe", OTHER_REGION, ACCOUNT_ID, parameters)
    isolated.refs |= {lid: f"local-{lid}" for lid in cfn["Resources"] if lid not in observed}  # what they watch

    def client(service: str) -> Any:
        # boto3's stubs type client() per literal service name; the provisioner asks by a str
        return boto3.client(service, endpoint_url=stack.moto.endpoint, region_name=OTHER_REGION)  # type: ignore[call-overload]

    Provisioner(isolated, client).create({**cfn, "Resources": observed, "Outputs": {}})
    alarms = _alarms(client("cloudwatch"))
    assert len(alarms) >= 2 * FUNCTIONS + APIS + MACHINES
    for alarm in alarms:
        assert (alarm["AlarmActions"], alarm["OKActions"]) == ([TOPIC], [TOPIC]), alarm["AlarmName"]
    groups = _log_groups(client("logs"))
    assert len(groups) >= FUNCTIONS + APIS + MACHINES
    assert {group["retentionInDays"] for group in groups.values()} == {7}


def test_a_function_context_names_the_log_group_of_its_logging_config(stack: Any) -> None:
    """Given the local stack, When a function's Lambda context is built, Then its log_group_name is the group its
    LoggingConfig names (as Lambda reports it), the one the stack created with the retention."""
    context = stack.functions.context("PurgeFunction")
    assert context.log_group_name == stack.provisioned.physical["PurgeFunctionLogGroup"]
    assert context.log_group_name in _log_groups()
