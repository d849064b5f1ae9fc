"""Storage and edge in template.yaml (docs/edge-security.md): TLS-only buckets, the originals' CORS limited to an
upload session's form, a table that cannot be deleted by accident, delivery's response headers, and the
distribution's optional custom domain, certificate, web ACL and price class, rendered with parameters by the
local stack's own evaluation of the template."""

from __future__ import annotations

import re
from typing import Any

import pytest

from medialib.delivery.rules import CONTENT_SECURITY_POLICY
from medialib_local.cloudfront import to_api_config
from medialib_local.provision import Provisioner, RuleFailedError, Stack, _AnyAttribute
from medialib_local.template import load_sam
from tests.conftest import TEMPLATE

ALIAS = "img.example.com"
CERTIFICATE = "arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8899-aabbccddeeff"
WEB_ACL = "arn:aws:wafv2:us-east-1:123456789012:global/webacl/medialib/0f1e2d3c-4b5a-6978-8899-aabbccddeeff"
BASE_URL_VARIABLE = "DELIVERY_BASE_URL"


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    loaded: dict[str, Any] = load_sam(TEMPLATE)
    return loaded


def _of_type(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {lid: r for lid, r in template["Resources"].items() if r["Type"] == kind}


def _names(value: Any) -> set[str]:
    """Every logical id a Ref, GetAtt or Sub inside ``value`` names."""
    if isinstance(value, list):
        return set().union(*(_names(v) for v in value)) if value else set()
    if not isinstance(value, dict):
        return set()
    if "Ref" in value:
        return {str(value["Ref"])}
    if "Fn::GetAtt" in value:
        target = value["Fn::GetAtt"]
        return {str(target[0] if isinstance(target, list) else target.split(".")[0])}
    if "Fn::Sub" in value:
        text = value["Fn::Sub"] if isinstance(value["Fn::Sub"], str) else value["Fn::Sub"][0]
        return {text.removeprefix("${").split(".")[0].split("}")[0]}
    return set().union(*(_names(v) for v in value.values()))


def _render(template: dict[str, Any], parameters: dict[str, str]) -> Provisioner:
    """The template's parameters, rules and conditions evaluated as the local stack does, every resource standing
    for itself (``local-<id>``), so that any property can be resolved without creating anything."""
    provisioner = Provisioner(Stack("render", "us-east-1", "123456789012", dict(parameters)), lambda service: None)
    provisioner.prepare(template)
    for logical_id in template["Resources"]:
        provisioner.stack.refs[logical_id] = f"local-{logical_id.lower()}"
        provisioner.stack.attributes[logical_id] = _AnyAttribute(f"local-{logical_id.lower()}")
    return provisioner


def _distribution(template: dict[str, Any], parameters: dict[str, str]) -> dict[str, Any]:
    [cdn] = _of_type(template, "AWS::CloudFront::Distribution").values()
    config: dict[str, Any] = _render(template, parameters).resolve(cdn["Properties"])["DistributionConfig"]
    return config


# ---------------------------------------------------------------- buckets


def test_every_bucket_refuses_requests_without_tls(template: dict[str, Any]) -> None:
    """Given every bucket of the template, When the bucket policies on it are read, Then one statement denies every
    principal every S3 action on the bucket and its objects when aws:SecureTransport is false."""
    buckets = _of_type(template, "AWS::S3::Bucket")
    policies = _of_type(template, "AWS::S3::BucketPolicy").values()
    assert buckets, "the template has buckets"
    for bucket_id in buckets:
        statements = [
            s
            for p in policies
            if _names(p["Properties"]["Bucket"]) == {bucket_id}
            for s in p["Properties"]["PolicyDocument"]["Statement"]
        ]
        denies = [
            s
            for s in statements
            if s["Effect"] == "Deny"
            and s["Principal"] == "*"
            and s["Action"] in ("s3:*", ["s3:*"])
            and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        ]
        assert len(denies) == 1, f"{bucket_id} has no TLS-only statement"
        resources = denies[0]["Resource"]
        assert {"Fn::GetAtt": [bucket_id, "Arn"]} in resources or {"Fn::GetAtt": f"{bucket_id}.Arn"} in resources
        assert {"Fn::Sub": f"${{{bucket_id}.Arn}}/*"} in resources, f"{bucket_id}'s objects are covered"


def test_the_originals_cors_allows_only_the_upload_sessions_form(template: dict[str, Any]) -> None:
    """Given the originals bucket, When its CORS rules are read, Then one rule: POST only (the presigned form of
    docs/upload-sessions.md), only the Content-Type header (multipart/form-data; the policy travels in the form's
    fields), from the UploadAllowedOrigins parameter, whose default is any origin; no other bucket has CORS."""
    buckets = _of_type(template, "AWS::S3::Bucket")
    [rule] = buckets["OriginalsBucket"]["Properties"]["CorsConfiguration"]["CorsRules"]
    assert rule["AllowedMethods"] == ["POST"]
    assert rule["AllowedHeaders"] == ["Content-Type"]
    assert rule["AllowedOrigins"] == {"Ref": "UploadAllowedOrigins"}
    assert "ExposedHeaders" not in rule
    parameter = template["Parameters"]["UploadAllowedOrigins"]
    assert (parameter["Type"], parameter["Default"]) == ("CommaDelimitedList", "*")
    assert [lid for lid, b in buckets.items() if "CorsConfiguration" in b["Properties"]] == ["OriginalsBucket"]


def test_given_origins_become_the_cors_rules_origins(template: dict[str, Any]) -> None:
    """Given UploadAllowedOrigins with two origins, When the originals bucket is rendered, Then its rule allows
    exactly those two (a CommaDelimitedList is a list)."""
    provisioner = _render(template, {"UploadAllowedOrigins": "https://app.example.com,https://admin.example.com"})
    bucket = provisioner.resolve(template["Resources"]["OriginalsBucket"]["Properties"])
    [rule] = bucket["CorsConfiguration"]["CorsRules"]
    assert rule["AllowedOrigins"] == ["https://app.example.com", "https://admin.example.com"]


@pytest.mark.parametrize("logical_id", ["MediaTable", "OriginalsBucket"])
def test_the_table_and_the_originals_outlive_the_stack(template: dict[str, Any], logical_id: str) -> None:
    """Given the table and the originals bucket, When their policies are read, Then both are retained when the stack
    is deleted or the resource replaced."""
    resource = template["Resources"][logical_id]
    assert (resource["DeletionPolicy"], resource["UpdateReplacePolicy"]) == ("Retain", "Retain")


def test_the_table_refuses_to_be_deleted(template: dict[str, Any]) -> None:
    """Given the table, When its properties are read, Then deletion protection is on (DeleteTable is refused even
    outside CloudFormation) and point-in-time recovery too."""
    properties = template["Resources"]["MediaTable"]["Properties"]
    assert properties["DeletionProtectionEnabled"] is True
    assert properties["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}


# ---------------------------------------------------------------- delivery's response headers


def _response_policy(template: dict[str, Any]) -> dict[str, Any]:
    [config] = [
        r["Properties"]["DistributionConfig"] for r in _of_type(template, "AWS::CloudFront::Distribution").values()
    ]
    behaviours = [config["DefaultCacheBehavior"], *config.get("CacheBehaviors", [])]
    policies = {_names(b.get("ResponseHeadersPolicyId")).pop() for b in behaviours if "ResponseHeadersPolicyId" in b}
    assert len(policies) == 1 and all("ResponseHeadersPolicyId" in b for b in behaviours), "every behaviour has it"
    policy = template["Resources"][policies.pop()]
    assert policy["Type"] == "AWS::CloudFront::ResponseHeadersPolicy"
    settings: dict[str, Any] = policy["Properties"]["ResponseHeadersPolicyConfig"]
    return settings


def test_every_delivery_answer_gets_nosniff_and_the_sandboxing_csp(template: dict[str, Any]) -> None:
    """Given every behaviour of the distribution, When its response headers policy is read, Then nosniff and a CSP
    that sandboxes the document and loads nothing but its own image or media, both replacing the origin's, and the
    CSP is the one deliver sends itself."""
    security = _response_policy(template)["SecurityHeadersConfig"]
    assert security["ContentTypeOptions"] == {"Override": True}
    csp = security["ContentSecurityPolicy"]
    assert csp["Override"] is True
    directives = {d.strip() for d in csp["ContentSecurityPolicy"].split(";")}
    assert {"sandbox", "default-src 'none'"} <= directives
    assert not [d for d in directives if "script" in d or "allow-" in d or "*" in d]
    assert csp["ContentSecurityPolicy"] == CONTENT_SECURITY_POLICY


def test_delivery_answers_ask_browsers_for_https(template: dict[str, Any]) -> None:
    """Given the response headers policy, When its HSTS is read, Then a year, not for the alias's subdomains."""
    hsts = _response_policy(template)["SecurityHeadersConfig"]["StrictTransportSecurity"]
    assert hsts["AccessControlMaxAgeSec"] >= 31536000
    assert hsts["IncludeSubdomains"] is False


# ---------------------------------------------------------------- the distribution's parameters


def test_without_a_custom_domain_the_distribution_keeps_cloudfronts_certificate(template: dict[str, Any]) -> None:
    """Given no parameter of the edge, When the distribution is rendered, Then CloudFront's default certificate, no
    alias, no web ACL, and the default price class PriceClass_100."""
    config = _distribution(template, {})
    assert config["ViewerCertificate"] == {"CloudFrontDefaultCertificate": True}
    assert "Aliases" not in config
    assert "WebACLId" not in config
    assert config["PriceClass"] == "PriceClass_100"


def test_a_custom_domain_is_served_with_its_certificate_over_tls_1_2(template: dict[str, Any]) -> None:
    """Given DeliveryAlias and DeliveryCertificateArn, When the distribution is rendered, Then the alias, the ACM
    certificate by SNI with TLS 1.2 at least (TLSv1.2_2021), and the files API builds URLs on the alias."""
    parameters = {"DeliveryAlias": ALIAS, "DeliveryCertificateArn": CERTIFICATE}
    config = _distribution(template, parameters)
    assert config["Aliases"] == [ALIAS]
    assert config["ViewerCertificate"] == {
        "AcmCertificateArn": CERTIFICATE,
        "SslSupportMethod": "sni-only",
        "MinimumProtocolVersion": "TLSv1.2_2021",
    }
    api = to_api_config(config)
    assert api["Aliases"] == {"Quantity": 1, "Items": [ALIAS]}
    assert api["ViewerCertificate"]["ACMCertificateArn"] == CERTIFICATE
    assert api["ViewerCertificate"]["SSLSupportMethod"] == "sni-only"
    provisioner = _render(template, parameters)
    environment = provisioner.resolve(template["Resources"]["FilesFunction"]["Properties"]["Environment"])
    assert environment["Variables"][BASE_URL_VARIABLE] == f"https://{ALIAS}"


def test_the_web_acl_and_price_class_are_applied_when_given(template: dict[str, Any]) -> None:
    """Given WebAclArn and PriceClass_All, When the distribution is rendered, Then it is attached to the web ACL and
    served from every edge location."""
    config = _distribution(template, {"WebAclArn": WEB_ACL, "PriceClass": "PriceClass_All"})
    assert config["WebACLId"] == WEB_ACL
    assert config["PriceClass"] == "PriceClass_All"
    assert to_api_config(config)["WebACLId"] == WEB_ACL


@pytest.mark.parametrize(
    "parameters",
    [
        pytest.param({"DeliveryAlias": ALIAS}, id="an-alias-without-its-certificate"),
        pytest.param({"DeliveryCertificateArn": CERTIFICATE}, id="a-certificate-without-an-alias"),
    ],
)
def test_half_a_custom_domain_is_refused(template: dict[str, Any], parameters: dict[str, str]) -> None:
    """Given only one of DeliveryAlias and DeliveryCertificateArn, When the template's rules are checked (as
    CloudFormation does before creating anything), Then the stack is refused."""
    with pytest.raises(RuleFailedError, match=r"DeliveryAlias|DeliveryCertificateArn"):
        _render(template, parameters)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        pytest.param("DeliveryCertificateArn", CERTIFICATE.replace("us-east-1", "eu-west-1"), id="certificate-region"),
        pytest.param("WebAclArn", WEB_ACL.replace(":global/", ":regional/"), id="regional-web-acl"),
        pytest.param("DeliveryAlias", "https://img.example.com", id="alias-with-a-scheme"),
    ],
)
def test_parameters_that_cloudfront_would_refuse_do_not_match_their_pattern(
    template: dict[str, Any], name: str, value: str
) -> None:
    """Given a certificate outside us-east-1, a regional web ACL or a URL as the alias, When checked against the
    parameter's AllowedPattern, Then it does not match (CloudFormation refuses it before CloudFront would)."""
    pattern = template["Parameters"][name]["AllowedPattern"]
    assert re.fullmatch(pattern, value) is None
    assert re.fullmatch(pattern, "") is not None, "empty (not given) is allowed"
    assert re.fullmatch(pattern, {"DeliveryCertificateArn": CERTIFICATE, "WebAclArn": WEB_ACL}.get(name, ALIAS))
