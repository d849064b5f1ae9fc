"""What template.yaml deploys in front of delivery: a cache key of only what changes the answer, every query string
to the origin, no way to the renditions bucket but `deliver`, and a throttled regional delivery API."""

from __future__ import annotations

from typing import Any

import pytest

from medialib_local.template import load_sam
from tests.conftest import TEMPLATE

KEY_QUERY_STRINGS = {"tr", "ik-s", "ik-t", "ik-obj-version", "ik-attachment"}


@pytest.fixture(scope="module")
def resources() -> dict[str, Any]:
    found: dict[str, Any] = load_sam(TEMPLATE)["Resources"]
    return found


def _ref(value: Any) -> str:
    """The logical id a ``Ref`` or ``GetAtt`` names."""
    if "Ref" in value:
        return str(value["Ref"])
    target = value["Fn::GetAtt"]
    return str(target[0] if isinstance(target, list) else target.split(".")[0])


def _distribution(resources: dict[str, Any]) -> dict[str, Any]:
    [config] = [r["Properties"]["DistributionConfig"] for r in resources.values() if r["Type"].endswith("Distribution")]
    return dict(config)


def _behaviours(resources: dict[str, Any]) -> list[dict[str, Any]]:
    config = _distribution(resources)
    return [config["DefaultCacheBehavior"], *config.get("CacheBehaviors", [])]


def _cache_parameters(resources: dict[str, Any]) -> dict[str, Any]:
    policy = resources[_ref(_distribution(resources)["DefaultCacheBehavior"]["CachePolicyId"])]
    assert policy["Type"] == "AWS::CloudFront::CachePolicy"
    parameters: dict[str, Any] = policy["Properties"]["CachePolicyConfig"]["ParametersInCacheKeyAndForwardedToOrigin"]
    return parameters


def test_the_cache_key_whitelists_exactly_the_query_strings_that_change_the_answer(resources: dict[str, Any]) -> None:
    """Given the delivery cache policy, When its query strings are read, Then only tr, ik-s, ik-t, ik-obj-version
    and ik-attachment key the cache (a cache buster or another signed parameter does not)."""
    config = _cache_parameters(resources)["QueryStringsConfig"]
    assert config["QueryStringBehavior"] == "whitelist"
    assert sorted(config["QueryStrings"]) == sorted(KEY_QUERY_STRINGS)


def test_accept_keys_the_cache_only_after_the_viewer_request_function(resources: dict[str, Any]) -> None:
    """Given the delivery behaviour, When its key headers and functions are read, Then Accept is the only header
    of the key, no cookie or encoding splits it, and a viewer-request function of the cloudfront-js-2.0 runtime
    (the one that reduces Accept) runs before the key is computed."""
    parameters = _cache_parameters(resources)
    assert parameters["HeadersConfig"] == {"HeaderBehavior": "whitelist", "Headers": ["Accept"]}
    assert parameters["CookiesConfig"] == {"CookieBehavior": "none"}
    assert parameters["EnableAcceptEncodingGzip"] is False
    assert parameters["EnableAcceptEncodingBrotli"] is False
    [association] = _distribution(resources)["DefaultCacheBehavior"]["FunctionAssociations"]
    assert association["EventType"] == "viewer-request"
    function = resources[_ref(association["FunctionARN"])]
    assert function["Type"] == "AWS::CloudFront::Function"
    assert function["Properties"]["FunctionConfig"]["Runtime"] == "cloudfront-js-2.0"
    assert function["Properties"]["AutoPublish"] is True
    assert "request.headers.accept" in function["Properties"]["FunctionCode"]


def test_the_origin_receives_every_query_string_and_no_viewer_header(resources: dict[str, Any]) -> None:
    """Given the delivery behaviour's origin request policy, When read, Then all query strings are forwarded (a
    signature covers parameters outside the key), and no viewer header (the Host must stay API Gateway's) nor
    cookie is."""
    behaviour = _distribution(resources)["DefaultCacheBehavior"]
    policy = resources[_ref(behaviour["OriginRequestPolicyId"])]
    assert policy["Type"] == "AWS::CloudFront::OriginRequestPolicy"
    config = policy["Properties"]["OriginRequestPolicyConfig"]
    assert config["QueryStringsConfig"] == {"QueryStringBehavior": "all"}
    assert config["HeadersConfig"] == {"HeaderBehavior": "none"}
    assert config["CookiesConfig"] == {"CookieBehavior": "none"}


def test_a_403_from_the_origin_is_never_cached(resources: dict[str, Any]) -> None:
    """Given the distribution's error responses, When read, Then a 403 (missing or wrong origin secret) is kept
    0 s and passed through as the origin sent it (no page replaces it)."""
    responses = {r["ErrorCode"]: r for r in _distribution(resources)["CustomErrorResponses"]}
    assert responses[403] == {"ErrorCode": 403, "ErrorCachingMinTTL": 0}


