"""What each function of template.yaml may do in AWS: the one list, the template's grants, and the calls made.

``NEEDS`` declares, per function (and per state machine), the IAM actions its code needs and on which resources,
written as the template writes them (``${MediaTable.Arn}``, ``${OriginalsBucket.Arn}/*``...). Three checks hold
it to the truth (docs/least-privilege.md):

- tests/unit/test_permissions.py reads template.yaml and compares each resource's ``Policies`` with ``NEEDS``
  both ways, with tracing off and on: a grant nobody declared fails, and so does a declared need not granted;
- the local stack enforces each function's role as provisioned from the translated template (:class:`Guard`):
  every AWS call a handler makes becomes the IAM actions and resources it needs (:func:`iam_requests`) and
  fails with AccessDenied unless the role allows them, so every integration and e2e test checks its calls;
  tests/integration/test_permissions_enforced.py proves the guard works.

A new AWS call therefore fails in CI until its action is declared here and granted in the template. Other parts
of the stack add their statements (kms:Decrypt, sqs:SendMessage...) by adding a line under the function here.
"""

from __future__ import annotations

import contextvars
import fnmatch
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from typing import Any

# ------------------------------------------------------------------ the resources, as the template writes them

TABLE = "${MediaTable.Arn}"
INDEXES = "${MediaTable.Arn}/index/*"
ORIGINALS = "${OriginalsBucket.Arn}"
ORIGINAL_OBJECTS = "${OriginalsBucket.Arn}/*"
RENDITIONS = "${RenditionsBucket.Arn}"
RENDITION_OBJECTS = "${RenditionsBucket.Arn}/*"
DISTRIBUTION = "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/${Cdn}"
FOLDERS_MACHINE = "arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:stateMachine:${AWS::StackName}-folders"
FOLDERS_EXECUTIONS = (
    "arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:execution:${AWS::StackName}-folders:*"
)
PUBLISH_MACHINE = "${PublishStateMachine}"  # a state machine's Ref is its ARN
ANY = "*"
ACCOUNT_KEYS = "${AccountKeysKey.Arn}"

Needs = dict[str, tuple[str, ...]]  # IAM action -> the resources it is needed on

# The item writes of a transaction (TransactWriteItems is no IAM action: IAM checks each write's own action).
_TRANSACT_WRITES: Needs = {
    "dynamodb:PutItem": (TABLE,),
    "dynamodb:UpdateItem": (TABLE,),
    "dynamodb:DeleteItem": (TABLE,),
    "dynamodb:ConditionCheckItem": (TABLE,),
}

# Step Functions' log delivery to CloudWatch Logs (the state machines log at ERROR, docs/observability.md).
_LOG_DELIVERY: Needs = {
    action: (ANY,)
    for action in (
        "logs:CreateLogDelivery",
        "logs:GetLogDelivery",
        "logs:UpdateLogDelivery",
        "logs:DeleteLogDelivery",
        "logs:ListLogDeliveries",
        "logs:PutResourcePolicy",
        "logs:DescribeResourcePolicies",
        "logs:DescribeLogGroups",
    )
}

