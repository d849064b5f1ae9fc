"""The local stack provisions every resource of template.yaml on moto, with the template's settings."""

from __future__ import annotations

import json
from typing import Any

import boto3

from medialib_local.template import load_sam
from tests.conftest import TEMPLATE


def _props(logical_id: str) -> dict[str, Any]:
    props: dict[str, Any] = load_sam(TEMPLATE)["Resources"][logical_id]["Properties"]
    return props


def test_table_has_the_template_keys_and_indexes(stack: Any) -> None:
    """Given the stack, When the table is described, Then keys, GSIs and TTL are the template's."""
    ddb = boto3.client("dynamodb")
    name = stack.provisioned.physical["MediaTable"]
    table = ddb.describe_table(TableName=name)["Table"]
    assert {k["AttributeName"]: k["KeyType"] for k in table["KeySchema"]} == {"PK": "HASH", "SK": "RANGE"}
    indexes = {i["IndexName"]: [k["AttributeName"] for k in i["KeySchema"]] for i in table["GlobalSecondaryIndexes"]}
    assert indexes == {"GSI1": ["GSI1PK", "GSI1SK"], "GSI2": ["GSI2PK", "GSI2SK"], "GSI3": ["GSI3PK", "GSI3SK"]}
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    ttl = ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
    assert ttl["AttributeName"] == "expiresAt"
    assert table["DeletionProtectionEnabled"] is True


def test_buckets_have_versioning_and_lifecycle(stack: Any) -> None:
    """Given the stack, When the buckets are read, Then originals are versioned and renditions expire."""
    s3 = boto3.client("s3")
    originals = stack.provisioned.physical["OriginalsBucket"]
    renditions = stack.provisioned.physical["RenditionsBucket"]
    assert s3.get_bucket_versioning(Bucket=originals)["Status"] == "Enabled"
    rules = s3.get_bucket_lifecycle_configuration(Bucket=renditions)["Rules"]
    expected_days = _props("RenditionsBucket")["LifecycleConfiguration"]["Rules"][0]["ExpirationInDays"]
    assert [r["Expiration"]["Days"] for r in rules] == [expected_days]


def test_the_originals_cors_is_the_upload_forms(stack: Any) -> None:
    """Given the stack with UploadAllowedOrigins at its default, When the originals' CORS is read, Then POST from any
    origin with Content-Type only, as the template's parameter says."""
    [rule] = boto3.client("s3").get_bucket_cors(Bucket=stack.provisioned.physical["OriginalsBucket"])["CORSRules"]
    assert (rule["AllowedMethods"], rule["AllowedOrigins"], rule["AllowedHeaders"]) == (
        ["POST"],
        ["*"],
        ["Content-Type"],
    )


def test_state_machine_is_the_template_definition_with_substitutions(stack: Any) -> None:
    """Given the stack, When the state machine is described, Then its ASL is statemachines/ with real ARNs."""
    sfn = boto3.client("stepfunctions")
    machine = sfn.describe_state_machine(stateMachineArn=stack.provisioned.physical["PublishStateMachine"])
    definition = json.loads(machine["definition"])
    worker = stack.provisioned.physical["PublishWorkerFunction"]
    task = definition["States"]["StartJob"]
    assert task["Parameters"]["FunctionName"].endswith(f":function:{worker}")
    assert "${" not in machine["definition"], "every DefinitionSubstitution is applied"
    assert definition["States"]["PublishFiles"]["MaxConcurrency"] == 10


def test_distribution_has_the_template_settings(stack: Any) -> None:
    """Given the stack, When the CloudFront distribution is read, Then comment, origins and behaviours match."""
    cloudfront = boto3.client("cloudfront")
    config = cloudfront.get_distribution_config(Id=stack.provisioned.distribution_id)["DistributionConfig"]
    template = _props("Cdn")["DistributionConfig"]
    assert config["Comment"] == template["Comment"]
    assert config["Enabled"] is True
    resolved = stack.provisioned.properties["Cdn"]["DistributionConfig"]
    assert config["PriceClass"] == resolved["PriceClass"] == "PriceClass_100", "the PriceClass parameter's default"
    assert config["ViewerCertificate"]["CloudFrontDefaultCertificate"] is True, "no DeliveryAlias given"
    assert config["Aliases"]["Quantity"] == 0
    assert config["WebACLId"] == ""
    origins = {o["Id"]: o for o in config["Origins"]["Items"]}
    assert set(origins) == {"deliver"}, "renditions are served only through deliver"
    delivery_api = stack.provisioned.physical["DeliveryApi"]
    assert origins["deliver"]["DomainName"].startswith(f"{delivery_api}.execute-api.")
    assert config["DefaultCacheBehavior"]["TargetOriginId"] == "deliver"
    assert config["CacheBehaviors"]["Quantity"] == 0
    assert [(r["ErrorCode"], r["ErrorCachingMinTTL"]) for r in config["CustomErrorResponses"]["Items"]] == [
        (r["ErrorCode"], r["ErrorCachingMinTTL"]) for r in template["CustomErrorResponses"]
    ]


