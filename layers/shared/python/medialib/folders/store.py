"""A folder job's progress row, beside the job's own row: ``ACCOUNT#<acc>#JOB#<id>`` / ``FOLDERJOB``.

It holds the request (source, destination, options) and where the walk is, so that the state machine's state
carries ids only, whatever the folder's size, and a retried batch resumes where the last handled file left it.
Every move of the progress is a compare-and-set on ``step``.
"""

from __future__ import annotations

from typing import Any, Protocol

from medialib.adapters import table
from medialib.folders.models import FolderJobItem


class ProgressStore(Protocol):
    def create(self, progress: FolderJobItem) -> None: ...

    def get(self, account_id: str, job_id: str) -> FolderJobItem | None: ...

    def advance(self, before: FolderJobItem, after: FolderJobItem) -> None:
        """Write ``after`` if the row still is at ``before``'s step. ConditionFailedError otherwise."""
        ...


def _key(account_id: str, job_id: str) -> tuple[str, str]:
    return f"ACCOUNT#{account_id}#JOB#{job_id}", "FOLDERJOB"


def _row(progress: FolderJobItem) -> dict[str, Any]:
    pk, sk = _key(progress.account_id, progress.job_id)
    return {"PK": pk, "SK": sk, **progress.model_dump(by_alias=True, mode="json", exclude_none=True)}


class TableProgressStore:
    def create(self, progress: FolderJobItem) -> None:
        table.put(_row(progress), only_if_new=True)

    def get(self, account_id: str, job_id: str) -> FolderJobItem | None:
        item = table.get(*_key(account_id, job_id))
        return None if item is None else FolderJobItem.model_validate(item)

    def advance(self, before: FolderJobItem, after: FolderJobItem) -> None:
        table.transact_write(
            [table.Put(_row(after.model_copy(update={"step": before.step + 1})), condition="step = :step",
                       values={":step": before.step})]
        )  # fmt: skip
