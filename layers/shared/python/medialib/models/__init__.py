"""Base models: the wire format is ImageKit's camelCase; Python fields are snake_case."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel


class WireModel(BaseModel):
    """A request or response body on the wire (camelCase aliases, populate by name)."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")


class ItemModel(BaseModel):
    """A stored DynamoDB row. Kept apart from wire models; map between them explicitly."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore")
