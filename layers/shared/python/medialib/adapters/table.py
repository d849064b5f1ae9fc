"""The single DynamoDB table: get, batch_get, put, query, update and transact_write, with conditions. No Scan anywhere.

Keys (see docs/data-model.md): ``PK``/``SK`` on the table, ``GSI1PK``/``GSI1SK`` and ``GSI2PK``/``GSI2SK``
on two indexes with full projection.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

from medialib.adapters import clients
from medialib.adapters.errors import AWS_ERRORS, translate
from medialib.errors import ServiceUnavailableError
from medialib.settings import TableSettings, get_settings

_ser = TypeSerializer()
_de = TypeDeserializer()

Item = dict[str, Any]


def _table() -> str:
    return get_settings(TableSettings).table_name


def _dump(item: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _ser.serialize(storable(v)) for k, v in item.items() if v is not None}


def _load(raw: Mapping[str, Any]) -> Item:
    return {k: _de.deserialize(v) for k, v in raw.items()}


def get(pk: str, sk: str, *, consistent: bool = True) -> Item | None:
    try:
        raw = clients.dynamodb().get_item(
            TableName=_table(), Key=_dump({"PK": pk, "SK": sk}), ConsistentRead=consistent
        )
    except AWS_ERRORS as err:
        raise translate(err, "DynamoDB") from None
    return _load(raw["Item"]) if "Item" in raw else None


BATCH_GET_KEYS = 100  # DynamoDB's limit per BatchGetItem
_UNPROCESSED_ROUNDS = 8  # BatchGetItem returns what it could not read under throttling: read those again


def batch_get(keys: Sequence[tuple[str, str]]) -> list[Item]:
    """The items among ``keys`` (``(PK, SK)``) that exist, read strongly consistently in batches of 100; keys
    DynamoDB leaves unprocessed are read again, with backoff, and a throttling that outlasts it is a 503."""
    found: list[Item] = []
    for start in range(0, len(keys), BATCH_GET_KEYS):
        pending: dict[str, Any] = {
            _table(): {"Keys": [_dump({"PK": pk, "SK": sk}) for pk, sk in keys[start : start + BATCH_GET_KEYS]],
                       "ConsistentRead": True}
        }  # fmt: skip
        for attempt in range(_UNPROCESSED_ROUNDS):
            try:
                answer = clients.dynamodb().batch_get_item(RequestItems=pending)
            except AWS_ERRORS as err:
                raise translate(err, "DynamoDB") from None
            found += [_load(raw) for raw in answer.get("Responses", {}).get(_table(), [])]
            pending = answer.get("UnprocessedKeys") or {}
            if not pending:
                break
            time.sleep(random.uniform(0, 0.05 * 2**attempt))  # noqa: S311 - jitter, not a secret
        else:
            raise ServiceUnavailableError()
    return found


def put(item: Mapping[str, Any], *, only_if_new: bool = False) -> None:
    """Write ``item``; with ``only_if_new`` a second writer of the same key gets ConditionFailedError."""
    kwargs: dict[str, Any] = {"TableName": _table(), "Item": _dump(item)}
    if only_if_new:
        kwargs["ConditionExpression"] = "attribute_not_exists(PK)"
    try:
        clients.dynamodb().put_item(**kwargs)
    except AWS_ERRORS as err:
        raise translate(err, "DynamoDB") from None


def _expression(
    condition: str | None, values: Mapping[str, Any] | None, names: Mapping[str, str] | None
) -> dict[str, Any]:
    kwargs: dict[str, Any] = {}
    if condition:
        kwargs["ConditionExpression"] = condition
    if values:
        kwargs["ExpressionAttributeValues"] = {k: _ser.serialize(storable(v)) for k, v in values.items()}
    if names:
        kwargs["ExpressionAttributeNames"] = dict(names)
    return kwargs


def update(  # noqa: PLR0913 - mirrors UpdateItem: key, expression, values, names, condition
    pk: str,
    sk: str,
    *,
    expression: str,
    values: Mapping[str, Any],
    names: Mapping[str, str] | None = None,
    condition: str | None = None,
) -> Item:
    """Atomic update; returns the item after it. A failed ``condition`` raises ConditionFailedError."""
    kwargs: dict[str, Any] = {
        "TableName": _table(),
        "Key": _dump({"PK": pk, "SK": sk}),
        "UpdateExpression": expression,
        "ReturnValues": "ALL_NEW",
        **_expression(condition, values, names),
    }
    try:
        raw = clients.dynamodb().update_item(**kwargs)
    except AWS_ERRORS as err:
        raise translate(err, "DynamoDB") from None
    return _load(raw["Attributes"])


def query(  # noqa: PLR0913 - mirrors Query: partition, index, prefix, order, page size, consistency
    pk_value: str,
    *,
    index: str | None = None,
    sk_prefix: str | None = None,
    forward: bool = True,
    page_size: int = 100,
    consistent: bool = False,
) -> Iterator[Item]:
    """Items of one partition (of the table or of ``index``) in key order, paginated lazily. ``consistent``: a
    strongly consistent read (the table only: a global secondary index is always eventually consistent)."""
    if consistent and index is not None:
        raise ValueError("a global secondary index cannot be read strongly consistently")
    pk_name, sk_name = ("PK", "SK") if index is None else (f"{index}PK", f"{index}SK")
    condition = "#pk = :pk"
    values: dict[str, Any] = {":pk": {"S": pk_value}}
    names = {"#pk": pk_name}
    if sk_prefix:
        condition += " AND begins_with(#sk, :sk)"
        values[":sk"] = {"S": sk_prefix}
        names["#sk"] = sk_name
    kwargs: dict[str, Any] = {
        "TableName": _table(),
        "KeyConditionExpression": condition,
        "ExpressionAttributeValues": values,
        "ExpressionAttributeNames": names,
        "ScanIndexForward": forward,
        "Limit": page_size,
    }
    if consistent:
        kwargs["ConsistentRead"] = True
    if index:
        kwargs["IndexName"] = index
    return _paged(kwargs)


def _paged(kwargs: dict[str, Any]) -> Iterator[Item]:
    """The items of a Query, page after page, read lazily."""
    while True:
        try:
            page = clients.dynamodb().query(**kwargs)
        except AWS_ERRORS as err:
            raise translate(err, "DynamoDB") from None
        yield from (_load(raw) for raw in page.get("Items", []))
        if "LastEvaluatedKey" not in page:
            return
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


# One write of a transaction. Conditions, values and names mean what they mean in UpdateItem.


@dataclass(frozen=True)
class Put:
    """A whole item; ``only_if_new`` or a ``condition`` on the item it replaces."""

    item: Mapping[str, Any]
    only_if_new: bool = False
    condition: str | None = None
    values: Mapping[str, Any] = field(default_factory=dict)
    names: Mapping[str, str] | None = None


@dataclass(frozen=True)
class Update:
    pk: str
    sk: str
    expression: str
    values: Mapping[str, Any] = field(default_factory=dict)
    names: Mapping[str, str] | None = None
    condition: str | None = None


@dataclass(frozen=True)
class Delete:
    pk: str
    sk: str
    condition: str | None = None
    values: Mapping[str, Any] = field(default_factory=dict)
    names: Mapping[str, str] | None = None


@dataclass(frozen=True)
class Check:
    """A condition on an item the transaction does not write."""

    pk: str
    sk: str
    condition: str
    values: Mapping[str, Any] = field(default_factory=dict)
    names: Mapping[str, str] | None = None


Write = Put | Update | Delete | Check
MAX_TRANSACTION_WRITES = 100  # DynamoDB's limit per TransactWriteItems


def apply(write: Update) -> Item:
    """One ``Update`` on its own (outside a transaction); returns the item after it."""
    return update(
        write.pk,
        write.sk,
        expression=write.expression,
        values=write.values,
        names=write.names,
        condition=write.condition,
    )


def _transact_item(write: Write) -> dict[str, Any]:
    table = _table()
    if isinstance(write, Put):
        condition = "attribute_not_exists(PK)" if write.only_if_new else write.condition
        put = _expression(condition, write.values, write.names)
        return {"Put": {"TableName": table, "Item": _dump(write.item), **put}}
    key = _dump({"PK": write.pk, "SK": write.sk})
    expression = _expression(write.condition, write.values, write.names)
    if isinstance(write, Update):
        return {"Update": {"TableName": table, "Key": key, "UpdateExpression": write.expression, **expression}}
    if isinstance(write, Delete):
        return {"Delete": {"TableName": table, "Key": key, **expression}}
    return {"ConditionCheck": {"TableName": table, "Key": key, **expression}}


def transact_write(writes: Sequence[Write], *, token: str | None = None) -> None:
    """All of ``writes`` or none. Any failed condition raises ConditionFailedError and nothing is written.
    With ``token`` (ClientRequestToken) a retry of the same transaction within 10 minutes is a no-op."""
    if not 1 <= len(writes) <= MAX_TRANSACTION_WRITES:
        raise ValueError(f"a transaction writes 1..{MAX_TRANSACTION_WRITES} items, got {len(writes)}")
    kwargs: dict[str, Any] = {"TransactItems": [_transact_item(write) for write in writes]}
    if token:
        kwargs["ClientRequestToken"] = token
    try:
        clients.dynamodb().transact_write_items(**kwargs)
    except AWS_ERRORS as err:
        if _lost_to_another_transaction(err):
            raise ServiceUnavailableError() from None  # retryable: no condition failed, another write was in progress
        raise translate(err, "DynamoDB") from None


_PASSING = {"TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded", "RequestLimitExceeded"}


def _lost_to_another_transaction(err: Exception) -> bool:
    """A cancelled transaction none of whose conditions failed: one of its items was being written by another
    transaction at the same time (``TransactionConflict``; jobs of one account share their in-flight item), or
    DynamoDB throttled one of its writes. Not the caller's conflict: the same transaction may succeed later."""
    reasons = getattr(err, "response", {}).get("CancellationReasons") or []
    codes = {reason.get("Code", "None") for reason in reasons} - {"None"}
    return bool(codes) and codes <= _PASSING


