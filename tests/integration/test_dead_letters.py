"""Nothing dropped silently, on the local stack: an asynchronous invocation that fails for good lands in the
template's dead-letter queue in the shape AWS gives it, and `medialib replay-dlq` puts it back on its function once
the cause is fixed (docs/dead-letters.md).

Failures are injected as in test_dependency_failures.py: one method of the boto3 client the adapters use raises
botocore's own ``ClientError``; a refused EventBridge hand-off is the local Lambda's ``accept`` refusing."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from medialib_local.asynchronous import DeliveryError
from medialib_local.replay import replay
from tests.conftest import ROOT
from tests.integration.test_upload_sessions import open_session, poll, post_file

MEDIALIB = Path(sys.executable).parent / "medialib"


def client_error(code: str, status: int, operation: str) -> ClientError:
    response: Any = {
        "Error": {"Code": code, "Message": f"injected {code}"},
        "ResponseMetadata": {"HTTPStatusCode": status},
    }
    return ClientError(response, operation)


@pytest.fixture
def dlq(stack: Any) -> Iterator[str]:
    """The dead-letter queue's URL (the template's output), empty before and after the test."""
    url = str(stack.provisioned.outputs["DeadLetterQueueUrl"])
    drain(url)
    yield url
    stack.wait()
    drain(url)


def drain(url: str) -> None:
    """Delete every message (SQS allows one PurgeQueue a minute)."""
    sqs = boto3.client("sqs")
    while got := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        for message in got:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def messages(url: str) -> list[dict[str, Any]]:
    """Every message of the queue, left in it (visible again at once)."""
    sqs = boto3.client("sqs")
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"], VisibilityTimeout=0)
    return list(got.get("Messages", []))


def s3_get_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    from medialib.adapters import clients

    def refuse(**kwargs: Any) -> Any:
        raise client_error("InternalError", 500, "GetObject")

    monkeypatch.setattr(clients.s3(), "get_object", refuse)


def test_a_finaliser_failing_after_its_retries_is_replayed_once_fixed(
    api: Any, account: Any, stack: Any, dlq: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given S3 failing the finaliser's read of the posted file, When a session's file is posted, Then Lambda runs
    the finaliser 3 times (MaximumRetryAttempts 2) and puts its on-failure record (the S3 event under
    requestPayload) in the dead-letter queue while the session stays PENDING; When S3 is back and
    `medialib replay-dlq --dry-run` runs, Then it lists the record and changes nothing; When `medialib replay-dlq`
    runs, Then the session is COMPLETED and the queue is empty."""
    content = b"%PDF-1.4 dead letter"
    session = open_session(api, account.private_key, fileName="dead.pdf", fileSize=len(content)).get_json()
    key = session["upload"]["fields"]["key"]
    s3_get_fails(monkeypatch)

    post_file(session["upload"], content, "application/pdf")
    stack.wait()

    [message] = messages(dlq)
    record = json.loads(message["Body"])
    assert record["requestPayload"]["detail"]["object"]["key"] == key
    assert record["requestPayload"]["detail-type"] == "Object Created"
    context = record["requestContext"]
    assert (context["condition"], context["approximateInvokeCount"]) == ("RetriesExhausted", 3)
    assert context["functionArn"].endswith(f":function:{stack.provisioned.physical['UploadFunction']}:$LATEST")
    assert record["responseContext"]["functionError"] == "Unhandled"
    assert {"errorType", "errorMessage"} <= set(record["responsePayload"])
    assert poll(api, account.private_key, session["sessionId"], timeout=0)["status"] == "PENDING"

    monkeypatch.undo()  # the cause is fixed
    command = [str(MEDIALIB), "replay-dlq", "--queue-url", dlq, "--endpoint-url", stack.moto.endpoint]
    listed = subprocess.run([*command, "--dry-run"], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert listed.returncode == 0, listed.stderr
    assert f"WOULD REPLAY {message['MessageId']}  lambda" in listed.stdout
    assert poll(api, account.private_key, session["sessionId"], timeout=0)["status"] == "PENDING"
    assert len(messages(dlq)) == 1

    replayed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)

    assert replayed.returncode == 0, replayed.stdout + replayed.stderr
    assert "1 replayed, 0 failed again, 0 unknown" in replayed.stdout
    done = poll(api, account.private_key, session["sessionId"])
    assert done["status"] == "COMPLETED", done
    assert done["file"]["name"].startswith("dead")
    assert messages(dlq) == []