def test_viewer_request_function_is_created_with_the_template_code(stack: Any) -> None:
    """Given the stack, When the CloudFront function the distribution associates is read, Then it is the
    template's AcceptFunction: its name, runtime and code."""
    cloudfront = boto3.client("cloudfront")
    arn = stack.provisioned.physical["AcceptFunction"]
    name = arn.rsplit("/", 1)[1]
    described = cloudfront.describe_function(Name=name)["FunctionSummary"]
    assert described["FunctionConfig"]["Runtime"] == "cloudfront-js-2.0"
    code = cloudfront.get_function(Name=name)["FunctionCode"].read().decode()
    assert code == _props("AcceptFunction")["FunctionCode"]
    [association] = stack.provisioned.properties["Cdn"]["DistributionConfig"]["DefaultCacheBehavior"][
        "FunctionAssociations"
    ]
    assert association == {"EventType": "viewer-request", "FunctionARN": arn}


def test_schedule_rules_target_their_functions(stack: Any) -> None:
    """Given the stack, When EventBridge rules are listed, Then there are two schedules: the quota reset, a monthly
    cron on purge, and the orphan sweep, a daily cron on the sweep function."""
    events = boto3.client("events")
    rules = [r for r in events.list_rules()["Rules"] if "ScheduleExpression" in r]
    targets = {
        r["ScheduleExpression"]: [t["Arn"] for t in events.list_targets_by_rule(Rule=r["Name"])["Targets"]]
        for r in rules
    }
    physical = stack.provisioned.physical
    assert len(rules) == 2
    [purge] = targets["cron(0 0 1 * ? *)"]
    [sweep] = targets["cron(15 3 * * ? *)"]
    assert purge.endswith(f":function:{physical['PurgeFunction']}")
    assert sweep.endswith(f":function:{physical['SweepFunction']}")


def test_functions_get_the_template_environment(stack: Any) -> None:
    """Given the stack, When a function's environment is read, Then Refs resolved to the created resources."""
    env = stack.provisioned.function_env["FilesFunction"]
    assert env["TABLE_NAME"] == stack.provisioned.physical["MediaTable"]
    assert env["DISTRIBUTION_ID"] == stack.provisioned.distribution_id
    assert env["DELIVERY_BASE_URL"] == stack.base_url, "the DeliveryBaseUrl parameter points at the local stack"
    assert env["MEDIALIB_TRACING"] == "false"


def test_outputs_resolve_to_the_local_stack(stack: Any) -> None:
    """Given the template's Outputs, When the stack is created, Then they name the local resources (the
    DeliveryUrl condition takes the DeliveryBaseUrl parameter the local stack passes)."""
    outputs = stack.provisioned.outputs
    assert outputs["DeliveryUrl"] == stack.base_url
    assert outputs["DistributionId"] == stack.provisioned.distribution_id
    assert outputs["TableName"] == stack.provisioned.physical["MediaTable"]
    assert outputs["PublishStateMachineArn"] == stack.provisioned.physical["PublishStateMachine"]


def test_each_function_environment_satisfies_its_settings(stack: Any) -> None:
    """Given each function's own environment from the template (not the merged one the local process
    uses), When its settings model reads it, Then nothing is missing: what passes locally passes in AWS."""
    from pydantic import BaseModel

    from medialib import settings

    models: dict[str, type[BaseModel]] = {
        "AuthorizerFunction": settings.TableSettings,
        "UploadFunction": settings.ApiSettings,
        "FilesFunction": settings.FilesSettings,
        "PublishFunction": settings.PublishSettings,
        "PublishWorkerFunction": settings.WorkerSettings,
        "FolderWorkerFunction": settings.WorkerSettings,
        "PurgeFunction": settings.PurgeSettings,
        "DeliverFunction": settings.ApiSettings,
        "SweepFunction": settings.SweepSettings,
        "FallbackFunction": settings.TableSettings,  # reads none itself (404/405 from its route table); Globals
    }
    assert set(models) == set(stack.provisioned.function_env)
    for function_id, model in models.items():
        model.model_validate(stack.provisioned.function_env[function_id])


def test_upload_sessions_are_routed_from_s3_through_eventbridge(stack: Any) -> None:
    """Given the template, When EventBridge rules are listed, Then S3 "Object Created" events under
    incoming/ of the originals bucket go to the upload function (finalising upload sessions)."""
    events = boto3.client("events")
    bucket = stack.provisioned.physical["OriginalsBucket"]
    patterns = {r["Name"]: json.loads(r["EventPattern"]) for r in events.list_rules()["Rules"] if "EventPattern" in r}
    [(name, pattern)] = [(n, p) for n, p in patterns.items() if p.get("source") == ["aws.s3"]]
    assert pattern["detail"] == {"bucket": {"name": [bucket]}, "object": {"key": [{"prefix": "incoming/"}]}}
    [target] = events.list_targets_by_rule(Rule=name)["Targets"]
    assert target["Arn"].endswith(f":function:{stack.provisioned.physical['UploadFunction']}")