NEEDS: dict[str, Needs] = {
    # Looks the key's digest up by its key (no index: a hit on the digest item proves the key).
    "AuthorizerFunction": {
        "dynamodb:GetItem": (TABLE,),
    },
    # Direct uploads, URL uploads and upload sessions (presigned POST to incoming/, finalised from EventBridge).
    "UploadFunction": {
        "dynamodb:GetItem": (TABLE,),
        "dynamodb:Query": (TABLE, INDEXES),
        **_TRANSACT_WRITES,
        "s3:PutObject": (ORIGINAL_OBJECTS, RENDITION_OBJECTS),  # versions (and the presigned POST), eager renditions
        "s3:GetObject": (ORIGINAL_OBJECTS,),  # a session's incoming/ object
        "s3:DeleteObject": (ORIGINAL_OBJECTS,),  # a finalised incoming/ object; a version whose records failed
        "kms:Decrypt": (ACCOUNT_KEYS,),  # the account's private key, to verify client-side upload signatures
    },
    "FilesFunction": {
        "dynamodb:GetItem": (TABLE,),
        "dynamodb:BatchGetItem": (TABLE,),
        "dynamodb:Query": (TABLE, INDEXES),
        **_TRANSACT_WRITES,
        "s3:GetObject": (ORIGINAL_OBJECTS,),  # metadata reads; a copy's source (CopyObject)
        "s3:PutObject": (ORIGINAL_OBJECTS,),  # a copy's destination (CopyObject), a restored version
        "s3:DeleteObject": (ORIGINAL_OBJECTS, RENDITION_OBJECTS),  # deleted files and versions; purged renditions
        "s3:ListBucket": (RENDITIONS,),  # a purge lists the renditions of the purged file
        "cloudfront:CreateInvalidation": (DISTRIBUTION,),
        "states:StartExecution": (FOLDERS_MACHINE,),
        "states:DescribeExecution": (FOLDERS_EXECUTIONS,),  # a retried folder delete: was its job started?
    },
    "PublishFunction": {
        "dynamodb:GetItem": (TABLE,),
        "dynamodb:Query": (TABLE, INDEXES),
        **_TRANSACT_WRITES,
        "s3:GetObject": (ORIGINAL_OBJECTS,),  # the img-processing download (presigned or read)
        "cloudfront:CreateInvalidation": (DISTRIBUTION,),
        "states:StartExecution": (PUBLISH_MACHINE,),
    },
    "PublishWorkerFunction": {
        "dynamodb:GetItem": (TABLE,),
        "dynamodb:BatchGetItem": (TABLE,),  # the purge step reads the job's files
        "dynamodb:Query": (TABLE, INDEXES),
        **_TRANSACT_WRITES,
        "s3:DeleteObject": (RENDITION_OBJECTS,),
        "s3:ListBucket": (RENDITIONS,),
        "cloudfront:CreateInvalidation": (DISTRIBUTION,),
    },
    "FolderWorkerFunction": {
        "dynamodb:GetItem": (TABLE,),
        "dynamodb:Query": (TABLE, INDEXES),
        **_TRANSACT_WRITES,
        "s3:GetObject": (ORIGINAL_OBJECTS,),  # a copy's source (CopyObject)
        "s3:PutObject": (ORIGINAL_OBJECTS,),  # a copy's destination (CopyObject)
        "s3:DeleteObject": (ORIGINAL_OBJECTS, RENDITION_OBJECTS),
        "s3:ListBucket": (RENDITIONS,),
        "cloudfront:CreateInvalidation": (DISTRIBUTION,),
        "states:StartExecution": (FOLDERS_MACHINE,),  # a long job continues in a new execution
    },
    "PurgeFunction": {
        "dynamodb:GetItem": (TABLE,),
        "dynamodb:Query": (TABLE, INDEXES),
        **_TRANSACT_WRITES,
        "s3:ListBucket": (RENDITIONS,),
        "s3:DeleteObject": (RENDITION_OBJECTS,),
        "cloudfront:CreateInvalidation": (DISTRIBUTION,),
        "cloudfront:GetInvalidation": (DISTRIBUTION,),
    },
    "DeliverFunction": {
        "dynamodb:GetItem": (TABLE,),
        "dynamodb:Query": (TABLE, INDEXES),
        "s3:GetObject": (ORIGINAL_OBJECTS, RENDITION_OBJECTS),  # read, or presigned for a large answer
        "s3:PutObject": (RENDITION_OBJECTS,),  # the renditions cache
        "kms:Decrypt": (ACCOUNT_KEYS,),  # the account's private key, to verify signed URLs (ik-s)
    },
    "SweepFunction": {
        "dynamodb:GetItem": (TABLE,),
        "dynamodb:PutItem": (TABLE,),  # the sweep's own cursor row
        "s3:ListBucket": (ORIGINALS,),
        "s3:DeleteObject": (ORIGINAL_OBJECTS,),
    },
    "FallbackFunction": {},
    # State machines: each invokes its worker and delivers its ERROR logs (vended logs: AWS documents these on "*").
    "PublishStateMachine": {"lambda:InvokeFunction": ("${PublishWorkerFunction.Arn}",), **_LOG_DELIVERY},
    "FoldersStateMachine": {"lambda:InvokeFunction": ("${FolderWorkerFunction.Arn}",), **_LOG_DELIVERY},
}

