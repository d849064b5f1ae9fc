"""The local moto's Query reads only the partition it names, one page's window at a time
(medialib_local.dynamodb.install_partition_queries): pages in both directions, on the table and on an index, after
writes that move items between partitions, give what DynamoDB gives."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from medialib.adapters import table


@pytest.mark.parametrize("page_size", [1, 3, 7, 100])
@pytest.mark.parametrize("forward", [True, False], ids=["ascending", "descending"])
def test_pages_of_a_partition_are_its_items_in_key_order(stack: Any, page_size: int, forward: bool) -> None:
    """Given 20 items in a partition and on an index (ties on the index's sort key), some moved out by an update and
    one deleted, When queried page by page, Then every item of the partition exactly once, in key order."""
    pk, gsi = f"T#{uuid.uuid4().hex}", f"G#{uuid.uuid4().hex}"
    for n in range(20):
        table.put({"PK": pk, "SK": f"S#{n:02}", "GSI2PK": gsi, "GSI2SK": f"{n % 5}"})
    table.update(pk, "S#03", expression="SET GSI2PK = :other", values={":other": "elsewhere"})
    table.transact_write([table.Delete(pk, "S#04")])
    expected_table = [f"S#{n:02}" for n in range(20) if n != 4]
    expected_index = sorted((r for r in expected_table if r != "S#03"), key=lambda sk: (int(sk[2:]) % 5, sk))
    if not forward:
        expected_table.reverse()
        expected_index.reverse()

    on_table = [item["SK"] for item in table.query(pk, forward=forward, page_size=page_size)]
    on_index = [item["SK"] for item in table.query(gsi, index="GSI2", forward=forward, page_size=page_size)]
    with_prefix = [item["SK"] for item in table.query(pk, sk_prefix="S#1", forward=forward, page_size=page_size)]

    assert on_table == expected_table
    assert on_index == expected_index
    assert with_prefix == [sk for sk in expected_table if sk.startswith("S#1")]
