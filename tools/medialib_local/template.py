"""Reads template.yaml: what the local stack serves (functions, routes, schedules, API settings) and the
CloudFormation document whose resources it creates on moto.

The SAM transform runs offline here, so that the template stays the single source of truth and the
handlers stay exactly what deploys:

- local ``CodeUri``/``ContentUri``/``DefinitionUri`` become inline code / an inline definition before the
  SAM transform (which only accepts S3 URIs);
- ``DefinitionSubstitutions`` are folded into ``Fn::Sub``, so the definition is evaluated like any property;
- :mod:`medialib_local.provision` then creates each resource with its service's API.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import importlib.metadata
import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Json = Any

# Managed policies that SAM attaches by name; the offline transform only needs their ARNs.
_MANAGED_POLICIES = {
    "AWSLambdaBasicExecutionRole": "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
    "AWSXrayWriteOnlyAccess": "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess",
    "AWSXRayDaemonWriteAccess": "arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess",
    "AWSLambdaRole": "arn:aws:iam::aws:policy/service-role/AWSLambdaRole",
}
SUB_VARIABLE = re.compile(r"\$\{([A-Za-z0-9:_]+)(?:\.([A-Za-z0-9_.]+))?\}")


@dataclass(frozen=True)
class FunctionSpec:
    logical_id: str
    code_dir: Path
    module: str
    function: str


@dataclass(frozen=True)
class RouteSpec:
    api_id: str
    method: str
    path: str
    function_id: str
    authorizer_id: str | None  # the authorizer's function (logical id)
    authorizer_name: str | None = None  # the authorizer of the API's Auth (its identity sources and cache TTL)
    api_key_required: bool = False  # THROTTLE: the method needs an API key of a usage plan of its stage


@dataclass(frozen=True)
class AuthorizerSpec:
    """A REQUEST authorizer's identity sources and result cache (SAM ``Identity``): with ``ttl`` > 0, API Gateway
    refuses a request without every one of ``headers`` (401, the authorizer is not run) and reuses an answer for
    the same header values ``ttl`` seconds."""

    function_id: str
    headers: tuple[str, ...]
    ttl: int


@dataclass(frozen=True)
class ScheduleSpec:
    function_id: str
    name: str
    expression: str
    input: str | None
    enabled: bool


@dataclass(frozen=True)
class ApiSpec:
    logical_id: str
    binary_media_types: tuple[str, ...]
    gateway_responses: dict[str, Json]
    authorizers: dict[str, str] = field(default_factory=dict)  # authorizer name -> function logical id
    authorizer_specs: dict[str, AuthorizerSpec] = field(default_factory=dict)  # authorizer name -> its identity
    api_key_required: bool = False  # THROTTLE: Auth.ApiKeyRequired, every method's default
    api_key_source: str = "HEADER"  # THROTTLE: ApiKeySourceType: x-api-key (HEADER) or the authorizer's answer


@dataclass(frozen=True)
class AppSpec:
    root: Path
    sam: dict[str, Json]
    functions: dict[str, FunctionSpec]
    routes: list[RouteSpec]
    schedules: list[ScheduleSpec]
    apis: dict[str, ApiSpec]


class _OfflinePolicyLoader:
    def load(self) -> dict[str, str]:
        return dict(_MANAGED_POLICIES)


def load_sam(path: Path) -> dict[str, Json]:
    from samtranslator.yaml_helper import yaml_parse  # noqa: PLC0415 - a local-stack-only dependency

    document: dict[str, Json] = yaml_parse(path.read_text())
    return document


def describe(template_path: Path) -> AppSpec:
    """What the template declares that the local stack must serve itself."""
    sam = load_sam(template_path)
    resources: dict[str, Json] = sam["Resources"]
    parameters = sam.get("Parameters") or {}
    apis = {
        lid: _api_spec(lid, res["Properties"], parameters)
        for lid, res in resources.items()
        if res["Type"] == "AWS::Serverless::Api"
    }
    functions: dict[str, FunctionSpec] = {}
    routes: list[RouteSpec] = []
    schedules: list[ScheduleSpec] = []
    for lid, res in resources.items():
        if res["Type"] != "AWS::Serverless::Function":
            continue
        props = res["Properties"]
        module, _, function = props["Handler"].rpartition(".")
        functions[lid] = FunctionSpec(lid, template_path.parent / props["CodeUri"], module, function)
        for name, event in (props.get("Events") or {}).items():
            routes.extend(_route(lid, event, apis))
            schedules.extend(_schedule(lid, name, event))
    return AppSpec(template_path.parent, sam, functions, routes, schedules, apis)


def _api_spec(logical_id: str, props: dict[str, Json], parameters: dict[str, Json]) -> ApiSpec:
    auth = props.get("Auth") or {}
    declared = auth.get("Authorizers") or {}
    authorizers = {name: _ref_target(spec["FunctionArn"]) for name, spec in declared.items()}
    specs = {name: _authorizer_spec(spec, parameters) for name, spec in declared.items()}
    default = auth.get("DefaultAuthorizer")
    if default:
        authorizers["__default__"] = authorizers[default]
        specs["__default__"] = specs[default]
    media = tuple(t.replace("~1", "/") for t in props.get("BinaryMediaTypes") or ())
    return ApiSpec(
        logical_id,
        media,
        props.get("GatewayResponses") or {},
        authorizers,
        specs,
        api_key_required=bool(auth.get("ApiKeyRequired", False)),
        api_key_source=str(props.get("ApiKeySourceType", "HEADER")),
    )


_SAM_DEFAULT_TTL = 300  # SAM's ReauthorizeEvery when Identity does not say


def _authorizer_spec(spec: dict[str, Json], parameters: dict[str, Json]) -> AuthorizerSpec:
    """Identity headers and cache TTL of an authorizer; a ``Ref`` TTL is the parameter's default, which is what the
    local stack deploys with."""
    identity = spec.get("Identity") or {}
    ttl = identity.get("ReauthorizeEvery", _SAM_DEFAULT_TTL)
    if isinstance(ttl, dict) and "Ref" in ttl:
        ttl = parameters[ttl["Ref"]]["Default"]
    return AuthorizerSpec(_ref_target(spec["FunctionArn"]), tuple(identity.get("Headers") or ()), int(ttl))


def _route(function_id: str, event: Json, apis: dict[str, ApiSpec]) -> list[RouteSpec]:
    if event["Type"] != "Api":
        return []
    props = event["Properties"]
    api_id = _ref_target(props["RestApiId"])
    auth = (props.get("Auth") or {}).get("Authorizer")
    authorizers = apis[api_id].authorizers
    name = None if auth == "NONE" else auth or "__default__"
    authorizer = None if name is None else authorizers.get(name)
    # SAM: the event's ApiKeyRequired, else the API's (samtranslator's set_path_default_apikey_required)
    key_required = (props.get("Auth") or {}).get("ApiKeyRequired", apis[api_id].api_key_required)
    return [
        RouteSpec(
            api_id,
            props["Method"].upper(),
            props["Path"],
            function_id,
            authorizer,
            name if authorizer else None,
            bool(key_required),
        )
    ]


def _schedule(function_id: str, name: str, event: Json) -> list[ScheduleSpec]:
    if event["Type"] != "Schedule":
        return []
    props = event["Properties"]
    return [ScheduleSpec(function_id, name, props["Schedule"], props.get("Input"), bool(props.get("Enabled", True)))]


def _ref_target(value: Json) -> str:
    if isinstance(value, dict) and "Ref" in value:
        return str(value["Ref"])
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        target = value["Fn::GetAtt"]
        return str(target[0] if isinstance(target, list) else target.split(".")[0])
    raise ValueError(f"expected a Ref or GetAtt to a resource of this template, got {value!r}")


# ------------------------------------------------------------------ the CloudFormation document


def to_cloudformation(spec: AppSpec, region: str) -> dict[str, Json]:
    """The SAM template transformed offline into CloudFormation, with local code and definitions inlined.

    The transform costs about 1.5 s (mostly importing the translator), so its output is cached under
    ``$XDG_CACHE_HOME/medialib`` by a digest of everything it depends on: the inlined template, the state
    machine definitions, the region and the translator's version."""
    sam = _inlined(spec)
    key = json.dumps([sam, region, importlib.metadata.version("aws-sam-translator")], sort_keys=True, default=str)
    cached = _cache_dir() / f"cfn-{hashlib.sha256(key.encode()).hexdigest()[:32]}.json"
    if cached.is_file():
        document: dict[str, Json] = json.loads(cached.read_text())
        return document
    cfn = _transform(sam, region)
    with contextlib.suppress(OSError):  # a cache that cannot be written only costs time
        cached.parent.mkdir(parents=True, exist_ok=True)
        partial = cached.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(json.dumps(cfn))
        partial.replace(cached)
    return cfn