# Granted to every function and state machine when the TracingEnabled parameter is "true" (condition TracingOn),
# and to none otherwise. X-Ray's write actions take no resource but "*".
TRACING: Needs = {
    "xray:PutTraceSegments": (ANY,),
    "xray:PutTelemetryRecords": (ANY,),
}
TRACING_STATE_MACHINE: Needs = {  # Step Functions also samples by X-Ray's rules
    **TRACING,
    "xray:GetSamplingRules": (ANY,),
    "xray:GetSamplingTargets": (ANY,),
}


def needs(logical_id: str, *, tracing: bool) -> set[tuple[str, str]]:
    """The (action, resource) pairs ``logical_id`` is declared to need, with tracing on or off."""
    declared = dict(NEEDS[logical_id])
    if tracing:
        declared |= TRACING_STATE_MACHINE if logical_id.endswith("StateMachine") else TRACING
    return {(action, resource) for action, resources in declared.items() for resource in resources}


# ------------------------------------------------------------------ the template's grants


class UnreadablePolicy(ValueError):
    """A policy the check cannot read exactly (a SAM policy template, a managed policy, a Deny...)."""


def granted(resource: Mapping[str, Any], conditions: Mapping[str, bool]) -> set[tuple[str, str]]:
    """The (action, resource) pairs a SAM function's or state machine's ``Policies`` allow, with the template's
    conditions set as given. Only inline ``Statement`` policies are readable: a policy template or a managed
    policy hides its actions, so it raises UnreadablePolicy."""
    pairs: set[tuple[str, str]] = set()
    for policy in _evaluated(resource.get("Properties", {}).get("Policies") or [], conditions):
        if not (isinstance(policy, dict) and set(policy) == {"Statement"}):
            raise UnreadablePolicy(f"only inline Statement policies are checked, not {policy!r}")
        for statement in _evaluated(policy["Statement"], conditions):
            pairs |= _statement_pairs(statement)
    return pairs


def _evaluated(node: Any, conditions: Mapping[str, bool]) -> Any:
    """``node`` with Fn::If chosen by ``conditions`` and AWS::NoValue removed."""
    if isinstance(node, list):
        values = [_evaluated(item, conditions) for item in node]
        return [value for value in values if value is not _NO_VALUE]
    if isinstance(node, dict):
        if set(node) == {"Fn::If"}:
            name, then, otherwise = node["Fn::If"]
            return _evaluated(then if conditions[name] else otherwise, conditions)
        if node == {"Ref": "AWS::NoValue"}:
            return _NO_VALUE
        return {key: _evaluated(value, conditions) for key, value in node.items()}
    return node


_NO_VALUE = object()


