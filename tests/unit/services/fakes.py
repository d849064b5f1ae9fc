"""In-memory stores with the behaviour of the table-backed ones (tests/integration/test_stores.py runs the
same contract against both), so that service tests run in milliseconds. Typed against each store's Protocol."""

from __future__ import annotations

import posixpath
from collections.abc import Collection, Iterable, Iterator, Mapping
from datetime import datetime
from typing import Any

from pydantic import SecretStr

from medialib.accounts.models import Account
from medialib.accounts.rules import key_digest
from medialib.accounts.store import AccountStore
from medialib.adapters.errors import ConditionFailedError
from medialib.fields.models import FieldItem
from medialib.fields.store import Claim, FieldStore
from medialib.files.models import FileItem, FolderItem, VersionedFile
from medialib.files.service import Blobs
from medialib.files.store import Child, Entry, FileStore, Listing
from medialib.jobs.models import JobItem, JobStatus
from medialib.jobs.store import JobStore
from medialib.publish.service import Workflows
from medialib.purge.store import PurgeRecord, PurgeStore
from medialib.upload.store import UploadTokenStore


class Failing:
    """Errors to raise from the next calls of a store (a dependency failure injected at the store)."""

    def __init__(self) -> None:
        self.pending: list[Exception] = []

    def check(self) -> None:
        if self.pending:
            raise self.pending.pop(0)


