"""Pure rules of custom metadata fields: what a field definition may say, and which values fit a schema."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from medialib.fields import rules
from medialib.fields.models import FieldItem, FieldSchema

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def _field(**schema: Any) -> dict[str, Any]:
    return {"name": "price", "label": "Price", "schema": schema}


# ------------------------------------------------------------------ field definitions


@pytest.mark.parametrize(
    ("schema", "expected"),
    [
        pytest.param({"type": "Text"}, {"type": "Text"}, id="text-with-no-rules"),
        pytest.param({"type": "Text", "minLength": 2, "maxLength": 5.0}, {"type": "Text", "minLength": 2, "maxLength": 5},
                     id="lengths-sent-as-numbers-are-whole-numbers"),
        pytest.param({"type": "Textarea", "maxLength": 5000}, {"type": "Textarea", "maxLength": 5000},
                     id="textarea-up-to-its-own-bound"),
        pytest.param({"type": "Number", "minValue": 0, "maxValue": 100, "isValueRequired": False, "defaultValue": 1},
                     {"type": "Number", "minValue": 0, "maxValue": 100, "isValueRequired": False, "defaultValue": 1},
                     id="number-as-the-python-sdk-sends-it"),
        pytest.param({"type": "Number", "minValue": -1.5, "isValueRequired": True, "defaultValue": 9.99},
                     {"type": "Number", "minValue": -1.5, "isValueRequired": True, "defaultValue": 9.99},
                     id="required-number-with-a-float-default"),
        pytest.param({"type": "Date", "minValue": "2024-01-01", "maxValue": "2024-12-31T23:00:00+01:00"},
                     {"type": "Date", "minValue": "2024-01-01T00:00:00.000Z", "maxValue": "2024-12-31T22:00:00.000Z"},
                     id="date-bounds-become-utc-timestamps"),
        pytest.param({"type": "Boolean", "isValueRequired": True, "defaultValue": False},
                     {"type": "Boolean", "isValueRequired": True, "defaultValue": False},
                     id="required-boolean-defaulting-to-false"),
        pytest.param({"type": "SingleSelect", "selectOptions": ["S", "M", 30, True], "defaultValue": 30},
                     {"type": "SingleSelect", "selectOptions": ["S", "M", 30, True], "defaultValue": 30},
                     id="select-options-of-three-json-types"),
        pytest.param({"type": "MultiSelect", "selectOptions": ["a", "b"], "isValueRequired": True, "defaultValue": ["b"]},
                     {"type": "MultiSelect", "selectOptions": ["a", "b"], "isValueRequired": True, "defaultValue": ["b"]},
                     id="multi-select-default-is-a-list-of-options"),
        pytest.param({"type": "SingleSelect", "selectOptions": [1, True, "1"]},
                     {"type": "SingleSelect", "selectOptions": [1, True, "1"]},
                     id="one-true-and-text-one-are-three-options"),
    ],
)  # fmt: skip
def test_a_valid_schema_is_kept_as_sent(schema: dict[str, Any], expected: dict[str, Any]) -> None:
    """Given a field whose schema follows its type's rules, When checked, Then it is kept (dates normalised)."""
    name, label, description, checked = rules.new_field(_field(**schema))
    assert (name, label, description) == ("price", "Price", None)
    assert checked.model_dump(by_alias=True, mode="json") == expected


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        pytest.param({}, {"name": "is required", "label": "is required", "schema": "is required"},
                     id="every-missing-member-is-named"),
        pytest.param({**_field(type="Text"), "colour": "red"}, {"colour": "is not a member of a field object"},
                     id="an-unknown-member-is-named"),
        pytest.param({**_field(type="Text"), "name": "a b"}, {"name": "should be 1 to 100 letters, digits, _ or -"},
                     id="name-with-a-space"),
        pytest.param({**_field(type="Text"), "name": "n" * 101}, {"name": "should be 1 to 100 letters, digits, _ or -"},
                     id="name-over-100"),
        pytest.param({**_field(type="Text"), "name": "_internal_original_created_datetime"},
                     {"name": "_internal_original_created_datetime is a reserved name"}, id="imagekits-reserved-name"),
        pytest.param({**_field(type="Text"), "label": " "},
                     {"label": "should be a non-empty string of at most 100 characters"}, id="blank-label"),
        pytest.param({**_field(type="Text"), "label": "l" * 101},
                     {"label": "should be a non-empty string of at most 100 characters"}, id="label-over-100"),
        pytest.param({**_field(type="Text"), "description": "d" * 501},
                     {"description": "should be a string of at most 500 characters"}, id="description-over-500"),
        pytest.param({**_field(), "schema": "Text"}, {"schema": "should be an object with a type"}, id="schema-not-object"),
        pytest.param(_field(type="Color"), {"schema.type": "should be one of Text, Textarea, Number, Date, Boolean, "
                     "SingleSelect, MultiSelect"}, id="unknown-type"),
        pytest.param(_field(type="Number", maxLength=3), {"schema.maxLength": "not allowed for this type"},
                     id="length-on-a-number-is-not-allowed"),
        pytest.param(_field(type="Text", minValue=3, selectOptions=["a"]),
                     {"schema.minValue": "not allowed for this type", "schema.selectOptions": "not allowed for this type"},
                     id="every-foreign-key-is-named"),
        pytest.param(_field(type="Boolean", colour="red"), {"schema.colour": "not allowed for this type"},
                     id="unknown-schema-key"),
        pytest.param(_field(type="Number", minValue="1"), {"schema.minValue": "should be of type number"},
                     id="number-bound-as-text"),
        pytest.param(_field(type="Number", minValue=True), {"schema.minValue": "should be of type number"},
                     id="number-bound-as-boolean"),
        pytest.param(_field(type="Number", maxValue=1e39),
                     {"schema.maxValue": "should be 0 or of a magnitude between 1e-38 and 1e+38"}, id="number-too-big"),
        pytest.param(_field(type="Number", minValue=5, maxValue=1), {"schema.minValue": "should not be greater than maxValue"},
                     id="min-over-max"),
        pytest.param(_field(type="Date", minValue="2024-02-30"),
                     {"schema.minValue": "'2024-02-30' is not a valid ISO-8601 date or date and time"}, id="impossible-date"),
        pytest.param(_field(type="Date", minValue="yesterday"), {"schema.minValue": "should be an ISO-8601 date "
                     "(2024-05-01) or date and time (2024-05-01T10:00:00Z)"}, id="date-in-words"),
        pytest.param(_field(type="Date", minValue="2024-06-01", maxValue="2024-01-01"),
                     {"schema.minValue": "should not be greater than maxValue"}, id="date-min-over-max"),
        pytest.param(_field(type="Text", minLength=-1), {"schema.minLength": "should be at least 0"}, id="negative-length"),
        pytest.param(_field(type="Text", maxLength=2.5), {"schema.maxLength": "should be a whole number"},
                     id="fractional-length"),
        pytest.param(_field(type="Text", maxLength=0), {"schema.maxLength": "should be at least 1"}, id="max-length-zero"),
        pytest.param(_field(type="Text", maxLength=501), {"schema.maxLength": "should be at most 500 for a Text field"},
                     id="text-longer-than-its-bound"),
        pytest.param(_field(type="Text", minLength=4, maxLength=3), {"schema.minLength": "should not be greater than "
                     "maxLength"}, id="min-length-over-max-length"),
        pytest.param(_field(type="SingleSelect"), {"schema.selectOptions": "is required for this type"},
                     id="select-without-options"),
        pytest.param(_field(type="MultiSelect", selectOptions=[]),
                     {"schema.selectOptions": "should be an array of 1 to 200 options"}, id="no-options"),
        pytest.param(_field(type="MultiSelect", selectOptions=list(range(201))),
                     {"schema.selectOptions": "should be an array of 1 to 200 options"}, id="over-200-options"),
        pytest.param(_field(type="SingleSelect", selectOptions=["a", "b", "a"]),
                     {"schema.selectOptions[2]": "'a' is listed twice; options are unique"}, id="repeated-option"),
        pytest.param(_field(type="SingleSelect", selectOptions=["a", ""]), {"schema.selectOptions[1]": "should be a "
                     "non-empty string of at most 100 characters (or a number or a boolean)"}, id="empty-option"),
        pytest.param(_field(type="SingleSelect", selectOptions=[["a"]]), {"schema.selectOptions[0]": "should be of type "
                     "number (or a number or a boolean)"}, id="option-that-is-a-list"),
        pytest.param(_field(type="Text", isValueRequired="yes"), {"schema.isValueRequired": "should be of type boolean"},
                     id="required-as-text"),
        pytest.param(_field(type="Text", isValueRequired=True),
                     {"schema.defaultValue": "is required when isValueRequired is true"}, id="required-without-default"),
        pytest.param(_field(type="Number", maxValue=10, defaultValue=11),
                     {"schema.defaultValue": "should be at most 10 (maxValue), not 11"}, id="default-over-max"),
        pytest.param(_field(type="Text", maxLength=2, defaultValue="abc"),
                     {"schema.defaultValue": "should be at most 2 characters long"}, id="default-too-long"),
        pytest.param(_field(type="SingleSelect", selectOptions=["S"], defaultValue="XL"),
                     {"schema.defaultValue": 'should be one of the selectOptions, not "XL"'}, id="default-not-an-option"),
        pytest.param(_field(type="MultiSelect", selectOptions=["S"], defaultValue="S"),
                     {"schema.defaultValue": "should be an array of selectOptions"}, id="multi-default-not-a-list"),
    ],
)  # fmt: skip
def test_an_invalid_field_object_names_each_mistake(body: dict[str, Any], errors: dict[str, str]) -> None:
    """Given a field definition that breaks a rule, When checked, Then 400 "Invalid field object" whose errors
    name each member and its rule (ImageKit's shape)."""
    with pytest.raises(rules.InvalidFieldError) as raised:
        rules.new_field(body)
    assert raised.value.errors == errors
    assert raised.value.status == 400
    assert raised.value.body()["message"] == "Invalid field object"
    assert raised.value.body()["errors"] == errors


