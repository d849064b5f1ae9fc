"""Creates the resources of the (SAM-transformed) template on moto through the service APIs.

Why not moto's CloudFormation: importing it loads every moto service (about 3 s of the stack's start), it
has no API Gateway or CloudFront, it ignores bucket versioning, lifecycle, table TTL and
``DefinitionSubstitutions``, and the state machines it creates cannot execute. Creating each resource
with its own API, in dependency order, with the template's intrinsic functions evaluated here, gives the
template's settings exactly and starts in about a second.

Types that have no local counterpart are listed in ``_EMULATED``: API Gateway is served by
:mod:`medialib_local.gateway`, Lambda permissions and bucket policies are not enforced locally, and CloudFront's
cache and origin request policies (which moto 5.2.5 does not have) are applied by :mod:`medialib_local.edge`
from their resolved properties (``Stack.properties``). Any other type the template gains stops the stack with a
clear message instead of being silently skipped.
"""

from __future__ import annotations

import io
import json
import re
import secrets
import string
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from medialib_local import cloudfront, fixups
from medialib_local.template import SUB_VARIABLE, refs

_EMULATED = {
    "AWS::ApiGateway::RestApi": "served by the local API Gateway",
    "AWS::ApiGateway::Deployment": "served by the local API Gateway",
    "AWS::ApiGateway::Stage": "served by the local API Gateway",
    "AWS::Lambda::Permission": "resource policies are not enforced locally",
    "AWS::S3::BucketPolicy": "bucket policies are not enforced locally",
    "AWS::CloudFront::CachePolicy": "applied by the local edge (edge.py)",
    "AWS::CloudFront::OriginRequestPolicy": "applied by the local edge (edge.py)",
    "AWS::CloudFront::OriginAccessControl": "part of the distribution's settings",
    "AWS::ApiGateway::Account": "the local API Gateway writes no access logs to CloudWatch",
    "AWS::CloudFront::ResponseHeadersPolicy": "applied by the local edge (edge.py)",
}
# Parameter types whose Ref is a list of strings.
_LIST_PARAMETERS = ("CommaDelimitedList", "List<")


class _NoValue:
    """``Ref: AWS::NoValue``: the property (or list item) that resolves to it is removed, as CloudFormation does."""


NO_VALUE = _NoValue()


class RuleFailedError(ValueError):
    """A Rules assertion of the template failed for the given parameters (CloudFormation refuses the stack)."""


def _placeholder_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("README.txt", "The local stack runs this function's handler in-process.\n")
    return buffer.getvalue()


@dataclass
class Stack:
    """What was created: each resource's Ref value and attributes, and the Outputs."""

    name: str
    region: str
    account_id: str
    parameters: dict[str, str]
    refs: dict[str, str] = field(default_factory=dict)
    attributes: dict[str, dict[str, str]] = field(default_factory=dict)
    outputs: dict[str, str] = field(default_factory=dict)
    conditions: dict[str, bool] = field(default_factory=dict)
    list_parameters: set[str] = field(default_factory=set)  # CommaDelimitedList and List<...> parameters
    properties: dict[str, dict[str, Any]] = field(default_factory=dict)  # each resource's, intrinsics evaluated