class FakeFileStore(Failing):
    """``entries``: what listings see (current files, non-current versions, folders); ``rows``: every version
    of a file by id; ``counters``: a file's (seq, count)."""

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], list[Entry]] = {}
        self.rows: dict[tuple[str, str], dict[str, FileItem]] = {}
        self.counters: dict[tuple[str, str], tuple[int, int]] = {}
        self.publish_seqs: dict[tuple[str, str], int] = {}  # a file's publish generation (absent = 0)

    def add(self, *entries: Entry) -> None:
        for entry in entries:
            self.entries.setdefault((entry.account_id, _id(entry)), []).append(entry)

    def _all(self, account_id: str) -> list[Entry]:
        return [e for (acc, _), versions in self.entries.items() if acc == account_id for e in versions]

    def get_file(self, account_id: str, file_id: str) -> FileItem | None:
        self.check()
        current = [
            e for e in self.entries.get((account_id, file_id), []) if isinstance(e, FileItem) and e.type == "file"
        ]
        return current[0] if current else None

    def get_files(self, account_id: str, file_ids: list[str]) -> list[FileItem]:
        return [item for item in (self.get_file(account_id, f) for f in dict.fromkeys(file_ids)) if item is not None]

    def path_claimed(self, account_id: str, file_path: str) -> bool:
        self.check()
        return any(
            isinstance(e, FileItem) and e.type == "file" and e.file_path == file_path for e in self._all(account_id)
        )

    def folder_children(
        self, account_id: str, folder_path: str, *, only: Child | None, ascending: bool, page_size: int = 100
    ) -> Iterator[Entry]:
        self.check()
        children = [e for e in self._all(account_id) if _parent(e) == folder_path and _current(e)]
        if only is not None:
            children = [e for e in children if _kind(e) is only]
        children.sort(key=lambda e: (_kind(e).value, e.name), reverse=not ascending)  # "file" < "folder"
        return iter(children)

    def account_entries(
        self, account_id: str, listings: Iterable[Listing], *, ascending: bool, page_size: int = 100
    ) -> Iterator[Entry]:
        self.check()
        result: list[Entry] = []
        for listing in listings:
            entries = [e for e in self._all(account_id) if _listing(e) is listing]
            result += sorted(entries, key=lambda e: (e.created_at, _id(e)), reverse=not ascending)
        return iter(result)

    def file_id_at(self, account_id: str, file_path: str) -> str | None:
        self.check()
        current = [e for e in self._all(account_id) if isinstance(e, FileItem) and e.type == "file"]
        return next((e.file_id for e in current if e.file_path == file_path), None)

    def versioned(self, account_id: str, file_id: str) -> VersionedFile | None:
        item = self.get_file(account_id, file_id)
        if item is None:
            return None
        seq, count = self.counters.get((account_id, file_id), (item.version_number, 1))
        publish_seq = self.publish_seqs.get((account_id, file_id), 0)
        return VersionedFile(item=item, seq=seq, count=count, publish_seq=publish_seq)

    def create_file(self, item: FileItem, folders: list[FolderItem]) -> None:
        self.check()
        if self.file_id_at(item.account_id, item.file_path) is not None:
            raise ConditionFailedError()
        known = {e.folder_path for e in self._all(item.account_id) if isinstance(e, FolderItem)}
        self.add(item, *(folder for folder in folders if folder.folder_path not in known))
        self.rows[(item.account_id, item.file_id)] = {item.version_id: _as_version(item)}
        self.counters[(item.account_id, item.file_id)] = (item.version_number, 1)

    def _unchanged(self, previous: VersionedFile) -> tuple[str, str]:
        key = (previous.item.account_id, previous.item.file_id)
        now = self.versioned(*key)
        was = (previous.seq, previous.item.version_id, previous.item.file_path)  # the path too, as the table's (moves)
        if now is None or (now.seq, now.item.version_id, now.item.file_path) != was:
            raise ConditionFailedError()
        return key

    def _make_current(self, key: tuple[str, str], item: FileItem, previous: FileItem) -> None:
        kept = [e for e in self.entries[key] if _current(e) is False and e.version_id != item.version_id]  # type: ignore[union-attr]
        self.entries[key] = [item.model_copy(update={"type": "file"}), *kept, _as_version(previous)]

    def add_version(self, item: FileItem, previous: VersionedFile) -> None:
        self.check()
        key = self._unchanged(previous)
        self._make_current(key, item, previous.item)
        self.rows.setdefault(key, {previous.item.version_id: _as_version(previous.item)})[item.version_id] = (
            _as_version(item)
        )
        self.counters[key] = (item.version_number, previous.count + 1)

    def versions(self, account_id: str, file_id: str) -> list[FileItem]:
        self.check()
        return sorted(self.rows.get((account_id, file_id), {}).values(), key=lambda v: v.version_number)

    def get_version(self, account_id: str, file_id: str, version_id: str) -> FileItem | None:
        self.check()
        return self.rows.get((account_id, file_id), {}).get(version_id)

    def restore_version(self, current: FileItem, previous: VersionedFile) -> None:
        self.check()
        key = self._unchanged(previous)
        self._make_current(key, current, previous.item)

    def set_published(self, previous: VersionedFile, changed: list[FileItem]) -> None:
        self.check()
        key = self._unchanged(previous)
        if self.publish_seqs.get(key, 0) != previous.publish_seq:
            raise ConditionFailedError()
        self.publish_seqs[key] = previous.publish_seq + 1
        fields = ("is_published", "object_token", "updated_at")
        for version in changed:
            update = {name: getattr(version, name) for name in fields}
            rows = self.rows.setdefault(key, {})
            if version.version_id in rows:
                rows[version.version_id] = rows[version.version_id].model_copy(update=update)
            self.entries[key] = [
                e.model_copy(update=update) if isinstance(e, FileItem) and e.version_id == version.version_id else e
                for e in self.entries[key]
            ]

    def delete_version(self, account_id: str, file_id: str, version_id: str) -> None:
        self.check()
        key = (account_id, file_id)
        now = self.versioned(account_id, file_id)
        if now is None or now.item.version_id == version_id or version_id not in self.rows.get(key, {}):
            raise ConditionFailedError()
        del self.rows[key][version_id]
        self.entries[key] = [e for e in self.entries[key] if _current(e) or e.version_id != version_id]  # type: ignore[union-attr]
        self.counters[key] = (now.seq, now.count - 1)

    # ------------------------------------------------------------------ details: delete a file, update details

    def _as_read(self, previous: VersionedFile) -> tuple[str, str]:
        key = self._unchanged(previous)
        now = self.versioned(*key)
        if now is None or now.count != previous.count or now.item.updated_at != previous.item.updated_at:
            raise ConditionFailedError()
        return key

    def delete_file(self, previous: VersionedFile, versions: list[FileItem]) -> None:
        self.check()
        key = self._as_read(previous)
        del self.entries[key]
        self.rows.pop(key, None)
        self.counters.pop(key, None)
        self.publish_seqs.pop(key, None)

    def update_details(self, previous: VersionedFile, item: FileItem) -> None:
        self.check()
        key = self._unchanged(previous)
        now = self.versioned(*key)
        if now is None or now.item.updated_at != previous.item.updated_at:
            raise ConditionFailedError()
        fields = ("tags", "ai_tags", "custom_coordinates", "custom_metadata", "description", "updated_at")
        update = {name: getattr(item, name) for name in fields}
        rows = self.rows.setdefault(key, {previous.item.version_id: _as_version(previous.item)})
        rows[item.version_id] = rows[item.version_id].model_copy(update=update)
        self.entries[key] = [
            e.model_copy(update=update) if isinstance(e, FileItem) and _current(e) else e for e in self.entries[key]
        ]

    # ------------------------------------------------------------------ search: a folder's children by creation time

    def folder_children_by_created(
        self, account_id: str, folder_path: str, *, only: Child, ascending: bool, page_size: int = 100
    ) -> Iterator[Entry]:
        self.check()
        children = [e for e in self._all(account_id) if _parent(e) == folder_path and _current(e) and _kind(e) is only]
        children.sort(key=lambda e: (e.created_at, _id(e)), reverse=not ascending)
        return iter(children)


