"""The upload-session rows of the single table (docs/data-model.md, "Upload sessions").

``ACCOUNT#<acc>#UPLOADSESSION#<sessionId>`` / ``UPLOADSESSION``: ``status`` (PENDING -> COMPLETED | FAILED),
``options`` (the upload's form fields as text), ``fileSize``, ``contentType``, ``createdAt``, ``expiresAt`` (the
table's TTL attribute), while a finaliser works on it ``claimant`` and ``claimedUntil``, once finished
``finishedAt`` and ``resultJson`` (the upload API's JSON) or ``errorJson`` (ImageKit's error body). Both are
stored as JSON text: DynamoDB refuses binary floats, and embedded metadata holds some.
"""

from __future__ import annotations

import json
from typing import Any, Protocol

from medialib.adapters import table
from medialib.upload.session_models import SessionItem


class UploadSessionStore(Protocol):
    def create(self, item: SessionItem) -> None:
        """Write a new session; an existing id raises ConditionFailedError."""
        ...

    def get(self, account_id: str, session_id: str) -> SessionItem | None: ...

    def claim(self, account_id: str, session_id: str, *, claimant: str, now: int, until: int) -> None:
        """Take a PENDING session for one finaliser until ``until`` (Unix seconds); a session that is not PENDING,
        or is held by another finaliser until after ``now``, raises ConditionFailedError."""
        ...

    def finish(self, item: SessionItem) -> None:
        """Record ``item``'s outcome (status COMPLETED or FAILED, result or error, finishedAt) if the session is
        still PENDING and held by ``item.claimant``; otherwise ConditionFailedError."""
        ...

    def release(self, account_id: str, session_id: str, *, claimant: str) -> None:
        """Give up ``claimant``'s claim on a PENDING session (a retried event may take it at once)."""
        ...


def _key(account_id: str, session_id: str) -> tuple[str, str]:
    return f"ACCOUNT#{account_id}#UPLOADSESSION#{session_id}", "UPLOADSESSION"


def _row(item: SessionItem) -> dict[str, Any]:
    pk, sk = _key(item.account_id, item.session_id)
    return {
        "PK": pk,
        "SK": sk,
        "accountId": item.account_id,
        "sessionId": item.session_id,
        "status": item.status,
        "options": item.options,
        "fileSize": item.file_size,
        "contentType": item.content_type,
        "createdAt": item.created_at,
        "expiresAt": item.expires_at,
    }


def _item(row: dict[str, Any]) -> SessionItem:
    return SessionItem(
        account_id=row["accountId"],
        session_id=row["sessionId"],
        status=row["status"],
        options={str(k): str(v) for k, v in (row.get("options") or {}).items()},
        file_size=int(row["fileSize"]),
        content_type=row["contentType"],
        created_at=row["createdAt"],
        expires_at=int(row["expiresAt"]),
        claimant=row.get("claimant"),
        claimed_until=int(row["claimedUntil"]) if row.get("claimedUntil") is not None else None,
        finished_at=row.get("finishedAt"),
        result=json.loads(row["resultJson"]) if row.get("resultJson") else None,
        error=json.loads(row["errorJson"]) if row.get("errorJson") else None,
    )


class TableUploadSessionStore:
    def create(self, item: SessionItem) -> None:
        table.put(_row(item), only_if_new=True)

    def get(self, account_id: str, session_id: str) -> SessionItem | None:
        row = table.get(*_key(account_id, session_id))
        return None if row is None else _item(row)

    def claim(self, account_id: str, session_id: str, *, claimant: str, now: int, until: int) -> None:
        table.update(
            *_key(account_id, session_id),
            expression="SET claimant = :me, claimedUntil = :until",
            condition="#status = :pending AND (attribute_not_exists(claimedUntil) OR claimedUntil < :now)",
            values={":me": claimant, ":until": until, ":now": now, ":pending": "PENDING"},
            names={"#status": "status"},
        )

    def finish(self, item: SessionItem) -> None:
        outcome = json.dumps(item.result if item.status == "COMPLETED" else item.error)
        table.update(
            *_key(item.account_id, item.session_id),
            expression="SET #status = :status, finishedAt = :at, #outcome = :outcome REMOVE claimedUntil",
            condition="#status = :pending AND claimant = :me",
            values={
                ":status": item.status,
                ":at": item.finished_at,
                ":outcome": outcome,
                ":pending": "PENDING",
                ":me": item.claimant,
            },
            names={"#status": "status", "#outcome": "resultJson" if item.status == "COMPLETED" else "errorJson"},
        )

    def release(self, account_id: str, session_id: str, *, claimant: str) -> None:
        table.update(
            *_key(account_id, session_id),
            expression="REMOVE claimedUntil",
            condition="#status = :pending AND claimant = :me",
            values={":pending": "PENDING", ":me": claimant},
            names={"#status": "status"},
        )
