"""DynamoDB transactions on the local moto at the cost of the items they touch, not of the whole table.

moto 5's ``transact_write_items`` deep-copies every table a transaction names before it writes (its rollback), so a
transaction costs O(rows in the table): with a few thousand rows, every upload, publish or purge spent most of its
time copying (bench/publish measured 6 of a 100-file job's 9.8 CPU seconds). DynamoDB's own cost is per item.

Here the rollback keeps a copy of each item the transaction names, taken before it runs, and puts those back if
it fails; the tables themselves are not copied (moto's copy returns the table itself while a transaction runs, so
its own "rollback" restores the same object, which these copies then repair). The outcome is the same as moto's:
all writes or none, the same errors. Every DynamoDB request of the local stack is serialised
(:func:`medialib_local.aws.serialise_dynamodb`), so no other request sees a half-written transaction.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

Backup = tuple[str, dict[str, Any], dict[str, Any] | None]  # table, key, the item's attributes before (None: absent)


def _key_of(table: Any, op: dict[str, Any]) -> dict[str, Any]:
    if "Key" in op:
        return dict(op["Key"])
    item = op.get("Item", {})
    return {name: item[name] for name in (table.hash_key_attr, table.range_key_attr) if name and name in item}


def _backups(backend: Any, transact_items: list[dict[str, Any]]) -> list[Backup]:
    """A copy of each item the transaction names, as it is now (None where there is none)."""
    saved: list[Backup] = []
    for entry in transact_items:
        op: Any = next(iter(entry.values()), None) if isinstance(entry, dict) else None
        table_name = op.get("TableName") if isinstance(op, dict) else None
        if not isinstance(table_name, str) or table_name not in backend.tables:
            continue
        table = backend.tables[table_name]
        key = _key_of(table, op)
        try:
            current = backend.get_item(table_name, key)
        except Exception:  # noqa: S112 - a malformed key writes nothing: moto answers the transaction's error for it
            continue
        saved.append((table_name, key, copy.deepcopy(current.to_json()["Attributes"]) if current else None))
    return saved


def _restore(backend: Any, saved: list[Backup]) -> None:
    for table_name, key, attributes in reversed(saved):
        if attributes is None:
            if backend.get_item(table_name, key) is not None:
                backend.delete_item(table_name, key)
        else:
            backend.put_item(table_name, attributes)


def install() -> None:
    """Make moto's ``transact_write_items`` roll back by item (idempotent)."""
    from moto.dynamodb.models import DynamoDBBackend  # noqa: PLC0415 - local-only dependency
    from moto.dynamodb.models.table import Table  # noqa: PLC0415

    original: Callable[..., None] = DynamoDBBackend.transact_write_items
    if getattr(original, "medialib_by_item", False):
        return

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        saved = _backups(self, transact_items)
        Table.__deepcopy__ = lambda table, memo: table  # type: ignore[attr-defined]  # moto's whole-table backup
        try:
            original(self, transact_items)
        except BaseException:
            _restore(self, saved)
            raise
        finally:
            del Table.__deepcopy__  # type: ignore[attr-defined]

    transact_write_items.medialib_by_item = True  # type: ignore[attr-defined]
    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]