class Provisioner:
    def __init__(self, stack: Stack, client: Callable[[str], Any]) -> None:
        self.stack = stack
        self.client = client

    # ------------------------------------------------------------------ intrinsic functions

    def resolve(self, node: Any) -> Any:
        """``node`` with its intrinsic functions evaluated; a list item or a property that is ``!Ref AWS::NoValue``
        (an ``!If`` branch, say) is removed, as CloudFormation removes it."""
        if isinstance(node, list):
            return [item for item in (self.resolve(one) for one in node) if item is not NO_VALUE]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            ((key, value),) = node.items()
            handler = self._intrinsics.get(key)
            if handler is not None:
                return handler(self, value)
        resolved = {key: self.resolve(value) for key, value in node.items()}
        return {key: value for key, value in resolved.items() if value is not NO_VALUE}

    def _ref(self, name: str) -> Any:
        if name == "AWS::NoValue":
            return NO_VALUE
        if name in self.stack.list_parameters and name in self.stack.parameters:
            return self.stack.parameters[name].split(",")
        pseudo = {
            "AWS::Region": self.stack.region,
            "AWS::AccountId": self.stack.account_id,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": self.stack.name,
            "AWS::StackId": f"arn:aws:cloudformation:{self.stack.region}:{self.stack.account_id}:stack/{self.stack.name}/"
            "00000000-0000-4000-8000-000000000000",
        }
        for values in (pseudo, self.stack.parameters, self.stack.refs):
            if name in values:
                return values[name]
        raise KeyError(f"Ref to {name!r}, which is neither a parameter nor a created resource")

    def _getatt(self, value: Any) -> str:
        target, attr = value.split(".", 1) if isinstance(value, str) else value
        try:
            return self.stack.attributes[target][attr]
        except KeyError:
            raise KeyError(f"GetAtt {target}.{attr} is not known locally") from None

    def _sub(self, value: Any) -> str:
        text, variables = (value, {}) if isinstance(value, str) else (value[0], self.resolve(value[1]))

        def one(match: re.Match[str]) -> str:
            name, attr = match.group(1), match.group(2)
            if attr:
                return self._getatt([name, attr])
            return str(variables[name]) if name in variables else str(self._ref(name))

        return SUB_VARIABLE.sub(one, text)

    def _join(self, value: Any) -> str:
        separator, parts = value
        return str(separator).join(str(p) for p in self.resolve(parts))

    def _if(self, value: Any) -> Any:
        condition, then, otherwise = value
        return self.resolve(then if self.stack.conditions[condition] else otherwise)

    def _equals(self, value: Any) -> bool:
        left, right = self.resolve(value)
        return bool(left == right)

    def _not(self, value: Any) -> bool:
        return not self.resolve(value[0])

    def _condition(self, value: Any) -> bool:
        return self.stack.conditions[value]

    _intrinsics: ClassVar[dict[str, Callable[[Provisioner, Any], Any]]] = {
        "Ref": _ref,
        "Fn::GetAtt": _getatt,
        "Fn::Sub": _sub,
        "Fn::Join": _join,
        "Fn::If": _if,
        "Fn::Equals": _equals,
        "Fn::Not": _not,
        "Condition": _condition,
        "Fn::And": lambda self, v: all(self.resolve(v)),
        "Fn::Or": lambda self, v: any(self.resolve(v)),
        "Fn::Select": lambda self, v: self.resolve(v[1])[int(v[0])],
        "Fn::Split": lambda self, v: str(self.resolve(v[1])).split(v[0]),
    }

    # ------------------------------------------------------------------ the stack

    def prepare(self, template: dict[str, Any]) -> None:
        """Parameters (given values, else their defaults) and conditions, before any resource is resolved."""
        for name, spec in (template.get("Parameters") or {}).items():
            self.stack.parameters.setdefault(name, str(spec.get("Default", "")))
            if str(spec.get("Type", "")).startswith(_LIST_PARAMETERS):
                self.stack.list_parameters.add(name)
        for name, expression in (template.get("Conditions") or {}).items():
            self.stack.conditions[name] = bool(self.resolve(expression))
        self.check_rules(template)

    def check_rules(self, template: dict[str, Any]) -> None:
        """The template's Rules, as CloudFormation checks them before it creates anything: each assertion of a
        rule whose RuleCondition holds (or that has none) must hold, else :class:`RuleFailedError`."""
        for name, rule in (template.get("Rules") or {}).items():
            if "RuleCondition" in rule and not self.resolve(rule["RuleCondition"]):
                continue
            for assertion in rule.get("Assertions") or []:
                if not self.resolve(assertion["Assert"]):
                    description = assertion.get("AssertDescription", "")
                    raise RuleFailedError(f"template rule {name} failed: {description}")

    def create(self, template: dict[str, Any]) -> Stack:
        self.prepare(template)
        resources = template["Resources"]
        for logical_id in _dependency_order(resources):
            resource = resources[logical_id]
            if "Condition" in resource and not self.stack.conditions[resource["Condition"]]:
                continue
            props = self.resolve(resource.get("Properties", {}))
            self.stack.properties[logical_id] = props
            self._create(logical_id, resource["Type"], props)
        for key, output in (template.get("Outputs") or {}).items():
            self.stack.outputs[key] = str(self.resolve(output["Value"]))
        return self.stack

    def _physical_name(self, logical_id: str, limit: int = 64) -> str:
        suffix = "".join(secrets.choice(string.ascii_uppercase + string.digits) for _ in range(12))
        return f"{self.stack.name}-{logical_id}"[: limit - 13] + f"-{suffix}"

    def _create(self, logical_id: str, kind: str, props: dict[str, Any]) -> None:
        creators: dict[str, Callable[[str, dict[str, Any]], tuple[str, dict[str, str]]]] = {
            "AWS::DynamoDB::Table": self._table,
            "AWS::S3::Bucket": self._bucket,
            "AWS::IAM::Role": self._role,
            "AWS::Lambda::Function": self._function,
            "AWS::StepFunctions::StateMachine": self._state_machine,
            "AWS::Events::Rule": self._rule,
            "AWS::CloudFront::Distribution": self._distribution,
            "AWS::CloudFront::Function": self._cloudfront_function,
            "AWS::Logs::LogGroup": self._log_group,
            "AWS::SQS::Queue": self._queue,
            "AWS::SQS::QueuePolicy": self._queue_policy,
            "AWS::Lambda::EventInvokeConfig": self._event_invoke_config,
            "AWS::CloudWatch::Alarm": self._alarm,
            "AWS::KMS::Key": self._kms_key,
            "AWS::KMS::Alias": self._kms_alias,
            # THROTTLE: served by the local API Gateway from what moto keeps (medialib_local.metering)
            "AWS::ApiGateway::UsagePlan": self._usage_plan,
            "AWS::ApiGateway::ApiKey": self._api_key,
            "AWS::ApiGateway::UsagePlanKey": self._usage_plan_key,
        }
        if kind in creators:
            ref, attributes = creators[kind](logical_id, props)
        elif kind in _EMULATED:
            ref, attributes = f"local-{logical_id.lower()}", {}
        else:
            raise NotImplementedError(f"{logical_id}: the local stack cannot create {kind} yet")
        self.stack.refs[logical_id] = ref
        self.stack.attributes[logical_id] = _AnyAttribute(ref) if kind in _EMULATED else attributes

    def _table(self, logical_id: str, props: dict[str, Any]) -> tuple[str, dict[str, str]]:
        name = props.get("TableName") or self._physical_name(logical_id, 255)
        keys = (
            "AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes", "LocalSecondaryIndexes", "BillingMode",
            "DeletionProtectionEnabled",
        )  # fmt: skip
        ddb = self.client("dynamodb")
        description = ddb.create_table(TableName=name, **{k: props[k] for k in keys if k in props})["TableDescription"]
        fixups.table(ddb, name, props)
        return name, {"Arn": description["TableArn"]}

    def _bucket(self, logical_id: str, props: dict[str, Any]) -> tuple[str, dict[str, str]]:
        name = props.get("BucketName") or self._physical_name(logical_id.lower(), 63).lower()
        s3 = self.client("s3")
        s3.create_bucket(Bucket=name)
        fixups.bucket(s3, name, props)
        domain = f"{name}.s3.{self.stack.region}.amazonaws.com"
        return name, {
            "Arn": f"arn:aws:s3:::{name}",
            "DomainName": f"{name}.s3.amazonaws.com",
            "RegionalDomainName": domain,
        }

    def _role(self, logical_id: str, props: dict[str, Any]) -> tuple[str, dict[str, str]]:
        iam = self.client("iam")
        name = self._physical_name(logical_id)
        role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(props["AssumeRolePolicyDocument"]))
        for policy in props.get("Policies", []):
            # SAM's policy templates omit Version; IAM defaults it, moto refuses the document without it.
            document = {"Version": "2012-10-17", **policy["PolicyDocument"]}
            iam.put_role_policy(RoleName=name, PolicyName=policy["PolicyName"], PolicyDocument=json.dumps(document))
        return name, {"Arn": role["Role"]["Arn"]}

    def _function(self, logical_id: str, props: dict[str, Any]) -> tuple[str, dict[str, str]]:
        name = props.get("FunctionName") or self._physical_name(logical_id)
        options: dict[str, Any] = {
            k: props[k]
            for k in ("Runtime", "Handler", "MemorySize", "Timeout", "Architectures", "Description")
            if k in props
        }
        if "Environment" in props:
            options["Environment"] = {"Variables": {k: str(v) for k, v in props["Environment"]["Variables"].items()}}
        lam = self.client("lambda")
        created = lam.create_function(
            FunctionName=name, Role=props["Role"], Code={"ZipFile": _placeholder_zip()}, **options
        )
        if "ReservedConcurrentExecutions" in props:  # THROTTLE: kept, not enforced (docs/limits.md)
            reserved = int(props["ReservedConcurrentExecutions"])
            lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=reserved)
        return name, {"Arn": created["FunctionArn"]}

    def _state_machine(self, logical_id: str, props: dict[str, Any]) -> tuple[str, dict[str, str]]:
        name = props.get("StateMachineName") or self._physical_name(logical_id, 80)
        definition = props.get("DefinitionString") or json.dumps(props["Definition"])
        arn = self.client("stepfunctions").create_state_machine(
            name=name, definition=definition, roleArn=props["RoleArn"]
        )["stateMachineArn"]
        return arn, {"Arn": arn, "Name": name}

    def _rule(self, logical_id: str, props: dict[str, Any]) -> tuple[str, dict[str, str]]:
        events = self.client("events")
        name = props.get("Name") or self._physical_name(logical_id)
        rule: dict[str, Any] = {k: props[k] for k in ("ScheduleExpression", "State", "Description") if k in props}
        if "EventPattern" in props:
            rule["EventPattern"] = json.dumps(props["EventPattern"])
        arn = events.put_rule(Name=name, **rule)["RuleArn"]
        targets = props.get("Targets", [])
        if targets:
            events.put_targets(
                Rule=name,
                Targets=[
                    {k: t[k] for k in ("Id", "Arn", "Input", "DeadLetterConfig", "RetryPolicy") if k in t}
                    for t in targets
                ],
            )
        return name, {"Arn": arn}

    def _log_group(self, logical_id: str, props: dict[str, Any]) -> tuple[str, dict[str, str]]:
        name = props.get("LogGroupName") or self._physical_name(logical_id, 512)
        logs = self.client("logs")
        logs.create_log_group(logGroupName=name)
        if "RetentionInDays" in props:  # a Ref to a Number parameter arrives as text
            logs.put_retention_policy(logGroupName=name, retentionInDays=int(props["RetentionInDays"]))
        return name, {"Arn": f"arn:aws:logs:{self.stack.region}:{self.stack.account_id}:log-group:{name}:*"}

    def _alarm(self, logical_id: str, props: dict[str, Any]) -> tuple[str, dict[str, str]]:
        name = props.get("AlarmName") or self._physical_name(logical_id, 255)
        alarm = _alarm_request(props)
        self.client("cloudwatch").put_metric_alarm(AlarmName=name, **alarm)
        return name, {"Arn": f"arn:aws:cloudwatch:{self.stack.region}:{self.stack.account_id}:alarm:{name}"}

    # Queue attributes the template sets, as the SQS API names them (all strings there).
    _QUEUE_ATTRIBUTES = (
        "DelaySeconds",
        "MaximumMessageSize",
        "MessageRetentionPeriod",
        "ReceiveMessageWaitTimeSeconds",
        "VisibilityTimeout",
        "SqsManagedSseEnabled",
        "KmsMasterKeyId",
        "KmsDataKeyReusePeriodSeconds",
        "FifoQueue",
        "ContentBasedDeduplication",
    )

    def _queue(self, logical_id: str, props: dict[str, Any]) -> tuple[str, dict[str, str]]:
        name = props.get("QueueName") or self._physical_name(logical_id, 80)
        attributes = {k: str(props[k]).lower() if isinstance(props[k], bool) else str(props[k])
                      for k in self._QUEUE_ATTRIBUTES if k in props}  # fmt: skip
        if "RedrivePolicy" in props:
            attributes["RedrivePolicy"] = json.dumps(props["RedrivePolicy"])
        sqs = self.client("sqs")
        url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        return url, {"Arn": arn, "QueueName": name, "QueueUrl": url}

    def _queue_policy(self, logical_id: str, props: dict[str, Any]) -> tuple[str, dict[str, str]]:
        """Stored on each queue (moto keeps it; it does not enforce it)."""
        sqs = self.client("sqs")
        for url in props["Queues"]:
            sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(props["PolicyDocument"])})
        return f"local-{logical_id.lower()}", {}

    def _event_invoke_config(self, logical_id: str, props: dict[str, Any]) -> tuple[str, dict[str, str]]:
        """Lambda's asynchronous settings; the local stack's asynchronous invocations read them back from
        ``Stack.properties`` (:mod:`medialib_local.asynchronous`)."""
        options = {
            k: props[k]
            for k in ("Qualifier", "MaximumRetryAttempts", "MaximumEventAgeInSeconds", "DestinationConfig")
            if k in props
        }
        self.client("lambda").put_function_event_invoke_config(FunctionName=props["FunctionName"], **options)
        return f"{props['FunctionName']}:{props.get('Qualifier', '$LATEST')}", {}

    def _kms_key(self, logical_id: str, props: dict[str, Any]) -> tuple[str, dict[str, str]]:
        """A KMS key that really encrypts and decrypts (moto); its key policy is kept, not enforced."""
        kms = self.client("kms")
        options: dict[str, Any] = {k: props[k] for k in ("Description", "KeyUsage", "KeySpec") if k in props}
        if "KeyPolicy" in props:
            options["Policy"] = json.dumps(props["KeyPolicy"])
        metadata = kms.create_key(**options)["KeyMetadata"]
        if props.get("EnableKeyRotation"):
            kms.enable_key_rotation(KeyId=metadata["KeyId"])
        return metadata["KeyId"], {"Arn": metadata["Arn"], "KeyId": metadata["KeyId"]}

    def _kms_alias(self, logical_id: str, props: dict[str, Any]) -> tuple[str, dict[str, str]]:
        self.client("kms").create_alias(AliasName=props["AliasName"], TargetKeyId=props["TargetKeyId"])
        return props["AliasName"], {}

    # ------------------------------------------------------------------ THROTTLE: usage plans and API keys

    def _usage_plan(self, logical_id: str, props: dict[str, Any]) -> tuple[str, dict[str, str]]:
        """A usage plan in moto, which the local gateway reads on each request that needs an API key."""
        request: dict[str, Any] = {"name": props.get("UsagePlanName") or self._physical_name(logical_id)}
        if "Description" in props:
            request["description"] = props["Description"]
        request["apiStages"] = [{"apiId": s["ApiId"], "stage": s["Stage"]} for s in props.get("ApiStages", [])]
        if "Throttle" in props:
            throttle = props["Throttle"]
            request["throttle"] = {"rateLimit": float(throttle["RateLimit"]), "burstLimit": int(throttle["BurstLimit"])}
        if "Quota" in props:
            quota = props["Quota"]
            request["quota"] = {
                "limit": int(quota["Limit"]),
                "period": quota["Period"],
                "offset": int(quota.get("Offset", 0)),
            }
        plan_id = str(self.client("apigateway").create_usage_plan(**request)["id"])
        return plan_id, {"Id": plan_id}

    def _api_key(self, logical_id: str, props: dict[str, Any]) -> tuple[str, dict[str, str]]:
        request: dict[str, Any] = {"name": props.get("Name") or self._physical_name(logical_id, 1024)}
        request["enabled"] = bool(props.get("Enabled", False))  # CloudFormation's default, as the API's
        for key, name in (("Value", "value"), ("Description", "description")):
            if key in props:
                request[name] = props[key]
        key_id = str(self.client("apigateway").create_api_key(**request)["id"])
        return key_id, {"APIKeyId": key_id}

    def _usage_plan_key(self, logical_id: str, props: dict[str, Any]) -> tuple[str, dict[str, str]]:
        self.client("apigateway").create_usage_plan_key(
            usagePlanId=props["UsagePlanId"], keyId=props["KeyId"], keyType=props["KeyType"]
        )
        ref = f"{props['KeyId']}:{props['UsagePlanId']}"  # CloudFormation's Ref: key id, then plan id
        return ref, {"Id": ref}

    def _cloudfront_function(self, logical_id: str, props: dict[str, Any]) -> tuple[str, dict[str, str]]:
        config = {"Comment": props["FunctionConfig"].get("Comment", ""), "Runtime": props["FunctionConfig"]["Runtime"]}
        summary = self.client("cloudfront").create_function(
            Name=props["Name"], FunctionConfig=config, FunctionCode=props["FunctionCode"].encode()
        )["FunctionSummary"]
        arn = summary["FunctionMetadata"]["FunctionARN"]
        return arn, {"FunctionARN": arn, "FunctionMetadata.FunctionARN": arn}

    def _distribution(self, logical_id: str, props: dict[str, Any]) -> tuple[str, dict[str, str]]:
        config = cloudfront.to_api_config(props["DistributionConfig"])
        config["CallerReference"] = f"{self.stack.name}-{logical_id}"
        created = self.client("cloudfront").create_distribution(DistributionConfig=config)["Distribution"]
        return created["Id"], {"Id": created["Id"], "DomainName": created["DomainName"]}


