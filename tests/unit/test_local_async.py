"""The local stack's asynchronous invocations (medialib_local.asynchronous) and replay-dlq's reading of a message:
Lambda's retries and on-failure record, EventBridge's retry policy and dead letter, in the shapes AWS documents."""

from __future__ import annotations

import json
from typing import Any

import pytest

from medialib_local.asynchronous import (
    AsyncLambda,
    DeliveryError,
    EventBridgeTargets,
    InvokeConfig,
    Target,
    failure_record,
    invoke_configs,
)
from medialib_local.functions import FunctionError
from medialib_local.replay import read

ARN = "arn:aws:lambda:us-east-1:123456789012:function:medialib-local-UploadFunction-X"
QUEUE = "arn:aws:sqs:us-east-1:123456789012:dlq"
EVENT = {"detail-type": "Object Created", "detail": {"object": {"key": "incoming/dev/s1"}}}


class Sent:
    def __init__(self) -> None:
        self.messages: list[tuple[str, dict[str, Any], dict[str, str]]] = []

    def __call__(self, queue: str, body: str, attributes: dict[str, str]) -> None:
        self.messages.append((queue, json.loads(body), attributes))


def failing(times: int) -> tuple[list[Any], Any]:
    calls: list[Any] = []

    def invoke(function_id: str, event: Any) -> Any:
        calls.append(event)
        if len(calls) <= times:
            raise FunctionError("ServiceUnavailableError", "The service is temporarily unavailable.", "Traceback ...")
        return {"outcome": "COMPLETED"}

    return calls, invoke


@pytest.mark.parametrize(
    ("failures", "retries", "invocations", "records"),
    [
        pytest.param(3, 2, 3, 1, id="fails-every-attempt-one-record-after-three"),
        pytest.param(2, 2, 3, 0, id="succeeds-on-the-last-retry-no-record"),
        pytest.param(1, 0, 1, 1, id="no-retries-configured-one-attempt"),
    ],
)
def test_lambda_retries_then_sends_its_on_failure_record(
    failures: int, retries: int, invocations: int, records: int
) -> None:
    """Given a function failing ``failures`` times and MaximumRetryAttempts ``retries``, When an event is submitted,
    Then it runs 1 + retries times at most and an on-failure record goes to the destination only if all failed."""
    calls, invoke = failing(failures)
    sent = Sent()
    lambdas = AsyncLambda(invoke, {"UploadFunction": ARN}, {"UploadFunction": InvokeConfig(retries, 3600, QUEUE)}, sent)

    lambdas.submit("UploadFunction", EVENT)
    lambdas.wait()

    assert len(calls) == invocations
    assert len(sent.messages) == records


def test_an_on_failure_record_has_lambdas_shape() -> None:
    """Given a failed invocation, When its record is built, Then it holds version, timestamp, requestContext
    (function ARN with $LATEST, condition, invoke count), the event under requestPayload, responseContext and the
    error payload under responsePayload."""
    error = FunctionError("InternalError", "boom", "Traceback ...")
    record = failure_record(ARN, EVENT, error, attempts=3, condition="RetriesExhausted")

    assert set(record) == {"version", "timestamp", "requestContext", "requestPayload", "responseContext",
                           "responsePayload"}  # fmt: skip
    assert record["requestContext"]["functionArn"] == f"{ARN}:$LATEST"
    assert (record["requestContext"]["condition"], record["requestContext"]["approximateInvokeCount"]) == (
        "RetriesExhausted", 3,
    )  # fmt: skip
    assert record["requestPayload"] == EVENT
    assert record["responsePayload"]["errorMessage"] == "boom"


def test_a_function_without_a_destination_drops_the_event(capsys: pytest.CaptureFixture[str]) -> None:
    """Given a function with no EventInvokeConfig, When it fails every attempt, Then Lambda's defaults apply (3
    attempts), nothing is sent and the drop is printed."""
    calls, invoke = failing(99)
    sent = Sent()
    lambdas = AsyncLambda(invoke, {"UploadFunction": ARN}, {}, sent)

    lambdas.submit("UploadFunction", EVENT)
    lambdas.wait()

    assert (len(calls), sent.messages) == (3, [])
    assert "dropped after 3 attempts" in capsys.readouterr().err


