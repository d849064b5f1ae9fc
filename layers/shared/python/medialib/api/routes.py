"""The routes of each API, as template.yaml declares them, for the answers no route gives: 404 for a path no
route has, 405 (with ``Allow``) for a path that exists with other methods.

API Gateway routes on the pair resource + method: a request that no declared pair serves falls through to the
greedy ``/{proxy+}`` ``ANY`` catch-all, whose function answers from this table. A test holds it equal to the
template's routes.
"""

from __future__ import annotations

import re
from functools import cache

MANAGEMENT_ROUTES: tuple[str, ...] = (
    "POST /api/v1/files/upload",
    "POST /api/v1/files/upload/sessions",
    "GET /api/v1/files/upload/sessions/{sessionId}",
    "GET /v1/files",
    "GET /v1/files/{fileId}/details",
    "PATCH /v1/files/{fileId}/details",
    "DELETE /v1/files/{fileId}",
    "POST /v1/files/batch/deleteByFileIds",
    "POST /v1/files/copy",
    "POST /v1/files/move",
    "PUT /v1/files/rename",
    "POST /v1/files/addTags",
    "POST /v1/files/removeTags",
    "POST /v1/files/removeAITags",
    "GET /v1/files/{fileId}/versions",
    "GET /v1/files/{fileId}/versions/{versionId}",
    "DELETE /v1/files/{fileId}/versions/{versionId}",
    "PUT /v1/files/{fileId}/versions/{versionId}/restore",
    "GET /v1/files/{fileId}/metadata",
    "GET /v1/metadata",
    "POST /v1/folder",
    "DELETE /v1/folder",
    "POST /v1/bulkJobs/copyFolder",
    "POST /v1/bulkJobs/moveFolder",
    "POST /v1/bulkJobs/renameFolder",
    "GET /v1/bulkJobs/{jobId}",
    "POST /v1/customMetadataFields",
    "GET /v1/customMetadataFields",
    "PATCH /v1/customMetadataFields/{fieldId}",
    "DELETE /v1/customMetadataFields/{fieldId}",
    "GET /v1/accounts/settings",
    "PATCH /v1/accounts/settings",
    "POST /v1/files/publish",
    "POST /v1/images/{imageId}/publish",
    "POST /v1/images/{imageId}/unpublish",
    "GET /v1/images/{imageId}",
    "GET /v1/images/{imageId}/download",
    "POST /v1/files/purge",
    "GET /v1/files/purge/{requestId}",
)

# The management API's binary media types (template.yaml, MedialibApi BinaryMediaTypes; a test holds them equal):
# a request body of these types arrives base64-encoded, and a base64 answer reaches the client as bytes only when
# the first media type of the request's Accept matches one of them (the img-processing download, docs/img-processing.md).
MANAGEMENT_BINARY_MEDIA_TYPES: tuple[str, ...] = ("multipart/form-data", "image/*", "application/octet-stream")

# Delivery: GET and HEAD of /{accountId}/{filePath}; the event is ANY so that other methods reach the function.
DELIVERY_ROUTES: tuple[str, ...] = ("GET /{proxy+}", "HEAD /{proxy+}")

# SAM's Cors adds an OPTIONS (preflight) method to every path of the management API.
PREFLIGHT = "OPTIONS"


def allowed_methods(routes: tuple[str, ...], path: str) -> list[str]:
    """The methods that some route serves at ``path`` (empty: no route has this path)."""
    methods = {method for method, pattern in _compiled(routes) if pattern.match(path)}
    return sorted(methods)


@cache
def _compiled(routes: tuple[str, ...]) -> tuple[tuple[str, re.Pattern[str]], ...]:
    compiled = []
    for route in routes:
        method, _, template = route.partition(" ")
        regex = re.sub(r"\\\{[^/]+?\\\+\\\}", ".+", re.escape(template))  # {proxy+}: one or more segments
        regex = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", regex)  # {name}: one segment
        compiled.append((method, re.compile(f"^{regex}$")))
    return tuple(compiled)