class FakeBlobs(Failing):
    """The originals bucket: objects by key."""

    def __init__(self) -> None:
        super().__init__()
        self.objects: dict[str, bytes] = {}

    def put(self, key: str, body: bytes, content_type: str) -> None:
        self.check()
        self.objects[key] = body

    def delete(self, key: str) -> None:
        self.check()
        self.objects.pop(key, None)

    def delete_many(self, keys: list[str]) -> list[str]:
        self.check()
        for key in keys:
            self.objects.pop(key, None)
        return []


def _as_version(item: FileItem) -> FileItem:
    return item.model_copy(update={"type": "file-version"})


def _id(entry: Entry) -> str:
    return entry.file_id if isinstance(entry, FileItem) else entry.folder_id


def _kind(entry: Entry) -> Child:
    return Child.FILE if isinstance(entry, FileItem) else Child.FOLDER


def _current(entry: Entry) -> bool:
    return not isinstance(entry, FileItem) or entry.type == "file"


def _parent(entry: Entry) -> str:
    return posixpath.dirname(entry.file_path if isinstance(entry, FileItem) else entry.folder_path.rstrip("/"))


def _listing(entry: Entry) -> Listing:
    if isinstance(entry, FolderItem):
        return Listing.FOLDERS
    return Listing.FILES if entry.type == "file" else Listing.VERSIONS


class FakeJobStore(Failing):
    def __init__(self) -> None:
        super().__init__()
        self.jobs: dict[tuple[str, str], JobItem] = {}
        self.payloads: dict[tuple[str, str], dict[str, Any]] = {}
        self.slots: dict[str, set[str]] = {}  # account -> its jobs in flight

    def create(self, job: JobItem, payload: dict[str, Any], *, limit: int) -> None:
        self.check()
        key = (job.account_id, job.job_id)
        if key in self.jobs or len(self.slots.get(job.account_id, set())) >= limit:
            raise ConditionFailedError()
        self.jobs[key], self.payloads[key] = job.model_copy(deep=True), payload
        self.slots.setdefault(job.account_id, set()).add(job.job_id)

    def in_flight(self, account_id: str) -> set[str]:
        self.check()
        return set(self.slots.get(account_id, set()))

    def reclaim(self, account_id: str, job_id: str, *, now: int, failures: list[dict[str, Any]]) -> None:
        self.check()
        job = self.jobs.get((account_id, job_id))
        ended = job is None or job.status in (JobStatus.SUCCEEDED, JobStatus.FAILED)
        if ended or job is None or job.lease_until is None or job.lease_until >= now:
            raise ConditionFailedError()
        self.jobs[(account_id, job_id)] = job.model_copy(update={"status": JobStatus.FAILED, "failures": failures})
        self.slots.get(account_id, set()).discard(job_id)

    def forget_slot(self, account_id: str, job_id: str) -> None:
        self.check()
        self.slots.get(account_id, set()).discard(job_id)

    def renew(self, account_id: str, job_id: str, lease_until: int) -> None:
        self.check()
        job = self.jobs.get((account_id, job_id))
        if job is None or job.status in (JobStatus.SUCCEEDED, JobStatus.FAILED):
            raise ConditionFailedError()
        job.lease_until = lease_until

    def get(self, account_id: str, job_id: str) -> JobItem | None:
        self.check()
        job = self.jobs.get((account_id, job_id))
        return None if job is None else job.model_copy(deep=True)

    def set_status(
        self,
        account_id: str,
        job_id: str,
        status: JobStatus,
        *,
        expected: Collection[JobStatus],
        succeeded: int | None = None,
        failures: list[dict[str, Any]] | None = None,
        purge_request_id: str | None = None,
        total: int | None = None,
        release: bool = False,
    ) -> None:
        self.check()
        if not expected:
            raise ValueError("a status move needs at least one expected status")
        job = self.jobs.get((account_id, job_id))
        if job is None or job.status not in expected:
            raise ConditionFailedError()
        changes: dict[str, Any] = {"status": status}
        if succeeded is not None:
            changes["succeeded"] = succeeded
        if failures is not None:
            changes["failures"] = failures
        if purge_request_id is not None:
            changes["purge_request_id"] = purge_request_id
        if total is not None:
            changes["total"] = total
        self.jobs[(account_id, job_id)] = job.model_copy(update=changes, deep=True)
        if release:
            self.slots.get(account_id, set()).discard(job_id)