def test_an_event_older_than_its_maximum_age_is_not_retried() -> None:
    """Given MaximumEventAgeInSeconds shorter than the wait before the first retry, When the function fails, Then
    the record says EventAgeExceeded after one attempt."""
    calls, invoke = failing(99)
    sent = Sent()
    config = {"UploadFunction": InvokeConfig(2, 0, QUEUE)}
    lambdas = AsyncLambda(invoke, {"UploadFunction": ARN}, config, sent, retry_delays=(0.01,))

    lambdas.submit("UploadFunction", EVENT)
    lambdas.wait()

    [(_, record, _)] = sent.messages
    assert (len(calls), record["requestContext"]["condition"]) == (1, "EventAgeExceeded")


def test_eventbridge_sends_what_lambda_refuses_to_the_targets_dlq_with_its_attributes() -> None:
    """Given Lambda refusing every hand-off and a target with 3 retries, When EventBridge delivers, Then it tries 4
    times and sends the event itself to the DLQ with RULE_ARN, TARGET_ARN, the error and the exhausted condition."""
    refused: list[str] = []
    sent = Sent()
    lambdas = AsyncLambda(lambda f, e: None, {"UploadFunction": ARN}, {}, sent)

    def refuse(function_id: str, event: Any) -> None:
        refused.append(function_id)
        raise DeliveryError("Lambda.TooManyRequestsException", "Rate exceeded")

    lambdas.accept = refuse  # type: ignore[method-assign]  # the local Lambda's one refusal seam
    target = Target("arn:aws:events:us-east-1:123456789012:rule/r", "UploadFunction", ARN, QUEUE, 3, 3600)

    assert EventBridgeTargets(lambdas, sent).deliver(target, EVENT) is False

    [(queue, body, attributes)] = sent.messages
    assert (len(refused), queue, body) == (4, QUEUE, EVENT)
    assert attributes == {
        "RULE_ARN": target.rule_arn, "TARGET_ARN": ARN, "ERROR_CODE": "Lambda.TooManyRequestsException",
        "ERROR_MESSAGE": "Rate exceeded", "EXHAUSTED_RETRY_CONDITION": "MaximumRetryAttemptsExhausted",
        "RETRY_ATTEMPTS": "3",
    }  # fmt: skip


def test_only_sqs_on_failure_destinations_are_emulated() -> None:
    """Given an EventInvokeConfig whose on-failure destination is an SNS topic, When the local stack reads it, Then
    it refuses to start rather than drop the records."""
    props = {"C": {"FunctionName": "fn", "DestinationConfig": {"OnFailure": {"Destination": "arn:aws:sns:x:1:t"}}}}
    with pytest.raises(NotImplementedError, match="only SQS"):
        invoke_configs({"C": "AWS::Lambda::EventInvokeConfig"}, props, {"fn": "F"})


def message(body: Any, **attributes: str) -> dict[str, Any]:
    return {
        "MessageId": "m1", "ReceiptHandle": "h1", "Body": json.dumps(body),
        "MessageAttributes": {k: {"DataType": "String", "StringValue": v} for k, v in attributes.items()},
    }  # fmt: skip


@pytest.mark.parametrize(
    ("body", "attributes", "expected"),
    [
        pytest.param(
            failure_record(ARN, EVENT, FunctionError("E", "m"), attempts=3, condition="RetriesExhausted"), {},
            ("lambda", ARN, EVENT), id="on-failure-record-replays-requestPayload-on-functionArn-without-LATEST",
        ),
        pytest.param(EVENT, {"TARGET_ARN": ARN, "RULE_ARN": "r"}, ("eventbridge", ARN, EVENT),
                     id="eventbridge-dead-letter-replays-the-body-on-TARGET_ARN"),
        pytest.param({"hello": 1}, {}, None, id="anything-else-is-unknown"),
    ],
)  # fmt: skip
def test_replay_reads_which_function_gets_which_event(body: Any, attributes: dict[str, str], expected: Any) -> None:
    """Given a message of the dead-letter queue, When replay-dlq reads it, Then it knows the function and event to
    replay, or that it is of no known kind."""
    letter = read(message(body, **attributes))
    assert (None if letter is None else (letter.kind, letter.function, letter.payload)) == expected