# ------------------------------------------------------------------ fields: floats as DynamoDB takes them


def storable(value: Any) -> Any:
    """``value`` with every float made the Decimal of its shortest repr (``9.99`` -> ``Decimal("9.99")``), in
    nested dicts and lists too: boto3 refuses binary floats, and custom metadata (a Number field's value) or
    embedded metadata (EXIF rationals) hold some. Read back, they are Decimals (``medialib.models.plain_numbers``
    makes them ints or floats again)."""
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, dict):
        return {key: storable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [storable(item) for item in value]
    return value


# ------------------------------------------------------------------ folders: resuming a partition after a key


def query_after(pk_value: str, *, index: str, sk_after: str, page_size: int = 100) -> Iterator[Item]:
    """Items of one partition of ``index`` whose sort key is greater than ``sk_after``, in key order, paginated
    lazily: a walk resumes where it stopped with one Query, however many items came before."""
    kwargs: dict[str, Any] = {
        "TableName": _table(),
        "IndexName": index,
        "KeyConditionExpression": "#pk = :pk AND #sk > :after",
        "ExpressionAttributeValues": {":pk": {"S": pk_value}, ":after": {"S": sk_after}},
        "ExpressionAttributeNames": {"#pk": f"{index}PK", "#sk": f"{index}SK"},
        "Limit": page_size,
    }
    return _paged(kwargs)
