"""Starts the whole local stack: moto, the template's resources, the dev account, the functions, the
schedules and the API Gateway emulation."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from medialib_local import ACCOUNT_ID, REGION
from medialib_local.asynchronous import AsyncLambda, EventBridgeTargets, Target, invoke_configs, rule_target, sqs_sender
from medialib_local.aws import (
    FAKE_CREDENTIALS,
    MotoServer,
    Provisioned,
    aws_client,
    distribution_config,
    provision,
    use_endpoint,
)
from medialib_local.edge import Edge, behaviour_of, origin_of
from medialib_local.eventbridge import EventRule, S3EventBridge, event_rules
from medialib_local.functions import LocalFunctions
from medialib_local.gateway import Gateway, deployed_gateway_responses
from medialib_local.metering import MotoPlans, UsagePlans, stages_of
from medialib_local.permissions import Guard, enforce, role_documents
from medialib_local.schedule import Scheduler, scheduled_event
from medialib_local.template import AppSpec, ScheduleSpec, describe
from medialib_local.usage_plans import attach_account

DEFAULT_ACCOUNT_ID = "dev"
DEFAULT_PUBLIC_KEY = "public_dev_local_key"
DEFAULT_PRIVATE_KEY = "private_dev_local_key"
# THROTTLE: template parameters that lift the per-account throttle of the management API far above what one process
# can send, for the test session's stack and the benchmarks, which drive one account as fast as they can: there the
# throttle would only make results depend on timing. `medialib local start-api` keeps the template's figures.
UNTHROTTLED = {"AccountRateLimit": "10000", "AccountBurstLimit": "5000"}
# The resources a user may want to look inside, by type, with the label `medialib local start-api` prints.
INSPECTABLE = {
    "AWS::DynamoDB::Table": "Table",
    "AWS::S3::Bucket": "Bucket",
    "AWS::Serverless::StateMachine": "State machine",
    "AWS::StepFunctions::StateMachine": "State machine",
    "AWS::SQS::Queue": "Queue",
    "AWS::ApiGateway::UsagePlan": "Usage plan",  # THROTTLE: where `attach_account` puts an account's key
}


@dataclass(frozen=True)
class DevAccount:
    account_id: str
    public_key: str
    private_key: str = field(repr=False)

    @classmethod
    def from_env(cls) -> DevAccount:
        return cls(
            os.environ.get("MEDIALIB_ACCOUNT_ID") or DEFAULT_ACCOUNT_ID,
            os.environ.get("MEDIALIB_PUBLIC_KEY") or DEFAULT_PUBLIC_KEY,
            os.environ.get("MEDIALIB_PRIVATE_KEY") or DEFAULT_PRIVATE_KEY,
        )


def find_template(start: Path | None = None) -> Path:
    """template.yaml of the project: MEDIALIB_TEMPLATE, else the nearest one upwards from the cwd."""
    if os.environ.get("MEDIALIB_TEMPLATE"):
        return Path(os.environ["MEDIALIB_TEMPLATE"]).resolve()
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "template.yaml").is_file():
            return folder / "template.yaml"
    raise FileNotFoundError("template.yaml not found; run from the project or set MEDIALIB_TEMPLATE")


class LocalStack:
    def __init__(
        self, template: Path, base_url: str, account: DevAccount, parameters: dict[str, str] | None = None
    ) -> None:
        self.spec: AppSpec = describe(template)
        self.parameters = dict(parameters or {})  # template parameters other than their defaults
        self.base_url = base_url
        self.account = account
        self.moto = MotoServer()
        self.provisioned: Provisioned | None = None
        self.functions: LocalFunctions | None = None
        self.scheduler: Scheduler | None = None
        self.gateway: Gateway | None = None
        self.app: Edge | None = None  # what listens: CloudFront's part in front of the gateway
        self.events: S3EventBridge | None = None
        self.lambdas: AsyncLambda | None = None  # Lambda's asynchronous invocations (retries, on-failure records)
        self.targets: EventBridgeTargets | None = None  # EventBridge's hand-off to them (retry policy, DLQ)
        self.guard: Guard | None = None
        self.origin_secret = secrets.token_hex(32)  # the CDN's header to the delivery API (DeliveryOriginSecret)
        self._plain_store: Any = None  # THROTTLE: the accounts store before _attach_seeded_accounts wrapped it

    def start(self, *, schedules: bool = True) -> Edge:
        self.moto.start()
        use_endpoint(self.moto.endpoint)
        self.provisioned = provision(
            self.spec,
            self.moto.endpoint,
            {**self.parameters, "DeliveryBaseUrl": self.base_url, "DeliveryOriginSecret": self.origin_secret},
        )
        self.functions = LocalFunctions(self.spec, self.provisioned.function_env, self.provisioned.physical)
        self.functions.route_step_functions_tasks(self.provisioned.function_names)
        # Each handler's AWS calls are held to its role, as IAM would (medialib_local/permissions.py).
        self.guard = Guard(REGION, ACCOUNT_ID, role_documents(self.provisioned.properties, list(self.spec.functions)))
        enforce(self.guard)
        self._asynchronous()
        self.events = S3EventBridge(event_rules(self.spec.sam, self.provisioned.physical), self._deliver_rule)
        self.events.install()
        self._attach_seeded_accounts()  # THROTTLE: before the first account is seeded
        self._seed_account()
        if schedules:
            self.scheduler = Scheduler(self.spec.schedules, self.fire)
            self.scheduler.start()
        self.gateway = Gateway(  # THROTTLE: the gateway responses as deployed, the usage plans of the local moto
            deployed_gateway_responses(self.spec, self.provisioned.properties),
            self.functions,
            UsagePlans(
                MotoPlans(),
                stages_of(self.provisioned.types, self.provisioned.properties, self.provisioned.physical),
            ),
        )
        config = distribution_config(self.moto.endpoint, self.provisioned.distribution_id)
        behaviour = behaviour_of(self.provisioned.properties, self.provisioned.physical)
        self.app = Edge(self.gateway, *origin_of(config, self.provisioned.physical), behaviour)
        return self.app

    def _asynchronous(self) -> None:
        assert self.provisioned is not None and self.functions is not None
        provisioned, endpoint = self.provisioned, self.moto.endpoint
        arns = {
            lid: f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{provisioned.physical[lid]}"
            for lid in self.spec.functions
        }
        configs = invoke_configs(provisioned.types, provisioned.properties, provisioned.function_names)
        send = sqs_sender(lambda: aws_client("sqs", endpoint))
        self.lambdas = AsyncLambda(self.functions.invoke, arns, configs, send)
        self.targets = EventBridgeTargets(self.lambdas, send)

    def target(self, function_id: str, event_name: str) -> Target:
        """The rule SAM made of a function's event (``<Function><Event>``), as EventBridge targets it."""
        assert self.provisioned is not None
        rule = self.provisioned.physical.get(f"{function_id}{event_name}", event_name)
        rule_arn = f"arn:aws:events:{REGION}:{ACCOUNT_ID}:rule/{rule}"
        return rule_target(rule_arn, function_id, self.provisioned.properties.get(f"{function_id}{event_name}", {}))

    def _deliver_rule(self, rule: EventRule, event: dict[str, Any]) -> None:
        assert self.targets is not None
        self.targets.deliver(self.target(rule.function_id, rule.name), event)

    def wait(self, timeout: float = 30.0) -> None:
        """Wait for the asynchronous invocations in flight (S3 events, then the functions they started)."""
        if self.events:
            self.events.wait(timeout)
        if self.lambdas:
            self.lambdas.wait(timeout)

    def aws_banner(self) -> str:
        """How to look inside the local AWS with the AWS CLI or boto3: the moto endpoint, the region, the
        credentials it accepts, and the physical name of every table, bucket and state machine of the template."""
        assert self.provisioned is not None, "start() the stack first"
        endpoint = self.moto.endpoint
        access_key, secret_key = FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"], FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"]
        lines = [
            "Local AWS (moto; look inside with the AWS CLI or boto3)",
            f"  Endpoint URL           {endpoint}",
            f"  Region                 {REGION}",
            f"  Credentials            AWS_ACCESS_KEY_ID={access_key} AWS_SECRET_ACCESS_KEY={secret_key}",
        ]
        for logical_id, resource in self.spec.sam["Resources"].items():
            label = INSPECTABLE.get(resource.get("Type", ""))
            physical = self.provisioned.physical.get(logical_id)
            if label and physical:
                lines.append(f"  {label:<22} {physical}  ({logical_id})")
        lines.append(
            f"  e.g. AWS_ACCESS_KEY_ID={access_key} AWS_SECRET_ACCESS_KEY={secret_key} "
            f"aws --endpoint-url {endpoint} --region {REGION} s3 ls"
        )
        lines.append(
            "  Accounts (medialib accounts create|list|rotate-key|disable|enable ...), e.g.\n"
            f"    AWS_ACCESS_KEY_ID={access_key} AWS_SECRET_ACCESS_KEY={secret_key} medialib accounts list "
            f"{self.accounts_target()}"
        )
        return "\n".join(lines) + "\n"

    def accounts_target(self) -> str:
        """The arguments of ``medialib accounts`` that name this local stack (ACCOUNTS; docs/keys.md)."""
        assert self.provisioned is not None, "start() the stack first"
        outputs = self.provisioned.outputs
        return (
            f"--endpoint-url {self.moto.endpoint} --region {REGION} --table-name {outputs['TableName']} "
            f"--kms-key-arn {outputs['AccountKeysKeyArn']} --usage-plan-id {outputs['UsagePlanId']}"
        )

    def stop(self) -> None:
        if self.scheduler:
            self.scheduler.stop()
        self.wait()
        if self.events:
            self.events.uninstall()
        enforce(None)
        self._detach_store()
        self.moto.stop()

    def _seed_account(self) -> None:
        from medialib.accounts.models import Account  # noqa: PLC0415 - after the environment is set
        from medialib.accounts.service import seed_account  # noqa: PLC0415

        seed_account(
            Account(
                account_id=self.account.account_id,
                public_key=self.account.public_key,
                private_key=self.account.private_key,
            )
        )

    # ------------------------------------------------------------------ THROTTLE: accounts in the usage plans

    def usage_plan_ids(self) -> list[str]:
        """The usage plans of the template, as provisioned (the stack's UsagePlanId output among them)."""
        assert self.provisioned is not None
        types = self.provisioned.types
        return [self.provisioned.physical[lid] for lid, kind in types.items() if kind == "AWS::ApiGateway::UsagePlan"]

    def attach(self, account_id: str) -> None:
        """Give the account its API key in the stack's usage plans, as `medialib accounts create` does in AWS."""
        apigateway = aws_client("apigateway", self.moto.endpoint)
        for plan_id in self.usage_plan_ids():
            attach_account(apigateway, plan_id, account_id)

    def _attach_seeded_accounts(self) -> None:
        """Every account saved in this process (the dev account, and those tests seed with ``seed_account``) is
        attached to the usage plans once it is saved: the accounts service's store is wrapped for the stack's life."""
        from medialib.accounts import service  # noqa: PLC0415 - after the environment is set

        self._plain_store = service.store
        service.store = _AttachingStore(service.store, self.attach)

    def _detach_store(self) -> None:
        from medialib.accounts import service  # noqa: PLC0415

        if isinstance(service.store, _AttachingStore):
            service.store = self._plain_store

    def fire(self, schedule: ScheduleSpec, fired_at: datetime) -> None:
        """The schedule's rule fires: its event goes to the function asynchronously, as EventBridge sends it."""
        assert self.targets is not None
        target = self.target(schedule.function_id, schedule.name)
        self.targets.deliver(target, scheduled_event(schedule, target.rule_arn, fired_at))


class _AttachingStore:
    """THROTTLE: an accounts store that attaches each account it saves to the stack's usage plans, and otherwise is
    the store it wraps."""

    def __init__(self, inner: Any, attach: Callable[[str], None]) -> None:
        self.inner = inner
        self.attach = attach

    def save(self, account: Any) -> None:
        self.inner.save(account)
        self.attach(account.account_id)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)
