"""Base models: the wire format is ImageKit's camelCase; Python fields are snake_case."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

ID_PATTERN = r"^[A-Za-z0-9_.-]+$"
ID_MAX_LENGTH = 128

# An id a client sends (file, version, job, request): bounded, so garbage is a 400, never a storage error.
ResourceId = Annotated[str, Field(min_length=1, max_length=ID_MAX_LENGTH, pattern=ID_PATTERN)]


class WireModel(BaseModel):
    """A request or response body on the wire (camelCase aliases, populate by name)."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")


class ItemModel(BaseModel):
    """A stored DynamoDB row. Kept apart from wire models; map between them explicitly."""

    # Stored rows hold secrets (an account's private key): never echo an input value in an error.
    model_config = ConfigDict(populate_by_name=True, extra="ignore", hide_input_in_errors=True)


# ------------------------------------------------------------------ fields: numbers as DynamoDB returns them


def plain_numbers(value: Any) -> Any:
    """``value`` with every Decimal (DynamoDB's numbers, as boto3 reads them) made an int when integral, else a
    float, in nested dicts and lists too: written back with ``model_dump(mode="json")`` a Decimal would become a
    string, and JSON answers show ints and floats."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {key: plain_numbers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain_numbers(item) for item in value]
    return value


_BOOLEAN_TEXT = {"true": True, "false": False}


def query_boolean(value: Any) -> Any:
    """A boolean query parameter: a query string carries text, exactly ``true`` or ``false`` (what the SDKs send),
    nothing else; a value that is not text is left to the model."""
    if isinstance(value, str):
        if value not in _BOOLEAN_TEXT:
            raise ValueError(f"must be true or false, not {value[:20]!r}")
        return _BOOLEAN_TEXT[value]
    return value
