"""Custom metadata fields against in-memory stores: create, list, update and soft delete, their refusals, a lost
race, and what an upload stores of its custom metadata (required defaults, overwriteCustomMetadata)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from medialib.accounts.models import Account
from medialib.adapters.errors import ConditionFailedError
from medialib.errors import BadRequestError, ConflictError, NotFoundError
from medialib.fields import rules, service
from medialib.fields.rules import InvalidCustomMetadataError
from medialib.upload import service as upload
from medialib.upload.models import FileSource, UploadRequest
from tests.unit.services.fakes import FakeBlobs, FakeFieldStore, FakeFileStore
from tests.upload_helpers import image

ACC = "acme"
NOW = datetime(2026, 5, 1, tzinfo=UTC)


def _create(name: str = "price", label: str | None = None, **schema: Any) -> dict[str, Any]:
    body = {"name": name, "label": label or name.title(), "schema": schema or {"type": "Number"}}
    return service.create_field(ACC, body).model_dump(by_alias=True, mode="json")


def test_a_field_is_created_listed_updated_and_deleted(field_store: FakeFieldStore) -> None:
    """Given no fields, When one is created, changed and deleted, Then the list shows it as it is at each step,
    and after the delete only includeDeleted=true lists it (isDeleted true)."""
    created = _create("price", "Price", type="Number", minValue=0)
    assert len(created["id"]) == 24
    assert created == {
        "id": created["id"],
        "name": "price",
        "label": "Price",
        "schema": {"type": "Number", "minValue": 0},
    }
    changed = service.update_field(ACC, created["id"], {"label": "Cost", "schema": {"maxValue": 10}})
    assert changed.model_dump(by_alias=True, mode="json")["schema"] == {"type": "Number", "minValue": 0, "maxValue": 10}
    assert [f.label for f in service.list_fields(ACC, include_deleted=False)] == ["Cost"]
    service.delete_field(ACC, created["id"])
    assert service.list_fields(ACC, include_deleted=False) == []
    listed = service.list_fields(ACC, include_deleted=True)
    assert [(f.name, f.is_deleted) for f in listed] == [("price", True)]


@pytest.mark.parametrize(
    ("second", "reason"),
    [
        pytest.param({"name": "price", "label": "Other"}, "FIELD_NAME_EXISTS", id="same-name"),
        pytest.param({"name": "other", "label": "Price"}, "FIELD_LABEL_EXISTS", id="same-label"),
    ],
)
def test_names_and_labels_are_unique(field_store: FakeFieldStore, second: dict[str, str], reason: str) -> None:
    """Given a field price/Price, When another takes its name or its label, Then 400 with ImageKit's message."""
    _create("price", "Price")
    with pytest.raises(BadRequestError) as refused:
        service.create_field(ACC, {**second, "schema": {"type": "Text"}})
    assert refused.value.reason == reason
    assert "already exists" in refused.value.message


def test_a_deleted_fields_name_is_never_given_again_but_its_label_is(field_store: FakeFieldStore) -> None:
    """Given a deleted field price/Price, When a field named price is created, Then 400 (ImageKit: names are unique
    among deleted fields too); a field labelled Price under another name is created."""
    service.delete_field(ACC, _create("price", "Price")["id"])
    with pytest.raises(BadRequestError, match="name already exists"):
        _create("price", "Again")
    assert _create("cost", "Price")["label"] == "Price"


def test_an_account_has_at_most_100_fields(field_store: FakeFieldStore, monkeypatch: pytest.MonkeyPatch) -> None:
    """Given an account at its bound of fields (3 here), When one more is created, Then 400 TOO_MANY_FIELDS; after
    a delete there is room again."""
    monkeypatch.setattr(rules, "MAX_ACTIVE_FIELDS", 3)
    ids = [_create(f"f{i}")["id"] for i in range(3)]
    with pytest.raises(BadRequestError) as refused:
        _create("f3")
    assert refused.value.reason == "TOO_MANY_FIELDS"
    service.delete_field(ACC, ids[0])
    assert _create("f3")["name"] == "f3"


def test_a_create_that_lost_a_race_for_nothing_runs_again(field_store: FakeFieldStore) -> None:
    """Given a transaction cancelled once with nothing claimed (a concurrent delete freed the label), When a
    field is created, Then the create runs again and succeeds."""
    field_store.pending.append(ConditionFailedError())
    assert _create("price")["name"] == "price"


@pytest.mark.parametrize(
    ("call", "error"),
    [
        pytest.param(lambda fid: service.update_field("other", fid, {"label": "X"}), NotFoundError, id="update-other-account"),
        pytest.param(lambda fid: service.delete_field("other", fid), NotFoundError, id="delete-other-account"),
        pytest.param(lambda fid: service.update_field(ACC, "0" * 24, {"label": "X"}), NotFoundError, id="update-absent"),
        pytest.param(lambda fid: service.delete_field(ACC, "0" * 24), NotFoundError, id="delete-absent"),
    ],
)  # fmt: skip
def test_another_accounts_or_no_field_is_404(field_store: FakeFieldStore, call: Any, error: type[Exception]) -> None:
    """Given a field of acme, When another account (or acme, with an id that is none) changes or deletes it,
    Then 404 and the field is unchanged."""
    field_id = _create("price", "Price")["id"]
    with pytest.raises(error):
        call(field_id)
    assert [f.label for f in service.list_fields(ACC, include_deleted=True)] == ["Price"]


