"""The monthly purge quota on the local stack's DynamoDB (moto, provisioned from template.yaml): exact under
concurrency, forced purges, give-backs, and the monthly reset for thousands of accounts without a Scan.

The local stack serialises moto per DynamoDB request (tests/integration/test_dynamodb_atomicity.py), which gives
a conditional UpdateItem the per-item atomicity DynamoDB has: the property the quota's single
``ADD count :one`` under ``count < :limit`` relies on."""

from __future__ import annotations

import sys
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.client import BaseClient

from medialib.accounts.models import Account, AccountSettings
from medialib.adapters import table
from medialib.errors import QuotaExceededError
from medialib.purge import service as purge
from medialib_local.schedule import scheduled_event
from medialib_local.template import ScheduleSpec

THREADS, PER_THREAD, LIMIT = 8, 200, 1000
NOV = datetime(2047, 11, 20, 9, 30, tzinfo=UTC)
DEC = datetime(2047, 12, 1, tzinfo=UTC)
RESET = ScheduleSpec("PurgeFunction", "MonthlyQuotaReset", "cron(0 0 1 * ? *)", None, True)


def _account(quota: int, prefix: str = "quota") -> Account:
    return Account(
        account_id=f"{prefix}-{uuid.uuid4().hex[:12]}",
        public_key="public_quota_key",
        private_key="private_quota_key",
        settings=AccountSettings(purge_monthly_quota=quota),
    )


def _count(account: Account, period: str) -> int:
    item = table.get(f"ACCOUNT#{account.account_id}#QUOTA", f"PURGE#{period}")
    return 0 if item is None else int(item["count"])


@pytest.fixture
def frequent_thread_switches() -> Iterator[None]:
    """Switch threads every 0.1 ms (not 5 ms) so that a request can be interrupted anywhere, as on many cores."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-4)
    yield
    sys.setswitchinterval(interval)


@pytest.fixture
def aws_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every AWS operation any boto3 client of this process makes, by name (a spy: the calls still happen)."""
    calls: list[str] = []
    real: Callable[..., Any] = BaseClient.__dict__["_make_api_call"]  # every operation passes there (private)

    def spy(self: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        calls.append(operation)
        return real(self, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", spy)
    return calls


def test_exactly_the_limit_passes_under_concurrency(stack: Any, frequent_thread_switches: None) -> None:
    """Given a quota of 1000, When 8 threads each request 200 purges at once, Then exactly 1000 are counted and
    600 refused with QuotaExceededError (429, not retried); each success saw a different remaining count
    (999 down to 0), and the counter reads 1000."""
    account = _account(LIMIT)

    def purges(_: int) -> tuple[list[int], list[QuotaExceededError]]:
        passed: list[int] = []
        refused: list[QuotaExceededError] = []
        for _attempt in range(PER_THREAD):
            try:
                passed.append(purge.consume_quota(account, NOV))
            except QuotaExceededError as error:
                refused.append(error)
        return passed, refused

    with ThreadPoolExecutor(THREADS) as pool:
        outcomes = list(pool.map(purges, range(THREADS)))

    remaining = [r for passed, _ in outcomes for r in passed]
    refused = [e for _, errors in outcomes for e in errors]
    assert (len(remaining), len(refused)) == (1000, 600)
    assert sorted(remaining) == list(range(LIMIT)), "two purges saw the same count: the write was not atomic"
    assert {(e.status, e.retryable, e.retry_after) for e in refused} == {(429, False, 10 * 86400 + 52200)}
    assert _count(account, "2047-11") == LIMIT
    assert purge.remaining_quota(account, NOV) == 0


def test_a_forced_purge_counts_past_the_limit(stack: Any) -> None:
    """Given a quota of 2 spent, When 3 unpublish purges (force), Then all pass with 0 remaining, the counter reads
    5, and an ordinary purge is still refused."""
    account = _account(2)
    assert [purge.consume_quota(account, NOV) for _ in range(2)] == [1, 0]
    assert [purge.consume_quota(account, NOV, force=True) for _ in range(3)] == [0, 0, 0]
    assert _count(account, "2047-11") == 5
    with pytest.raises(QuotaExceededError):
        purge.consume_quota(account, NOV)
    assert _count(account, "2047-11") == 5


def test_giving_back_restores_one_and_never_goes_below_zero(stack: Any) -> None:
    """Given a quota of 1 spent, When the purge is given back, Then the counter reads 0 and a purge passes again;
    giving back twice more leaves 0 (after the second purge: 0, then 0); a month never counted stays absent."""
    account = _account(1)
    purge.consume_quota(account, NOV)
    purge.give_back_quota(account, NOV)
    assert _count(account, "2047-11") == 0
    assert purge.consume_quota(account, NOV) == 0
    purge.give_back_quota(account, NOV)
    purge.give_back_quota(account, NOV)
    assert _count(account, "2047-11") == 0
    purge.give_back_quota(account, DEC)
    assert table.get(f"ACCOUNT#{account.account_id}#QUOTA", "PURGE#2047-12") is None


def _spent_in_november(stack: Any, accounts: list[Account]) -> None:
    """Each account's November counter at its quota of 1, written in batches in the shape of
    docs/data-model.md (2,500 purges one by one would take a minute on moto; the counting is proven above)."""
    table_name = stack.provisioned.physical["MediaTable"]
    with boto3.resource("dynamodb").Table(table_name).batch_writer() as batch:
        for account in accounts:
            batch.put_item(Item={"PK": f"ACCOUNT#{account.account_id}#QUOTA", "SK": "PURGE#2047-11", "count": 1})


def test_the_december_reset_frees_every_account_without_touching_any(
    stack: Any, invoke: Any, aws_calls: list[str], forget_rows: Callable[[str], None]
) -> None:
    """Given 2,500 accounts that each spent their November quota (a purge more is refused), When the December
    reset fires through the purge function, twice (a redelivery), Then the first records the reset and the second
    changes nothing, each with the same few table calls whatever the number of accounts (no per-account work,
    no Scan, no Query), and every account purges again in December while its November counter is kept."""
    accounts = [_account(1, "reset") for _ in range(2500)]
    forget_rows("ACCOUNT#reset-")
    _spent_in_november(stack, accounts)
    for account in accounts[::100]:
        with pytest.raises(QuotaExceededError):
            purge.consume_quota(account, NOV)

    event = scheduled_event(RESET, "arn:aws:events:us-east-1:123456789012:rule/r", DEC)
    aws_calls.clear()
    assert invoke("PurgeFunction", event) == {"reset": True, "period": "2047-12"}
    first = Counter(aws_calls)
    aws_calls.clear()
    assert invoke("PurgeFunction", event) == {"reset": False, "period": "2047-12"}
    second = Counter(aws_calls)

    table_calls = {"GetItem", "PutItem", "UpdateItem", "Query", "Scan", "BatchWriteItem", "TransactWriteItems"}
    assert sum(n for op, n in first.items() if op in table_calls) <= 3, first
    assert sum(n for op, n in second.items() if op in table_calls) <= 3, second
    assert {op for op in first + second if op in table_calls} <= {"GetItem", "PutItem"}

    aws_calls.clear()
    assert all(purge.consume_quota(account, DEC) == 0 for account in accounts)
    assert set(aws_calls) == {"UpdateItem"}, "one conditional write per purge, nothing else"
    assert all(_count(account, "2047-11") == 1 for account in accounts[::100])