_ALARM_NUMBERS = {"Period": int, "EvaluationPeriods": int, "DatapointsToAlarm": int, "Threshold": float}
_ALARM_KEYS = (
    "AlarmDescription", "ActionsEnabled", "ComparisonOperator", "TreatMissingData", "Namespace", "MetricName",
    "Dimensions", "Statistic", "ExtendedStatistic", "Unit", "Metrics", *_ALARM_NUMBERS,
)  # fmt: skip


def _alarm_request(props: dict[str, Any]) -> dict[str, Any]:
    """PutMetricAlarm's arguments from an ``AWS::CloudWatch::Alarm``'s properties (the same names). The actions are
    dropped when ``!Ref AWS::NoValue`` (resolved to "") stands for them: no AlarmTopicArn."""
    request = {key: props[key] for key in _ALARM_KEYS if key in props}
    for key, kind in _ALARM_NUMBERS.items():
        if key in request:
            request[key] = kind(request[key])
    for key in ("AlarmActions", "OKActions", "InsufficientDataActions"):
        if props.get(key):
            request[key] = props[key]
    return request


class _AnyAttribute(dict[str, str]):
    """An emulated resource answers every attribute with its local id."""

    def __init__(self, ref: str) -> None:
        super().__init__()
        self.ref = ref

    def __missing__(self, key: str) -> str:
        return self.ref


def _dependency_order(resources: dict[str, Any]) -> list[str]:
    """Logical ids so that each comes after everything it refers to (Ref, GetAtt, Sub, DependsOn)."""
    ordered: list[str] = []
    state: dict[str, str] = {}

    def visit(logical_id: str, path: tuple[str, ...]) -> None:
        if state.get(logical_id) == "done":
            return
        if state.get(logical_id) == "visiting":
            raise ValueError(f"circular reference: {' -> '.join((*path, logical_id))}")
        state[logical_id] = "visiting"
        for dependency in sorted(refs(resources[logical_id]) & resources.keys()):
            visit(dependency, (*path, logical_id))
        state[logical_id] = "done"
        ordered.append(logical_id)

    for logical_id in resources:
        visit(logical_id, ())
    return ordered