def _cache_dir() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "medialib"


def _inlined(spec: AppSpec) -> dict[str, Json]:
    """The SAM template with function code, layers and state machine definitions made local."""
    sam = copy.deepcopy(spec.sam)
    sam.get("Globals", {}).get("Function", {}).pop("Layers", None)
    for lid, res in list(sam["Resources"].items()):
        props = res.get("Properties", {})
        if res["Type"] == "AWS::Serverless::Function":
            props.pop("CodeUri", None)
            props.pop("Layers", None)
            props["InlineCode"] = "# served in-process by `medialib local`"
        elif res["Type"] == "AWS::Serverless::LayerVersion":
            del sam["Resources"][lid]
        elif res["Type"] == "AWS::Serverless::StateMachine" and "DefinitionUri" in props:
            props["Definition"] = json.loads((spec.root / props.pop("DefinitionUri")).read_text())
    return sam


def _transform(sam: dict[str, Json], region: str) -> dict[str, Json]:
    from samtranslator.translator.transform import transform  # noqa: PLC0415

    os.environ.setdefault("AWS_DEFAULT_REGION", region)
    cfn: dict[str, Json] = transform(copy.deepcopy(sam), {}, _OfflinePolicyLoader())
    for res in cfn["Resources"].values():
        if res["Type"] == "AWS::StepFunctions::StateMachine":
            _fold_definition_substitutions(res["Properties"])
    return cfn