class FakeAccountStore(Failing):
    def __init__(self) -> None:
        super().__init__()
        self.accounts: dict[str, Account] = {}
        self.secrets: dict[str, SecretStr] = {}  # what the table keeps encrypted
        self.previous_secrets: dict[str, SecretStr] = {}  # the keys rotations replaced
        self.secret_reads = 0
        self.keys: dict[str, str] = {}
        self.public_keys: dict[str, str] = {}

    def get(self, account_id: str) -> Account | None:
        self.check()
        return self.accounts.get(account_id)

    def save(self, account: Account) -> None:
        self.check()
        self.accounts[account.account_id] = account.without_key()

    def save_private_key(self, account_id: str, private_key: SecretStr) -> None:
        self.check()
        self.secrets[account_id] = private_key

    def private_key(self, account_id: str, *, previous: bool = False) -> SecretStr | None:
        self.check()
        self.secret_reads += 1
        return (self.previous_secrets if previous else self.secrets).get(account_id)

    def create(self, account: Account) -> None:
        self.check()
        assert account.private_key is not None
        if (
            account.account_id in self.accounts
            or account.key_digest in self.keys
            or account.public_key in self.public_keys
        ):
            raise ConditionFailedError()
        self.accounts[account.account_id] = account.without_key()
        self.secrets[account.account_id] = account.private_key
        self.keys[account.key_digest] = account.account_id
        self.public_keys[account.public_key] = account.account_id

    def rotate(
        self, account_id: str, *, current_digest: str, new_key: SecretStr, previous_until: int, now: int
    ) -> Account:
        self.check()
        account = self.accounts.get(account_id)
        new_digest = key_digest(new_key.get_secret_value())
        if account is None or account.key_digest != current_digest or new_digest in self.keys:
            raise ConditionFailedError()
        self.previous_secrets[account_id] = self.secrets[account_id]
        self.secrets[account_id] = new_key
        self.keys[new_digest] = account_id
        self.accounts[account_id] = account.model_copy(
            update={"key_digest": new_digest, "previous_key_digest": current_digest,
                    "previous_key_until": previous_until, "key_rotated_at": now}
        )  # fmt: skip
        return self.accounts[account_id]

    def set_disabled(self, account_id: str, disabled: bool) -> Account | None:
        self.check()
        account = self.accounts.get(account_id)
        if account is None:
            return None
        self.accounts[account_id] = account.model_copy(update={"disabled": disabled})
        return self.accounts[account_id]

    def list_all(self) -> Iterator[Account]:
        self.check()
        return iter(sorted(self.accounts.values(), key=lambda a: a.account_id))

    def update_settings(self, account_id: str, changes: Mapping[str, Any]) -> Account | None:
        self.check()
        account = self.accounts.get(account_id)
        if account is None:
            return None
        settings = account.settings.model_copy(update=dict(changes), deep=True)
        self.accounts[account_id] = account.model_copy(update={"settings": settings})
        return self.accounts[account_id]

    def claim_key(self, digest: str, account_id: str) -> None:
        self.check()
        if digest in self.keys:
            raise ConditionFailedError()
        self.keys[digest] = account_id

    def key_owner(self, digest: str) -> str | None:
        self.check()
        return self.keys.get(digest)

    def claim_public_key(self, public_key: str, account_id: str) -> None:
        self.check()
        if public_key in self.public_keys:
            raise ConditionFailedError()
        self.public_keys[public_key] = account_id

    def public_key_owner(self, public_key: str) -> str | None:
        self.check()
        return self.public_keys.get(public_key)

    def get_by_public_key(self, public_key: str) -> Account | None:
        owner = self.public_key_owner(public_key)
        account = self.get(owner) if owner else None
        return account if account is not None and account.public_key == public_key else None


