"""Properties that moto's CloudFormation accepts but silently ignores, applied with the service APIs.

Measured on moto 5.2.5: buckets keep only encryption and tags; tables lose TTL and point-in-time recovery.
A property the template uses that is neither applied by moto nor here is reported, never silently lost.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

_APPLIED_BY_MOTO = {
    "AWS::S3::Bucket": {"BucketEncryption", "Tags", "BucketName"},
    "AWS::DynamoDB::Table": {
        "AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes", "LocalSecondaryIndexes", "BillingMode",
        "ProvisionedThroughput", "StreamSpecification", "SSESpecification", "Tags", "TableName",
    },
}  # fmt: skip


def _lifecycle_rule(rule: dict[str, Any]) -> dict[str, Any]:
    api: dict[str, Any] = {
        "ID": rule.get("Id", ""),
        "Status": rule["Status"],
        "Filter": {"Prefix": rule.get("Prefix", "")},
    }
    if "ExpirationInDays" in rule:
        api["Expiration"] = {"Days": rule["ExpirationInDays"]}
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


def _bucket(s3: Any, name: str, props: dict[str, Any]) -> set[str]:
    if "VersioningConfiguration" in props:
        s3.put_bucket_versioning(
            Bucket=name, VersioningConfiguration={"Status": props["VersioningConfiguration"]["Status"]}
        )
    if "LifecycleConfiguration" in props:
        rules = [_lifecycle_rule(r) for r in props["LifecycleConfiguration"]["Rules"]]
        s3.put_bucket_lifecycle_configuration(Bucket=name, LifecycleConfiguration={"Rules": rules})
    if "PublicAccessBlockConfiguration" in props:
        s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=props["PublicAccessBlockConfiguration"])
    if "CorsConfiguration" in props:
        rules = [_cors_rule(r) for r in props["CorsConfiguration"]["CorsRules"]]
        s3.put_bucket_cors(Bucket=name, CORSConfiguration={"CORSRules": rules})
    if "OwnershipControls" in props:
        s3.put_bucket_ownership_controls(Bucket=name, OwnershipControls=props["OwnershipControls"])
    return {
        "VersioningConfiguration", "LifecycleConfiguration", "PublicAccessBlockConfiguration",
        "CorsConfiguration", "OwnershipControls",
    }  # fmt: skip


def _table(ddb: Any, name: str, props: dict[str, Any]) -> set[str]:
    ttl = props.get("TimeToLiveSpecification")
    if ttl:
        ddb.update_time_to_live(TableName=name, TimeToLiveSpecification=ttl)
    pitr = props.get("PointInTimeRecoverySpecification")
    if pitr:
        ddb.update_continuous_backups(TableName=name, PointInTimeRecoverySpecification=pitr)
    return {"TimeToLiveSpecification", "PointInTimeRecoverySpecification"}


def apply(cfn_template: dict[str, Any], physical: dict[str, str], client: Callable[[str], Any]) -> None:
    appliers: dict[str, tuple[str, Callable[[Any, str, dict[str, Any]], set[str]]]] = {
        "AWS::S3::Bucket": ("s3", _bucket),
        "AWS::DynamoDB::Table": ("dynamodb", _table),
    }
    for lid, res in cfn_template["Resources"].items():
        if res["Type"] not in appliers:
            continue
        service, applier = appliers[res["Type"]]
        props = res.get("Properties", {})
        handled = applier(client(service), physical[lid], props) | _APPLIED_BY_MOTO[res["Type"]]
        for missing in sorted(set(props) - handled):
            print(f"local stack: {lid}.{missing} is not emulated locally", file=sys.stderr)