def _statement_pairs(statement: Mapping[str, Any]) -> set[tuple[str, str]]:
    if statement.get("Effect") != "Allow" or set(statement) - {"Effect", "Action", "Resource"}:
        raise UnreadablePolicy(f"only Allow statements with Action and Resource are checked, not {statement!r}")
    actions = _listed(statement["Action"])
    resources = [_as_text(resource) for resource in _listed(statement["Resource"])]
    return {(action, resource) for action in actions for resource in resources}


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _as_text(value: Any) -> str:
    """A Resource as the template writes it in a !Sub: ``!GetAtt X.Arn`` is ``${X.Arn}``, ``!Ref X`` is ``${X}``."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and len(value) == 1:
        ((key, argument),) = value.items()
        if key == "Fn::GetAtt":
            return "${" + (argument if isinstance(argument, str) else ".".join(argument)) + "}"
        if key == "Ref":
            return "${" + str(argument) + "}"
        if key == "Fn::Sub" and isinstance(argument, str):
            return argument
    raise UnreadablePolicy(f"a Resource the check cannot read: {value!r}")


def checked_resources(template: Mapping[str, Any]) -> list[str]:
    """The functions and state machines whose roles SAM builds from ``Policies``."""
    kinds = {"AWS::Serverless::Function", "AWS::Serverless::StateMachine"}
    return sorted(lid for lid, res in template["Resources"].items() if res["Type"] in kinds)


# ------------------------------------------------------------------ the calls a handler makes, as IAM sees them


@dataclass(frozen=True)
class Request:
    """One IAM authorisation an AWS call needs: an action on a concrete resource ARN."""

    action: str
    resource: str


_PREFIX = {"stepfunctions": "states"}  # botocore's service name -> IAM's prefix, where they differ


def iam_requests(service: str, operation: str, params: Mapping[str, Any], region: str, account: str) -> list[Request]:
    """The IAM actions and resources that one call needs (the rules of the AWS Service Authorization Reference
    for the calls medialib makes; any other call is ``<prefix>:<Operation>`` on ``*``, so it fails until it is
    declared and this mapping learns its resource)."""
    rule = _RULES.get((service, operation))
    if rule is not None:
        return rule(params, region, account)
    return [Request(f"{_PREFIX.get(service, service)}:{operation}", "*")]


def _table_arn(name: str, region: str, account: str) -> str:
    return f"arn:aws:dynamodb:{region}:{account}:table/{name}"


def _dynamodb(action: str) -> Callable[[Mapping[str, Any], str, str], list[Request]]:
    def rule(params: Mapping[str, Any], region: str, account: str) -> list[Request]:
        arn = _table_arn(params["TableName"], region, account)
        if params.get("IndexName"):
            arn += f"/index/{params['IndexName']}"
        return [Request(action, arn)]

    return rule


def _batch_get(params: Mapping[str, Any], region: str, account: str) -> list[Request]:
    return [Request("dynamodb:BatchGetItem", _table_arn(name, region, account)) for name in params["RequestItems"]]


def _transact_write(params: Mapping[str, Any], region: str, account: str) -> list[Request]:
    actions = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem", "ConditionCheck": "ConditionCheckItem"}
    return [
        Request(f"dynamodb:{actions[kind]}", _table_arn(write["TableName"], region, account))
        for item in params["TransactItems"]
        for kind, write in item.items()
    ]


def _object(action: str) -> Callable[[Mapping[str, Any], str, str], list[Request]]:
    def rule(params: Mapping[str, Any], region: str, account: str) -> list[Request]:
        return [Request(action, f"arn:aws:s3:::{params['Bucket']}/{params['Key']}")]

    return rule


def _delete_objects(params: Mapping[str, Any], region: str, account: str) -> list[Request]:
    bucket = params["Bucket"]
    return [Request("s3:DeleteObject", f"arn:aws:s3:::{bucket}/{obj['Key']}") for obj in params["Delete"]["Objects"]]


def _copy_object(params: Mapping[str, Any], region: str, account: str) -> list[Request]:
    source = params["CopySource"]
    source_key = f"{source['Bucket']}/{source['Key']}" if isinstance(source, dict) else str(source).lstrip("/")
    return [
        Request("s3:GetObject", f"arn:aws:s3:::{source_key}"),
        Request("s3:PutObject", f"arn:aws:s3:::{params['Bucket']}/{params['Key']}"),
    ]


def _create_bucket(params: Mapping[str, Any], region: str, account: str) -> list[Request]:
    """botocore signs a presigned POST as CreateBucket (the guard adds ``Key``: ``*``, for the key is not passed): the
    client's POST is a PutObject, here on any object of the bucket."""
    if "Key" in params:
        return [Request("s3:PutObject", f"arn:aws:s3:::{params['Bucket']}/{params['Key']}")]
    return [Request("s3:CreateBucket", f"arn:aws:s3:::{params['Bucket']}")]


