"""Pure rules of the orphan sweep: which objects are version objects, and when one is old enough to judge.

An upload puts its object first and writes its records next, within one invocation (upload: 29 s; Lambda allows
at most 15 minutes). An object older than ``MIN_AGE`` that no version record points to can therefore never be a
write in flight: it is an orphan (the records failed and the best-effort delete failed too, or the function died
between the two writes; or a version's record was deleted and its object's delete failed).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

MIN_AGE = timedelta(minutes=30)  # twice Lambda's longest possible invocation
STAGING_PREFIX = "incoming/"  # upload sessions: never swept, the bucket's lifecycle expires them after a day
TIME_MARGIN_MS = 60_000  # stop this long before the invocation's timeout and save where to resume


@dataclass(frozen=True)
class VersionObject:
    account_id: str
    file_id: str
    version_id: str


def version_object(key: str) -> VersionObject | None:
    """The version an object key names (``{accountId}/{fileId}/{versionId}``), or None for any other key:
    upload sessions under ``incoming/`` and anything not laid out as a version object are never touched."""
    if key.startswith(STAGING_PREFIX):
        return None
    parts = key.split("/")
    if len(parts) != 3 or not all(parts):  # account, file, version
        return None
    return VersionObject(*parts)


def old_enough(last_modified: datetime, now: datetime) -> bool:
    """Whether an object written at ``last_modified`` can no longer be an upload in flight at ``now``."""
    return now - last_modified >= MIN_AGE
