"""Custom metadata fields: create, list, update and (soft) delete an account's fields, and the custom metadata of
files checked against them (``checked_custom_metadata``: upload and PATCH details; ``field_types``: search)."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from medialib.adapters.errors import ConditionFailedError
from medialib.errors import BadRequestError, ConflictError, NotFoundError
from medialib.fields import rules
from medialib.fields.models import FieldItem, FieldResponse, FieldSchema
from medialib.fields.store import FieldStore, TableFieldStore
from medialib.observability import logger, metrics

store: FieldStore = TableFieldStore()  # the seam: unit tests put an in-memory fake here
clock: Callable[[], datetime] = lambda: datetime.now(UTC)  # noqa: E731 - the seam of the time

_ATTEMPTS = 3  # a create or change that lost to a concurrent one and finds no reason to refuse runs again


# ------------------------------------------------------------------ shared: custom metadata of files


def _live(account_id: str) -> dict[str, FieldSchema]:
    return {field.name: field.schema_ for field in store.fields(account_id) if not field.deleted}


def checked_custom_metadata(
    account_id: str, values: dict[str, Any], *, previous: dict[str, Any] | None
) -> dict[str, Any]:
    """The custom metadata to store for a file of ``account_id``. ``previous=None``: ``values`` is the whole set
    (upload); else ``values`` changes ``previous`` (PATCH details), a key with ``None`` removing it. Each key set
    names a field of the account (not deleted) and its value fits the field's schema; required fields without a
    value get their default. BadRequestError (InvalidCustomMetadataError) naming each key and its rule; ``values``
    that are not an object (a caller passing the body's member as sent) are a 400 too."""
    if not isinstance(values, dict):
        raise BadRequestError(
            "Your request contains invalid parameters. customMetadata: should be a JSON object.",
            reason="INVALID_PARAMETER",
        )
    return rules.custom_metadata(_live(account_id), values, previous=previous)


def field_types(account_id: str) -> dict[str, str]:
    """The account's fields (not deleted): name -> schema type (``Text``, ``Number``, ``Date``...)."""
    return {name: schema.type for name, schema in _live(account_id).items()}


# ------------------------------------------------------------------ the fields API


def _response(field: FieldItem) -> FieldResponse:
    return FieldResponse(
        id=field.field_id,
        name=field.name,
        label=field.label,
        description=field.description,
        schema_=field.schema_,
        is_deleted=True if field.deleted else None,
    )


def new_field_id(now: datetime) -> str:
    """24 hexadecimal characters, as ImageKit's ids: the creation time in milliseconds (12), then 12 random ones,
    so that ids (the table's order of an account's fields) follow creation."""
    return f"{int(now.timestamp() * 1000):012x}{secrets.token_hex(6)}"


def _why_not_created(account_id: str, name: str, label: str) -> BadRequestError | None:
    if store.claimant(account_id, "name", name) is not None:
        return BadRequestError(
            "A custom metadata field with this name already exists.",
            help="Names are unique among all fields, deleted ones included: choose another name.",
            reason="FIELD_NAME_EXISTS",
        )
    if store.claimant(account_id, "label", label) is not None:
        return BadRequestError("A custom metadata field with this label already exists.", reason="FIELD_LABEL_EXISTS")
    active, total = store.counts(account_id)
    if active >= rules.MAX_ACTIVE_FIELDS or total >= rules.MAX_FIELDS_EVER:
        return BadRequestError(
            f"The account has {active} custom metadata fields ({total} created in all); at most "
            f"{rules.MAX_ACTIVE_FIELDS} fields, and {rules.MAX_FIELDS_EVER} created in all, are allowed.",
            reason="TOO_MANY_FIELDS",
        )
    return None


def _lost_race() -> ConflictError:
    error = ConflictError("The custom metadata fields changed while this request ran. Please retry.")
    error.retryable = True
    return error


def create_field(account_id: str, body: dict[str, Any]) -> FieldResponse:
    """``POST /v1/customMetadataFields``: a new field; a name or label taken, or the account's bound reached,
    is a 400 (ImageKit's answer), decided by the transaction's conditions, not by a read before it."""
    name, label, description, schema = rules.new_field(body)
    for _ in range(_ATTEMPTS):
        now = clock()
        item = FieldItem(
            account_id=account_id,
            field_id=new_field_id(now),
            name=name,
            label=label,
            description=description,
            schema_=schema,
            created_at=now,
            updated_at=now,
        )
        try:
            store.create(item, max_active=rules.MAX_ACTIVE_FIELDS, max_total=rules.MAX_FIELDS_EVER)
        except ConditionFailedError:
            refusal = _why_not_created(account_id, name, label)
            if refusal is not None:
                raise refusal from None
            time.sleep(0.01)
            continue
        logger.append_keys(field_id=item.field_id)
        metrics.add_metric(name="CustomMetadataFieldCreated", unit="Count", value=1)
        return _response(item)
    raise _lost_race()


def list_fields(account_id: str, *, include_deleted: bool) -> list[FieldResponse]:
    """``GET /v1/customMetadataFields``: the account's fields in creation order, deleted ones on request."""
    fields = sorted(store.fields(account_id), key=lambda field: (field.created_at, field.field_id))
    return [_response(field) for field in fields if include_deleted or not field.deleted]


def _not_found() -> NotFoundError:
    return NotFoundError("No such custom metadata field exists.", reason="FIELD_NOT_FOUND")


def _existing(account_id: str, field_id: str) -> FieldItem:
    field = store.get(account_id, field_id)
    if field is None:
        raise _not_found()
    return field


def update_field(account_id: str, field_id: str, body: dict[str, Any]) -> FieldResponse:
    """``PATCH /v1/customMetadataFields/{id}``: label, description, schema (not name, not type). A deleted field
    is a 400 (ImageKit's answer); another account's id, or none, a 404."""
    for _ in range(_ATTEMPTS):
        field = _existing(account_id, field_id)
        if field.deleted:
            raise BadRequestError("Cannot update a deleted custom metadata field.", reason="FIELD_DELETED")
        changed = rules.changed_field(field, body).model_copy(update={"seq": field.seq + 1, "updated_at": clock()})
        try:
            store.update(changed, field)
        except ConditionFailedError:
            owner = store.claimant(account_id, "label", changed.label)
            if changed.label != field.label and owner not in {None, field_id}:
                raise BadRequestError(
                    "A custom metadata field with this label already exists.", reason="FIELD_LABEL_EXISTS"
                ) from None
            continue  # changed or deleted meanwhile: read it again
        return _response(changed)
    raise _lost_race()


def delete_field(account_id: str, field_id: str) -> None:
    """``DELETE /v1/customMetadataFields/{id}``: the field is marked deleted (listed with includeDeleted=true);
    its name stays taken, its label is free again. Absent or already deleted: 404. Files keep their values of
    it until a PATCH of their details removes them (``null``)."""
    for _ in range(_ATTEMPTS):
        field = _existing(account_id, field_id)
        if field.deleted:
            raise _not_found()
        deleted = field.model_copy(update={"deleted": True, "seq": field.seq + 1, "updated_at": clock()})
        try:
            store.delete(deleted, field)
        except ConditionFailedError:
            continue
        metrics.add_metric(name="CustomMetadataFieldDeleted", unit="Count", value=1)
        return
    raise _lost_race()