def _stored(**schema: Any) -> FieldItem:
    name, label, _, checked = rules.new_field({"name": "size", "label": "Size", "schema": schema})
    return FieldItem(
        account_id="acc", field_id="f1", name=name, label=label, schema_=checked, created_at=NOW, updated_at=NOW
    )


@pytest.mark.parametrize(
    ("schema", "change", "expected"),
    [
        pytest.param({"type": "Number", "maxValue": 10}, {"label": "Cost", "schema": {"minValue": 1}},
                     {"label": "Cost", "schema": {"type": "Number", "minValue": 1, "maxValue": 10}},
                     id="python-sdk-body-merges-into-the-schema"),
        pytest.param({"type": "Number", "maxValue": 10}, {"schema": {"maxValue": None}},
                     {"label": "Size", "schema": {"type": "Number"}}, id="null-removes-a-schema-key"),
        pytest.param({"type": "Number"}, {"schema": {"type": "Number", "minValue": 2}},
                     {"label": "Size", "schema": {"type": "Number", "minValue": 2}}, id="the-same-type-may-be-sent"),
        pytest.param({"type": "Text"}, {"description": "Shown as a hint"},
                     {"label": "Size", "description": "Shown as a hint", "schema": {"type": "Text"}},
                     id="description-set"),
    ],
)  # fmt: skip
def test_an_update_merges_into_the_field(schema: dict[str, Any], change: dict[str, Any], expected: Any) -> None:
    """Given a field, When PATCH's label/description/schema are applied, Then the schema is merged (null removes a
    key) and checked whole."""
    changed = rules.changed_field(_stored(**schema), change)
    shown = {"label": changed.label, "schema": changed.schema_.model_dump(by_alias=True, mode="json")}
    assert shown | ({"description": changed.description} if changed.description else {}) == expected


