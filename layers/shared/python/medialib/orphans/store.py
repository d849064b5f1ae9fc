"""The sweep's part of the single table: where an unfinished run stopped.

``SCHEDULE#orphan-sweep`` / ``CURSOR`` with ``resumeAfter`` (the last object key handled; absent when the last
run went through the whole bucket) and ``sweptAt``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from medialib.adapters import table


class SweepStore(Protocol):
    def resume_after(self) -> str | None:
        """The key after which the next run starts, or None: from the first key."""
        ...

    def save_progress(self, resume_after: str | None, swept_at: datetime) -> None: ...


_CURSOR = ("SCHEDULE#orphan-sweep", "CURSOR")


class TableSweepStore:
    def resume_after(self) -> str | None:
        item = table.get(*_CURSOR)
        return None if item is None or "resumeAfter" not in item else str(item["resumeAfter"])

    def save_progress(self, resume_after: str | None, swept_at: datetime) -> None:
        pk, sk = _CURSOR
        table.put({"PK": pk, "SK": sk, "resumeAfter": resume_after, "sweptAt": swept_at.isoformat()})
