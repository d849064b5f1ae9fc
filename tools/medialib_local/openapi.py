"""The OpenAPI document of the whole API, generated from the functions' resolvers (``make openapi``).

Routes come from code: each route declares its parameters, its success and the errors it answers
(``responses=``, see ``medialib.api.contract``). What API Gateway answers before or around a function comes
from template.yaml and is added to each operation here: 401 where the authorizer runs (400 and 401 where the
function authenticates the caller itself: the upload route), 403 where the account's API key is required (its usage
plan), 413 and 415 where a body is read, 429 where the API is throttled, 500 everywhere. The document also names the security schemes (Basic with
the private key as user name; ``x-api-key`` on /v1/images) and the servers (the local stack and the deployed
``ApiUrl``). It is committed as docs/openapi.json, checked for drift by a test, and served at /docs locally.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

from medialib.api.body import JSON, MULTIPART
from medialib.api.contract import error_answer
from medialib.files.models import ListFilesQuery
from medialib.upload.models import UploadRequest
from medialib_local.functions import load_module
from medialib_local.stack import find_template
from medialib_local.template import AppSpec, RouteSpec, describe

LOCAL_SERVER = "http://127.0.0.1:3000"
DELIVERY_PATH = "/{accountId}/{filePath}"
_BODY_METHODS = {"post", "put", "patch", "delete"}
# Powertools documents these for its own 422, which medialib never sends (every validation error is a 400).
# Powertools documents the fields of a query model with their type alone; the model's own schema has their enums
# and bounds (without them a client, or schemathesis, takes `limit=0` for valid).
_QUERY_MODELS: dict[str, Any] = {"/v1/files": ListFilesQuery}
_UNSENT_SCHEMAS = ("HTTPValidationError", "ValidationError", "ResponseValidationError")

SECURITY_SCHEMES = {
    "privateKey": {
        "type": "http",
        "scheme": "basic",
        "description": "Your private API key as the user name, any password (the ImageKit SDKs send it so).",
    },
    "imgProcessingKey": {
        "type": "apiKey",
        "in": "header",
        "name": "x-api-key",
        "description": "Your private API key; accepted on the img-processing.com routes (/v1/images) only.",
    },
}


# The upload route has no authorizer (a REQUEST authorizer cannot read its multipart body, and a browser's
# client-side upload carries no Authorization header): the function authenticates the caller itself.
CLIENT_SIDE_UPLOAD = (
    "Authentication: your private API key as the Basic auth user name (server-side), or, with no Authorization "
    "header, ImageKit's client-side form fields publicKey, token (used once), expire (a Unix time less than 1 hour "
    "ahead) and signature = lowercase hex HMAC-SHA1(private key, token + expire), computed by your backend."
)
_SELF_AUTHENTICATED_ANSWERS = {
    400: "A client-side field missing or malformed, expire outside (now, now + 1 h), a reused token, or "
    "credentials of two accounts",
    401: "No valid private key, an unknown publicKey, or a signature that does not verify",
}


def build(template: Path) -> dict[str, Any]:
    spec = describe(template)
    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": _info(),
        "servers": _servers(spec),
        "paths": {},
        "components": {"schemas": {}, "securitySchemes": SECURITY_SCHEMES},
    }
    for function in sorted(spec.functions.values(), key=lambda f: f.logical_id):
        app = getattr(load_module(function), "app", None)
        if app is None:
            continue
        schema = json.loads(app.get_openapi_json_schema(title="medialib", version="1"))
        for path, operations in schema.get("paths", {}).items():
            for method, operation in operations.items():
                route = _route_of(spec, function.logical_id, method, path)
                documented = DELIVERY_PATH if route.path == "/{proxy+}" else path
                document["paths"].setdefault(documented, {})[method] = _completed(spec, route, method, operation)
        document["components"]["schemas"].update(schema.get("components", {}).get("schemas", {}))
    for name in _UNSENT_SCHEMAS:
        document["components"]["schemas"].pop(name, None)
    if DELIVERY_PATH in document["paths"]:
        document["paths"][DELIVERY_PATH]["servers"] = _delivery_servers()
    document["paths"] = dict(sorted(document["paths"].items()))
    return document


def _info() -> dict[str, Any]:
    return {
        "title": "medialib",
        "version": "1",
        "description": (
            "ImageKit-compatible media library API. Every error is ImageKit's JSON body "
            "`{message, help[, reason]}` with `x-should-retry` (true: retry; false: fix the request) and "
            "`x-ik-requestId`, except under /v1/images (img-processing.com's routes), where the functions answer "
            '`{"error": {"code", "message"}}` and API Gateway\'s own answers (401, 413, 429) stay ImageKit\'s. '
            "A path no route has answers 404, a known path with another method 405 with "
            "`Allow`. Browsers may call the API from any origin (CORS preflight on every path)."
        ),
    }


def _servers(spec: AppSpec) -> list[dict[str, Any]]:
    stage = spec.sam.get("Parameters", {}).get("Stage", {}).get("Default", "prod")
    return [
        {"url": LOCAL_SERVER, "description": "medialib local start-api (make run)"},
        {
            "url": "https://{restApiId}.execute-api.{region}.amazonaws.com/{stage}",
            "description": "Deployed with sam deploy: the stack's ApiUrl output",
            "variables": {
                "restApiId": {"default": "abcdef1234", "description": "MedialibApi's id"},
                "region": {"default": "us-east-1"},
                "stage": {"default": stage, "description": "The Stage parameter"},
            },
        },
    ]


def _delivery_servers() -> list[dict[str, Any]]:
    return [
        {"url": LOCAL_SERVER, "description": "medialib local start-api: delivery shares the port"},
        {
            "url": "https://{deliveryDomain}",
            "description": "Deployed: the stack's DeliveryUrl output (CloudFront, or the DeliveryBaseUrl domain)",
            "variables": {"deliveryDomain": {"default": "d111111abcdef8.cloudfront.net"}},
        },
    ]


def _route_of(spec: AppSpec, function_id: str, method: str, path: str) -> RouteSpec:
    """The template's route of an operation of the function's resolver (delivery's ``/.+`` is ``/{proxy+}``)."""
    candidates = [r for r in spec.routes if r.function_id == function_id and r.method in {method.upper(), "ANY"}]
    for route in candidates:
        if route.path == path or (path == "/.+" and route.path == "/{proxy+}"):
            return route
    raise ValueError(f"{function_id} routes {method.upper()} {path}, which template.yaml does not declare")


def _completed(spec: AppSpec, route: RouteSpec, method: str, operation: dict[str, Any]) -> dict[str, Any]:
    """The operation with what the gateway adds, the 422 Powertools documents removed, and its security."""
    responses: dict[str, Any] = {
        status: {k: v for k, v in answer.items() if k != "content"} if status == "204" else answer  # no body
        for status, answer in operation.get("responses", {}).items()
        if status != "422"
    }
    if _self_authenticated(route):
        for status, description in _SELF_AUTHENTICATED_ANSWERS.items():
            responses.setdefault(str(status), {**_error_schema(status), "description": description})
    for status in _gateway_statuses(spec, route, method):
        responses.setdefault(str(status), _error_schema(status))
    operation = {**operation, "responses": dict(sorted(responses.items()))}
    if route.path == "/{proxy+}":
        queries = [p for p in operation.get("parameters", []) if p.get("in") == "query"]
        operation["parameters"] = _delivery_parameters() + queries
        operation["operationId"] = f"deliver_{method}"
    else:
        parameters = _with_path_parameters(route.path, operation.get("parameters", []))
        operation["parameters"] = _with_model_bounds(_QUERY_MODELS.get(route.path), parameters)
    operation["security"] = _security(route)
    operation.update(_REQUEST_BODIES.get(route.path, {}))
    if _self_authenticated(route):
        operation["description"] = "\n\n".join(filter(None, [operation.get("description"), CLIENT_SIDE_UPLOAD]))
    return operation


def _gateway_statuses(spec: AppSpec, route: RouteSpec, method: str) -> list[int]:
    """What API Gateway may answer on this route before or around its function."""
    api = spec.sam["Resources"][route.api_id]["Properties"]
    gateway = [500]
    if route.authorizer_id:
        gateway.append(401)
    if route.api_key_required:  # THROTTLE: the account's API key is not enabled in the usage plan (INVALID_API_KEY)
        gateway.append(403)
    if method in _BODY_METHODS:
        gateway.append(413)
        if route.api_id == "MedialibApi" and not _IMAGES.match(route.path):  # /v1/images ignores bodies
            gateway.append(415)
    if api.get("MethodSettings"):
        gateway.append(429)
    return gateway


def _upload_options() -> dict[str, Any]:
    """The upload form's optional fields, each a text field (``true``/``false``, a JSON text, a list by commas)."""
    flag = {"type": "string", "enum": ["true", "false"]}
    return {
        field.alias or name: flag if field.annotation in (bool, bool | None) else {"type": "string"}
        for name, field in UploadRequest.model_fields.items()
        if name not in {"file", "file_name"}
    }


_FILE_NAME = {"type": "string", "minLength": 1, "description": "The file's name; unsafe characters become _."}
# The upload routes read their bodies themselves (multipart or JSON parsed by the function, not by Powertools),
# so their request bodies are declared here, from the upload form's model.
_REQUEST_BODIES: dict[str, dict[str, Any]] = {
    "/api/v1/files/upload": {
        "requestBody": {
            "required": True,
            "content": {
                MULTIPART: {
                    "schema": {
                        "type": "object",
                        "required": ["file", "fileName"],
                        "properties": {
                            "file": {
                                "type": "string",
                                "description": "The file: a binary part, its base64, or an http(s) URL to fetch.",
                            },
                            "fileName": _FILE_NAME,
                            **_upload_options(),
                        },
                    }
                }
            },
        }
    },
    "/api/v1/files/upload/sessions": {
        "requestBody": {
            "required": True,
            "content": {
                JSON: {
                    "schema": {
                        "type": "object",
                        "required": ["fileName", "fileSize"],
                        "properties": {
                            "fileName": _FILE_NAME,
                            "fileSize": {
                                "type": "integer",
                                "minimum": 1,
                                "description": "The file's exact size in bytes.",
                            },
                            "contentType": {"type": "string", "description": "The file's media type."},
                            **_upload_options(),
                        },
                    }
                }
            },
        }
    },
}


def _self_authenticated(route: RouteSpec) -> bool:
    """A management route without authorizer other than the catch-all (the 404/405 answers): the upload."""
    return route.api_id == "MedialibApi" and not route.authorizer_id and route.path != "/{proxy+}"


def _error_schema(status: int) -> dict[str, Any]:
    answer = error_answer(status)
    return {"description": answer["description"], "content": {"application/json": {"schema": _ERROR_REF}}}


_ERROR_REF = {"$ref": "#/components/schemas/ErrorResponse"}
_IMAGES = re.compile(r"^/v1/images(/|$)")


def _security(route: RouteSpec) -> list[dict[str, list[str]]]:
    if _self_authenticated(route):
        return [{"privateKey": []}, {}]  # {}: no header, the client-side form fields (the operation's description)
    if not route.authorizer_id:
        return []  # public: delivery
    if _IMAGES.match(route.path):
        # ImagesKeyAuthorizer's identity source is x-api-key: API Gateway refuses a request without it (401), so
        # ImageKit's Basic alone is not an alternative here (docs/img-processing.md).
        return [{"imgProcessingKey": []}]
    return [{"privateKey": []}]


def _with_path_parameters(path: str, parameters: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every {name} of the path declared (a route that answers 501 validates none of its own)."""
    declared = {p["name"] for p in parameters if p.get("in") == "path"}
    missing = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in re.findall(r"\{([^}]+)\}", path)
        if name not in declared
    ]
    return [*parameters, *missing]


def _with_model_bounds(model: Any, parameters: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each query parameter with its field's schema from the route's query model (if it has one): enums inlined,
    an optional field's null left out (a query parameter is absent, never null), titles dropped."""
    if model is None:
        return parameters
    schema = model.model_json_schema(by_alias=True)
    bounded = []
    for parameter in parameters:
        field = schema["properties"].get(parameter["name"]) if parameter.get("in") == "query" else None
        if field is None:
            bounded.append(parameter)
            continue
        if "$ref" in field:
            field = {**schema["$defs"][field["$ref"].rsplit("/", 1)[1]], **field}
        present = [choice for choice in field.get("anyOf", []) if choice.get("type") != "null"]
        if len(present) == 1:
            field = {**field, **present[0]}
        dropped = {"$ref", "anyOf", "title"} | ({"default"} if field.get("default") is None else set())
        bounded.append({**parameter, "schema": {k: v for k, v in field.items() if k not in dropped}})
    return bounded


def _delivery_parameters() -> list[dict[str, Any]]:
    return [
        {"name": "accountId", "in": "path", "required": True, "schema": {"type": "string"}},
        {
            "name": "filePath",
            "in": "path",
            "required": True,
            "description": "The file's path, slashes included, optionally after a transformation (tr:w-100/...)",
            "schema": {"type": "string"},
        },
    ]


def main() -> None:
    json.dump(build(find_template()), sys.stdout, indent=2, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
