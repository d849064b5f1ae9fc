"""``medialib replay-dlq``: puts the dead letters of the asynchronous invocations back on their functions.

The queue (template.yaml ``DeadLetterQueue``, output ``DeadLetterQueueUrl``) holds two kinds of message
(docs/dead-letters.md):

- Lambda's on-failure record of a function that failed after its retries: JSON with the original event under
  ``requestPayload`` and the function under ``requestContext.functionArn``;
- EventBridge's dead letter of an event it could not hand to Lambda: the event itself as the body, the function
  in the ``TARGET_ARN`` message attribute.

Each is replayed by a synchronous ``Invoke`` of that function with that event, and deleted only once the function
answered without error; a message that fails again stays in the queue (visible again when the run ends), and one of
neither kind is left alone. ``--dry-run`` lists the messages and changes nothing. Only boto3 is used, so the same
code runs against a deployed stack (by stack name, from its CloudFormation outputs) and the local stack (its moto
endpoint: the local Lambda runs the handlers in-process).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

QUEUE_OUTPUT = "DeadLetterQueueUrl"
RECEIVE_VISIBILITY_S = 960  # the queue's own: longer than the longest function (the sweep's 900 s)


@dataclass(frozen=True)
class DeadLetter:
    """A message of the queue, read: which function gets which event again."""

    message_id: str
    receipt_handle: str
    kind: str  # "lambda" (on-failure record) or "eventbridge" (undelivered event)
    function: str  # a function ARN (or name), without the $LATEST qualifier
    payload: Any
    reason: str  # why it is here, for the listing


@dataclass
class Summary:
    replayed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    listed: list[str] = field(default_factory=list)


def read(message: dict[str, Any]) -> DeadLetter | None:
    """The dead letter a message holds, or None for a message of neither kind."""
    attributes = {k: v.get("StringValue", "") for k, v in (message.get("MessageAttributes") or {}).items()}
    try:
        body = json.loads(message["Body"])
    except (KeyError, json.JSONDecodeError):
        return None
    base = (message["MessageId"], message["ReceiptHandle"])
    if attributes.get("TARGET_ARN"):
        reason = f"{attributes.get('ERROR_CODE', '')}: {attributes.get('ERROR_MESSAGE', '')}"
        return DeadLetter(*base, "eventbridge", attributes["TARGET_ARN"], body, reason)
    context = body.get("requestContext") if isinstance(body, dict) else None
    if isinstance(context, dict) and context.get("functionArn") and "requestPayload" in body:
        function = str(context["functionArn"]).removesuffix(":$LATEST")
        error = body.get("responsePayload") or {}
        detail = f"{error.get('errorType', '')}: {error.get('errorMessage', '')}" if isinstance(error, dict) else ""
        reason = f"{context.get('condition', '')} after {context.get('approximateInvokeCount', '?')} attempts; {detail}"
        return DeadLetter(*base, "lambda", function, body["requestPayload"], reason)
    return None


def queue_url_of_stack(cloudformation: Any, stack_name: str) -> str:
    """The stack's ``DeadLetterQueueUrl`` output."""
    (stack,) = cloudformation.describe_stacks(StackName=stack_name)["Stacks"]
    for output in stack.get("Outputs") or []:
        if output["OutputKey"] == QUEUE_OUTPUT:
            return str(output["OutputValue"])
    raise LookupError(f"stack {stack_name!r} has no {QUEUE_OUTPUT} output (deployed before dead-letter queues?)")


def replay(sqs: Any, lam: Any, queue_url: str, *, dry_run: bool = False, say: Callable[[str], None] = print) -> Summary:
    """Replay (or, with ``dry_run``, list) every message of the queue once."""
    summary = Summary()
    seen: set[str] = set()
    to_show_again: list[str] = []  # receipt handles of messages left in the queue
    try:
        while True:
            messages = sqs.receive_message(
                QueueUrl=queue_url,
                MaxNumberOfMessages=10,
                VisibilityTimeout=RECEIVE_VISIBILITY_S,
                MessageAttributeNames=["All"],
                WaitTimeSeconds=0,
            ).get("Messages", [])
            fresh = [m for m in messages if m["MessageId"] not in seen]
            if not fresh:
                break
            for message in fresh:
                seen.add(message["MessageId"])
                if not _one(sqs, lam, queue_url, message, dry_run=dry_run, summary=summary, say=say):
                    to_show_again.append(message["ReceiptHandle"])
    finally:
        for handle in to_show_again:
            sqs.change_message_visibility(QueueUrl=queue_url, ReceiptHandle=handle, VisibilityTimeout=0)
    return summary


def _one(  # noqa: PLR0913 - one message's whole treatment
    sqs: Any, lam: Any, queue_url: str, message: dict[str, Any], *, dry_run: bool, summary: Summary,
    say: Callable[[str], None],
) -> bool:  # fmt: skip
    """Replay one message; True when it was deleted."""
    letter = read(message)
    if letter is None:
        say(f"UNKNOWN     {message['MessageId']}  (neither an on-failure record nor an EventBridge dead letter; left)")
        summary.unknown.append(message["MessageId"])
        return False
    line = f"{letter.message_id}  {letter.kind:<11} {letter.function}  {letter.reason}"
    if dry_run:
        say(f"WOULD REPLAY {line}")
        summary.listed.append(letter.message_id)
        return False
    answer = lam.invoke(
        FunctionName=letter.function, InvocationType="RequestResponse", Payload=json.dumps(letter.payload).encode()
    )
    body = answer["Payload"].read().decode("utf-8", "replace")
    if answer.get("FunctionError"):
        say(f"FAILED      {line}\n            {body[:500]}")
        summary.failed.append(letter.message_id)
        return False
    sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=letter.receipt_handle)
    say(f"REPLAYED    {line}\n            {body[:500]}")
    summary.replayed.append(letter.message_id)
    return True
