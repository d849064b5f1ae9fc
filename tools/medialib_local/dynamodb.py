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

import bisect
import copy
import json
from collections.abc import Callable
from dataclasses import dataclass
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
    install_partition_queries()
    install_plain_query_answers()


# ------------------------------------------------------------------ Query at the cost of the partition it reads
#
# moto 5's ``Table.query`` builds its candidates from ``all_items()``: every item of the table, sorted, on every
# page. A Query on DynamoDB costs the items of the partition it reads; on moto it cost the whole table, so a folder
# listing slowed down with every file the account (or any account) added elsewhere (bench/search measured it). Here
# each table keeps, per index hash attribute, the items by hash value, updated after every write moto makes
# (PutItem, UpdateItem, DeleteItem: transactions and batches go through them too, and so does the rollback
# above); a Query then hands moto's own code only the candidates of its partition, and moto does the rest (key
# conditions, sort, filters, pagination) as before. A candidate is checked against the table before it is used.

Bucket = dict[tuple[Any, Any], Any]  # (hash, range) raw values -> moto Item
_INDEX_ATTR = "_medialib_partitions"


class _Partitions:
    """A table's items by the value of each of its index hash attributes."""

    def __init__(self, table: Any) -> None:
        self.attrs = sorted(
            {key["AttributeName"] for index in table.all_indexes() for key in index.schema if key["KeyType"] == "HASH"}
        )
        self.by_attr: dict[str, dict[Any, Bucket]] = {attr: {} for attr in self.attrs}
        self.placed: dict[tuple[Any, Any], list[tuple[str, Any]]] = {}
        self.ordered: dict[tuple[str, Any], list[tuple[tuple[str, ...], Any]]] = {}  # a partition in key order
        for item in table.all_items():
            self.place(item)

    def place(self, item: Any) -> None:
        key = _raw_key(item)
        spots = []
        for attr in self.attrs:
            value = item.attrs.get(attr)
            if value is not None:
                self.by_attr[attr].setdefault(value, {})[key] = item
                self.ordered.pop((attr, value), None)
                spots.append((attr, value))
        self.placed[key] = spots

    def forget(self, key: tuple[Any, Any]) -> None:
        for attr, value in self.placed.pop(key, []):
            self.ordered.pop((attr, value), None)
            bucket = self.by_attr[attr].get(value)
            if bucket is not None:
                bucket.pop(key, None)
                if not bucket:
                    del self.by_attr[attr][value]


def _raw_key(item: Any) -> tuple[Any, Any]:
    return (item.hash_key.value, item.range_key.value if item.range_key is not None else None)


def _partitions(table: Any) -> _Partitions:
    found: _Partitions | None = table.__dict__.get(_INDEX_ATTR)
    if found is None:
        found = _Partitions(table)
        table.__dict__[_INDEX_ATTR] = found
    return found


def _reindex(backend: Any, table_name: str, key: dict[str, Any]) -> None:
    """After a write to ``key`` (attribute -> serialised value): the item as it is now, in its partitions."""
    table = backend.tables.get(table_name)
    if table is None or _INDEX_ATTR not in table.__dict__ or not table.range_key_attr:
        return
    from moto.dynamodb.models.dynamo_type import DynamoType  # noqa: PLC0415 - local-only dependency

    try:
        hash_value, range_value = DynamoType(key[table.hash_key_attr]), DynamoType(key[table.range_key_attr])
    except (KeyError, AttributeError, TypeError):
        table.__dict__.pop(_INDEX_ATTR, None)  # a key of another shape: rebuild on the next query
        return
    partitions: _Partitions = table.__dict__[_INDEX_ATTR]
    partitions.ordered.pop(("", hash_value), None)  # the table's own partition
    partitions.forget((hash_value.value, range_value.value))
    item = table.items.get(hash_value, {}).get(range_value)
    if item is not None:
        partitions.place(item)