def _list_bucket(params: Mapping[str, Any], region: str, account: str) -> list[Request]:
    return [Request("s3:ListBucket", f"arn:aws:s3:::{params['Bucket']}")]


def _invalidation(action: str) -> Callable[[Mapping[str, Any], str, str], list[Request]]:
    def rule(params: Mapping[str, Any], region: str, account: str) -> list[Request]:
        return [Request(action, f"arn:aws:cloudfront::{account}:distribution/{params['DistributionId']}")]

    return rule


def _start_execution(params: Mapping[str, Any], region: str, account: str) -> list[Request]:
    return [Request("states:StartExecution", params["stateMachineArn"])]


def _describe_execution(params: Mapping[str, Any], region: str, account: str) -> list[Request]:
    return [Request("states:DescribeExecution", params["executionArn"])]


_RULES: dict[tuple[str, str], Callable[[Mapping[str, Any], str, str], list[Request]]] = {
    ("dynamodb", "GetItem"): _dynamodb("dynamodb:GetItem"),
    ("dynamodb", "PutItem"): _dynamodb("dynamodb:PutItem"),
    ("dynamodb", "UpdateItem"): _dynamodb("dynamodb:UpdateItem"),
    ("dynamodb", "DeleteItem"): _dynamodb("dynamodb:DeleteItem"),
    ("dynamodb", "Query"): _dynamodb("dynamodb:Query"),
    ("dynamodb", "Scan"): _dynamodb("dynamodb:Scan"),
    ("dynamodb", "BatchGetItem"): _batch_get,
    ("dynamodb", "TransactWriteItems"): _transact_write,
    ("s3", "GetObject"): _object("s3:GetObject"),
    ("s3", "HeadObject"): _object("s3:GetObject"),
    ("s3", "PutObject"): _object("s3:PutObject"),
    ("s3", "DeleteObject"): _object("s3:DeleteObject"),
    ("s3", "DeleteObjects"): _delete_objects,
    ("s3", "CopyObject"): _copy_object,
    ("s3", "ListObjectsV2"): _list_bucket,
    ("s3", "CreateBucket"): _create_bucket,
    ("s3", "ListObjects"): _list_bucket,
    ("cloudfront", "CreateInvalidation"): _invalidation("cloudfront:CreateInvalidation"),
    ("cloudfront", "GetInvalidation"): _invalidation("cloudfront:GetInvalidation"),
    ("stepfunctions", "StartExecution"): _start_execution,
    ("stepfunctions", "DescribeExecution"): _describe_execution,
}


# ------------------------------------------------------------------ the local stack enforces the roles

_CURRENT: contextvars.ContextVar[str | None] = contextvars.ContextVar("medialib_local_function", default=None)


@contextmanager
def running(function_id: str) -> Iterator[None]:
    """Marks the calls made until the end of the block as ``function_id``'s (LocalFunctions.invoke uses it)."""
    token = _CURRENT.set(function_id)
    try:
        yield
    finally:
        _CURRENT.reset(token)


@dataclass(frozen=True)
class Call:
    """One AWS call a handler made, and whether its function's role allows each IAM request it needs."""

    function_id: str
    service: str
    operation: str
    denied: tuple[Request, ...]