class FakePurgeStore(Failing):
    def __init__(self) -> None:
        super().__init__()
        self.requests: dict[tuple[str, str], PurgeRecord] = {}
        self.resets: dict[str, datetime] = {}
        self.counters: dict[tuple[str, str], int] = {}

    def get_request(self, account_id: str, request_id: str) -> PurgeRecord | None:
        self.check()
        return self.requests.get((account_id, request_id))

    def record_request(
        self, account_id: str, request_id: str, *, url: str, paths: list[str], invalidation_id: str, at: datetime
    ) -> None:
        self.check()
        if (account_id, request_id) in self.requests:
            raise ConditionFailedError()
        self.requests[(account_id, request_id)] = PurgeRecord("Pending", invalidation_id)

    def claim(
        self,
        account_id: str,
        request_id: str,
        period: str,
        limit: int,
        *,
        force: bool,
        count: int,
        expires_at: int,
        url: str,
        paths: list[str],
        at: datetime,
    ) -> None:
        self.check()
        used = self.counters.get((account_id, period), 0)
        if (account_id, request_id) in self.requests or (not force and used >= limit):
            raise ConditionFailedError()
        self.requests[(account_id, request_id)] = PurgeRecord("Pending")
        self.counters[(account_id, period)] = used + count

    def set_invalidation(self, account_id: str, request_id: str, invalidation_id: str) -> None:
        self.check()
        previous = self.requests.get((account_id, request_id))
        if previous is None or previous.invalidation_id not in (None, invalidation_id):
            raise ConditionFailedError()
        self.requests[(account_id, request_id)] = PurgeRecord(previous.status, invalidation_id)

    def unclaim(self, account_id: str, request_id: str, period: str, count: int) -> None:
        self.check()
        previous = self.requests.get((account_id, request_id))
        used = self.counters.get((account_id, period), 0)
        if previous is None or previous.invalidation_id is not None or used < count:
            raise ConditionFailedError()
        del self.requests[(account_id, request_id)]
        self.counters[(account_id, period)] = used - count

    def mark_completed(self, account_id: str, request_id: str) -> None:
        self.check()
        previous = self.requests[(account_id, request_id)]
        self.requests[(account_id, request_id)] = PurgeRecord("Completed", previous.invalidation_id)

    def record_reset(self, period: str, fired_at: datetime) -> None:
        self.check()
        if period in self.resets:
            raise ConditionFailedError()
        self.resets[period] = fired_at

    def reset_of(self, period: str) -> datetime | None:
        self.check()
        return self.resets.get(period)

    def consume(self, account_id: str, period: str, limit: int, *, force: bool, expires_at: int, count: int = 1) -> int:
        self.check()
        used = self.counters.get((account_id, period), 0)
        if not force and used >= limit:
            raise ConditionFailedError()
        self.counters[(account_id, period)] = used + count
        return used + count

    def give_back(self, account_id: str, period: str, count: int = 1) -> None:
        self.check()
        used = self.counters.get((account_id, period), 0)
        if used >= count:
            self.counters[(account_id, period)] = used - count

    def used(self, account_id: str, period: str) -> int:
        self.check()
        return self.counters.get((account_id, period), 0)