@dataclass(frozen=True)
class _Page:
    """What a Query asks that decides which items its page can hold."""

    index_name: str | None
    hash_key: Any
    conditions: Any
    range_comparison: Any
    limit: int | None
    start: dict[str, Any] | None
    forward: bool
    legacy_filters: bool


def _sort_attrs(table: Any, index_name: str | None) -> list[str] | None:
    """The attributes moto orders a partition by: the index's range key, then the table's keys."""
    if index_name is None:
        return [table.range_key_attr]
    index = next((i for i in table.all_indexes() if i.name == index_name), None)
    ranges = [key["AttributeName"] for key in index.schema if key["KeyType"] == "RANGE"] if index else []
    return [*ranges, table.hash_key_attr, table.range_key_attr] if len(ranges) == 1 else None


def _ordered(
    table: Any, partitions: _Partitions, cache_key: tuple[str, Any], items: list[Any], attrs: list[str]
) -> list[Any] | None:
    """The partition's items in key order (cached until a write touches the partition), each with its key as text;
    None when a key is not a string (moto's own order then)."""
    found = partitions.ordered.get(cache_key)
    if found is None:
        keyed = []
        for item in items:
            values = [item.attrs.get(attr) for attr in attrs]
            if any(value is None or value.type != "S" for value in values):
                return None
            keyed.append((tuple(value.value for value in values), item))
        keyed.sort(key=lambda pair: pair[0])
        partitions.ordered[cache_key] = found = keyed
    return found


def _window(ordered: list[tuple[tuple[str, ...], Any]], attrs: list[str], page: _Page) -> list[Any] | None:
    """The items a page can hold: up to ``limit`` + 1 after (before, reading backwards) the start key, so that
    moto finds the same page and the same LastEvaluatedKey."""
    position = 0 if page.forward else len(ordered)
    if page.start:
        try:
            start = tuple(page.start[attr]["S"] for attr in attrs)
        except (KeyError, TypeError):
            return None
        find = bisect.bisect_right if page.forward else bisect.bisect_left
        position = find(ordered, start, key=lambda pair: pair[0])
    if page.limit is None:
        chosen = ordered[position:] if page.forward else ordered[:position]
    elif page.forward:
        chosen = ordered[position : position + page.limit + 1]
    else:
        chosen = ordered[max(0, position - page.limit - 1) : position]
    return [item for _, item in chosen]


def _candidates(table: Any, page: _Page) -> list[Any] | None:
    """The items a Query of one partition can return (only those its page can hold when it has no range condition
    and no legacy filter), or None to let moto look at every item."""
    if not table.range_key_attr:
        return None
    partitions = _partitions(table)
    if page.index_name is None:
        if page.hash_key is None:
            return None
        items = list(table.items.get(page.hash_key, {}).values())
        cache_key: tuple[str, Any] = ("", page.hash_key)
    else:
        if not page.conditions or len(page.conditions) != 1:
            return None
        attr, value = page.conditions[0]
        if attr not in partitions.by_attr:
            return None
        bucket = partitions.by_attr[attr].get(value, {})
        items = [item for item in bucket.values() if item.attrs.get(attr) == value]
        cache_key = (attr, value)
    attrs = _sort_attrs(table, page.index_name)
    if page.range_comparison or page.legacy_filters or attrs is None:
        return items
    ordered = _ordered(table, partitions, cache_key, items, attrs)
    if ordered is None:
        return items
    window = _window(ordered, attrs, page)
    return items if window is None else window


_QUERY_ARGS = ("range_comparison", "range_objs", "limit", "exclusive_start_key", "scan_index_forward",
               "projection_expressions", "index_name", "consistent_read", "filter_expression")  # fmt: skip
_QUERY_KEYWORDS = {*_QUERY_ARGS, "hash_key_conditions", "range_key_conditions"}


