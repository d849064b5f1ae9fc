"""The template's functions, loaded once and invoked in-process like Lambda invokes them.

Each handler module is loaded from its ``CodeUri`` by file path, with that directory first on ``sys.path``
as Lambda puts it, so that a handler imports its sibling modules (``functions/files/routes/``) as in Lambda. All functions share one process here, so their environments
are merged into ``os.environ``; a variable that two functions would set to different values is an error,
because one of them would then run with the other's setting.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import threading
import time
import traceback
import uuid
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from types import ModuleType
from typing import Any

from medialib_local import ACCOUNT_ID, REGION
from medialib_local.isolation import isolate_requests_per_thread
from medialib_local.permissions import running
from medialib_local.template import AppSpec, FunctionSpec


class FunctionError(Exception):
    """The handler raised: the payload Lambda would return (``errorType``, ``errorMessage``)."""

    def __init__(self, error_type: str, message: str, trace: str = "") -> None:
        super().__init__(f"{error_type}: {message}")
        self.error_type = error_type
        self.message = message
        self.trace = trace

    def payload(self) -> dict[str, Any]:
        """The error payload as the Python Lambda runtime returns it (a caller sees its stack trace)."""
        return {"errorMessage": self.message, "errorType": self.error_type, "stackTrace": self.trace.splitlines()}


@dataclass
class LocalContext:
    """The Lambda context object's fields that handlers and Powertools read."""

    function_name: str
    memory_limit_in_mb: int
    timeout_s: int
    invoked_function_arn: str
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    log_group_name: str = ""
    log_stream_name: str = ""
    _deadline: float = field(default=0.0, repr=False)

    def __post_init__(self) -> None:
        self._deadline = time.monotonic() + self.timeout_s
        self.log_group_name = self.log_group_name or f"/aws/lambda/{self.function_name}"  # Lambda's default

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def merged_environment(function_env: dict[str, dict[str, str]]) -> dict[str, str]:
    merged: dict[str, str] = {}
    owner: dict[str, str] = {}
    for function_id, env in sorted(function_env.items()):
        for key, value in env.items():
            if key in merged and merged[key] != str(value):
                raise ValueError(
                    f"{function_id} and {owner[key]} set {key} differently; the local stack runs every "
                    "function in one process, so template.yaml must give a variable one value or two names"
                )
            merged[key], owner[key] = str(value), function_id
    return merged


class LocalFunctions:
    """Invokes the template's functions. Like Lambda, each execution environment (here: one load of the
    handler module) serves one request at a time; concurrent requests get more environments, so module
    state such as a resolver's current event is never shared between two requests in flight."""

    def __init__(self, spec: AppSpec, function_env: dict[str, dict[str, str]], physical: dict[str, str]) -> None:
        self.spec = spec
        self.physical = physical
        self._idle: dict[str, list[ModuleType]] = defaultdict(list)
        self._created: dict[str, int] = defaultdict(int)
        self._lock = threading.Lock()
        os.environ.update(merged_environment(function_env))
        isolate_requests_per_thread()  # Powertools keeps the current event per process, the local stack runs threads

    @contextmanager
    def environment(self, function_id: str) -> Iterator[ModuleType]:
        """An idle execution environment of the function (its handler module), or a new one."""
        fn = self.spec.functions[function_id]
        with self._lock:
            idle = self._idle[function_id]
            module = idle.pop() if idle else None
            if module is None:
                self._created[function_id] += 1
                instance = self._created[function_id]
        if module is None:
            module = load_module(fn, instance)
        try:
            yield module
        finally:
            with self._lock:
                self._idle[function_id].append(module)

    def context(self, function_id: str) -> LocalContext:
        props = self.spec.sam["Resources"][function_id]["Properties"]
        defaults = self.spec.sam.get("Globals", {}).get("Function", {})
        name = self.physical.get(function_id, function_id)
        return LocalContext(
            function_name=name,
            memory_limit_in_mb=int(props.get("MemorySize", defaults.get("MemorySize", 128))),
            timeout_s=int(props.get("Timeout", defaults.get("Timeout", 3))),
            invoked_function_arn=f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{name}",
            log_group_name=self._log_group(props),
        )

    def _log_group(self, props: dict[str, Any]) -> str:
        """The group of the function's LoggingConfig (a Ref to a group of the stack, or its name), as Lambda
        reports it in the context; empty for Lambda's default."""
        group = (props.get("LoggingConfig") or {}).get("LogGroup", "")
        if isinstance(group, dict) and "Ref" in group:
            return self.physical.get(group["Ref"], "")
        return group if isinstance(group, str) else ""

    def invoke(self, function_id: str, event: Any) -> Any:
        """Run the handler once; JSON in and out, as Lambda serialises them. Raises FunctionError."""
        payload = json.loads(json.dumps(event))
        try:
            with self.environment(function_id) as module, running(function_id):
                handler = getattr(module, self.spec.functions[function_id].function)
                result = handler(payload, self.context(function_id))
        except Exception as err:  # a failing init (import) is an error of the invocation too, as in Lambda
            raise FunctionError(type(err).__name__, str(err), traceback.format_exc()) from None
        return json.loads(json.dumps(result))

    def route_step_functions_tasks(self, function_names: dict[str, str]) -> None:
        """Make moto's Lambda (called by its Step Functions interpreter) run our handlers in-process."""
        from moto.awslambda.models import LambdaFunction  # noqa: PLC0415

        functions = self

        def invoke_in_process(self: Any, event: Any = None) -> tuple[str, bool, str]:
            function_id = function_names[self.function_name]
            try:
                result = functions.invoke(function_id, json.loads(event) if isinstance(event, str) else event or {})
            except FunctionError as err:
                print(err.trace, file=sys.stderr, flush=True)
                return json.dumps(err.payload()), True, err.message
            return json.dumps(result), False, ""

        LambdaFunction._invoke_lambda = invoke_in_process  # type: ignore[method-assign]  # moto's seam for running Lambda code
        share_task_clients()


