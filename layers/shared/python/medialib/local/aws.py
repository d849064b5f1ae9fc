"""Local AWS: a moto server in this process, provisioned from template.yaml.

Gaps of moto that are closed here (measured in shared/reference/moto-local-stack.md):
- DynamoDB: moto holds no lock per request, so concurrent conditional writes can lose updates. Every
  DynamoDB request is serialised by a lock around the WSGI app, which gives DynamoDB's per-item atomicity.
- Step Functions: executions run moto's interpreter; its Lambda tasks call our handlers in-process
  (``LambdaFunction._invoke_lambda`` is routed to :class:`medialib.local.functions.LocalFunctions`).
- Bucket and table properties that moto CFN ignores (versioning, lifecycle, TTL...) are applied by
  :mod:`medialib.local.fixups`.
- CloudFront and API Gateway are not supported by moto CFN: the distribution is created with the CloudFront
  API from the template's own DistributionConfig; API Gateway is served by :mod:`medialib.local.gateway`.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from medialib.local import fixups
from medialib.local.template import AppSpec, emulate, to_cloudformation

if TYPE_CHECKING:
    from mypy_boto3_cloudformation import CloudFormationClient

REGION = "us-east-1"
ACCOUNT_ID = "123456789012"  # moto's default account
STACK_NAME = "medialib-local"
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
}
_EMULATED_PREFIXES = ("AWS::ApiGateway::", "AWS::CloudFront::")

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


@dataclass(frozen=True)
class Provisioned:
    """What the stack created: physical ids by logical id, outputs, each function's resolved environment."""

    endpoint: str
    physical: dict[str, str]
    outputs: dict[str, str]
    function_env: dict[str, dict[str, str]]
    function_names: dict[str, str]  # physical function name -> logical id
    distribution_id: str


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def serialise_dynamodb(app: WsgiApp) -> WsgiApp:
    """Run DynamoDB requests one at a time, like DynamoDB's own per-item atomicity (and stronger)."""
    lock = threading.Lock()

    def wrapped(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if not environ.get("HTTP_X_AMZ_TARGET", "").startswith("DynamoDB_"):
            return app(environ, start_response)
        with lock:
            return list(app(environ, start_response))

    return wrapped


class MotoServer:
    """moto's WSGI app on a free loopback port, with DynamoDB serialised and Step Functions executing."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.port = free_port(host)
        self._server: Any = None

    @property
    def endpoint(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> None:
        from moto.core.config import default_user_config  # noqa: PLC0415 - local-only dependency
        from moto.moto_server.werkzeug_app import (  # noqa: PLC0415
            DomainDispatcherApplication,
            MotoRequestHandler,
            create_backend_app,
        )
        from werkzeug.serving import make_server  # noqa: PLC0415

        os.environ["MOTO_PORT"] = str(self.port)  # where moto's Step Functions interpreter calls Lambda
        default_user_config["stepfunctions"] = {"execute_state_machine": True}
        app = serialise_dynamodb(DomainDispatcherApplication(create_backend_app))
        self._server = make_server(self.host, self.port, app, threaded=True, request_handler=quiet(MotoRequestHandler))
        threading.Thread(target=self._server.serve_forever, name="moto", daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()


def quiet(handler: type[Any]) -> type[Any]:
    """A werkzeug request handler without its access log (moto's would drown the local stack's own)."""

    class Quiet(handler):  # type: ignore[misc]
        def log_request(self, *args: Any) -> None:
            pass

    return Quiet


def use_endpoint(endpoint: str) -> None:
    """Point this process's boto3 clients at the local endpoint with moto's fake credentials."""
    os.environ.update(FAKE_CREDENTIALS)
    os.environ["AWS_ENDPOINT_URL"] = endpoint
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
        os.environ.pop(name, None)


def _client(service: str, endpoint: str) -> Any:
    import boto3  # noqa: PLC0415

    return boto3.client(service, endpoint_url=endpoint, region_name=REGION)  # type: ignore[call-overload]


def provision(spec: AppSpec, endpoint: str, parameters: dict[str, str]) -> Provisioned:
    """Create every resource of the template on the moto server at ``endpoint``."""
    from moto.cloudformation.parsing import resource_class_from_type  # noqa: PLC0415

    cfn_template = to_cloudformation(spec, REGION)
    cloudfront = _client("cloudfront", endpoint)
    replacements = _replacements(cfn_template)
    distributions = {
        lid: _create_distribution(cloudfront, lid)
        for lid, res in cfn_template["Resources"].items()
        if res["Type"] == "AWS::CloudFront::Distribution"
    }
    for lid, (dist_id, domain) in distributions.items():
        replacements[lid] = {"Ref": dist_id, "Id": dist_id, "DomainName": domain}

    def supported(kind: str) -> bool:
        return not kind.startswith(_EMULATED_PREFIXES) and resource_class_from_type(kind) is not None

    for_moto, emulated = emulate(cfn_template, replacements, supported)
    cfn: CloudFormationClient = _client("cloudformation", endpoint)
    cfn.create_stack(
        StackName=STACK_NAME,
        TemplateBody=json.dumps(for_moto),
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
        Capabilities=["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"],
    )
    _wait_for_stack(cfn)
    physical = {
        r["LogicalResourceId"]: r["PhysicalResourceId"]
        for r in cfn.list_stack_resources(StackName=STACK_NAME)["StackResourceSummaries"]
    }
    outputs = {
        o["OutputKey"]: o["OutputValue"]
        for o in cfn.describe_stacks(StackName=STACK_NAME)["Stacks"][0].get("Outputs", [])
    }
    fixups.apply(for_moto, physical, lambda service: _client(service, endpoint))
    _register_executable_state_machines(for_moto, physical, endpoint)
    for lid, (dist_id, _domain) in distributions.items():
        _configure_distribution(cloudfront, dist_id, emulated[lid]["Properties"], physical, parameters)
    env, names = _function_environments(spec, physical, endpoint)
    first_distribution = next(iter(distributions.values()))[0] if distributions else ""
    return Provisioned(endpoint, physical, outputs, env, names, first_distribution)


def _replacements(cfn_template: dict[str, Any]) -> dict[str, dict[str, str]]:
    """Local stand-in values for resources that the local stack emulates instead of moto."""
    values: dict[str, dict[str, str]] = {}
    for lid, res in cfn_template["Resources"].items():
        if res["Type"].startswith(_EMULATED_PREFIXES):
            local_id = f"local{lid.lower()[:20]}"
            values[lid] = _AnyAttribute(local_id)
    return values


class _AnyAttribute(dict[str, str]):
    """Every attribute of an emulated resource resolves to its local id."""

    def __init__(self, local_id: str) -> None:
        super().__init__(Ref=local_id)
        self.local_id = local_id

    def __missing__(self, key: str) -> str:
        return self.local_id


def _create_distribution(cloudfront: Any, logical_id: str) -> tuple[str, str]:
    """A placeholder distribution, so that functions can refer to its id; configured after the stack exists."""
    config = {
        "CallerReference": f"{STACK_NAME}-{logical_id}-{uuid.uuid4().hex}",
        "Comment": "",
        "Enabled": False,
        "Origins": {"Quantity": 1, "Items": [{"Id": "placeholder", "DomainName": "placeholder.invalid"}]},
        "DefaultCacheBehavior": {"TargetOriginId": "placeholder", "ViewerProtocolPolicy": "allow-all"},
    }
    dist = cloudfront.create_distribution(DistributionConfig=config)["Distribution"]
    return str(dist["Id"]), str(dist["DomainName"])


def _configure_distribution(
    cloudfront: Any, dist_id: str, props: dict[str, Any], physical: dict[str, str], parameters: dict[str, str]
) -> None:
    from medialib.local.cloudfront import to_api_config  # noqa: PLC0415

    current = cloudfront.get_distribution_config(Id=dist_id)
    config = to_api_config(props["DistributionConfig"], physical, parameters, REGION)
    config["CallerReference"] = current["DistributionConfig"]["CallerReference"]
    cloudfront.update_distribution(Id=dist_id, IfMatch=current["ETag"], DistributionConfig=config)


def _wait_for_stack(cfn: Any) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        stack = cfn.describe_stacks(StackName=STACK_NAME)["Stacks"][0]
        status = stack["StackStatus"]
        if status == "CREATE_COMPLETE":
            return
        if status.endswith(("FAILED", "ROLLBACK_COMPLETE")):
            events = cfn.describe_stack_events(StackName=STACK_NAME)["StackEvents"]
            reasons = [
                f"{e['LogicalResourceId']}: {e.get('ResourceStatusReason')}"
                for e in events
                if "FAILED" in e["ResourceStatus"]
            ]
            raise RuntimeError(f"local stack creation failed ({status}): {reasons}")
        time.sleep(0.05)
    raise TimeoutError("local stack creation did not finish in 60 s")


def _register_executable_state_machines(cfn_template: dict[str, Any], physical: dict[str, str], endpoint: str) -> None:
    """moto CFN creates state machines in its plain backend; executions run in its interpreter's backend.
    Register each one there too, under the same name (so the same ARN), with its resolved definition."""
    from moto.stepfunctions.models import stepfunctions_backends  # noqa: PLC0415

    sfn = _client("stepfunctions", endpoint)
    created = stepfunctions_backends[ACCOUNT_ID][REGION]
    for lid, res in cfn_template["Resources"].items():
        if res["Type"] == "AWS::StepFunctions::StateMachine":
            machine = created.describe_state_machine(physical[lid])
            sfn.create_state_machine(name=machine.name, definition=machine.definition, roleArn=machine.roleArn)


def _function_environments(
    spec: AppSpec, physical: dict[str, str], endpoint: str
) -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    lam = _client("lambda", endpoint)
    env: dict[str, dict[str, str]] = {}
    names: dict[str, str] = {}
    for lid in spec.functions:
        name = physical[lid]
        names[name] = lid
        config = lam.get_function_configuration(FunctionName=name)
        env[lid] = dict(config.get("Environment", {}).get("Variables", {}))
    return env, names