@dataclass
class Guard:
    """The roles of the local stack's functions (resolved policy documents), enforced on every AWS call a handler
    makes, as IAM would: a call its role does not allow fails with AccessDenied. ``calls`` keeps what was made."""

    region: str
    account: str
    documents: dict[str, list[Mapping[str, Any]]]  # function logical id -> its role's policy documents
    calls: list[Call] = field(default_factory=list)

    def check(self, function_id: str, service: str, operation: str, params: Mapping[str, Any]) -> Call:
        requests = iam_requests(service, operation, params, self.region, self.account)
        denied = tuple(r for r in requests if not allowed(r, self.documents.get(function_id, [])))
        call = Call(function_id, service, operation, denied)
        self.calls.append(call)
        return call


_GUARD: Guard | None = None


def enforce(guard: Guard | None) -> None:
    """Enforce ``guard`` on every botocore call and presigned URL made inside :func:`running` (None: stop). It
    listens where botocore emits ``provide-client-params``, which every call and every presigned URL passes
    through before it is built, and carries the current function into the threads a handler starts (moves copy
    objects in a thread pool)."""
    global _GUARD  # noqa: PLW0603 - one process-wide hook, as botocore's own
    _GUARD = guard
    _install()


@cache
def _install() -> None:
    import botocore.client  # noqa: PLC0415 - the local stack's own dependency
    from botocore.exceptions import ClientError  # noqa: PLC0415

    base: Any = botocore.client.BaseClient  # _emit_api_params is private: botocore's stubs do not declare it
    original_emit = base._emit_api_params
    original_submit = ThreadPoolExecutor.submit

    def emit(self: Any, api_params: Any, operation_model: Any, context: Any) -> Any:
        function_id, guard = _CURRENT.get(), _GUARD
        if function_id is not None and guard is not None:
            service = self.meta.service_model.service_name
            params = dict(api_params)
            if operation_model.name == "CreateBucket" and (context or {}).get("is_presign_request"):
                params["Key"] = "*"  # a presigned POST: botocore passes only the bucket, the key comes later
            call = guard.check(function_id, service, operation_model.name, params)
            if call.denied:
                denied = call.denied[0]
                message = (
                    f"{function_id} is not authorized to perform {denied.action} on {denied.resource}: declare it in "
                    "medialib_local/permissions.py and grant it in template.yaml"
                )
                error = {"Error": {"Code": "AccessDenied", "Message": message}, "ResponseMetadata": {}}
                raise ClientError(error, operation_model.name)  # type: ignore[arg-type]
        return original_emit(self, api_params, operation_model, context)

    def submit(self: Any, fn: Any, /, *args: Any, **kwargs: Any) -> Any:
        return original_submit(self, contextvars.copy_context().run, fn, *args, **kwargs)

    base._emit_api_params = emit
    ThreadPoolExecutor.submit = submit  # type: ignore[method-assign]


def role_documents(properties: Mapping[str, Mapping[str, Any]], function_ids: list[str]) -> dict[str, list[Any]]:
    """Each function's role as provisioned from the translated template (SAM names it ``<function>Role``)."""
    return {
        function_id: [
            policy["PolicyDocument"] for policy in properties.get(f"{function_id}Role", {}).get("Policies", [])
        ]
        for function_id in function_ids
    }


def allowed(request: Request, documents: list[Mapping[str, Any]]) -> bool:
    """Whether one of the IAM policy ``documents`` (resolved: concrete ARNs) allows ``request``. Only what the
    template uses is evaluated: Allow statements, Action and Resource with IAM's ``*`` and ``?`` wildcards. A call
    this module has no rule for (resource ``*``) is matched on its action alone."""
    for document in documents:
        for statement in _listed(document.get("Statement", [])):
            if statement.get("Effect") != "Allow":
                continue
            actions = [str(a).lower() for a in _listed(statement.get("Action", []))]
            resources = [str(r) for r in _listed(statement.get("Resource", []))]
            if not any(fnmatch.fnmatchcase(request.action.lower(), a) for a in actions):
                continue
            if request.resource == "*" or any(fnmatch.fnmatchcase(request.resource, r) for r in resources):
                return True
    return False
