"""Copying, moving and renaming files (seed 001: what their versions do)."""

from __future__ import annotations

from medialib.api import new_router, not_implemented

router = new_router()

not_implemented(
    router,
    "Copying, moving and renaming files",
    [
        ("POST", "/v1/files/copy"),
        ("POST", "/v1/files/move"),
        ("PUT", "/v1/files/rename"),
    ],
    tag="Files",
)
