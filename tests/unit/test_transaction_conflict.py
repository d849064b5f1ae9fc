"""A cancelled DynamoDB transaction: a condition that failed is the caller's conflict; a transaction that only lost
to another one writing the same item at the same instant (``TransactionConflict``: jobs of one account share their
in-flight item, docs/jobs-limits.md) may succeed at once, so it is retryable and never taken for a refusal."""

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
    ],
    ids=[
        "conflict-only-is-retryable",
        "conflict-alone-is-retryable",
        "failed-condition-is-a-conflict",
        "a-failed-condition-wins-over-a-conflict",
        "no-reason-is-not-a-lost-race",
        "no-reasons-at-all",
    ],
)
def test_a_transaction_lost_to_another_is_told_from_a_failed_condition(codes: tuple[str, ...], lost: bool) -> None:
    assert _lost_to_another_transaction(_cancelled(*codes)) is lost