@pytest.mark.parametrize(
    ("schema", "change", "errors"),
    [
        pytest.param({"type": "Number"}, {"schema": {"type": "Text"}},
                     {"schema.type": "cannot be changed (the field is of type Number)"}, id="type-cannot-change"),
        pytest.param({"type": "Number"}, {"name": "other", "label": "Other"}, {"name": "cannot be changed"},
                     id="name-cannot-change"),
        pytest.param({"type": "Number"}, {}, {"label": "either label, description or schema should be provided"},
                     id="nothing-to-change"),
        pytest.param({"type": "Number", "maxValue": 10}, {"schema": {"minValue": 11}},
                     {"schema.minValue": "should not be greater than maxValue"}, id="merged-schema-is-checked-whole"),
        pytest.param({"type": "Number", "isValueRequired": True, "defaultValue": 1}, {"schema": {"defaultValue": None}},
                     {"schema.defaultValue": "is required when isValueRequired is true"}, id="required-loses-default"),
        pytest.param({"type": "Text"}, {"schema": {"maxValue": 3}}, {"schema.maxValue": "not allowed for this type"},
                     id="foreign-key-in-a-change"),
        pytest.param({"type": "Text"}, {"label": ""}, {"label": "should be a non-empty string of at most 100 characters"},
                     id="empty-label"),
        pytest.param({"type": "Text"}, {"schema": ["x"]}, {"schema": "should be an object"}, id="schema-as-array"),
    ],
)  # fmt: skip
def test_an_invalid_update_names_each_mistake(schema: dict[str, Any], change: Any, errors: dict[str, str]) -> None:
    """Given a field, When a PATCH breaks a rule, Then InvalidFieldError names the member and the rule."""
    with pytest.raises(rules.InvalidFieldError) as raised:
        rules.changed_field(_stored(**schema), change)
    assert raised.value.errors == errors


