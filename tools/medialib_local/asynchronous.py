"""Asynchronous invocations as EventBridge and Lambda make them, with their retries and dead letters.

Two stages, as in AWS (docs/dead-letters.md):

- EventBridge hands the event to Lambda (``Invoke`` with ``InvocationType=Event``). When that hand-off fails, it
  retries it per the target's ``RetryPolicy`` and then sends the event itself to the target's
  ``DeadLetterConfig`` queue, with the message attributes ``RULE_ARN``, ``TARGET_ARN``, ``ERROR_CODE``,
  ``ERROR_MESSAGE``, ``EXHAUSTED_RETRY_CONDITION`` and ``RETRY_ATTEMPTS``. Locally the hand-off only fails when
  :meth:`AsyncLambda.accept` refuses it (a test's injection: the local Lambda has no throttles or permissions).
- Lambda runs the accepted event; a function error is retried ``MaximumRetryAttempts`` times (Lambda waits 1 and
  then 2 minutes; here ``retry_delays``, none by default) unless ``MaximumEventAgeInSeconds`` has passed, then an
  on-failure record goes to ``DestinationConfig.OnFailure`` (an SQS queue): ``version``, ``timestamp``,
  ``requestContext`` (``requestId``, ``functionArn`` with ``$LATEST``, ``condition`` ``RetriesExhausted`` or
  ``EventAgeExceeded``, ``approximateInvokeCount``), ``requestPayload`` (the event), ``responseContext``
  (``statusCode``, ``executedVersion``, ``functionError``) and ``responsePayload`` (the error payload). Without a
  destination the event is dropped, as Lambda drops it, and the error is printed on stderr.

The settings are read from the provisioned template (``AWS::Lambda::EventInvokeConfig`` and the rules' targets),
never written twice.
"""

from __future__ import annotations

import json
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from medialib_local.functions import FunctionError

LAMBDA_DEFAULT_RETRIES = 2
LAMBDA_DEFAULT_MAX_AGE_S = 21600
EVENTBRIDGE_DEFAULT_RETRIES = 185
EVENTBRIDGE_DEFAULT_MAX_AGE_S = 86400


class DeliveryError(Exception):
    """Lambda refused an event (EventBridge's hand-off failed): its error code and message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


@dataclass(frozen=True)
class InvokeConfig:
    """A function's ``AWS::Lambda::EventInvokeConfig`` (Lambda's defaults when it has none)."""

    retries: int = LAMBDA_DEFAULT_RETRIES
    max_age_s: int = LAMBDA_DEFAULT_MAX_AGE_S
    on_failure: str | None = None  # an SQS queue ARN


@dataclass(frozen=True)
class Target:
    """A rule's Lambda target: where its events go, and where the ones EventBridge cannot hand over end."""

    rule_arn: str
    function_id: str
    function_arn: str
    dead_letter: str | None = None  # an SQS queue ARN
    retries: int = EVENTBRIDGE_DEFAULT_RETRIES
    max_age_s: int = EVENTBRIDGE_DEFAULT_MAX_AGE_S


def invoke_configs(
    types: dict[str, str], properties: dict[str, dict[str, Any]], function_names: dict[str, str]
) -> dict[str, InvokeConfig]:
    """Each function's asynchronous settings by logical id, from the provisioned template."""
    configs: dict[str, InvokeConfig] = {}
    for logical_id, kind in types.items():
        if kind != "AWS::Lambda::EventInvokeConfig":
            continue
        props = properties[logical_id]
        destinations = props.get("DestinationConfig") or {}
        if "OnSuccess" in destinations:
            raise NotImplementedError(f"{logical_id}: OnSuccess destinations are not emulated by the local stack")
        on_failure = (destinations.get("OnFailure") or {}).get("Destination")
        if on_failure and not str(on_failure).startswith("arn:aws:sqs:"):
            raise NotImplementedError(f"{logical_id}: only SQS on-failure destinations are emulated locally")
        configs[function_names[str(props["FunctionName"])]] = InvokeConfig(
            int(props.get("MaximumRetryAttempts", LAMBDA_DEFAULT_RETRIES)),
            int(props.get("MaximumEventAgeInSeconds", LAMBDA_DEFAULT_MAX_AGE_S)),
            on_failure,
        )
    return configs


def rule_target(rule_arn: str, function_id: str, rule_properties: dict[str, Any]) -> Target:
    """The rule's (single) Lambda target, as SAM makes it of a function's event."""
    (target,) = rule_properties.get("Targets") or [{}]
    retry = target.get("RetryPolicy") or {}
    return Target(
        rule_arn,
        function_id,
        str(target.get("Arn", "")),
        (target.get("DeadLetterConfig") or {}).get("Arn"),
        int(retry.get("MaximumRetryAttempts", EVENTBRIDGE_DEFAULT_RETRIES)),
        int(retry.get("MaximumEventAgeInSeconds", EVENTBRIDGE_DEFAULT_MAX_AGE_S)),
    )


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def failure_record(
    function_arn: str, event: Any, error: FunctionError, *, attempts: int, condition: str
) -> dict[str, Any]:
    """Lambda's on-failure destination record for an asynchronous invocation that failed for good."""
    return {
        "version": "1.0",
        "timestamp": _now_iso(),
        "requestContext": {
            "requestId": str(uuid.uuid4()),
            "functionArn": f"{function_arn}:$LATEST",
            "condition": condition,
            "approximateInvokeCount": attempts,
        },
        "requestPayload": event,
        "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
        "responsePayload": error.payload(),
    }


