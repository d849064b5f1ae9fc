"""Least privilege, checked: each role of template.yaml grants exactly what medialib_local.permissions.NEEDS
declares for its function or state machine (docs/least-privilege.md)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pytest

from medialib_local import REGION
from medialib_local.permissions import (
    NEEDS,
    UnreadablePolicy,
    checked_resources,
    granted,
    iam_requests,
    needs,
)
from medialib_local.template import describe, to_cloudformation

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"
_SAM = describe(TEMPLATE).sam
RESOURCES = checked_resources(_SAM)


@cache
def _translated() -> dict[str, Any]:
    return to_cloudformation(describe(TEMPLATE), REGION)


def test_every_function_and_state_machine_is_declared() -> None:
    """Given the template's functions and state machines, When compared with the declared list, Then each has an
    entry and no entry names a resource the template does not have."""
    assert sorted(NEEDS) == RESOURCES


@pytest.mark.parametrize("tracing", [False, True], ids=["tracing-off", "tracing-on"])
@pytest.mark.parametrize("logical_id", RESOURCES)
def test_the_role_grants_exactly_what_is_declared(logical_id: str, tracing: bool) -> None:
    """Given a function's (or state machine's) Policies in template.yaml, When read with TracingOn set as the
    TracingEnabled parameter would, Then the (action, resource) pairs granted are exactly the declared ones: a
    grant nobody declared fails, and so does a declared need the template does not grant."""
    conditions = {name: False for name in _SAM.get("Conditions", {})} | {"TracingOn": tracing}
    grants = granted(_SAM["Resources"][logical_id], conditions)
    declared = needs(logical_id, tracing=tracing)

    assert sorted(grants - declared) == [], f"{logical_id} grants what its code is not declared to need"
    assert sorted(declared - grants) == [], f"{logical_id} is declared to need what the template does not grant"


def test_no_role_gets_a_policy_the_check_cannot_read() -> None:
    """Given the template translated by SAM (as the local stack and CloudFormation do), When each generated role
    is read, Then its only managed policy is Lambda's basic execution role (logs) for a function and none for a
    state machine: no SAM policy template or X-Ray managed policy that would grant beyond the declared list."""
    resources = _translated()["Resources"]
    roles = {lid: res for lid, res in resources.items() if res["Type"] == "AWS::IAM::Role"}

    for logical_id in RESOURCES:
        managed = roles[f"{logical_id}Role"]["Properties"].get("ManagedPolicyArns", [])
        names = [str(arn).rpartition(":policy/")[2] for arn in managed]
        expected = [] if logical_id.endswith("StateMachine") else ["service-role/AWSLambdaBasicExecutionRole"]
        assert names == expected, f"{logical_id}Role: {managed}"


def test_a_policy_template_is_refused_by_the_check() -> None:
    """Given a function whose Policies use a SAM policy template, When read, Then the check refuses it: a policy
    template hides its actions (DynamoDBCrudPolicy grants Scan and BatchWriteItem on every index)."""
    function = {"Properties": {"Policies": [{"DynamoDBCrudPolicy": {"TableName": {"Ref": "MediaTable"}}}]}}

    with pytest.raises(UnreadablePolicy):
        granted(function, {})


@pytest.mark.parametrize(
    ("service", "operation", "params", "expected"),
    [
        (
            "dynamodb",
            "Query",
            {"TableName": "t", "IndexName": "GSI1"},
            [("dynamodb:Query", "arn:aws:dynamodb:us-east-1:1:table/t/index/GSI1")],
        ),
        (
            "dynamodb",
            "TransactWriteItems",
            {"TransactItems": [{"Put": {"TableName": "t"}}, {"ConditionCheck": {"TableName": "t"}}]},
            [
                ("dynamodb:PutItem", "arn:aws:dynamodb:us-east-1:1:table/t"),
                ("dynamodb:ConditionCheckItem", "arn:aws:dynamodb:us-east-1:1:table/t"),
            ],
        ),
        (
            "s3",
            "CopyObject",
            {"Bucket": "b", "Key": "a/new", "CopySource": {"Bucket": "b", "Key": "a/old"}},
            [("s3:GetObject", "arn:aws:s3:::b/a/old"), ("s3:PutObject", "arn:aws:s3:::b/a/new")],
        ),
        ("s3", "ListObjectsV2", {"Bucket": "b", "Prefix": "a/"}, [("s3:ListBucket", "arn:aws:s3:::b")]),
        (
            "s3",
            "DeleteObjects",
            {"Bucket": "b", "Delete": {"Objects": [{"Key": "k"}]}},
            [("s3:DeleteObject", "arn:aws:s3:::b/k")],
        ),
        (
            "s3",
            "CreateBucket",
            {"Bucket": "b", "Key": "incoming/a/s"},
            [("s3:PutObject", "arn:aws:s3:::b/incoming/a/s")],
        ),
        ("stepfunctions", "StartExecution", {"stateMachineArn": "arn:m"}, [("states:StartExecution", "arn:m")]),
        ("kms", "Decrypt", {"CiphertextBlob": b""}, [("kms:Decrypt", "*")]),
    ],
    ids=[
        "an index query needs Query on the index",
        "a transaction needs each write's own action",
        "a copy reads the source and puts the destination",
        "listing a prefix needs ListBucket on the bucket",
        "a batch delete needs DeleteObject on each key",
        "a presigned POST (signed as CreateBucket with a Key) is the client's PutObject",
        "starting an execution names the machine",
        "an unknown call needs its own action on anything",
    ],
)
def test_a_call_is_the_iam_actions_it_needs(
    service: str, operation: str, params: dict[str, Any], expected: list[tuple[str, str]]
) -> None:
    """Given one AWS call, When mapped, Then it is the IAM action(s) and resource ARN(s) IAM authorises it by."""
    requests = iam_requests(service, operation, params, "us-east-1", "1")

    assert [(r.action, r.resource) for r in requests] == expected
