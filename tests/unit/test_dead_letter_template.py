"""Nothing dropped silently, read from template.yaml: every asynchronous invocation (an EventBridge rule's target, a
function invoked with InvocationType=Event) ends in an encrypted dead-letter queue after explicit retries, the queue
lets exactly the stack's rules and functions send to it, and its depth raises an alarm (docs/dead-letters.md)."""

from __future__ import annotations

from typing import Any

# SAM event sources whose service invokes the function asynchronously (Lambda's own queue and retries).
ASYNC_EVENT_TYPES = {
    "S3", "SNS", "EventBridgeRule", "CloudWatchEvent", "Schedule", "ScheduleV2", "CloudWatchLogs", "IoTRule",
    "AlexaSkill", "Cognito",
}  # fmt: skip
FOURTEEN_DAYS = 14 * 24 * 3600


def _target(value: Any) -> str:
    """The logical id a ``Ref`` or ``GetAtt`` names."""
    if "Ref" in value:
        return str(value["Ref"])
    target = value["Fn::GetAtt"]
    return str(target[0] if isinstance(target, list) else target.split(".")[0])


def _queues(resources: dict[str, Any]) -> list[str]:
    return [lid for lid, r in resources.items() if r["Type"] == "AWS::SQS::Queue"]


def _async_functions(sam: dict[str, Any]) -> dict[str, list[str]]:
    """Functions with an asynchronous event source -> those events' names."""
    found: dict[str, list[str]] = {}
    for lid, resource in sam["Resources"].items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        events = resource["Properties"].get("Events") or {}
        names = [name for name, event in events.items() if event["Type"] in ASYNC_EVENT_TYPES]
        if names:
            found[lid] = names
    return found


def test_the_asynchronous_paths_are_the_finaliser_and_the_two_schedules(sam: dict[str, Any]) -> None:
    """Given the template, When its functions' asynchronous event sources are listed, Then they are the S3 ->
    EventBridge finaliser and the two schedules (a new one must meet the tests below)."""
    assert _async_functions(sam) == {
        "UploadFunction": ["FinaliseUploadSession"],
        "PurgeFunction": ["MonthlyQuotaReset"],
        "SweepFunction": ["DailyOrphanSweep"],
    }


def test_the_dead_letter_queue_is_encrypted_and_keeps_messages_14_days(cfn: dict[str, Any]) -> None:
    """Given the template's SQS queues, When read, Then there is one, encrypted (SSE-SQS or KMS), with a retention
    of 14 days, and its URL and ARN are outputs."""
    resources = cfn["Resources"]
    [queue] = _queues(resources)
    props = resources[queue]["Properties"]
    assert props.get("SqsManagedSseEnabled") is True or props.get("KmsMasterKeyId")
    assert int(props["MessageRetentionPeriod"]) == FOURTEEN_DAYS
    outputs = cfn["Outputs"]
    assert outputs["DeadLetterQueueUrl"]["Value"] == {"Ref": queue}
    assert _target(outputs["DeadLetterQueueArn"]["Value"]) == queue


def test_every_rule_target_has_the_dead_letter_queue_and_a_retry_policy(cfn: dict[str, Any]) -> None:
    """Given every EventBridge rule of the deployed template, When its targets are read, Then each has a
    DeadLetterConfig on the queue and an explicit RetryPolicy (maximum event age and attempts within EventBridge's
    bounds)."""
    resources = cfn["Resources"]
    [queue] = _queues(resources)
    rules = {lid: r for lid, r in resources.items() if r["Type"] == "AWS::Events::Rule"}
    assert rules
    for lid, rule in rules.items():
        for target in rule["Properties"]["Targets"]:
            assert _target(target["DeadLetterConfig"]["Arn"]) == queue, lid
            retry = target["RetryPolicy"]
            assert 60 <= retry["MaximumEventAgeInSeconds"] <= 86400, lid
            assert 0 <= retry["MaximumRetryAttempts"] <= 185, lid


def test_every_asynchronously_invoked_function_sends_its_failures_to_the_queue(
    sam: dict[str, Any], cfn: dict[str, Any]
) -> None:
    """Given each function with an asynchronous event source, When its EventInvokeConfig is read, Then its retries
    and maximum event age are explicit and its on-failure destination is the queue, and its role may send there
    (the statement SAM adds for an SQS destination)."""
    resources = cfn["Resources"]
    [queue] = _queues(resources)
    configs = {_target(r["Properties"]["FunctionName"]): r["Properties"]
               for r in resources.values() if r["Type"] == "AWS::Lambda::EventInvokeConfig"}  # fmt: skip
    for function in _async_functions(sam):
        config = configs[function]
        assert 0 <= config["MaximumRetryAttempts"] <= 2, function
        assert 60 <= config["MaximumEventAgeInSeconds"] <= 21600, function
        assert _target(config["DestinationConfig"]["OnFailure"]["Destination"]) == queue, function
        role = resources[_target(resources[function]["Properties"]["Role"])]
        statements = [s for p in role["Properties"]["Policies"] for s in p["PolicyDocument"]["Statement"]]
        assert any(
            s["Action"] in ("sqs:SendMessage", ["sqs:SendMessage"]) and _target(s["Resource"]) == queue
            for s in statements
        ), function


def test_the_queue_policy_lets_exactly_the_stacks_rules_send(cfn: dict[str, Any]) -> None:
    """Given the queue policy, When read, Then EventBridge may SendMessage only for the stack's rules (by
    aws:SourceArn), and requests without TLS are denied."""
    resources = cfn["Resources"]
    [queue] = _queues(resources)
    [policy] = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::SQS::QueuePolicy"]
    assert [_target(q) for q in policy["Queues"]] == [queue]
    statements = policy["PolicyDocument"]["Statement"]
    [allow] = [s for s in statements if s["Effect"] == "Allow"]
    assert (allow["Principal"], allow["Action"]) == ({"Service": "events.amazonaws.com"}, "sqs:SendMessage")
    sources = {_target(arn) for arn in allow["Condition"]["ArnEquals"]["aws:SourceArn"]}
    assert sources == {lid for lid, r in resources.items() if r["Type"] == "AWS::Events::Rule"}
    [deny] = [s for s in statements if s["Effect"] == "Deny"]
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_a_message_in_the_queue_raises_the_alarm_on_the_optional_topic(sam: dict[str, Any]) -> None:
    """Given the alarms, When the one on the queue is read, Then it fires on ApproximateNumberOfMessagesVisible > 0
    and notifies AlarmTopicArn when that parameter is given (none when empty)."""
    resources = sam["Resources"]
    [queue] = _queues(resources)
    [alarm] = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::CloudWatch::Alarm"
               and r["Properties"].get("Namespace") == "AWS/SQS"]  # fmt: skip
    assert alarm["MetricName"] == "ApproximateNumberOfMessagesVisible"
    assert [_target(d["Value"]) for d in alarm["Dimensions"]] == [queue]
    assert (alarm["ComparisonOperator"], alarm["Threshold"]) == ("GreaterThanThreshold", 0)
    assert alarm["AlarmActions"] == {"Fn::If": ["HasAlarmTopic", [{"Ref": "AlarmTopicArn"}], {"Ref": "AWS::NoValue"}]}
    assert sam["Parameters"]["AlarmTopicArn"]["Default"] == ""
    assert sam["Conditions"]["HasAlarmTopic"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "AlarmTopicArn"}, ""]}]}
