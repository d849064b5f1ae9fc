"""A cancelled DynamoDB transaction: a condition that failed is the caller's conflict; a transaction that only lost
to another one writing the same item at the same instant (``TransactionConflict``: jobs of one account share their
in-flight item, docs/jobs-limits.md) or was throttled may succeed later, so it is retryable (503) and never taken for
a refusal (a job start at its limit would answer 429 TOO_MANY_JOBS_IN_FLIGHT)."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from medialib.adapters.table import _lost_to_another_transaction


def _cancelled(*codes: str) -> ClientError:
    response: Any = {
        "Error": {"Code": "TransactionCanceledException", "Message": "Transaction cancelled"},
        "CancellationReasons": [{"Code": code} for code in codes],
    }
    return ClientError(response, "TransactWriteItems")


@pytest.mark.parametrize(
    ("codes", "lost"),
    [
        (("None", "TransactionConflict"), True),
        (("TransactionConflict",), True),
        (("ConditionalCheckFailed", "None"), False),
        (("ConditionalCheckFailed", "TransactionConflict"), False),
        (("None", "None"), False),
        ((), False),
        (("ThrottlingError", "None"), True),
        (("ProvisionedThroughputExceeded",), True),
        (("ThrottlingError", "ConditionalCheckFailed"), False),
        (("ValidationError",), False),
    ],
    ids=[
        "conflict-only-is-retryable",
        "conflict-alone-is-retryable",
        "failed-condition-is-a-conflict",
        "a-failed-condition-wins-over-a-conflict",
        "no-reason-is-not-a-lost-race",
        "no-reasons-at-all",
        "a-throttled-write-is-retryable",
        "throughput-exceeded-is-retryable",
        "a-failed-condition-wins-over-throttling",
        "a-validation-error-is-not-retryable",
    ],
)
def test_a_transaction_lost_to_another_is_told_from_a_failed_condition(codes: tuple[str, ...], lost: bool) -> None:
    assert _lost_to_another_transaction(_cancelled(*codes)) is lost
