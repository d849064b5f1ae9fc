"""Custom metadata fields: create, list, update, delete."""

from __future__ import annotations

from medialib.api import new_router, not_implemented

router = new_router()

not_implemented(
    router,
    "Custom metadata fields",
    [
        ("POST", "/v1/customMetadataFields"),
        ("GET", "/v1/customMetadataFields"),
        ("PATCH", "/v1/customMetadataFields/<fieldId>"),
        ("DELETE", "/v1/customMetadataFields/<fieldId>"),
    ],
    tag="Custom metadata fields",
)
