"""Which table and key `medialib accounts` works on: a deployed stack's outputs (moto's CloudFormation, a stack
with medialib's output names) or the table and key given."""

from __future__ import annotations

import argparse
import json
from contextlib import suppress
from typing import Any

import pytest

from medialib_local.accounts_cli import CommandError, Target, resolve
from medialib_local.aws import aws_client
from medialib_local.cli import _parser

REGION = "us-east-1"
TABLE = "medialib-prod-MediaTable-ABC"
KEY = "arn:aws:kms:us-east-1:123456789012:key/0f1e2d3c-aaaa-bbbb-cccc-1234567890ab"


@pytest.fixture
def cloudformation(stack: Any) -> Any:
    """CloudFormation of the session's moto server (never ``mock_aws``: leaving it resets every moto backend of the
    process, the session stack's table and KMS key among them), with a stack holding medialib's output names."""
    client = aws_client("cloudformation", stack.moto.endpoint)
    template = {
        "Resources": {"Queue": {"Type": "AWS::SQS::Queue"}},
        "Outputs": {"TableName": {"Value": TABLE}, "AccountKeysKeyArn": {"Value": KEY}},
    }
    with suppress(client.exceptions.AlreadyExistsException):
        client.create_stack(StackName="medialib-prod", TemplateBody=json.dumps(template))
    return client


def _args(*argv: str) -> argparse.Namespace:
    return _parser().parse_args(["accounts", "list", *argv])


def test_a_deployed_stack_is_found_by_its_outputs(cloudformation: Any) -> None:
    """Given a stack with the outputs TableName and AccountKeysKeyArn, When --stack-name names it, Then the
    table and key are its outputs."""
    target = resolve(_args("--stack-name", "medialib-prod"), lambda: cloudformation)
    assert (target.table_name, target.kms_key_arn) == (TABLE, KEY)
    assert target.outputs["TableName"] == TABLE


def test_an_unknown_stack_is_named(cloudformation: Any) -> None:
    with pytest.raises(CommandError, match="there is no stack 'nope'"):
        resolve(_args("--stack-name", "nope"), lambda: cloudformation)


def test_the_table_and_key_given_are_used_as_they_are() -> None:
    """Given --table-name and --kms-key-arn (the local stack's), Then no CloudFormation call is made."""

    def no_cloudformation() -> Any:
        raise AssertionError("no DescribeStacks for --table-name")

    target = resolve(
        _args("--table-name", TABLE, "--kms-key-arn", KEY, "--endpoint-url", "http://127.0.0.1:5000"),
        no_cloudformation,
    )
    assert target == Target(TABLE, KEY, "http://127.0.0.1:5000", None)


@pytest.mark.parametrize("option", ["--kms-key-arn", "--usage-plan-id"])
def test_a_key_or_plan_with_a_stack_name_is_refused(cloudformation: Any, option: str) -> None:
    """Given --stack-name and --kms-key-arn or --usage-plan-id, Then a clear error: the stack's are its outputs."""
    with pytest.raises(CommandError, match="go with --table-name"):
        resolve(_args("--stack-name", "medialib-prod", option, KEY), lambda: cloudformation)
