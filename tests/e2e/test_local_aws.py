"""`medialib local start-api` prints how to look inside its local AWS (the moto endpoint, region, credentials and
the physical names of the template's table, buckets and state machine), as LocalStack users are used to; a user
who copies those values into boto3 or the AWS CLI reaches the very resources the API uses."""

from __future__ import annotations

import re
from typing import Any

import boto3
import pytest

from tests.e2e.conftest import RunningStack

pytestmark = pytest.mark.e2e


def _banner(local_api: RunningStack) -> dict[str, list[str]]:
    """The banner's "  Label   value" lines, by label (a label may repeat: one line per bucket)."""
    lines = local_api.log.read_text().split("Local AWS", 1)[-1].split("\nTry:", 1)[0].splitlines()
    printed: dict[str, list[str]] = {}
    for line in lines:
        match = re.fullmatch(r"  (\S+(?: \S+)*?)\s{2,}(.+?)(?:\s{2}\(\w+\))?", line)
        if match:
            printed.setdefault(match[1], []).append(match[2])
    return printed


def _client(local_api: RunningStack, service: str) -> Any:
    """A boto3 client built from what the banner printed and nothing else."""
    printed = _banner(local_api)
    credentials = dict(pair.split("=", 1) for pair in printed["Credentials"][0].split(" ") if "=" in pair)
    return boto3.client(  # type: ignore[call-overload]
        service,
        endpoint_url=printed["Endpoint URL"][0],
        region_name=printed["Region"][0],
        aws_access_key_id=credentials["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=credentials["AWS_SECRET_ACCESS_KEY"],
    )


def _invalidations(local_api: RunningStack) -> list[dict[str, Any]]:
    """Every CloudFront invalidation in the stack's moto (every page; moto completes them at once), oldest first."""
    cloudfront = _client(local_api, "cloudfront")
    found = []
    for distribution in cloudfront.list_distributions()["DistributionList"].get("Items", []):
        for page in cloudfront.get_paginator("list_invalidations").paginate(DistributionId=distribution["Id"]):
            for summary in page["InvalidationList"].get("Items") or []:
                answer = cloudfront.get_invalidation(DistributionId=distribution["Id"], Id=summary["Id"])
                found.append(answer["Invalidation"])
    return found


def test_the_banner_prints_the_local_aws_endpoint_and_every_resource(local_api: RunningStack) -> None:
    """Given start-api running, When its banner is read, Then it names a loopback endpoint, the region, the
    credentials, one table, the three buckets (originals, renditions, logs) and the two state machines' ARNs (bulk
    publish, folder jobs)."""
    printed = _banner(local_api)
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", printed["Endpoint URL"][0])
    assert printed["Region"] == ["us-east-1"]
    assert "AWS_ACCESS_KEY_ID=" in printed["Credentials"][0]
    assert len(printed["Table"]) == 1
    assert len(printed["Bucket"]) == 3
    assert [arn.split(":")[5] for arn in printed["State machine"]] == ["stateMachine", "stateMachine"]


def test_the_printed_buckets_answer_at_the_printed_endpoint(local_api: RunningStack) -> None:
    """Given the banner's endpoint, region and credentials, When boto3 lists the buckets there and the objects of
    each printed bucket, Then the printed buckets exist and each listing answers."""
    s3 = _client(local_api, "s3")
    printed = _banner(local_api)["Bucket"]
    assert set(printed) <= {bucket["Name"] for bucket in s3.list_buckets()["Buckets"]}
    for bucket in printed:
        assert s3.list_objects_v2(Bucket=bucket)["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_the_printed_table_holds_what_the_api_uses(local_api: RunningStack) -> None:
    """Given the banner's table name, When boto3 scans it at the printed endpoint, Then the development account the
    stack seeded for the API (its public key) is in it: the same data the API reads."""
    dynamodb = _client(local_api, "dynamodb")
    [table] = _banner(local_api)["Table"]
    items = dynamodb.scan(TableName=table)["Items"]
    assert any(value == {"S": local_api.public_key} for item in items for value in item.values())


def test_the_printed_state_machine_answers_at_the_printed_endpoint(local_api: RunningStack) -> None:
    """Given the banner's state machine ARNs, When boto3 describes each at the printed endpoint, Then it is there."""
    stepfunctions = _client(local_api, "stepfunctions")
    for arn in _banner(local_api)["State machine"]:
        assert stepfunctions.describe_state_machine(stateMachineArn=arn)["stateMachineArn"] == arn