def test_an_empty_description_clears_it() -> None:
    """Given a field with a description, When PATCH sends description "", Then it has none (ImageKit's SDKs)."""
    field = _stored(type="Text").model_copy(update={"description": "old"})
    assert rules.changed_field(field, {"description": ""}).description is None


# ------------------------------------------------------------------ values


def _schema(**keys: Any) -> FieldSchema:
    return rules.new_field({"name": "f", "label": "F", "schema": keys})[3]


TEXT = _schema(type="Text", minLength=2, maxLength=4)
NUMBER = _schema(type="Number", minValue=0, maxValue=100)
DATE = _schema(type="Date", minValue="2024-01-01", maxValue="2024-12-31")
BOOLEAN = _schema(type="Boolean")
SINGLE = _schema(type="SingleSelect", selectOptions=["S", "M", 30, True])
MULTI = _schema(type="MultiSelect", selectOptions=["a", "b", 1])


@pytest.mark.parametrize(
    ("schema", "value", "stored"),
    [
        pytest.param(TEXT, "abc", "abc", id="text-within-lengths"),
        pytest.param(TEXT, "ab", "ab", id="text-at-min-length"),
        pytest.param(_schema(type="Textarea"), "x" * 5000, "x" * 5000, id="textarea-at-its-bound"),
        pytest.param(NUMBER, 0, 0, id="number-at-min"),
        pytest.param(NUMBER, 99.5, 99.5, id="float-within-range"),
        pytest.param(NUMBER, 100, 100, id="number-at-max"),
        pytest.param(DATE, "2024-05-01", "2024-05-01T00:00:00.000Z", id="date-is-midnight-utc"),
        pytest.param(DATE, "2024-05-01T10:30:00+02:00", "2024-05-01T08:30:00.000Z", id="datetime-with-offset-to-utc"),
        pytest.param(DATE, "2024-05-01T10:30:00", "2024-05-01T10:30:00.000Z", id="datetime-without-zone-is-utc"),
        pytest.param(DATE, "2024-12-31T00:00:00.000Z", "2024-12-31T00:00:00.000Z", id="date-at-max"),
        pytest.param(BOOLEAN, False, False, id="boolean-false"),
        pytest.param(SINGLE, "M", "M", id="single-option-text"),
        pytest.param(SINGLE, 30, 30, id="single-option-number"),
        pytest.param(SINGLE, 30.0, 30.0, id="thirty-point-zero-is-thirty"),
        pytest.param(SINGLE, True, True, id="single-option-boolean"),
        pytest.param(MULTI, ["b", 1], ["b", 1], id="multi-options"),
        pytest.param(MULTI, [], [], id="multi-none-chosen"),
    ],
)
def test_a_value_that_fits_is_stored(schema: FieldSchema, value: Any, stored: Any) -> None:
    """Given a schema and a value that fits it, When checked, Then it is stored (a Date as a UTC timestamp)."""
    assert rules.checked_value(schema, value) == stored


