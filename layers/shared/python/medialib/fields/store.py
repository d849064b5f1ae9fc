"""The fields domain's part of the single table: one partition per account, ``ACCOUNT#<acc>#FIELDS``.

- ``FIELD#<id>``: a field (deleted ones stay, ``deleted = true``); one Query with ``begins_with(SK, FIELD#)``
  lists them, in id order, which is creation order (ids start with the creation time).
- ``NAME#<name>`` / ``LABEL#<label>``: the claims that make names and labels unique, each written in the same
  transaction as the field with ``attribute_not_exists`` (two concurrent creates of one name: one wins, the
  other's transaction is cancelled). A name's claim stays when its field is deleted (ImageKit never gives a
  name again); a label's is released.
- ``COUNT``: ``active`` (fields not deleted) and ``total`` (all), the bounds of the account's fields, moved in
  the same transactions.
"""

from __future__ import annotations

from typing import Any, Literal, Protocol

from medialib.adapters import table
from medialib.fields.models import FieldItem

Claim = Literal["name", "label"]


class FieldStore(Protocol):
    def fields(self, account_id: str) -> list[FieldItem]:
        """Every field of the account, deleted ones included, in creation order."""
        ...

    def get(self, account_id: str, field_id: str) -> FieldItem | None: ...

    def create(self, item: FieldItem, *, max_active: int, max_total: int) -> None:
        """In one transaction: the field, its name and label claims, the counts + 1. ConditionFailedError (and
        nothing written) when the name or the label is claimed, or a count is at its bound."""
        ...

    def update(self, item: FieldItem, previous: FieldItem) -> None:
        """``item`` replaces ``previous`` (its label claim moved along when the label changed), on condition that
        the field is still as ``previous`` (its ``seq``) and not deleted; ``item.seq`` is ``previous.seq + 1``.
        ConditionFailedError otherwise, or when the new label is claimed."""
        ...

    def delete(self, item: FieldItem, previous: FieldItem) -> None:
        """Mark the field deleted (``item``), release its label and count it out, on condition that it is as
        ``previous``; the name stays claimed. ConditionFailedError otherwise."""
        ...

    def claimant(self, account_id: str, claim: Claim, value: str) -> str | None:
        """The id of the field that holds a name or a label, or None."""
        ...

    def counts(self, account_id: str) -> tuple[int, int]:
        """(active, total) of the account's fields."""
        ...


_COUNTS = {"#active": "active", "#total": "total"}  # names in expressions: some are DynamoDB reserved words


def _pk(account_id: str) -> str:
    return f"ACCOUNT#{account_id}#FIELDS"


def _field_key(account_id: str, field_id: str) -> tuple[str, str]:
    return _pk(account_id), f"FIELD#{field_id}"


def _claim_key(account_id: str, claim: Claim, value: str) -> tuple[str, str]:
    return _pk(account_id), f"{claim.upper()}#{value}"


def _count_key(account_id: str) -> tuple[str, str]:
    return _pk(account_id), "COUNT"


def _row(item: FieldItem) -> dict[str, Any]:
    pk, sk = _field_key(item.account_id, item.field_id)
    return {**item.model_dump(by_alias=True, mode="json", exclude_none=True), "PK": pk, "SK": sk}


def _claim(item: FieldItem, claim: Claim) -> table.Put:
    pk, sk = _claim_key(item.account_id, claim, item.name if claim == "name" else item.label)
    return table.Put({"PK": pk, "SK": sk, "fieldId": item.field_id}, only_if_new=True)


def _release_label(previous: FieldItem) -> table.Delete:
    return table.Delete(
        *_claim_key(previous.account_id, "label", previous.label),
        condition="#id = :id",
        values={":id": previous.field_id},
        names={"#id": "fieldId"},
    )


def _replace(item: FieldItem, previous: FieldItem) -> table.Put:
    return table.Put(
        _row(item),
        condition="#seq = :seq AND #deleted = :false",
        values={":seq": previous.seq, ":false": False},
        names={"#seq": "seq", "#deleted": "deleted"},
    )


class TableFieldStore:
    def fields(self, account_id: str) -> list[FieldItem]:
        return [
            FieldItem.model_validate(row) for row in table.query(_pk(account_id), sk_prefix="FIELD#", consistent=True)
        ]

    def get(self, account_id: str, field_id: str) -> FieldItem | None:
        row = table.get(*_field_key(account_id, field_id))
        return None if row is None else FieldItem.model_validate(row)

    def create(self, item: FieldItem, *, max_active: int, max_total: int) -> None:
        count = table.Update(
            *_count_key(item.account_id),
            expression="ADD #active :one, #total :one",
            condition="(attribute_not_exists(#active) OR #active < :active) AND "
            "(attribute_not_exists(#total) OR #total < :total)",
            values={":one": 1, ":active": max_active, ":total": max_total},
            names=_COUNTS,
        )
        table.transact_write(
            [table.Put(_row(item), only_if_new=True), _claim(item, "name"), _claim(item, "label"), count]
        )

    def update(self, item: FieldItem, previous: FieldItem) -> None:
        writes: list[table.Write] = [_replace(item, previous)]
        if item.label != previous.label:
            writes += [_release_label(previous), _claim(item, "label")]
        table.transact_write(writes)

    def delete(self, item: FieldItem, previous: FieldItem) -> None:
        uncount = table.Update(
            *_count_key(item.account_id),
            expression="ADD #active :minus",
            condition="#active > :zero",
            values={":minus": -1, ":zero": 0},
            names={"#active": "active"},
        )
        table.transact_write([_replace(item, previous), _release_label(previous), uncount])

    def claimant(self, account_id: str, claim: Claim, value: str) -> str | None:
        row = table.get(*_claim_key(account_id, claim, value))
        return None if row is None else str(row["fieldId"])

    def counts(self, account_id: str) -> tuple[int, int]:
        row = table.get(*_count_key(account_id)) or {}
        return int(row.get("active", 0)), int(row.get("total", 0))