Send = Callable[[str, str, dict[str, str]], None]  # (queue ARN, body, string attributes)


def sqs_sender(client: Callable[[], Any]) -> Send:
    """Sends to a queue of the local moto by its ARN (``client()`` is the SQS client)."""

    def send(queue_arn: str, body: str, attributes: dict[str, str]) -> None:
        sqs = client()
        url = sqs.get_queue_url(QueueName=queue_arn.rsplit(":", 1)[-1])["QueueUrl"]
        message_attributes = {k: {"DataType": "String", "StringValue": v} for k, v in attributes.items()}
        sqs.send_message(QueueUrl=url, MessageBody=body, MessageAttributes=message_attributes)

    return send


class AsyncLambda:
    """Lambda's asynchronous invocations of the template's functions: each accepted event runs on a thread of
    its own, with the function's retries, then its on-failure destination."""

    def __init__(
        self,
        invoke: Callable[[str, Any], Any],
        function_arns: dict[str, str],
        configs: dict[str, InvokeConfig],
        send: Send,
        retry_delays: tuple[float, ...] = (),
    ) -> None:
        self.invoke = invoke
        self.function_arns = function_arns
        self.configs = configs
        self.send = send
        self.retry_delays = retry_delays
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    def accept(self, function_id: str, event: Any) -> None:
        """Lambda's ``Invoke`` with ``InvocationType=Event``: DeliveryError when refused (never locally, unless a
        test makes it so)."""
        if function_id not in self.function_arns:
            raise DeliveryError("ResourceNotFoundException", f"Function not found: {function_id}")

    def submit(self, function_id: str, event: Any) -> None:
        """Accept the event (or raise DeliveryError) and run it in the background."""
        self.accept(function_id, event)
        received = time.monotonic()
        thread = threading.Thread(target=self._run, args=(function_id, event, received), name="lambda-async")
        thread.daemon = True
        with self._lock:
            self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()

    def wait(self, timeout: float = 30.0) -> None:
        """Wait for the invocations in flight (tests, shutdown)."""
        with self._lock:
            threads = list(self._threads)
        for thread in threads:
            thread.join(timeout)

    def _run(self, function_id: str, event: Any, received: float) -> None:
        config = self.configs.get(function_id, InvokeConfig())
        attempts = 0
        while True:
            attempts += 1
            try:
                self.invoke(function_id, event)
            except FunctionError as err:
                if attempts > config.retries:
                    return self._failed(
                        function_id, event, err, attempts=attempts, condition="RetriesExhausted", config=config
                    )
                delay = self.retry_delays[min(attempts, len(self.retry_delays)) - 1] if self.retry_delays else 0.0
                if time.monotonic() + delay - received > config.max_age_s:
                    return self._failed(
                        function_id, event, err, attempts=attempts, condition="EventAgeExceeded", config=config
                    )
                time.sleep(delay)
                continue
            return None

    def _failed(  # noqa: PLR0913 - what the record says
        self, function_id: str, event: Any, err: FunctionError, *, attempts: int, condition: str, config: InvokeConfig
    ) -> None:
        if config.on_failure is None:
            print(f"{function_id}: asynchronous invocation dropped after {attempts} attempts (no on-failure "
                  f"destination):\n{err.trace or err}", file=sys.stderr, flush=True)  # fmt: skip
            return
        record = failure_record(self.function_arns[function_id], event, err, attempts=attempts, condition=condition)
        print(f"{function_id}: failed {attempts} times, record sent to {config.on_failure}:\n{err.trace or err}",
              file=sys.stderr, flush=True)  # fmt: skip
        self.send(config.on_failure, json.dumps(record), {})


class EventBridgeTargets:
    """EventBridge's delivery of an event to a rule's Lambda target, with the target's retry policy and DLQ."""

    def __init__(self, lambdas: AsyncLambda, send: Send, retry_delay: float = 0.0) -> None:
        self.lambdas = lambdas
        self.send = send
        self.retry_delay = retry_delay

    def deliver(self, target: Target, event: dict[str, Any]) -> bool:
        """Hand ``event`` to the target's function; False when it went to the DLQ (or was dropped)."""
        started = time.monotonic()
        attempts = 0
        while True:
            try:
                self.lambdas.submit(target.function_id, event)
            except DeliveryError as err:
                attempts += 1
                if attempts > target.retries:
                    return self._dead(target, event, err, attempts - 1, "MaximumRetryAttemptsExhausted")
                if time.monotonic() + self.retry_delay - started > target.max_age_s:
                    return self._dead(target, event, err, attempts - 1, "MaximumEventAgeExhausted")
                time.sleep(self.retry_delay)
                continue
            return True

    def _dead(self, target: Target, event: dict[str, Any], err: DeliveryError, retries: int, condition: str) -> bool:
        if target.dead_letter is None:
            print(f"EventBridge dropped an event for {target.function_id}: {err}", file=sys.stderr, flush=True)
            return False
        attributes = {
            "RULE_ARN": target.rule_arn,
            "TARGET_ARN": target.function_arn,
            "ERROR_CODE": err.code,
            "ERROR_MESSAGE": err.message,
            "EXHAUSTED_RETRY_CONDITION": condition,
            "RETRY_ATTEMPTS": str(retries),
        }
        print(f"EventBridge -> {target.function_id} failed ({err}); event sent to {target.dead_letter}",
              file=sys.stderr, flush=True)  # fmt: skip
        self.send(target.dead_letter, json.dumps(event), attributes)
        return False
