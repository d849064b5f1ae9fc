"""Custom metadata fields: the stored row (``FieldItem``), the schema of a field's values (``FieldSchema``) and
ImageKit's field object on the wire (``FieldResponse``); the request bodies of the fields API are read loosely
here and checked by ``medialib.fields.rules``, so that a mistake is answered in ImageKit's ``errors`` shape."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BeforeValidator,
    ConfigDict,
    Field,
    SerializationInfo,
    SerializerFunctionWrapHandler,
    WithJsonSchema,
    field_validator,
    model_serializer,
)

from medialib.models import ItemModel, WireModel, plain_numbers, query_boolean

FieldType = Literal["Text", "Textarea", "Number", "Date", "Boolean", "SingleSelect", "MultiSelect"]
FIELD_TYPES: tuple[FieldType, ...] = ("Text", "Textarea", "Number", "Date", "Boolean", "SingleSelect", "MultiSelect")

# A value of a field, of a select option, of a bound: JSON scalars (lists for MultiSelect), numbers as stored.
Plain = Annotated[Any, BeforeValidator(plain_numbers)]
_SCALAR: Any = {"anyOf": [{"type": "string"}, {"type": "number"}, {"type": "boolean"}]}


class FieldSchema(WireModel):
    """The rules of a field's values. Which keys a type takes is ``medialib.fields.rules.KEYS_BY_TYPE``; a key
    the type does not take is never set. Numbers are ints or floats; Date bounds are ISO-8601 UTC timestamps."""

    type: FieldType
    default_value: Plain = Field(
        default=None,
        json_schema_extra={"anyOf": [*_SCALAR["anyOf"], {"type": "array", "items": _SCALAR}]},
        description="The value a file gets when the field is required and no value is given.",
    )
    is_value_required: bool | None = None
    min_value: Plain = Field(default=None, json_schema_extra={"anyOf": [{"type": "string"}, {"type": "number"}]})
    max_value: Plain = Field(default=None, json_schema_extra={"anyOf": [{"type": "string"}, {"type": "number"}]})
    min_length: Plain = Field(default=None, json_schema_extra={"type": "integer"})
    max_length: Plain = Field(default=None, json_schema_extra={"type": "integer"})
    select_options: Plain = Field(default=None, json_schema_extra={"type": "array", "items": _SCALAR})

    @model_serializer(mode="wrap")
    def _set_keys_only(self, handler: SerializerFunctionWrapHandler, info: SerializationInfo) -> dict[str, Any]:
        """ImageKit leaves out the keys a schema does not set (never ``null``)."""
        return {key: value for key, value in handler(self).items() if value is not None}


class FieldItem(ItemModel):
    """A field as stored: ``deleted`` fields stay (their name is never given again, as ImageKit's)."""

    account_id: str = Field(alias="accountId")
    field_id: str = Field(alias="fieldId")
    name: str
    label: str
    description: str | None = None
    schema_: FieldSchema = Field(alias="schema")
    deleted: bool = False
    seq: int = Field(default=1, ge=1, description="Moves on with every change: the condition of the next one.")
    created_at: datetime = Field(alias="createdAt")
    updated_at: datetime = Field(alias="updatedAt")

    @field_validator("seq", mode="before")
    @classmethod
    def _number(cls, value: Any) -> Any:
        return plain_numbers(value)


class FieldResponse(WireModel):
    """ImageKit's custom metadata field object. ``isDeleted`` (a medialib extension) is present, true, only on
    the deleted fields that ``includeDeleted=true`` lists."""

    id: str
    name: str
    label: str
    description: str | None = None
    schema_: FieldSchema = Field(alias="schema", serialization_alias="schema")
    is_deleted: bool | None = None

    @model_serializer(mode="wrap")
    def _set_keys_only(self, handler: SerializerFunctionWrapHandler, info: SerializationInfo) -> dict[str, Any]:
        return {key: value for key, value in handler(self).items() if value is not None}


# ------------------------------------------------------------------ request bodies (checked by rules.py)

_SCHEMA_BODY: Any = {
    "type": "object",
    "properties": {
        "type": {"enum": list(FIELD_TYPES)},
        "defaultValue": {"anyOf": [*_SCALAR["anyOf"], {"type": "array", "items": _SCALAR}]},
        "isValueRequired": {"type": "boolean"},
        "minValue": {"anyOf": [{"type": "string"}, {"type": "number"}]},
        "maxValue": {"anyOf": [{"type": "string"}, {"type": "number"}]},
        "minLength": {"type": "integer", "minimum": 0},
        "maxLength": {"type": "integer", "minimum": 1},
        "selectOptions": {"type": "array", "items": _SCALAR, "minItems": 1},
    },
}


class CreateFieldRequest(WireModel):
    """``POST /v1/customMetadataFields``. Read as sent; ``medialib.fields.rules.new_field`` checks it whole and
    answers every mistake at once (400 ``Invalid field object`` with ``errors``)."""

    # members by their wire names only (``schema_`` is no member), the unknown ones kept to be named in the 400
    model_config = ConfigDict(
        extra="allow", validate_by_name=False, json_schema_extra={"required": ["name", "label", "schema"]}
    )

    name: Annotated[Any, WithJsonSchema({"type": "string", "pattern": "^[A-Za-z0-9_-]{1,100}$"})] = None
    label: Annotated[Any, WithJsonSchema({"type": "string", "minLength": 1, "maxLength": 100})] = None
    description: Annotated[Any, WithJsonSchema({"type": "string", "maxLength": 500})] = None
    schema_: Annotated[Any, WithJsonSchema({**_SCHEMA_BODY, "required": ["type"]})] = Field(
        default=None, alias="schema"
    )

    def sent(self) -> dict[str, Any]:
        """The body's members as sent (the unknown ones too: they are a 400 naming them)."""
        return self.model_dump(by_alias=True, exclude_unset=True)


class UpdateFieldRequest(WireModel):
    """``PATCH /v1/customMetadataFields/{id}``: label, description, schema (merged into the field's: a key sent
    replaces, ``null`` removes, ``type`` may be sent only unchanged). Checked by ``rules.changed_field``."""

    model_config = ConfigDict(extra="allow", validate_by_name=False, json_schema_extra={"minProperties": 1})

    label: Annotated[Any, WithJsonSchema({"type": "string", "minLength": 1, "maxLength": 100})] = None
    description: Annotated[Any, WithJsonSchema({"type": "string", "maxLength": 500})] = None
    schema_: Annotated[Any, WithJsonSchema(_SCHEMA_BODY)] = Field(default=None, alias="schema")

    def sent(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True, exclude_unset=True)


class ListFieldsQuery(WireModel):
    """``GET /v1/customMetadataFields`` query: ``includeDeleted`` (true/false) and ``folderPath`` (every field
    applies to every folder in medialib: ImageKit's path policies are not built, so it filters nothing)."""

    include_deleted: bool = False
    folder_path: str | None = Field(default=None, max_length=1024)

    @field_validator("include_deleted", mode="before")
    @classmethod
    def _true_or_false(cls, value: Any) -> Any:
        return query_boolean(value)
