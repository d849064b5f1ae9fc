"""The template's ``AWS::CloudFront::Distribution`` properties in the CloudFront API's shape, so that the
local stack creates the distribution from the template's own settings, not from a second copy."""

from __future__ import annotations

import threading
from typing import Any


def _listed(items: list[Any]) -> dict[str, Any]:
    return {"Quantity": len(items), "Items": items}


def _origin(origin: dict[str, Any]) -> dict[str, Any]:
    api: dict[str, Any] = {"Id": origin["Id"], "DomainName": origin["DomainName"]}
    if "OriginPath" in origin:
        api["OriginPath"] = origin["OriginPath"]
    if "OriginCustomHeaders" in origin:
        api["CustomHeaders"] = _listed(
            [{"HeaderName": h["HeaderName"], "HeaderValue": h["HeaderValue"]} for h in origin["OriginCustomHeaders"]]
        )
    if "OriginAccessControlId" in origin:
        api["OriginAccessControlId"] = origin["OriginAccessControlId"]
    if "S3OriginConfig" in origin:
        api["S3OriginConfig"] = {"OriginAccessIdentity": origin["S3OriginConfig"].get("OriginAccessIdentity", "")}
    if "CustomOriginConfig" in origin:
        custom = origin["CustomOriginConfig"]
        api["CustomOriginConfig"] = {
            "HTTPPort": custom.get("HTTPPort", 80),
            "HTTPSPort": custom.get("HTTPSPort", 443),
            "OriginProtocolPolicy": custom["OriginProtocolPolicy"],
            "OriginSslProtocols": _listed(custom.get("OriginSSLProtocols", ["TLSv1.2"])),
        }
    return api


def _behaviour(behaviour: dict[str, Any]) -> dict[str, Any]:
    api: dict[str, Any] = {
        "TargetOriginId": behaviour["TargetOriginId"],
        "ViewerProtocolPolicy": behaviour["ViewerProtocolPolicy"],
        "Compress": behaviour.get("Compress", False),
        "AllowedMethods": {
            **_listed(behaviour.get("AllowedMethods", ["GET", "HEAD"])),
            "CachedMethods": _listed(behaviour.get("CachedMethods", ["GET", "HEAD"])),
        },
    }
    for key in ("PathPattern", "CachePolicyId", "OriginRequestPolicyId", "ResponseHeadersPolicyId"):
        if key in behaviour:
            api[key] = behaviour[key]
    if "FunctionAssociations" in behaviour:
        api["FunctionAssociations"] = _listed(
            [{"EventType": f["EventType"], "FunctionARN": f["FunctionARN"]} for f in behaviour["FunctionAssociations"]]
        )
    return api


def _error_response(response: dict[str, Any]) -> dict[str, Any]:
    api: dict[str, Any] = {"ErrorCode": response["ErrorCode"]}
    for key in ("ErrorCachingMinTTL", "ResponseCode", "ResponsePagePath"):
        if key in response:
            api[key] = str(response[key]) if key == "ResponseCode" else response[key]
    return api


# ViewerCertificate's CloudFormation names -> the CloudFront API's.
_CERTIFICATE_KEYS = {
    "AcmCertificateArn": "ACMCertificateArn",
    "IamCertificateId": "IAMCertificateId",
    "SslSupportMethod": "SSLSupportMethod",
    "MinimumProtocolVersion": "MinimumProtocolVersion",
    "CloudFrontDefaultCertificate": "CloudFrontDefaultCertificate",
}


def _viewer_certificate(certificate: dict[str, Any]) -> dict[str, Any]:
    return {_CERTIFICATE_KEYS[key]: value for key, value in certificate.items()}


def to_api_config(config: dict[str, Any]) -> dict[str, Any]:
    """``config`` is the template's DistributionConfig with its intrinsic functions already evaluated."""
    api: dict[str, Any] = {
        "Comment": config.get("Comment", ""),
        "Enabled": config["Enabled"],
        "Origins": _listed([_origin(o) for o in config["Origins"]]),
        "DefaultCacheBehavior": _behaviour(config["DefaultCacheBehavior"]),
        "CacheBehaviors": _listed([_behaviour(b) for b in config.get("CacheBehaviors", [])]),
        "CustomErrorResponses": _listed([_error_response(r) for r in config.get("CustomErrorResponses", [])]),
    }
    if "Logging" in config:  # standard logs: moto records the setting, nothing is written locally
        logging = config["Logging"]
        api["Logging"] = {
            "Enabled": True,
            "IncludeCookies": logging.get("IncludeCookies", False),
            "Bucket": logging["Bucket"],
            "Prefix": logging.get("Prefix", ""),
        }
    for cfn_key, api_key in (
        ("PriceClass", "PriceClass"),
        ("HttpVersion", "HttpVersion"),
        ("IPV6Enabled", "IsIPV6Enabled"),
        ("WebACLId", "WebACLId"),
    ):
        if cfn_key in config:
            api[api_key] = config[cfn_key]
    if "Aliases" in config:
        api["Aliases"] = _listed(config["Aliases"])
    if "ViewerCertificate" in config:
        api["ViewerCertificate"] = _viewer_certificate(config["ViewerCertificate"])
    return api


def install() -> None:
    """Make moto's ``create_invalidation`` honour CallerReference as CloudFront does: a second request with the
    same reference on the same distribution answers the first invalidation, it makes no new one (idempotent)."""
    from moto.cloudfront.models import CloudFrontBackend  # noqa: PLC0415 - local-only dependency

    original: Any = CloudFrontBackend.create_invalidation
    if getattr(original, "medialib_caller_reference", False):
        return
    lock = threading.Lock()

    def create_invalidation(self: Any, dist_id: str, paths: list[str], caller_ref: str) -> Any:
        with lock:
            for made in self.invalidations.get(dist_id, []):
                if made.caller_ref == caller_ref:
                    return made
            return original(self, dist_id, paths, caller_ref)

    create_invalidation.medialib_caller_reference = True  # type: ignore[attr-defined]
    CloudFrontBackend.create_invalidation = create_invalidation  # type: ignore[method-assign]
