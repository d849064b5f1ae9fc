"""The local stack gives DynamoDB's per-item atomicity to concurrent requests (moto alone does not: its
server checks a condition and then writes the item, without a lock, so two writers can both pass one check).

Optimistic concurrency, as every conditional transition of medialib works: each writer reads the counter,
then writes ``n = v + 1`` only if ``n`` still equals the ``v`` it read. DynamoDB guarantees that every
accepted write counts, so the counter ends equal to the number of accepted writes; a lost update shows as a
counter below it. Measured with the lock removed (docs/testing.md): about 30 of 70 accepted writes lost."""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import pytest
from boto3.dynamodb.conditions import Key
from botocore.config import Config
from botocore.exceptions import ClientError

THREADS = 8
ATTEMPTS = 25  # read-then-conditional-write rounds per thread
# Like a job closing (status, counts, failures), each write sets several attributes: moto evaluates the
# condition, then validates and applies the whole expression, the window in which another writer slips in.
OTHER_ATTRIBUTES = 10


@pytest.fixture
def frequent_thread_switches() -> Iterator[None]:
    """The moto server runs in this process's threads: switching threads every 0.1 ms instead of 5 ms lets
    a writer be interrupted inside that window, as a request on another core would be."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-4)
    yield
    sys.setswitchinterval(interval)


def test_concurrent_read_modify_write_loses_no_update(stack: Any, frequent_thread_switches: None) -> None:
    """Given one counter at 0, When 8 threads each make 25 attempts to increment it (read v, then write v+1
    only if n = v), Then some attempts are refused (the threads raced), every other error is absent, and the
    counter equals the number of accepted writes: none was lost."""
    table = stack.provisioned.physical["MediaTable"]
    client = boto3.client("dynamodb", config=Config(max_pool_connections=THREADS * 2))
    key = {"PK": {"S": f"TEST#atomicity#{uuid.uuid4().hex}"}, "SK": {"S": "COUNTER"}}
    client.put_item(TableName=table, Item={**key, "n": {"N": "0"}})
    update = ", ".join(["n = :next", *(f"a{i} = :next" for i in range(OTHER_ATTRIBUTES))])

    def increment(_: int) -> tuple[int, int]:
        """(accepted, refused) of ATTEMPTS read-then-conditional-write rounds."""
        accepted = refused = 0
        for _attempt in range(ATTEMPTS):
            seen = client.get_item(TableName=table, Key=key, ConsistentRead=True)["Item"]["n"]["N"]
            try:
                client.update_item(
                    TableName=table,
                    Key=key,
                    UpdateExpression=f"SET {update}",
                    ConditionExpression="n = :seen",
                    ExpressionAttributeValues={":seen": {"N": seen}, ":next": {"N": str(int(seen) + 1)}},
                )
            except ClientError as err:
                assert err.response["Error"]["Code"] == "ConditionalCheckFailedException", err
                refused += 1
            else:
                accepted += 1
        return accepted, refused

    with ThreadPoolExecutor(THREADS) as pool:
        outcomes = list(pool.map(increment, range(THREADS)))

    accepted = sum(a for a, _ in outcomes)
    refused = sum(r for _, r in outcomes)
    final = int(client.get_item(TableName=table, Key=key, ConsistentRead=True)["Item"]["n"]["N"])
    assert refused > 0, "the writers never raced: the test proves nothing"
    assert final == accepted, f"{accepted - final} of {accepted} accepted updates were lost"


# ------------------------------------------------------------------ transactions: all or nothing, by item


def _table(stack: Any) -> Any:
    return boto3.resource("dynamodb").Table(stack.provisioned.physical["MediaTable"])


@pytest.mark.parametrize("failure", ["condition", "invalid-expression"])
def test_a_failed_transaction_writes_nothing(stack: Any, failure: str) -> None:
    """Given an item, When a transaction puts a new item, updates the existing one, deletes another, then fails
    on its last write (a condition that does not hold, or an update moto refuses mid-way), Then every item is as
    it was: the new one absent, the updated and the deleted one back with their attributes."""
    table, pk = _table(stack), f"TXN#{uuid.uuid4().hex}"
    table.put_item(Item={"PK": pk, "SK": "kept", "n": 1, "tags": ["a"]})
    table.put_item(Item={"PK": pk, "SK": "doomed", "n": 2})
    client = boto3.client("dynamodb")
    name = stack.provisioned.physical["MediaTable"]
    last: Any = (
        {"ConditionCheck": {"TableName": name, "Key": {"PK": {"S": pk}, "SK": {"S": "kept"}},
                            "ConditionExpression": "n = :nine", "ExpressionAttributeValues": {":nine": {"N": "9"}}}}
        if failure == "condition"
        else {"Update": {"TableName": name, "Key": {"PK": {"S": pk}, "SK": {"S": "other"}},
                         "UpdateExpression": "SET n = n + :one", "ExpressionAttributeValues": {":one": {"N": "1"}}}}
    )  # fmt: skip

    with pytest.raises(ClientError):
        client.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": name, "Item": {"PK": {"S": pk}, "SK": {"S": "new"}, "n": {"N": "3"}}}},
                {"Update": {"TableName": name, "Key": {"PK": {"S": pk}, "SK": {"S": "kept"}},
                            "UpdateExpression": "SET n = :five REMOVE tags",
                            "ExpressionAttributeValues": {":five": {"N": "5"}}}},
                {"Delete": {"TableName": name, "Key": {"PK": {"S": pk}, "SK": {"S": "doomed"}}}},
                last,
            ]
        )  # fmt: skip

    rows = {row["SK"]: row for row in table.query(KeyConditionExpression=Key("PK").eq(pk))["Items"]}
    assert rows == {
        "kept": {"PK": pk, "SK": "kept", "n": 1, "tags": ["a"]},
        "doomed": {"PK": pk, "SK": "doomed", "n": 2},
    }


def test_a_transaction_does_not_copy_the_table(stack: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Given the local stack, When a transaction writes one item, Then no table is deep-copied (its cost is the
    items it names, not the rows of the table) and the item is written."""
    from moto.dynamodb.models.table import Table

    copied: list[Any] = []
    real = Table.__reduce_ex__

    def counted(self: Any, protocol: Any) -> Any:
        copied.append(self)
        return real(self, protocol)

    monkeypatch.setattr(Table, "__reduce_ex__", counted)
    table, pk = _table(stack), f"TXN#{uuid.uuid4().hex}"

    boto3.client("dynamodb").transact_write_items(
        TransactItems=[{"Put": {"TableName": table.name, "Item": {"PK": {"S": pk}, "SK": {"S": "one"}}}}]
    )

    assert copied == []
    assert table.get_item(Key={"PK": pk, "SK": "one"})["Item"] == {"PK": pk, "SK": "one"}