def test_a_replay_that_fails_again_keeps_its_message(
    api: Any, account: Any, stack: Any, dlq: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given a finaliser's on-failure record in the queue and S3 still failing, When the queue is replayed, Then
    the function fails again, the message stays in the queue (visible again) and the session is still PENDING."""
    content = b"%PDF-1.4 still failing"
    session = open_session(api, account.private_key, fileName="again.pdf", fileSize=len(content)).get_json()
    s3_get_fails(monkeypatch)
    post_file(session["upload"], content, "application/pdf")
    stack.wait()
    [before] = messages(dlq)

    summary = replay(boto3.client("sqs"), boto3.client("lambda"), dlq, say=lambda line: None)

    assert (summary.replayed, summary.failed) == ([], [before["MessageId"]])
    assert [m["MessageId"] for m in messages(dlq)] == [before["MessageId"]]
    assert poll(api, account.private_key, session["sessionId"], timeout=0)["status"] == "PENDING"


def test_a_schedule_eventbridge_could_not_hand_over_is_replayed(
    stack: Any, dlq: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given Lambda refusing EventBridge's hand-off, When the monthly purge-quota schedule fires, Then EventBridge
    retries per the target's RetryPolicy and puts the Scheduled Event itself in the dead-letter queue with
    RULE_ARN, TARGET_ARN and the error; When Lambda accepts again and the queue is replayed, Then the purge
    function records that month's reset and the queue is empty."""
    from medialib.purge import service

    [schedule] = [s for s in stack.spec.schedules if s.function_id == "PurgeFunction"]
    fired_at = datetime(random.randint(2200, 2900), random.randint(1, 12), 1, tzinfo=UTC)  # a month nobody reset
    period = fired_at.strftime("%Y-%m")
    refused: list[str] = []

    def refuse(function_id: str, event: Any) -> None:
        refused.append(function_id)
        raise DeliveryError("Lambda.ServiceException", "injected")

    monkeypatch.setattr(stack.lambdas, "accept", refuse)
    stack.fire(schedule, fired_at)

    [message] = messages(dlq)
    attributes = {k: v["StringValue"] for k, v in message["MessageAttributes"].items()}
    assert refused == ["PurgeFunction"] * (1 + 20)  # the template's RetryPolicy.MaximumRetryAttempts
    assert attributes["RULE_ARN"].endswith(f":rule/{stack.provisioned.physical['PurgeFunctionMonthlyQuotaReset']}")
    assert attributes["TARGET_ARN"].endswith(f":function:{stack.provisioned.physical['PurgeFunction']}")
    assert (attributes["ERROR_CODE"], attributes["EXHAUSTED_RETRY_CONDITION"]) == (
        "Lambda.ServiceException", "MaximumRetryAttemptsExhausted",
    )  # fmt: skip
    event = json.loads(message["Body"])
    assert (event["detail-type"], event["time"]) == ("Scheduled Event", fired_at.strftime("%Y-%m-%dT%H:%M:%SZ"))
    assert service.store.reset_of(period) is None

    monkeypatch.undo()
    lines: list[str] = []
    summary = replay(boto3.client("sqs"), boto3.client("lambda"), dlq, say=lines.append)

    assert summary.replayed == [message["MessageId"]], lines
    assert service.store.reset_of(period) is not None
    assert f'"period": "{period}"' in lines[0]
    assert messages(dlq) == []


def test_a_scheduled_function_error_lands_in_the_queue_as_an_on_failure_record(
    stack: Any, dlq: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given DynamoDB failing every write, When the purge-quota schedule fires, Then the purge function fails 3
    times and its on-failure record holds the Scheduled Event; a second replay after a first succeeded finds
    nothing (the message was deleted), and replaying the same event again is harmless (the reset is idempotent)."""
    from medialib.adapters import clients
    from medialib.purge import service

    [schedule] = [s for s in stack.spec.schedules if s.function_id == "PurgeFunction"]
    fired_at = datetime(random.randint(2200, 2900), random.randint(1, 12), 1, tzinfo=UTC)

    def refuse(**kwargs: Any) -> Any:
        raise client_error("InternalServerError", 500, "PutItem")

    monkeypatch.setattr(clients.dynamodb(), "put_item", refuse)
    stack.fire(schedule, fired_at)
    stack.wait()

    [message] = messages(dlq)
    record = json.loads(message["Body"])
    assert record["requestPayload"]["detail-type"] == "Scheduled Event"
    assert record["requestContext"]["approximateInvokeCount"] == 3

    monkeypatch.undo()
    sqs, lam = boto3.client("sqs"), boto3.client("lambda")
    first = replay(sqs, lam, dlq, say=lambda line: None)
    second = replay(sqs, lam, dlq, say=lambda line: None)
    again = stack.functions.invoke("PurgeFunction", record["requestPayload"])

    assert (len(first.replayed), second.replayed) == (1, [])
    assert service.store.reset_of(fired_at.strftime("%Y-%m")) is not None
    assert again == {"reset": False, "period": fired_at.strftime("%Y-%m")}


def test_a_message_of_no_known_kind_is_left_alone(dlq: str) -> None:
    """Given a message that is neither an on-failure record nor an EventBridge dead letter, When the queue is
    replayed, Then nothing is invoked, the message stays, and the run reports it."""
    boto3.client("sqs").send_message(QueueUrl=dlq, MessageBody=json.dumps({"hello": time.time()}))

    summary = replay(boto3.client("sqs"), boto3.client("lambda"), dlq, say=lambda line: None)

    assert (summary.replayed, len(summary.unknown)) == ([], 1)
    assert len(messages(dlq)) == 1