def share_task_clients() -> None:
    """moto's interpreter builds a new boto3 Lambda client for every task (about 5 ms of CPU each, a tenth of a
    100-file bulk job here); its clients carry fixed fake credentials, so one client per region, service and
    moto port serves every task (boto3 clients are thread-safe)."""
    from moto.core.models import botocore_stubber  # noqa: PLC0415 - local-only dependency
    from moto.settings import moto_server_port  # noqa: PLC0415
    from moto.stepfunctions.parser.asl.component.state.exec.state_task import lambda_eval_utils  # noqa: PLC0415

    build = lambda_eval_utils.boto_client_for  # type: ignore[attr-defined]  # the name the interpreter calls
    if getattr(build, "medialib_shared", False):
        return

    @cache
    def client(region: str, service: str, port: int, stubbed: bool) -> Any:  # what moto's own choice depends on
        return build(region=region, service=service)

    def shared(region: str, service: str, state_credentials: Any = None) -> Any:
        return client(region, service, moto_server_port(), botocore_stubber.enabled)

    shared.medialib_shared = True  # type: ignore[attr-defined]
    lambda_eval_utils.boto_client_for = shared  # type: ignore[attr-defined]


_LOADING = threading.Lock()  # sys.path and sys.modules are process-wide while a handler module loads


def load_module(fn: FunctionSpec, instance: int = 1) -> ModuleType:
    """A fresh copy of the function's handler module (its own globals), loaded from its CodeUri. Its sibling
    modules are imported afresh too (each execution environment has its own, as in Lambda: a Router holds the
    resolver it was included in) and then forgotten, so that two functions' siblings never meet."""
    path = fn.code_dir / f"{fn.module.replace('.', '/')}.py"
    spec = importlib.util.spec_from_file_location(f"medialib_local_{fn.logical_id}_{instance}", path)
    if spec is None or spec.loader is None:
        raise FileNotFoundError(f"{fn.logical_id}: no handler module at {path}")
    module = importlib.util.module_from_spec(spec)
    code_dir = str(fn.code_dir.resolve())
    with _LOADING:
        _forget_modules_of(code_dir)
        sys.path.insert(0, code_dir)
        try:
            spec.loader.exec_module(module)
        finally:
            sys.path.remove(code_dir)
            _forget_modules_of(code_dir)
    return module


def _forget_modules_of(code_dir: str) -> None:
    for name, loaded in list(sys.modules.items()):
        origin = getattr(loaded, "__file__", None) or ""
        if origin.startswith(code_dir + os.sep):
            del sys.modules[name]