def _fold_definition_substitutions(props: dict[str, Json]) -> None:
    definition = props.get("DefinitionString")
    substitutions = props.pop("DefinitionSubstitutions", None)
    if isinstance(definition, dict) and "Fn::Join" in definition:
        separator, parts = definition["Fn::Join"]
        definition = separator.join(parts)
    if substitutions:
        props["DefinitionString"] = {"Fn::Sub": [definition, substitutions]}
    else:
        props["DefinitionString"] = definition


def _getatt(value: Json) -> tuple[str, str]:
    if isinstance(value, str):
        target, _, attr = value.partition(".")
        return target, attr
    return str(value[0]), str(value[1])


def refs(node: Json) -> set[str]:
    """Logical ids that ``node`` refers to (Ref, GetAtt, Sub variables, DependsOn)."""
    found: set[str] = set()
    for key, value in _walk(node):
        if key == "Ref" and isinstance(value, str):
            found.add(value)
        elif key == "Fn::GetAtt":
            found.add(_getatt(value)[0])
        elif key == "Fn::Sub":
            text = value if isinstance(value, str) else value[0]
            found |= {m.group(1) for m in SUB_VARIABLE.finditer(text)}
        elif key == "DependsOn":
            found |= {value} if isinstance(value, str) else set(value)
    return found


def _walk(node: Json) -> Iterable[tuple[str, Json]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield key, value
            yield from _walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item)
