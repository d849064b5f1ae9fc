"""Folders: create, delete, and the bulk jobs that copy, move or rename one."""

from __future__ import annotations

from medialib.api import new_router, not_implemented

router = new_router()

not_implemented(
    router,
    "Folders",
    [
        ("POST", "/v1/folder"),
        ("DELETE", "/v1/folder"),
        ("POST", "/v1/bulkJobs/copyFolder"),
        ("POST", "/v1/bulkJobs/moveFolder"),
        ("POST", "/v1/bulkJobs/renameFolder"),
    ],
    tag="Folders",
)
