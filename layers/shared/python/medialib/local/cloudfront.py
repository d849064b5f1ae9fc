"""The template's ``AWS::CloudFront::Distribution`` turned into a CloudFront API ``DistributionConfig``.

moto's CloudFormation has no CloudFront, so the local stack creates the distribution with the API, from the
template's own properties: the settings a test reads back are the template's, not a second copy.
"""

from __future__ import annotations

import re
from typing import Any

_SUB_VAR = re.compile(r"\$\{([A-Za-z0-9:_]+)(?:\.([A-Za-z0-9_.]+))?\}")


def resolve(node: Any, physical: dict[str, str], parameters: dict[str, str], region: str) -> Any:
    """Evaluate the intrinsic functions a distribution uses: Ref, GetAtt on buckets, Sub."""
    if isinstance(node, list):
        return [resolve(item, physical, parameters, region) for item in node]
    if not isinstance(node, dict):
        return node
    if set(node) == {"Ref"}:
        return _value(node["Ref"], None, physical, parameters, region)
    if set(node) == {"Fn::GetAtt"}:
        target, attr = node["Fn::GetAtt"]
        return _value(target, attr, physical, parameters, region)
    if set(node) == {"Fn::Sub"}:
        text = node["Fn::Sub"] if isinstance(node["Fn::Sub"], str) else node["Fn::Sub"][0]
        return _SUB_VAR.sub(lambda m: _value(m.group(1), m.group(2), physical, parameters, region), text)
    return {key: resolve(value, physical, parameters, region) for key, value in node.items()}


def _value(name: str, attr: str | None, physical: dict[str, str], parameters: dict[str, str], region: str) -> str:
    pseudo = {"AWS::Region": region, "AWS::URLSuffix": "amazonaws.com", "AWS::Partition": "aws"}
    if name in pseudo:
        return pseudo[name]
    if name in parameters:
        return parameters[name]
    resource = physical.get(name, name)
    if attr in {"RegionalDomainName", "DomainName"}:
        return f"{resource}.s3.{region}.amazonaws.com"
    if attr == "Arn":
        return f"arn:aws:s3:::{resource}"
    return resource


def _listed(items: list[Any]) -> dict[str, Any]:
    return {"Quantity": len(items), "Items": items}


def _origin(origin: dict[str, Any]) -> dict[str, Any]:
    api: dict[str, Any] = {"Id": origin["Id"], "DomainName": origin["DomainName"]}
    if "OriginPath" in origin:
        api["OriginPath"] = origin["OriginPath"]
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
    return api


def to_api_config(
    cfn_config: dict[str, Any], physical: dict[str, str], parameters: dict[str, str], region: str
) -> dict[str, Any]:
    config = resolve(cfn_config, physical, parameters, region)
    api: dict[str, Any] = {
        "Comment": config.get("Comment", ""),
        "Enabled": config["Enabled"],
        "Origins": _listed([_origin(o) for o in config["Origins"]]),
        "DefaultCacheBehavior": _behaviour(config["DefaultCacheBehavior"]),
        "CacheBehaviors": _listed([_behaviour(b) for b in config.get("CacheBehaviors", [])]),
    }
    for cfn_key, api_key in (
        ("PriceClass", "PriceClass"),
        ("HttpVersion", "HttpVersion"),
        ("IPV6Enabled", "IsIPV6Enabled"),
    ):
        if cfn_key in config:
            api[api_key] = config[cfn_key]
    return api
