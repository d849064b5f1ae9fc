"""The orphan sweep's rules: which object keys are version objects it may judge, and when one is old enough."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from medialib.orphans import rules
from medialib.orphans.rules import VersionObject


@pytest.mark.parametrize(
    ("key", "version"),
    [
        pytest.param("dev/abc123/def456", VersionObject("dev", "abc123", "def456"), id="account-file-version"),
        pytest.param("incoming/dev/s1/upload.bin", None, id="upload-sessions-under-incoming-never"),
        pytest.param("incoming/a/b", None, id="incoming-even-in-the-version-layout"),
        pytest.param("dev/abc123", None, id="two-levels-not-a-version-object"),
        pytest.param("dev/abc/def/ghi", None, id="four-levels-not-a-version-object"),
        pytest.param("dev//def456", None, id="an-empty-level-not-a-version-object"),
    ],
)
def test_only_version_objects_are_judged(key: str, version: VersionObject | None) -> None:
    """Given an object key, When read, Then the version it names, or None for anything the sweep must leave."""
    assert rules.version_object(key) == version


NOW = datetime(2026, 12, 1, 3, 15, tzinfo=UTC)


@pytest.mark.parametrize(
    ("age", "old"),
    [
        pytest.param(timedelta(minutes=29, seconds=59), False, id="under-30-minutes-may-be-an-upload-in-flight"),
        pytest.param(timedelta(minutes=30), True, id="30-minutes-is-old-enough"),
        pytest.param(timedelta(days=3), True, id="days-old"),
        pytest.param(-timedelta(minutes=5), False, id="a-clock-behind-the-object-keeps-it"),
    ],
)
def test_an_object_is_judged_only_after_any_upload_could_have_finished(age: timedelta, old: bool) -> None:
    """Given an object written ``age`` before now, When judged, Then old enough from 30 minutes (twice Lambda's
    longest invocation), never before."""
    assert rules.old_enough(NOW - age, NOW) is old