def test_a_deleted_field_cannot_be_changed_or_deleted_again(field_store: FakeFieldStore) -> None:
    """Given a deleted field, When it is updated, Then 400 (ImageKit's "Cannot update a deleted custom metadata
    field"); When deleted again, Then 404."""
    field_id = _create()["id"]
    service.delete_field(ACC, field_id)
    with pytest.raises(BadRequestError, match="deleted"):
        service.update_field(ACC, field_id, {"label": "X"})
    with pytest.raises(NotFoundError):
        service.delete_field(ACC, field_id)


def test_a_label_taken_by_another_field_is_refused_on_update(field_store: FakeFieldStore) -> None:
    """Given fields A and B, When A takes B's label, Then 400 FIELD_LABEL_EXISTS; A keeps its own label."""
    a = _create("a", "A")["id"]
    _create("b", "B")
    with pytest.raises(BadRequestError) as refused:
        service.update_field(ACC, a, {"label": "B"})
    assert refused.value.reason == "FIELD_LABEL_EXISTS"
    assert [f.label for f in service.list_fields(ACC, include_deleted=False)] == ["A", "B"]


def test_an_update_that_keeps_losing_is_a_retryable_409(
    field_store: FakeFieldStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given a field changed by others on every attempt, When updated, Then 409 that the SDKs retry."""
    field_id = _create()["id"]

    def always_lost(*_: Any) -> None:
        raise ConditionFailedError()

    monkeypatch.setattr(field_store, "update", always_lost)
    with pytest.raises(ConflictError) as lost:
        service.update_field(ACC, field_id, {"label": "X"})
    assert lost.value.retryable


def test_custom_metadata_is_checked_against_the_live_fields(field_store: FakeFieldStore) -> None:
    """Given fields price (Number) and gone (deleted), When custom metadata sets gone, Then 400 naming it;
    field_types lists price only."""
    _create("price")
    service.delete_field(ACC, _create("gone", type="Text")["id"])
    assert service.field_types(ACC) == {"price": "Number"}
    assert service.checked_custom_metadata(ACC, {"price": 9.5}, previous=None) == {"price": 9.5}
    with pytest.raises(InvalidCustomMetadataError, match=r"customMetadata\.gone: is not a custom metadata field"):
        service.checked_custom_metadata(ACC, {"gone": "x"}, previous=None)


# ------------------------------------------------------------------ upload


def _account() -> Account:
    return Account(account_id=ACC, public_key="public_acme", private_key="private_acme_key")


def _upload(**fields: Any) -> dict[str, Any]:
    request = UploadRequest.model_validate(
        {"file": FileSource(kind="binary"), "fileName": "p.png", "useUniqueFileName": "false",
         "responseFields": "customMetadata", **fields}
    )  # fmt: skip
    return upload.ingest(_account(), request, image(), None, "https://media.example.com", now=NOW)


@pytest.mark.usefixtures("file_store", "blob_store")
@pytest.mark.parametrize(
    ("first", "second", "stored"),
    [
        pytest.param({"customMetadata": '{"price": 5}'}, {"customMetadata": '{"brand": "x"}'}, {"brand": "x", "size": "M"},
                     id="sent-replaces-and-required-default-is-added"),
        pytest.param({"customMetadata": '{"price": 5, "size": "S"}'}, {}, {"size": "M"},
                     id="absent-with-overwrite-removes-all-but-defaults"),
        pytest.param({"customMetadata": '{"price": 5, "size": "S"}'}, {"overwriteCustomMetadata": "false"},
                     {"price": 5, "size": "S"}, id="absent-without-overwrite-keeps-the-values"),
    ],
)  # fmt: skip
def test_an_upload_stores_checked_custom_metadata(
    field_store: FakeFieldStore, first: dict[str, str], second: dict[str, str], stored: dict[str, Any]
) -> None:
    """Given fields price, brand and a required size (default M) and a file uploaded with custom metadata, When a
    new version is uploaded, Then its custom metadata follows overwriteCustomMetadata, with the defaults."""
    _create("price")
    _create("brand", type="Text")
    _create("size", type="SingleSelect", selectOptions=["S", "M"], isValueRequired=True, defaultValue="M")
    _upload(**first)
    assert _upload(**second)["customMetadata"] == stored


@pytest.mark.usefixtures("field_store")
def test_an_upload_with_an_unknown_key_stores_nothing(file_store: FakeFileStore, blob_store: FakeBlobs) -> None:
    """Given no field named colour, When an upload sets it, Then 400 naming customMetadata.colour, nothing stored."""
    with pytest.raises(InvalidCustomMetadataError, match=r"customMetadata\.colour"):
        _upload(customMetadata='{"colour": "red"}')
    assert (file_store.entries, blob_store.objects) == ({}, {})


@pytest.mark.parametrize("values", [["price"], "price=1", 7], ids=["a-list", "text", "a-number"])
def test_custom_metadata_that_is_not_an_object_is_a_400(field_store: FakeFieldStore, values: Any) -> None:
    """Given a caller that passes customMetadata as the client sent it, When it is no object, Then 400 saying so."""
    with pytest.raises(BadRequestError, match="should be a JSON object"):
        service.checked_custom_metadata(ACC, values, previous={})