class FakeUploadTokenStore(Failing):
    def __init__(self) -> None:
        super().__init__()
        self.used: dict[tuple[str, str], tuple[str, int]] = {}  # (account, token) -> (claimant, expiresAt)

    def claim(self, account_id: str, token: str, *, claimant: str, expires_at: int) -> None:
        self.check()
        if (account_id, token) in self.used:
            raise ConditionFailedError()
        self.used[(account_id, token)] = (claimant, expires_at)

    def claimant(self, account_id: str, token: str) -> str | None:
        self.check()
        used = self.used.get((account_id, token))
        return None if used is None else used[0]


class FakeWorkflows(Failing):
    """Step Functions as the publish service sees it: executions started, by name."""

    def __init__(self) -> None:
        super().__init__()
        self.started: dict[str, tuple[str, dict[str, Any]]] = {}

    def start(self, state_machine_arn: str, name: str, payload: dict[str, Any]) -> None:
        self.check()
        self.started.setdefault(name, (state_machine_arn, payload))

    def execution_exists(self, state_machine_arn: str, name: str) -> bool:
        self.check()
        return name in self.started


# Each fake is checked by mypy against the Protocol the service depends on.
_FILES: type[FileStore] = FakeFileStore
_BLOBS: type[Blobs] = FakeBlobs
_JOBS: type[JobStore] = FakeJobStore
_ACCOUNTS: type[AccountStore] = FakeAccountStore
_PURGES: type[PurgeStore] = FakePurgeStore
_UPLOAD_TOKENS: type[UploadTokenStore] = FakeUploadTokenStore
_WORKFLOWS: type[Workflows] = FakeWorkflows


# ------------------------------------------------------------------ fields: custom metadata fields


class FakeFieldStore(Failing):
    """Fields by (account, id) in creation order; ``claims``: (account, "name"|"label", value) -> field id;
    ``active``/``total``: the counts the table keeps in its COUNT row."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[tuple[str, str], FieldItem] = {}
        self.claims: dict[tuple[str, str, str], str] = {}
        self.active: dict[str, int] = {}
        self.total: dict[str, int] = {}

    def fields(self, account_id: str) -> list[FieldItem]:
        self.check()
        return [item for (acc, _), item in sorted(self.rows.items()) if acc == account_id]

    def get(self, account_id: str, field_id: str) -> FieldItem | None:
        self.check()
        return self.rows.get((account_id, field_id))

    def create(self, item: FieldItem, *, max_active: int, max_total: int) -> None:
        self.check()
        acc = item.account_id
        name, label = (acc, "name", item.name), (acc, "label", item.label)
        if (
            (acc, item.field_id) in self.rows
            or name in self.claims
            or label in self.claims
            or self.active.get(acc, 0) >= max_active
            or self.total.get(acc, 0) >= max_total
        ):
            raise ConditionFailedError()
        self.rows[(acc, item.field_id)] = item
        self.claims[name] = self.claims[label] = item.field_id
        self.active[acc] = self.active.get(acc, 0) + 1
        self.total[acc] = self.total.get(acc, 0) + 1

    def _unchanged(self, previous: FieldItem) -> None:
        current = self.rows.get((previous.account_id, previous.field_id))
        if current is None or current.seq != previous.seq or current.deleted:
            raise ConditionFailedError()

    def update(self, item: FieldItem, previous: FieldItem) -> None:
        self.check()
        self._unchanged(previous)
        new_label = (item.account_id, "label", item.label)
        if item.label != previous.label:
            if new_label in self.claims:
                raise ConditionFailedError()
            del self.claims[(item.account_id, "label", previous.label)]
            self.claims[new_label] = item.field_id
        self.rows[(item.account_id, item.field_id)] = item

    def delete(self, item: FieldItem, previous: FieldItem) -> None:
        self.check()
        self._unchanged(previous)
        self.claims.pop((item.account_id, "label", previous.label), None)
        self.active[item.account_id] -= 1
        self.rows[(item.account_id, item.field_id)] = item

    def claimant(self, account_id: str, claim: Claim, value: str) -> str | None:
        self.check()
        return self.claims.get((account_id, claim, value))

    def counts(self, account_id: str) -> tuple[int, int]:
        self.check()
        return self.active.get(account_id, 0), self.total.get(account_id, 0)


_FIELDS: type[FieldStore] = FakeFieldStore
