"""The local stack gives DynamoDB's per-item atomicity to concurrent requests (moto alone does not)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

THREADS = 8
PER_THREAD = 60
LIMIT = 400


def test_concurrent_conditional_updates_lose_nothing(stack: Any) -> None:
    """Given one counter item and a cap of 400, When 8 threads x 60 conditional increments race,
    Then exactly 400 succeed, 80 are refused, and the counter reads 400."""
    table = stack.provisioned.physical["MediaTable"]
    client = boto3.client("dynamodb", config=Config(max_pool_connections=THREADS * 2))
    key = {"PK": {"S": "TEST#atomicity"}, "SK": {"S": "COUNTER"}}
    client.put_item(TableName=table, Item={**key, "n": {"N": "0"}})

    def increment_many(_: int) -> tuple[int, int]:
        ok = refused = 0
        for _i in range(PER_THREAD):
            try:
                client.update_item(
                    TableName=table,
                    Key=key,
                    UpdateExpression="SET n = n + :one",
                    ConditionExpression="n < :limit",
                    ExpressionAttributeValues={":one": {"N": "1"}, ":limit": {"N": str(LIMIT)}},
                )
                ok += 1
            except ClientError as err:
                assert err.response["Error"]["Code"] == "ConditionalCheckFailedException"
                refused += 1
        return ok, refused

    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(increment_many, range(THREADS)))

    assert sum(ok for ok, _ in results) == LIMIT
    assert sum(refused for _, refused in results) == THREADS * PER_THREAD - LIMIT
    final = client.get_item(TableName=table, Key=key, ConsistentRead=True)["Item"]["n"]["N"]
    assert int(final) == LIMIT
