"""Pure rules of custom metadata fields: what a field definition may say (name, label, description, the schema of
its type) and whether a value fits a field's schema. No I/O, no clock.

ImageKit documents: the seven types and which schema keys each takes; ``isValueRequired`` needs a
``defaultValue`` that fits the schema; names unique among all fields, deleted ones included; labels unique among
fields not deleted; descriptions up to 500 characters; the reserved name ``_internal_original_created_datetime``;
select options of strings, numbers and booleans. Where it documents nothing (name pattern and length, label
length, fields per account, options per field, text lengths) the bounds below are medialib's own, in
docs/custom-metadata.md.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, time
from typing import Any, cast

from medialib.errors import BadRequestError
from medialib.fields.models import FIELD_TYPES, FieldItem, FieldSchema, FieldType

NAME = re.compile(r"^[A-Za-z0-9_-]{1,100}$")  # what "customMetadata.<name>" in a searchQuery accepts
RESERVED_NAMES = frozenset({"_internal_original_created_datetime"})  # ImageKit's own field
MAX_LABEL_LENGTH = 100
MAX_DESCRIPTION_LENGTH = 500  # ImageKit's documented limit
MAX_ACTIVE_FIELDS = 100  # fields not deleted, per account
MAX_FIELDS_EVER = 1000  # deleted fields included: their rows stay, and every listing reads them
MAX_SELECT_OPTIONS = 200
MAX_OPTION_LENGTH = 100  # characters of a string option
MAX_TEXT_LENGTH = {"Text": 500, "Textarea": 5000}  # characters of a value; maxLength may not exceed it
MAX_NUMBER = 1e38  # DynamoDB stores 38 significant digits, magnitudes 1e-130..1e126: numbers stay well inside
MIN_NUMBER = 1e-38  # the smallest magnitude of a non-zero number
MAX_CUSTOM_METADATA_BYTES = 32 * 1024  # a file's custom metadata as compact JSON: its rows stay far below 400 KB

_COMMON_KEYS = frozenset({"type", "defaultValue", "isValueRequired"})
KEYS_BY_TYPE: dict[str, frozenset[str]] = {
    "Text": frozenset({"minLength", "maxLength"}),
    "Textarea": frozenset({"minLength", "maxLength"}),
    "Number": frozenset({"minValue", "maxValue"}),
    "Date": frozenset({"minValue", "maxValue"}),
    "Boolean": frozenset(),
    "SingleSelect": frozenset({"selectOptions"}),
    "MultiSelect": frozenset({"selectOptions"}),
}
_FIELD_KEYS = frozenset({"name", "label", "description", "schema"})
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")
_HELP = "See docs/custom-metadata.md for the field object, its types and their rules."


class InvalidFieldError(BadRequestError):
    """ImageKit's answer to a field definition that breaks a rule: ``Invalid field object`` and, by member
    (``name``, ``schema.minValue``...), what is wrong."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("Invalid field object", help=_HELP, reason="INVALID_FIELD", errors=errors)
        self.errors = errors


class InvalidCustomMetadataError(BadRequestError):
    """Custom metadata of a file that breaks a rule: the message names each key and its rule; ``errors`` holds
    the same by key."""

    def __init__(self, errors: dict[str, str]) -> None:
        said = "; ".join(f"customMetadata.{key}: {why}" for key, why in errors.items())
        super().__init__(
            f"Your request contains invalid parameters. {said}.",
            help="customMetadata keys are the names of the account's custom metadata fields (GET "
            "/v1/customMetadataFields); each value must fit its field's schema.",
            reason="INVALID_PARAMETER",
            errors=errors,
        )
        self.errors = errors


# ------------------------------------------------------------------ scalars


def _number(value: Any) -> int | float:
    """A JSON number (never a boolean), finite, of a magnitude DynamoDB stores exactly as sent."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("should be of type number")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("should be a finite number")
    if abs(value) >= MAX_NUMBER or (value != 0 and abs(value) < MIN_NUMBER):
        raise ValueError(f"should be 0 or of a magnitude between {MIN_NUMBER:g} and {MAX_NUMBER:g}")
    return value


def _length(value: Any) -> int:
    """A length: a non-negative integer (the SDKs type it as a number: 5.0 is 5)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not float(value).is_integer():
        raise ValueError("should be a whole number")
    if value < 0:
        raise ValueError("should be at least 0")
    return int(value)