@pytest.mark.parametrize(
    ("schema", "value", "why"),
    [
        pytest.param(TEXT, 12, "should be of type string", id="number-for-text"),
        pytest.param(TEXT, "a", "should be at least 2 characters long", id="text-under-min-length"),
        pytest.param(TEXT, "abcde", "should be at most 4 characters long", id="text-over-max-length"),
        pytest.param(_schema(type="Text"), "x" * 501, "should be at most 500 characters long", id="text-over-500"),
        pytest.param(NUMBER, "5", "should be of type number", id="number-as-text"),
        pytest.param(NUMBER, True, "should be of type number", id="boolean-is-not-a-number"),
        pytest.param(NUMBER, -0.5, "should be at least 0 (minValue), not -0.5", id="number-under-min"),
        pytest.param(NUMBER, 101, "should be at most 100 (maxValue), not 101", id="number-over-max"),
        pytest.param(NUMBER, float("nan"), "should be a finite number", id="nan"),
        pytest.param(NUMBER, float("inf"), "should be a finite number", id="infinity"),
        pytest.param(_schema(type="Number"), 10**40, "magnitude", id="integer-over-38-digits"),
        pytest.param(_schema(type="Number"), 1e-300, "magnitude", id="float-dynamodb-cannot-store"),
        pytest.param(DATE, "2023-12-31", "should be at least 2024-01-01T00:00:00.000Z (minValue), not "
                     "2023-12-31T00:00:00.000Z", id="date-before-min"),
        pytest.param(DATE, "2025-01-01", "should be at most 2024-12-31T00:00:00.000Z (maxValue)", id="date-after-max"),
        pytest.param(DATE, "01/05/2024", "should be an ISO-8601 date", id="date-not-iso"),
        pytest.param(DATE, 1714521600, "should be an ISO-8601 date", id="date-as-epoch-number"),
        pytest.param(BOOLEAN, "true", "should be of type boolean", id="boolean-as-text"),
        pytest.param(BOOLEAN, 1, "should be of type boolean", id="boolean-as-number"),
        pytest.param(SINGLE, "XL", 'should be one of the selectOptions, not "XL"', id="not-an-option"),
        pytest.param(SINGLE, "30", 'should be one of the selectOptions, not "30"', id="text-thirty-is-not-thirty"),
        pytest.param(SINGLE, 1, "should be one of the selectOptions, not 1", id="one-is-not-true"),
        pytest.param(SINGLE, ["S"], "should be one of the selectOptions", id="single-given-a-list"),
        pytest.param(MULTI, "a", "should be an array of selectOptions", id="multi-given-a-scalar"),
        pytest.param(MULTI, ["a", "z"], 'should be one of the selectOptions, not "z"', id="multi-with-a-stranger"),
        pytest.param(MULTI, ["a", "a"], "lists an option twice", id="multi-repeats-an-option"),
    ],
)  # fmt: skip
def test_a_value_that_does_not_fit_says_why(schema: FieldSchema, value: Any, why: str) -> None:
    """Given a schema and a value that breaks one of its rules, When checked, Then ValueError saying which."""
    with pytest.raises(ValueError) as raised:
        rules.checked_value(schema, value)
    assert why in str(raised.value)


