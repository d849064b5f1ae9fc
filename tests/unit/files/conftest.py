"""Hypothesis for the searchQuery grammar: derandomized, so a run is reproducible in CI, and with no example
database, so nothing is written into the worktree (the profile of tests/unit/purge/)."""

from __future__ import annotations

from hypothesis import settings

settings.register_profile("medialib", database=None, derandomize=True, max_examples=200, deadline=None)
settings.load_profile("medialib")
