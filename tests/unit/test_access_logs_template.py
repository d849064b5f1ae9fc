"""The originals bucket's S3 server access logs (docs/observability.md, docs/security-checks.md): delivered to the logs
bucket under s3/originals/, which S3's log delivery may write to for that bucket only."""

from __future__ import annotations

from typing import Any

import pytest

from medialib_local.template import load_sam
from tests.conftest import TEMPLATE

PREFIX = "s3/originals/"


@pytest.fixture(scope="module")
def resources() -> dict[str, Any]:
    loaded: dict[str, Any] = load_sam(TEMPLATE)["Resources"]
    return loaded


def test_the_originals_bucket_logs_its_accesses_to_the_logs_bucket(resources: dict[str, Any]) -> None:
    """Given the template, When the originals bucket's logging is read, Then it delivers to the logs bucket (whose
    lifecycle expires it after LogRetentionDays) under its own prefix."""
    logging = resources["OriginalsBucket"]["Properties"]["LoggingConfiguration"]
    assert logging == {"DestinationBucketName": {"Ref": "LogsBucket"}, "LogFilePrefix": PREFIX}
    [rule] = resources["LogsBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
    assert rule["ExpirationInDays"] == {"Ref": "LogRetentionDays"} and "Prefix" not in rule


def test_only_s3_log_delivery_for_the_originals_bucket_may_write_under_its_prefix(resources: dict[str, Any]) -> None:
    """Given the logs bucket's policy, When its Allow statements are read, Then the only one lets S3's log delivery
    put objects under s3/originals/, on condition that the source is the originals bucket of this account."""
    statements = resources["LogsBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    [allow] = [s for s in statements if s["Effect"] == "Allow"]
    assert allow["Principal"] == {"Service": "logging.s3.amazonaws.com"}
    assert allow["Action"] == "s3:PutObject"
    assert allow["Resource"] == {"Fn::Sub": "${LogsBucket.Arn}/" + PREFIX + "*"}
    assert allow["Condition"] == {
        "ArnLike": {"aws:SourceArn": {"Fn::GetAtt": ["OriginalsBucket", "Arn"]}},
        "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}},
    }