# ------------------------------------------------------------------ a file's custom metadata

FIELDS = {
    "brand": _schema(type="Text"),
    "price": NUMBER,
    "size": _schema(type="SingleSelect", selectOptions=["S", "M"], isValueRequired=True, defaultValue="M"),
}


@pytest.mark.parametrize(
    ("values", "previous", "expected"),
    [
        pytest.param({"brand": "Nike", "price": 10}, None, {"brand": "Nike", "price": 10, "size": "M"},
                     id="upload-gets-the-required-default"),
        pytest.param({"size": "S"}, None, {"size": "S"}, id="upload-sets-a-required-field"),
        pytest.param({}, None, {"size": "M"}, id="upload-without-values-gets-defaults"),
        pytest.param({"brand": None}, None, {"size": "M"}, id="upload-null-is-no-value"),
        pytest.param({"price": 20}, {"brand": "Nike", "price": 10, "size": "S"}, {"brand": "Nike", "price": 20, "size": "S"},
                     id="patch-replaces-one-key"),
        pytest.param({"brand": None}, {"brand": "Nike", "size": "S"}, {"size": "S"}, id="patch-null-removes-a-key"),
        pytest.param({"size": None}, {"size": "S"}, {"size": "M"}, id="patch-null-on-required-resets-to-default"),
        pytest.param({"gone": None}, {"gone": 1, "size": "S"}, {"size": "S"}, id="patch-null-removes-a-deleted-fields-value"),
        pytest.param({"price": 1}, {"gone": 1, "size": "S"}, {"gone": 1, "price": 1, "size": "S"},
                     id="patch-keeps-a-deleted-fields-value"),
    ],
)  # fmt: skip
def test_custom_metadata_to_store(values: dict[str, Any], previous: dict[str, Any] | None, expected: Any) -> None:
    """Given the account's fields, When an upload (previous=None) or a PATCH (previous) sets custom metadata, Then
    the set to store: merged, nulls removing, required fields defaulted."""
    assert rules.custom_metadata(FIELDS, values, previous=previous) == expected


@pytest.mark.parametrize(
    ("values", "previous", "errors"),
    [
        pytest.param({"colour": "red"}, None, {"colour": "is not a custom metadata field of this account"},
                     id="upload-unknown-key"),
        pytest.param({"colour": None}, None, {"colour": "is not a custom metadata field of this account"},
                     id="upload-unknown-key-even-null"),
        pytest.param({"colour": None}, {"size": "S"}, {"colour": "is not a custom metadata field of this account"},
                     id="patch-null-on-a-key-never-set"),
        pytest.param({"price": "10", "size": "XL"}, None, {"price": "should be of type number",
                     "size": 'should be one of the selectOptions, not "XL"'}, id="every-broken-key-is-named"),
    ],
)  # fmt: skip
def test_custom_metadata_refused(values: dict[str, Any], previous: dict[str, Any] | None, errors: Any) -> None:
    """Given the account's fields, When custom metadata names a key that is no field or a value that does not fit,
    Then 400 INVALID_PARAMETER whose message names each key (customMetadata.<key>) and its rule."""
    with pytest.raises(rules.InvalidCustomMetadataError) as raised:
        rules.custom_metadata(FIELDS, values, previous=previous)
    assert raised.value.errors == errors
    assert raised.value.status == 400
    assert all(f"customMetadata.{key}: {why}" in raised.value.message for key, why in errors.items())


def test_a_files_custom_metadata_is_bounded_in_size() -> None:
    """Given 10 Textarea fields, When a file gets 5000 characters in each, Then refused: a file's custom metadata
    takes at most 32 KB as JSON (its rows stay far below DynamoDB's 400 KB)."""
    fields = {f"notes{i}": _schema(type="Textarea") for i in range(10)}
    with pytest.raises(rules.InvalidCustomMetadataError, match="at most 32768"):
        rules.custom_metadata(fields, {name: "x" * 5000 for name in fields}, previous=None)
