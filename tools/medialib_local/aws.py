"""Local AWS: a moto server in this process, provisioned from template.yaml.

Gaps of moto that are closed here (docs/local-stack.md lists every gap and where it is closed):
- DynamoDB: moto holds no lock per request, so concurrent conditional writes can lose updates. Every
  DynamoDB request is serialised by a lock around the WSGI app, which gives DynamoDB's per-item atomicity.
  Its transactions copy whole tables for their rollback; :mod:`medialib_local.dynamodb` copies the items.
- Step Functions: executions run moto's interpreter; its Lambda tasks call our handlers in-process
  (``LambdaFunction._invoke_lambda`` is routed to :class:`medialib_local.functions.LocalFunctions`).
- S3: presigned URLs and POST policies are verified (:mod:`medialib_local.s3auth`); moto accepts anything.
- The template's resources are created by :mod:`medialib_local.provision`.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from medialib_local import ACCOUNT_ID, REGION, cloudfront, dynamodb
from medialib_local.provision import Provisioner, Stack
from medialib_local.s3auth import WsgiApp, verify_s3_signatures
from medialib_local.template import AppSpec, to_cloudformation

STACK_NAME = "medialib-local"
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
}


@dataclass(frozen=True)
class Provisioned:
    """What the stack created: physical ids by logical id, the template's Outputs, each function's environment."""

    physical: dict[str, str]
    outputs: dict[str, str]
    function_env: dict[str, dict[str, str]]
    function_names: dict[str, str]  # physical function name -> logical id
    distribution_id: str
    properties: dict[str, dict[str, Any]]  # each resource's properties, intrinsic functions evaluated
    types: dict[str, str]  # each resource's type, by logical id


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
        dynamodb.install()
        cloudfront.install()
        app = serialise_dynamodb(verify_s3_signatures(DomainDispatcherApplication(create_backend_app)))
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


def aws_client(service: str, endpoint: str) -> Any:
    """A boto3 client of the local moto (one per service and endpoint)."""
    return _client(service, endpoint)


@cache
def _client(service: str, endpoint: str) -> Any:
    import boto3  # noqa: PLC0415

    return boto3.client(service, endpoint_url=endpoint, region_name=REGION)  # type: ignore[call-overload]


def provision(spec: AppSpec, endpoint: str, parameters: dict[str, str]) -> Provisioned:
    """Create every resource of the template on the moto server at ``endpoint``."""
    cfn_template = to_cloudformation(spec, REGION)
    stack = Stack(STACK_NAME, REGION, ACCOUNT_ID, dict(parameters))
    Provisioner(stack, lambda service: _client(service, endpoint)).create(cfn_template)
    env, names = _function_environments(spec, stack.refs, endpoint)
    distributions = [
        lid for lid, res in cfn_template["Resources"].items() if res["Type"] == "AWS::CloudFront::Distribution"
    ]
    distribution_id = stack.refs[distributions[0]] if distributions else ""
    types = {lid: str(res["Type"]) for lid, res in cfn_template["Resources"].items()}
    return Provisioned(dict(stack.refs), stack.outputs, env, names, distribution_id, dict(stack.properties), types)


def distribution_config(endpoint: str, distribution_id: str) -> dict[str, Any]:
    """The distribution as provisioned (CloudFront API shape)."""
    config: dict[str, Any] = _client("cloudfront", endpoint).get_distribution_config(Id=distribution_id)[
        "DistributionConfig"
    ]
    return config


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