def iso_timestamp(moment: datetime) -> str:
    """ImageKit's timestamp format: ``2019-08-24T06:14:41.313Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_date(value: Any) -> datetime:
    """An ISO-8601 date (``2024-05-01``, midnight UTC) or date and time (``2024-05-01T10:00:00Z``, an offset, or
    none: UTC) as a UTC datetime."""
    if not isinstance(value, str) or len(value) > 40 or not _DATE.match(value):
        raise ValueError("should be an ISO-8601 date (2024-05-01) or date and time (2024-05-01T10:00:00Z)")
    try:
        if len(value) == 10:
            return datetime.combine(date.fromisoformat(value), time(), UTC)
        parsed = datetime.fromisoformat(value)
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        raise ValueError(f"{value[:40]!r} is not a valid ISO-8601 date or date and time") from None


def _date(value: Any) -> str:
    """A Date value or bound as stored and answered: ImageKit's UTC timestamp format, so that dates compare as
    text (searchQuery) and every client reads one form."""
    return iso_timestamp(parse_date(value))


def _option(value: Any) -> str | int | float | bool:
    if isinstance(value, str):
        if not value.strip() or len(value) > MAX_OPTION_LENGTH:
            raise ValueError(f"should be a non-empty string of at most {MAX_OPTION_LENGTH} characters")
        return value
    if isinstance(value, bool):
        return value
    return _number(value)


def _option_key(value: Any) -> tuple[str, Any]:
    """Options compare by JSON type and value: ``true`` is not ``1``, ``"1"`` is not ``1``; ``1`` is ``1.0``."""
    kind = "boolean" if isinstance(value, bool) else "number" if isinstance(value, int | float) else "string"
    return kind, value


# ------------------------------------------------------------------ a field's schema


def _bounds(kind: FieldType, raw: Mapping[str, Any], errors: dict[str, str]) -> dict[str, Any]:
    """minValue/maxValue (Number, Date) or minLength/maxLength (Text, Textarea), each checked, min <= max."""
    checked: dict[str, Any] = {}
    if kind in {"Number", "Date"}:
        keys, check = ("minValue", "maxValue"), (_number if kind == "Number" else _date)
    elif kind in MAX_TEXT_LENGTH:
        keys, check = ("minLength", "maxLength"), _length
    else:
        return checked
    for key in keys:
        if raw.get(key) is None:
            continue
        try:
            checked[key] = check(raw[key])
        except ValueError as err:
            errors[f"schema.{key}"] = str(err)
    if kind in MAX_TEXT_LENGTH:
        _text_lengths(kind, checked, errors)
    low, high = checked.get(keys[0]), checked.get(keys[1])
    if low is not None and high is not None and low > high:
        errors[f"schema.{keys[0]}"] = f"should not be greater than {keys[1]}"
    return checked


def _text_lengths(kind: FieldType, checked: dict[str, Any], errors: dict[str, str]) -> None:
    """A Text or Textarea field's lengths stay within the type's own bound; maxLength is at least 1."""
    for key in ("minLength", "maxLength"):
        if checked.get(key, 0) > MAX_TEXT_LENGTH[kind]:
            errors[f"schema.{key}"] = f"should be at most {MAX_TEXT_LENGTH[kind]} for a {kind} field"
    if checked.get("maxLength") == 0:
        errors["schema.maxLength"] = "should be at least 1"


def _select_options(raw: Any, errors: dict[str, str]) -> list[Any] | None:
    if raw is None:
        errors["schema.selectOptions"] = "is required for this type"
        return None
    if not isinstance(raw, list) or not raw or len(raw) > MAX_SELECT_OPTIONS:
        errors["schema.selectOptions"] = f"should be an array of 1 to {MAX_SELECT_OPTIONS} options"
        return None
    options, seen = [], set()
    for index, item in enumerate(raw):
        try:
            option = _option(item)
        except ValueError as err:
            errors[f"schema.selectOptions[{index}]"] = f"{err} (or a number or a boolean)"
            continue
        if _option_key(option) in seen:
            errors[f"schema.selectOptions[{index}]"] = f"{option!r} is listed twice; options are unique"
        seen.add(_option_key(option))
        options.append(option)
    return options


def checked_schema(raw: Any, errors: dict[str, str]) -> FieldSchema | None:
    """A field's schema from its JSON (keys in camelCase), every rule checked; each broken rule goes in
    ``errors`` (by ``schema.<key>``) and then None is returned."""
    before = len(errors)
    if not isinstance(raw, dict):
        errors["schema"] = "should be an object with a type"
        return None
    kind = raw.get("type")
    if kind not in FIELD_TYPES:
        errors["schema.type"] = f"should be one of {', '.join(FIELD_TYPES)}"
        return None
    kind = cast(FieldType, kind)
    for key in sorted(set(raw) - _COMMON_KEYS - KEYS_BY_TYPE[kind]):
        errors[f"schema.{key}"] = "not allowed for this type"
    checked: dict[str, Any] = {"type": kind, **_bounds(kind, raw, errors)}
    if kind in {"SingleSelect", "MultiSelect"}:
        checked["selectOptions"] = _select_options(raw.get("selectOptions"), errors)
    required = raw.get("isValueRequired")
    if required is not None and not isinstance(required, bool):
        errors["schema.isValueRequired"] = "should be of type boolean"
    checked["isValueRequired"] = required if isinstance(required, bool) else None
    if len(errors) > before:
        return None
    schema = FieldSchema.model_validate(checked)
    default = raw.get("defaultValue")
    if default is None:
        if required:
            errors["schema.defaultValue"] = "is required when isValueRequired is true"
        return None if required else schema
    try:
        default = checked_value(schema, default)
    except ValueError as err:
        errors["schema.defaultValue"] = str(err)
        return None
    return schema.model_copy(update={"default_value": default})


# ------------------------------------------------------------------ a field: create and update


def _label(raw: Any, errors: dict[str, str]) -> str | None:
    if not isinstance(raw, str) or not raw.strip() or len(raw) > MAX_LABEL_LENGTH:
        errors["label"] = f"should be a non-empty string of at most {MAX_LABEL_LENGTH} characters"
        return None
    return raw


def _description(raw: Any, errors: dict[str, str]) -> str | None:
    """A description; ``""`` clears it (what ImageKit's SDKs document for update)."""
    if not isinstance(raw, str) or len(raw) > MAX_DESCRIPTION_LENGTH:
        errors["description"] = f"should be a string of at most {MAX_DESCRIPTION_LENGTH} characters"
        return None
    return raw or None


def _name(raw: Any, errors: dict[str, str]) -> str | None:
    if not isinstance(raw, str) or not NAME.match(raw):
        errors["name"] = "should be 1 to 100 letters, digits, _ or -"
        return None
    if raw in RESERVED_NAMES:
        errors["name"] = f"{raw} is a reserved name"
        return None
    return raw


def new_field(body: Mapping[str, Any]) -> tuple[str, str, str | None, FieldSchema]:
    """``POST /v1/customMetadataFields``: the name, label, description and schema of a new field, or
    InvalidFieldError naming every mistake."""
    errors = {key: "is not a member of a field object" for key in sorted(set(body) - _FIELD_KEYS)}
    for key in ("name", "label", "schema"):
        if body.get(key) is None:
            errors[key] = "is required"
    name = _name(body.get("name"), errors) if body.get("name") is not None else None
    label = _label(body.get("label"), errors) if body.get("label") is not None else None
    description = _description(body.get("description"), errors) if body.get("description") is not None else None
    schema = checked_schema(body.get("schema"), errors) if body.get("schema") is not None else None
    if errors or name is None or label is None or schema is None:
        raise InvalidFieldError(errors)
    return name, label, description, schema


def changed_field(field: FieldItem, body: Mapping[str, Any]) -> FieldItem:
    """``PATCH /v1/customMetadataFields/{id}``: the field with the changes of ``body``: ``label``,
    ``description`` (``""`` clears it) and ``schema``, merged into the field's (a key sent replaces its value,
    ``null`` removes it; ``type`` may be sent, unchanged). The merged schema is checked whole; ``name`` and a
    change of ``type`` are refused (ImageKit: a field's name and type never change)."""
    errors = {key: "is not a member of a field object" for key in sorted(set(body) - _FIELD_KEYS)}
    if "name" in body:
        errors["name"] = "cannot be changed"
    if not {"label", "description", "schema"} & set(body):
        errors["label"] = "either label, description or schema should be provided"
    changes: dict[str, Any] = {}
    if "label" in body:
        changes["label"] = _label(body["label"], errors)
    if "description" in body:
        changes["description"] = None if body["description"] is None else _description(body["description"], errors)
    if "schema" in body:
        changes["schema_"] = _merged_schema(field.schema_, body["schema"], errors)
    if errors:
        raise InvalidFieldError(errors)
    return field.model_copy(update=changes)


def _merged_schema(current: FieldSchema, raw: Any, errors: dict[str, str]) -> FieldSchema | None:
    if not isinstance(raw, dict):
        errors["schema"] = "should be an object"
        return None
    if raw.get("type", current.type) != current.type:
        errors["schema.type"] = f"cannot be changed (the field is of type {current.type})"
        return None
    merged = {**current.model_dump(by_alias=True), **raw, "type": current.type}
    return checked_schema({key: value for key, value in merged.items() if value is not None}, errors)


# ------------------------------------------------------------------ values


def _text(schema: FieldSchema, value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("should be of type string")
    limit = MAX_TEXT_LENGTH[schema.type]
    low, high = schema.min_length or 0, min(schema.max_length or limit, limit)
    if len(value) < low:
        raise ValueError(f"should be at least {low} characters long")
    if len(value) > high:
        raise ValueError(f"should be at most {high} characters long")
    return value


def _in_range(value: Any, schema: FieldSchema, shown: str, read: Callable[[Any], Any]) -> None:
    """``value`` (compared as ``read`` makes the bounds) within the schema's minValue and maxValue."""
    if schema.min_value is not None and value < read(schema.min_value):
        raise ValueError(f"should be at least {schema.min_value} (minValue), not {shown}")
    if schema.max_value is not None and value > read(schema.max_value):
        raise ValueError(f"should be at most {schema.max_value} (maxValue), not {shown}")


def _date_value(schema: FieldSchema, value: Any) -> str:
    moment = parse_date(value)
    _in_range(moment, schema, iso_timestamp(moment), parse_date)
    return iso_timestamp(moment)


def _one_of(schema: FieldSchema, value: Any) -> Any:
    options = {_option_key(option) for option in schema.select_options or []}
    if isinstance(value, list | dict) or _option_key(value) not in options:
        raise ValueError(f"should be one of the selectOptions, not {json.dumps(value)[:100]}")
    return value


def _some_of(schema: FieldSchema, value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise ValueError("should be an array of selectOptions")
    keys = [_option_key(item) if not isinstance(item, list | dict) else ("", id(item)) for item in value]
    if len(set(keys)) != len(keys):
        raise ValueError("lists an option twice")
    return [_one_of(schema, item) for item in value]


def checked_value(schema: FieldSchema, value: Any) -> Any:
    """``value`` as stored for a field of ``schema`` (a Date in ImageKit's UTC timestamp format), or ValueError
    saying which rule it breaks."""
    kind = schema.type
    if kind in MAX_TEXT_LENGTH:
        return _text(schema, value)
    if kind == "Number":
        number = _number(value)
        _in_range(number, schema, json.dumps(number), lambda bound: bound)
        return number
    if kind == "Date":
        return _date_value(schema, value)
    if kind == "Boolean":
        if not isinstance(value, bool):
            raise ValueError("should be of type boolean")
        return value
    if kind == "SingleSelect":
        return _one_of(schema, value)
    return _some_of(schema, value)


_NOT_A_FIELD = "is not a custom metadata field of this account"


def custom_metadata(
    fields: Mapping[str, FieldSchema], values: Mapping[str, Any], *, previous: Mapping[str, Any] | None
) -> dict[str, Any]:
    """The custom metadata to store, from the account's ``fields`` (name -> schema, deleted ones left out).

    ``previous=None`` (upload): ``values`` is the whole set; a ``null`` value is no value (its key must still
    name a field). Else (PATCH details)
    ``values`` changes ``previous``: a key with ``null`` removes it (also the value of a field deleted since),
    others replace. Every key set must name a field and its value fit the field's schema; the values of
    ``previous`` are kept as they are. Then every required field without a value gets its default.
    InvalidCustomMetadataError names each key that breaks a rule."""
    errors: dict[str, str] = {}
    result = dict(previous or {})
    for key, value in values.items():
        schema = fields.get(key)
        if schema is None and not (value is None and previous is not None and key in result):
            errors[key] = _NOT_A_FIELD
        elif value is None:
            result.pop(key, None)
        else:
            try:
                result[key] = checked_value(cast(FieldSchema, schema), value)
            except ValueError as err:
                errors[key] = str(err)
    if errors:
        raise InvalidCustomMetadataError(errors)
    for name, schema in fields.items():
        if schema.is_value_required and result.get(name) is None and schema.default_value is not None:
            result[name] = schema.default_value
    size = len(json.dumps(result, separators=(",", ":"), ensure_ascii=False).encode())
    if size > MAX_CUSTOM_METADATA_BYTES:
        raise InvalidCustomMetadataError(
            {"*": f"takes {size} bytes as JSON; a file's custom metadata takes at most {MAX_CUSTOM_METADATA_BYTES}"}
        )
    return result
