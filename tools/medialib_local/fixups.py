"""Bucket and table properties of the template, applied with the S3 and DynamoDB APIs after creation.

A property the template uses that is neither given at creation nor applied here is reported on stderr,
never silently lost.
"""

from __future__ import annotations

import sys
from typing import Any

_TABLE_AT_CREATION = {
    "AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes", "LocalSecondaryIndexes", "BillingMode", "TableName",
    "DeletionProtectionEnabled",
}  # fmt: skip


def _lifecycle_rule(rule: dict[str, Any]) -> dict[str, Any]:
    api: dict[str, Any] = {
        "ID": rule.get("Id", ""),
        "Status": rule["Status"],
        "Filter": {"Prefix": rule.get("Prefix", "")},
    }
    if "ExpirationInDays" in rule:
        api["Expiration"] = {"Days": int(rule["ExpirationInDays"])}  # a Ref to a Number parameter arrives as text
    if "NoncurrentVersionExpiration" in rule:
        api["NoncurrentVersionExpiration"] = {"NoncurrentDays": rule["NoncurrentVersionExpiration"]["NoncurrentDays"]}
    if "AbortIncompleteMultipartUpload" in rule:
        api["AbortIncompleteMultipartUpload"] = rule["AbortIncompleteMultipartUpload"]
    return api


def _cors_rule(rule: dict[str, Any]) -> dict[str, Any]:
    api = {
        k: v for k, v in rule.items() if k in {"AllowedMethods", "AllowedOrigins", "AllowedHeaders", "ExposedHeaders"}
    }
    if "MaxAge" in rule:
        api["MaxAgeSeconds"] = rule["MaxAge"]
    return api


def _encryption(config: dict[str, Any]) -> dict[str, Any]:
    rules = [
        {"ApplyServerSideEncryptionByDefault": r["ServerSideEncryptionByDefault"]}
        for r in config["ServerSideEncryptionConfiguration"]
    ]
    return {"Rules": rules}


def _notification(name: str, config: dict[str, Any]) -> dict[str, Any]:
    """Only EventBridge delivery is emulated (``eventbridge.py`` delivers its events to the template's rules)."""
    for kind in config:
        if kind != "EventBridgeConfiguration":
            print(f"local stack: {name}: NotificationConfiguration.{kind} is not emulated locally", file=sys.stderr)
    enabled = (config.get("EventBridgeConfiguration") or {}).get("EventBridgeEnabled") in (True, "true")
    return {"EventBridgeConfiguration": {}} if enabled else {}


def bucket(s3: Any, name: str, props: dict[str, Any]) -> None:
    """Apply the template's bucket properties to the created bucket ``name``."""
    appliers = {
        "VersioningConfiguration": lambda v: s3.put_bucket_versioning(
            Bucket=name, VersioningConfiguration={"Status": v["Status"]}
        ),
        "LifecycleConfiguration": lambda v: s3.put_bucket_lifecycle_configuration(
            Bucket=name, LifecycleConfiguration={"Rules": [_lifecycle_rule(r) for r in v["Rules"]]}
        ),
        "PublicAccessBlockConfiguration": lambda v: s3.put_public_access_block(
            Bucket=name, PublicAccessBlockConfiguration=v
        ),
        "CorsConfiguration": lambda v: s3.put_bucket_cors(
            Bucket=name, CORSConfiguration={"CORSRules": [_cors_rule(r) for r in v["CorsRules"]]}
        ),
        "OwnershipControls": lambda v: s3.put_bucket_ownership_controls(Bucket=name, OwnershipControls=v),
        "NotificationConfiguration": lambda v: s3.put_bucket_notification_configuration(
            Bucket=name, NotificationConfiguration=_notification(name, v)
        ),
        "BucketEncryption": lambda v: s3.put_bucket_encryption(
            Bucket=name, ServerSideEncryptionConfiguration=_encryption(v)
        ),
        "LoggingConfiguration": lambda v: None,  # S3 server access logs are delivered by AWS, never locally
    }
    _apply(name, props, appliers, {"BucketName"})


def table(ddb: Any, name: str, props: dict[str, Any]) -> None:
    """Apply the template's table properties that CreateTable does not take."""
    appliers = {
        "TimeToLiveSpecification": lambda v: ddb.update_time_to_live(TableName=name, TimeToLiveSpecification=v),
        "PointInTimeRecoverySpecification": lambda v: ddb.update_continuous_backups(
            TableName=name, PointInTimeRecoverySpecification=v
        ),
        "SSESpecification": lambda v: None,  # moto encrypts nothing; the setting matters only in AWS
    }
    _apply(name, props, appliers, _TABLE_AT_CREATION)


def _apply(name: str, props: dict[str, Any], appliers: dict[str, Any], at_creation: set[str]) -> None:
    for key, value in props.items():
        if key in appliers:
            appliers[key](value)
        elif key not in at_creation:
            print(f"local stack: {name}: {key} is not emulated locally", file=sys.stderr)
