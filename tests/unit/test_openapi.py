"""docs/openapi.json is what the code declares (regenerate with `make openapi`)."""

from __future__ import annotations

import json

from medialib_local.openapi import build
from tests.conftest import ROOT, TEMPLATE


def test_committed_openapi_document_matches_the_code() -> None:
    """Given the resolvers of every function, When the OpenAPI document is generated, Then it equals
    docs/openapi.json, so the published contract never drifts from the routes."""
    committed = json.loads((ROOT / "docs" / "openapi.json").read_text())
    assert build(TEMPLATE) == committed, "run `make openapi` and commit docs/openapi.json"


def test_wire_names_are_imagekit_camel_case() -> None:
    """Given the File response model, When documented, Then its fields have ImageKit's wire names."""
    properties = build(TEMPLATE)["components"]["schemas"]["FileResponse"]["properties"]
    assert {"fileId", "filePath", "AITags", "versionInfo", "isPrivateFile", "isPublished"} <= set(properties)
