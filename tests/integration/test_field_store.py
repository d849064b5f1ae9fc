"""The fields store's contract, run against the table on the local stack and against the in-memory fake that the
service unit tests use (tests/unit/services/fakes.py): the same calls give the same answers and conflicts."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from medialib.adapters.errors import ConditionFailedError
from medialib.fields.models import FieldItem, FieldSchema
from medialib.fields.store import FieldStore, TableFieldStore
from tests.unit.services.fakes import FakeFieldStore

BACKENDS = ["table-on-moto", "in-memory-fake"]
NOW = datetime(2026, 3, 1, tzinfo=UTC)


def _field(acc: str, field_id: str, name: str, label: str, minute: int = 0) -> FieldItem:
    moment = NOW + timedelta(minutes=minute)
    schema = FieldSchema(type="Number", min_value=0.5, select_options=None)
    return FieldItem(account_id=acc, field_id=field_id, name=name, label=label, schema_=schema, created_at=moment,
                     updated_at=moment)  # fmt: skip


def _store(backend: str) -> FieldStore:
    return FakeFieldStore() if backend == "in-memory-fake" else TableFieldStore()


@pytest.mark.parametrize("backend", BACKENDS)
def test_field_store_contract(stack: Any, backend: str) -> None:
    """Given two fields, When one is created again by name or by label, over the bound, changed with a stale seq,
    relabelled and deleted, Then each backend: the conflicts write nothing, the claims and counts follow, a deleted
    field keeps its name claim and frees its label, and fields come back in creation order with their floats."""
    store, acc = _store(backend), f"acc-{uuid.uuid4().hex[:10]}"
    a, b = _field(acc, "0001", "a", "A"), _field(acc, "0002", "b", "B", minute=1)
    store.create(a, max_active=2, max_total=3)
    store.create(b, max_active=2, max_total=3)
    for clash in (_field(acc, "0003", "a", "C"), _field(acc, "0003", "c", "A"), _field(acc, "0003", "c", "C")):
        with pytest.raises(ConditionFailedError):  # the name, the label, the bound of 2 active fields
            store.create(clash, max_active=2, max_total=3)
    assert store.counts(acc) == (2, 2)
    assert store.claimant(acc, "label", "C") is None

    with pytest.raises(ConditionFailedError):
        store.update(a.model_copy(update={"label": "X", "seq": 2}), a.model_copy(update={"seq": 5}))
    relabelled = a.model_copy(update={"label": "B2", "seq": 2})
    store.update(relabelled, a)
    assert (store.claimant(acc, "label", "A"), store.claimant(acc, "label", "B2")) == (None, "0001")
    with pytest.raises(ConditionFailedError):  # B's label is B's
        store.update(relabelled.model_copy(update={"label": "B", "seq": 3}), relabelled)

    gone = b.model_copy(update={"deleted": True, "seq": 2})
    store.delete(gone, b)
    with pytest.raises(ConditionFailedError):
        store.delete(gone.model_copy(update={"seq": 3}), gone)
    assert (store.claimant(acc, "name", "b"), store.claimant(acc, "label", "B")) == ("0002", None)
    assert store.counts(acc) == (1, 2)
    assert store.get(acc, "0002") == gone
    assert store.get("another-account", "0002") is None
    assert [(f.field_id, f.label, f.deleted, f.schema_.min_value) for f in store.fields(acc)] == [
        ("0001", "B2", False, 0.5),
        ("0002", "B", True, 0.5),
    ]
    store.create(_field(acc, "0003", "c", "B"), max_active=2, max_total=3)  # a deleted field's label is free
    with pytest.raises(ConditionFailedError):  # 3 created in all: the bound of all time
        store.create(_field(acc, "0004", "d", "D"), max_active=5, max_total=3)