def install_partition_queries() -> None:
    """Make moto's Query read only the partition it names (idempotent)."""
    from moto.dynamodb.models import DynamoDBBackend  # noqa: PLC0415 - local-only dependency
    from moto.dynamodb.models.table import Table  # noqa: PLC0415

    original: Callable[..., Any] = Table.query
    if getattr(original, "medialib_by_partition", False):
        return

    def query(self: Any, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        # moto's signature: range_comparison, range_objs, limit, exclusive_start_key, scan_index_forward,
        # projection_expressions, index_name, then keywords
        named = dict(zip(_QUERY_ARGS, args, strict=False)) | kwargs
        page = _Page(
            index_name=named.get("index_name"),
            hash_key=hash_key,
            conditions=named.get("hash_key_conditions"),
            range_comparison=named.get("range_comparison"),
            limit=named.get("limit"),
            start=named.get("exclusive_start_key"),
            forward=named.get("scan_index_forward", True) is not False,
            legacy_filters=any(k not in _QUERY_KEYWORDS for k in kwargs),
        )
        candidates = _candidates(self, page)
        if candidates is None:
            return original(self, hash_key, *args, **kwargs)
        self.all_items = lambda: candidates  # this call's candidates (DynamoDB requests are serialised)
        try:
            return original(self, hash_key, *args, **kwargs)
        finally:
            del self.all_items

    query.medialib_by_partition = True  # type: ignore[attr-defined]
    query.medialib_original = original  # type: ignore[attr-defined]  # bench/search --whole-table-moto measures it
    Table.query = query  # type: ignore[method-assign]

    for name, key_of in (
        ("put_item", lambda args, kwargs: kwargs.get("item_attrs", args[1] if len(args) > 1 else {})),
        ("update_item", lambda args, kwargs: kwargs.get("key", args[1] if len(args) > 1 else {})),
        ("delete_item", lambda args, kwargs: kwargs.get("key", args[1] if len(args) > 1 else {})),
    ):
        _wrap_write(DynamoDBBackend, name, key_of)


def _wrap_write(backend_class: Any, name: str, key_of: Callable[[tuple[Any, ...], dict[str, Any]], Any]) -> None:
    write: Callable[..., Any] = getattr(backend_class, name)

    def wrapped(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return write(self, *args, **kwargs)
        finally:
            table_name = kwargs.get("table_name", args[0] if args else None)
            key = key_of(args, kwargs)
            if isinstance(table_name, str) and isinstance(key, dict):
                _reindex(self, table_name, key)

    setattr(backend_class, name, wrapped)


# ------------------------------------------------------------------ Query answers as JSON, without moto's model walk
#
# moto 5 serialises every answer by walking botocore's model of the operation, attribute by attribute: about 3 ms
# per item of a Query answer (bench/search measured 3 s for a search of 1,000 files, nearly all of it there). A
# Query answer is already DynamoDB JSON (``AttributeValue`` maps, strings and numbers only), which is what the
# serialiser produces for the JSON protocol; it is dumped as it is (an answer that is not plain JSON, such as
# binary attributes, still takes moto's way).

_JSON_PROTOCOL = "application/x-amz-json-1.0"


def install_plain_query_answers() -> None:
    """Make moto answer Query with the JSON of its result (idempotent)."""
    from moto.core.responses import ActionResult  # noqa: PLC0415 - local-only dependency
    from moto.dynamodb.responses import DynamoHandler  # noqa: PLC0415

    original: Callable[..., Any] = DynamoHandler.query
    if getattr(original, "medialib_plain", False):
        return

    class PlainJson(ActionResult):
        def execute_result(self, context: Any) -> Any:
            try:
                body = json.dumps(self.result, separators=(",", ":"))
            except (TypeError, ValueError):
                return super().execute_result(context)
            return 200, {"Content-Type": _JSON_PROTOCOL}, body

    def query(self: Any) -> Any:
        answer = original(self)
        return PlainJson(answer.result) if type(answer).__name__ == "DynamoResult" else answer

    query.medialib_plain = True  # type: ignore[attr-defined]
    query.medialib_original = original  # type: ignore[attr-defined]
    DynamoHandler.query = query  # type: ignore[method-assign]
