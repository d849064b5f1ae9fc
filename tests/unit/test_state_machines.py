"""One retry contract for every Task of every state machine.

ASL is JSON, which has no references: the Retry block is written in each Task. The first Task's block is
the canonical one and this test holds every other Task to it, so that the deployed file stays the only
source (no generator, no second copy) and no Task can drift.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from medialib.errors import RetryableError

MACHINES = sorted((Path(__file__).resolve().parents[2] / "statemachines").glob("*.asl.json"))
LAMBDA_SERVICE_ERRORS = {
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
}


def _tasks(states: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for name, state in states.items():
        if state["Type"] == "Task":
            yield name, state
        for nested in (state.get("ItemProcessor"), state.get("Iterator"), *state.get("Branches", [])):
            if nested:
                yield from _tasks(nested["States"])


def _machine(path: Path) -> list[tuple[str, dict[str, Any]]]:
    return list(_tasks(json.loads(path.read_text())["States"]))


# Tasks whose RetryableError waits on something slow get their own, longer retrier for it, ahead of the canonical
# block's other errors: the CDN refuses invalidations for minutes while 15 wildcard paths are in progress.
SLOW_RETRIES = {"PurgeCache"}


def _canonical_except_retryable(canonical: list[dict[str, Any]]) -> dict[str, Any]:
    [retrier] = canonical
    return {**retrier, "ErrorEquals": [e for e in retrier["ErrorEquals"] if e != RetryableError.__name__]}


@pytest.mark.parametrize("path", MACHINES, ids=lambda p: p.name)
def test_every_task_has_the_one_retry_block(path: Path) -> None:
    """Given a state machine, When its Tasks are read (nested Map/Parallel states too), Then each has exactly
    the first Task's Retry block; a Task waiting on a slow dependency retries RetryableError longer (at least
    30 s apart, growing, jittered, bounded) and Lambda's errors as the block does."""
    tasks = _machine(path)
    assert len(tasks) >= 2
    _, first = tasks[0]
    canonical = first["Retry"]
    usual = {name: state.get("Retry") for name, state in tasks if name not in SLOW_RETRIES}
    assert usual == {name: canonical for name, _ in tasks if name not in SLOW_RETRIES}
    for name, state in tasks:
        if name in SLOW_RETRIES:
            slow, rest = state["Retry"]
            assert slow["ErrorEquals"] == [RetryableError.__name__]
            assert (slow["IntervalSeconds"] >= 30, slow["BackoffRate"] > 1, slow["JitterStrategy"]) == (
                True,
                True,
                "FULL",
            )
            assert slow["MaxAttempts"] <= 10
            assert rest == _canonical_except_retryable(canonical)


@pytest.mark.parametrize("path", MACHINES, ids=lambda p: p.name)
def test_the_retry_block_retries_retryable_errors_with_backoff_and_jitter(path: Path) -> None:
    """Given the canonical Retry block, When read, Then one retrier covers the worker's RetryableError (by the
    class name Lambda reports as errorType) and Lambda's service errors, with growing, jittered intervals and a
    bounded number of attempts; nothing else (a bug, a missing file) is retried."""
    [retrier] = _machine(path)[0][1]["Retry"]
    assert set(retrier["ErrorEquals"]) == {RetryableError.__name__} | LAMBDA_SERVICE_ERRORS
    assert retrier["BackoffRate"] > 1
    assert retrier["JitterStrategy"] == "FULL"
    assert retrier["IntervalSeconds"] >= 1 and 2 <= retrier["MaxAttempts"] <= 10


# ------------------------------------------------------------------ folders: the batch loop


def test_the_folders_machine_loops_over_bounded_batches_and_catches_every_task() -> None:
    """Given statemachines/folders.asl.json, When read, Then ProcessBatch loops through a Choice on the worker's
    ``more`` (no Map: the state carries ids, never the folder's files), ends this execution once the worker has
    ``continued`` the job in a new one (it gets the machine's and the execution's names for that), a rename's purge runs only with purgeCache,
    and every Task but FailJob sends any error to FailJob (or the purge's to FinishWithoutPurge)."""
    states = json.loads((MACHINES[0].parent / "folders.asl.json").read_text())["States"]
    assert not any(state["Type"] == "Map" for state in states.values())
    choice = states[states["ProcessBatch"]["Next"]]
    continued, more, purge = choice["Choices"]
    assert continued == {"Variable": "$.batch.continued", "BooleanEquals": True, "Next": "ContinuedInNewExecution"}
    assert states["ContinuedInNewExecution"]["Type"] == "Succeed"
    assert more == {"Variable": "$.batch.more", "BooleanEquals": True, "Next": "ProcessBatch"}
    assert purge["Variable"] == "$.purgeCache" and purge["Next"] == "PurgeCache"
    assert set(states["ProcessBatch"]["Parameters"]["Payload"]) == {
        "action",
        "accountId.$",
        "jobId.$",
        "stateMachine.$",
        "execution.$",
    }
    catches = {name: s["Catch"][0]["Next"] for name, s in states.items() if s["Type"] == "Task" and "Catch" in s}
    tasks = {name for name, s in states.items() if s["Type"] == "Task"}
    assert set(catches) == tasks - {"FailJob"}
    assert set(catches.values()) == {"FailJob", "FinishWithoutPurge"}