def test_no_cloudfront_origin_is_a_bucket(resources: dict[str, Any]) -> None:
    """Given the distribution, When its origins and behaviours are read, Then its only origin is the delivery API,
    no origin is S3 (no S3 origin config, no origin access control, no bucket domain), and no behaviour serves
    /_renditions."""
    config = _distribution(resources)
    [origin] = config["Origins"]
    assert origin["DomainName"] == {"Fn::Sub": "${DeliveryApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}"}
    for one in config["Origins"]:
        assert "S3OriginConfig" not in one
        assert "OriginAccessControlId" not in one
        assert "Bucket" not in str(one["DomainName"])
    assert all(b["TargetOriginId"] == "deliver" for b in _behaviours(resources))
    assert not [b for b in config.get("CacheBehaviors", []) if "_renditions" in b["PathPattern"]]
    assert not [lid for lid, r in resources.items() if r["Type"] == "AWS::CloudFront::OriginAccessControl"]


def _grants_outside_the_account(statement: dict[str, Any]) -> bool:
    principal = statement.get("Principal")
    if statement.get("Effect") != "Allow" or principal is None:
        return False
    if principal == "*":
        return True
    values = [v for vs in principal.values() for v in (vs if isinstance(vs, list) else [vs])]
    return any(v == "*" or "cloudfront" in str(v) for v in values)


def test_the_renditions_bucket_grants_nothing_to_cloudfront_or_the_public(resources: dict[str, Any]) -> None:
    """Given the renditions bucket, When every bucket policy on it is read, Then none allows CloudFront or a public
    principal anything, and its public access block is on: only the functions' roles read it."""
    policies = [
        r["Properties"]["PolicyDocument"]
        for r in resources.values()
        if r["Type"] == "AWS::S3::BucketPolicy" and _ref(r["Properties"]["Bucket"]) == "RenditionsBucket"
    ]
    statements = [s for policy in policies for s in policy["Statement"]]
    assert not [s for s in statements if _grants_outside_the_account(s)]
    block = resources["RenditionsBucket"]["Properties"]["PublicAccessBlockConfiguration"]
    assert all(
        block[k] is True for k in ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets")
    )


@pytest.mark.parametrize(
    "statement",
    [
        pytest.param({"Effect": "Allow", "Principal": "*"}, id="anyone"),
        pytest.param({"Effect": "Allow", "Principal": {"AWS": "*"}}, id="any-aws-principal"),
        pytest.param({"Effect": "Allow", "Principal": {"Service": "cloudfront.amazonaws.com"}}, id="cloudfront"),
    ],
)
def test_the_grant_check_recognises_what_it_must_refuse(statement: dict[str, Any]) -> None:
    """Given a statement that would open the bucket (the one the template had: CloudFront reading renditions), When
    checked, Then it is recognised as a grant outside the account's roles."""
    assert _grants_outside_the_account(statement)


def test_the_regional_delivery_api_is_throttled(resources: dict[str, Any]) -> None:
    """Given the delivery API, When its stage settings are read, Then every method of every resource is
    throttled, with a burst at least the steady rate."""
    [setting] = resources["DeliveryApi"]["Properties"]["MethodSettings"]
    assert (setting["ResourcePath"], setting["HttpMethod"]) == ("/*", "*")
    assert 0 < setting["ThrottlingRateLimit"] <= setting["ThrottlingBurstLimit"]


def _s3_grants(resources: dict[str, Any], function_id: str) -> set[tuple[str, str]]:
    """(action, bucket logical id) for every S3 action of a function's inline statements."""
    grants = set()
    for policy in resources[function_id]["Properties"]["Policies"]:
        for statement in policy.get("Statement", []) if isinstance(policy, dict) else []:
            if "Action" not in statement:  # the X-Ray grant under !If TracingOn (tests/unit/test_permissions.py)
                continue
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            targets = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            for action in actions:
                for target in targets:
                    text = str(target)
                    bucket = "OriginalsBucket" if "OriginalsBucket" in text else "RenditionsBucket"
                    if action.startswith("s3:") and "Bucket" in text:
                        grants.add((action, bucket))
    return grants


def test_deliver_may_read_originals_and_read_and_write_renditions_only(resources: dict[str, Any]) -> None:
    """Given DeliverFunction's role, When its S3 grants are read, Then it reads originals and reads and writes
    renditions, nothing more (no delete, no list, no object versions)."""
    assert _s3_grants(resources, "DeliverFunction") == {
        ("s3:GetObject", "OriginalsBucket"),
        ("s3:GetObject", "RenditionsBucket"),
        ("s3:PutObject", "RenditionsBucket"),
    }


def test_upload_may_write_its_eager_renditions(resources: dict[str, Any]) -> None:
    """Given UploadFunction's role, When its S3 grants are read, Then it may put renditions (transformation.post)
    but not read or delete them."""
    renditions = {action for action, bucket in _s3_grants(resources, "UploadFunction") if bucket == "RenditionsBucket"}
    assert renditions == {"s3:PutObject"}
