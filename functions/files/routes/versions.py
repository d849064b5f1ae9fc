"""File versions: list, get, delete a non-current version, restore (built by the versions issue)."""

from __future__ import annotations

from medialib.api import new_router, not_implemented

router = new_router()

not_implemented(
    router,
    "File versions",
    [
        ("GET", "/v1/files/<fileId>/versions"),
        ("GET", "/v1/files/<fileId>/versions/<versionId>"),
        ("DELETE", "/v1/files/<fileId>/versions/<versionId>"),
        ("PUT", "/v1/files/<fileId>/versions/<versionId>/restore"),
    ],
    tag="Versions",
)
