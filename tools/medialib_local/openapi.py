"""The OpenAPI document of the whole API, generated from the functions' resolvers (``make openapi``).

Routes come from code (each route declares its parameters and response model); this merges every function
of template.yaml into one document, which is committed as docs/openapi.json and checked for drift by a test.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from medialib_local.functions import load_module
from medialib_local.stack import find_template
from medialib_local.template import describe


def build(template: Path) -> dict[str, Any]:
    spec = describe(template)
    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": "medialib", "version": "1", "description": "ImageKit-compatible media library API"},
        "paths": {},
        "components": {"schemas": {}},
    }
    for function in sorted(spec.functions.values(), key=lambda f: f.logical_id):
        app = getattr(load_module(function), "app", None)
        if app is None:
            continue
        schema = json.loads(app.get_openapi_json_schema(title="medialib", version="1"))
        for path, operations in schema.get("paths", {}).items():
            document["paths"].setdefault(path, {}).update(operations)
        document["components"]["schemas"].update(schema.get("components", {}).get("schemas", {}))
    return document


def main() -> None:
    json.dump(build(find_template()), sys.stdout, indent=2, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
