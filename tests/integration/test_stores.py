"""Each store's contract, run against the table on the local stack and against the in-memory fake that the
service unit tests use: the same calls give the same answers, so the fakes stay honest."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import SecretStr

from medialib.accounts.models import Account, AccountSettings
from medialib.accounts.rules import key_digest
from medialib.accounts.store import AccountStore, TableAccountStore
from medialib.adapters import table
from medialib.adapters.errors import ConditionFailedError
from medialib.files.models import FileItem, FolderItem
from medialib.files.store import Child, Entry, FileStore, Listing, TableFileStore
from medialib.jobs.models import JobItem, JobStatus
from medialib.jobs.store import JobStore, TableJobStore
from medialib.purge.store import PurgeRecord, PurgeStore, TablePurgeStore
from medialib.upload.store import TableUploadTokenStore, UploadTokenStore
from tests.unit.services.fakes import (
    FakeAccountStore,
    FakeFileStore,
    FakeJobStore,
    FakePurgeStore,
    FakeUploadTokenStore,
)
from tests.unit.services.test_files_service import file, folder

BACKENDS = ["table-on-moto", "in-memory-fake"]


def _unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def _write_documented_rows(entries: list[Entry]) -> None:
    """Rows as docs/data-model.md lays them out, written directly (the product writes them through the store)."""
    for entry in entries:
        acc = entry.account_id
        row = entry.model_dump(by_alias=True, mode="json")
        if isinstance(entry, FolderItem):
            parent = entry.folder_path.rsplit("/", 1)[0] or "/"
            table.put(
                {
                    **row,
                    "PK": f"ACCOUNT#{acc}#FOLDER#{entry.folder_path}",
                    "SK": "FOLDER",
                    "GSI1PK": f"ACCOUNT#{acc}#FOLDER#{parent}",
                    "GSI1SK": f"FOLDER#{entry.name}",
                    "GSI2PK": f"ACCOUNT#{acc}#FOLDERS",
                    "GSI2SK": f"{row['createdAt']}#{entry.folder_id}",
                }
            )
        elif entry.type == "file-version":
            table.put(
                {
                    **row,
                    "PK": f"ACCOUNT#{acc}#FILE#{entry.file_id}",
                    "SK": f"VERSION#{entry.version_id}",
                    "GSI2PK": f"ACCOUNT#{acc}#VERSIONS",
                    "GSI2SK": f"{row['createdAt']}#{entry.version_id}",
                }
            )
        else:
            folder_path = entry.file_path.rsplit("/", 1)[0] or "/"
            table.put(
                {
                    **row,
                    "PK": f"ACCOUNT#{acc}#FILE#{entry.file_id}",
                    "SK": "FILE",
                    "GSI1PK": f"ACCOUNT#{acc}#FOLDER#{folder_path}",
                    "GSI1SK": f"FILE#{entry.name}",
                    "GSI2PK": f"ACCOUNT#{acc}#FILES",
                    "GSI2SK": f"{row['createdAt']}#{entry.file_id}",
                }
            )
            table.put({"PK": f"ACCOUNT#{acc}#PATH#{entry.file_path}", "SK": "PATH", "fileId": entry.file_id})


def _file_store(backend: str, entries: list[Entry]) -> FileStore:
    if backend == "in-memory-fake":
        fake = FakeFileStore()
        fake.add(*entries)
        return fake
    _write_documented_rows(entries)
    return TableFileStore()


@pytest.mark.parametrize("backend", BACKENDS)
def test_file_store_contract(stack: Any, backend: str) -> None:
    """Given two files, an older version, two folders and a file in a folder, When the store is read by id,
    path, folder and account listing, Then each backend answers the same entries in the same order."""
    acc = _unique("acc")
    entries: list[Entry] = [
        file("b", "/b.png", 2),
        file("a", "/a.pdf", 1, file_type="non-image"),
        file("c", "/photos/c.png", 3),
        folder("photos", "/photos", 0),
        folder("docs", "/docs", 4),
        file("b", "/b.png", 0, version=True),
    ]
    store = _file_store(backend, [e.model_copy(update={"account_id": acc}) for e in entries])

    def names(found: Any) -> list[str]:
        return [e.name if isinstance(e, FileItem) else e.folder_path for e in found]  # folders by path

    got = store.get_file(acc, "c")
    assert got is not None and (got.file_path, got.type) == ("/photos/c.png", "file")
    assert store.get_file(acc, "zzz") is None and store.get_file("someone-else", "c") is None
    assert (store.path_claimed(acc, "/photos/c.png"), store.path_claimed(acc, "/photos/x.png")) == (True, False)
    assert names(store.folder_children(acc, "/", only=None, ascending=True)) == ["a.pdf", "b.png", "/docs", "/photos"]
    assert names(store.folder_children(acc, "/", only=None, ascending=False)) == ["/photos", "/docs", "b.png", "a.pdf"]
    assert names(store.folder_children(acc, "/", only=Child.FOLDER, ascending=True)) == ["/docs", "/photos"]
    assert names(store.folder_children(acc, "/photos", only=Child.FILE, ascending=True)) == ["c.png"]
    listings = [Listing.FOLDERS, Listing.FILES]
    assert names(store.account_entries(acc, listings, ascending=True)) == [
        "/photos", "/docs", "a.pdf", "b.png", "c.png",
    ]  # fmt: skip
    assert names(store.account_entries(acc, listings, ascending=False)) == [
        "/docs", "/photos", "c.png", "b.png", "a.pdf",
    ]  # fmt: skip
    versions = list(store.account_entries(acc, [Listing.VERSIONS], ascending=True))
    assert [(v.name, getattr(v, "type", None)) for v in versions] == [("b.png", "file-version")]


def _version(acc: str, version_id: str, number: int, minute: int) -> FileItem:
    base = file("f1", "/v/a.png", minute).model_copy(update={"account_id": acc})
    return base.model_copy(update={"version_id": version_id, "version_number": number, "file_id": "f1"})


@pytest.mark.parametrize("backend", BACKENDS)
def test_file_version_store_contract(stack: Any, backend: str) -> None:
    """Given a file created with its folder, When versions are added (one with a stale counter), one is restored and
    one deleted, Then each backend: the path resolves to the file, a second create of the path and a stale write
    are conflicts that change nothing, versions come back by number, only non-current versions are in the
    account's versions listing, and the current version cannot be deleted."""
    acc = _unique("acc")
    store: FileStore = FakeFileStore() if backend == "in-memory-fake" else TableFileStore()
    v1, v2, v3 = _version(acc, "f1", 1, 0), _version(acc, "v2", 2, 1), _version(acc, "v3", 3, 2)
    store.create_file(v1, [folder("fv", "/v", 0).model_copy(update={"account_id": acc})])
    with pytest.raises(ConditionFailedError):
        store.create_file(v1, [])
    assert store.file_id_at(acc, "/v/a.png") == "f1" and store.file_id_at(acc, "/v/b.png") is None
    first = store.versioned(acc, "f1")
    assert first is not None and (first.seq, first.count, first.item.version_id) == (1, 1, "f1")
    store.add_version(v2, first)
    with pytest.raises(ConditionFailedError):
        store.add_version(v3, first)  # stale: read before v2
    second = store.versioned(acc, "f1")
    assert second is not None and (second.seq, second.count, second.item.version_id) == (2, 2, "v2")
    store.add_version(v3, second)
    assert [v.version_id for v in store.versions(acc, "f1")] == ["f1", "v2", "v3"]

    def non_current() -> list[str]:
        return sorted(
            getattr(e, "version_id", "") for e in store.account_entries(acc, [Listing.VERSIONS], ascending=True)
        )

    assert non_current() == ["f1", "v2"]
    third = store.versioned(acc, "f1")
    assert third is not None
    store.restore_version(v1, third)
    restored = store.versioned(acc, "f1")
    assert restored is not None and (restored.item.version_id, restored.seq, restored.count) == ("f1", 3, 3)
    assert non_current() == ["v2", "v3"]
    with pytest.raises(ConditionFailedError):
        store.delete_version(acc, "f1", "f1")  # current
    store.delete_version(acc, "f1", "v2")
    assert [v.version_id for v in store.versions(acc, "f1")] == ["f1", "v3"] and non_current() == ["v3"]
    after = store.versioned(acc, "f1")
    assert after is not None and after.count == 2 and store.get_version(acc, "f1", "v2") is None
    assert [e.name for e in store.folder_children(acc, "/", only=Child.FOLDER, ascending=True)] == ["v"]


def _job_store(backend: str) -> JobStore:
    return FakeJobStore() if backend == "in-memory-fake" else TableJobStore()


@pytest.mark.parametrize("backend", BACKENDS)
def test_job_store_contract(stack: Any, backend: str) -> None:
    """Given a pending job, When it is created again, moved from a status it is not in, moved from its status,
    and a missing job is moved, Then: a conflict, a conflict with nothing changed, the move with its counts,
    and a conflict."""
    store = _job_store(backend)
    job = JobItem(
        account_id=_unique("acc"), job_id=_unique("job"), type="PUBLISH_FILES", status=JobStatus.PENDING, total=2
    )
    store.create(job, {"fileIds": ["a", "b"]}, limit=10)
    with pytest.raises(ConditionFailedError):
        store.create(job, {}, limit=10)

    with pytest.raises(ConditionFailedError):
        store.set_status(job.account_id, job.job_id, JobStatus.SUCCEEDED, expected={JobStatus.RUNNING}, succeeded=2)
    assert store.get(job.account_id, job.job_id) == job

    failures = [{"fileId": "b", "reason": "FILE_NOT_FOUND", "message": "gone"}]
    store.set_status(
        job.account_id, job.job_id, JobStatus.SUCCEEDED, expected={JobStatus.PENDING, JobStatus.RUNNING},
        succeeded=1, failures=failures,
    )  # fmt: skip
    assert store.get(job.account_id, job.job_id) == job.model_copy(
        update={"status": JobStatus.SUCCEEDED, "succeeded": 1, "failures": failures}
    )

    with pytest.raises(ConditionFailedError):
        store.set_status(job.account_id, "no-such-job", JobStatus.RUNNING, expected={JobStatus.PENDING})
    assert store.get(job.account_id, "no-such-job") is None


@pytest.mark.parametrize("backend", BACKENDS)
def test_job_store_slots_contract(stack: Any, backend: str) -> None:
    """Given a limit of 2 jobs in flight, When two jobs are created, a third, one closed with its slot released, the
    third again, a lease renewed and reclaimed before and after it runs out, Then: two slots; the third refused with
    nothing written; the release frees a slot the third takes; a job whose lease has not run out is not reclaimed,
    one whose lease has is closed FAILED with its slot freed; another account's slots are its own."""
    store = _job_store(backend)
    account = _unique("acc")

    def job(lease_until: int = 1000) -> JobItem:
        return JobItem(
            account_id=account, job_id=_unique("job"), type="PUBLISH_FILES", status=JobStatus.PENDING,
            lease_until=lease_until,
        )  # fmt: skip

    first, second, third = job(), job(), job()
    store.create(first, {}, limit=2)
    store.create(second, {}, limit=2)
    with pytest.raises(ConditionFailedError):
        store.create(third, {}, limit=2)
    assert store.get(account, third.job_id) is None
    assert store.in_flight(account) == {first.job_id, second.job_id}

    store.set_status(account, first.job_id, JobStatus.SUCCEEDED, expected={JobStatus.PENDING}, release=True)
    store.create(third, {}, limit=2)
    assert store.in_flight(account) == {second.job_id, third.job_id}

    store.renew(account, second.job_id, 2000)
    with pytest.raises(ConditionFailedError):
        store.reclaim(account, second.job_id, now=1500, failures=[])
    assert store.in_flight(account) == {second.job_id, third.job_id}
    store.reclaim(account, second.job_id, now=2500, failures=[{"reason": "LEASE_EXPIRED"}])
    reclaimed = store.get(account, second.job_id)
    assert reclaimed is not None
    assert (reclaimed.status, reclaimed.failures) == (JobStatus.FAILED, [{"reason": "LEASE_EXPIRED"}])
    with pytest.raises(ConditionFailedError):
        store.renew(account, second.job_id, 3000)  # an ended job's lease is never renewed
    store.forget_slot(account, third.job_id)
    store.forget_slot(account, third.job_id)  # a repeat changes nothing
    assert store.in_flight(account) == set()
    assert store.in_flight(_unique("acc")) == set()


@pytest.mark.parametrize("backend", BACKENDS)
def test_account_store_contract(stack: Any, backend: str) -> None:
    """Given an account saved and its key digest and public key claimed, When read, and each claimed again,
    Then the account and its owner read back, the account is found by its public key, and each second claim is
    a conflict that keeps the first owner."""
    store: AccountStore = FakeAccountStore() if backend == "in-memory-fake" else TableAccountStore()
    account = Account(account_id=_unique("acc"), public_key=_unique("public"), private_key="private_key_123")
    account = account.without_key()  # what the table gives back: the key's digest
    digest = uuid.uuid4().hex
    store.save(account)
    store.claim_key(digest, account.account_id)
    store.claim_public_key(account.public_key, account.account_id)
    with pytest.raises(ConditionFailedError):
        store.claim_key(digest, "thief")
    with pytest.raises(ConditionFailedError):
        store.claim_public_key(account.public_key, "thief")
    assert store.get(account.account_id) == account
    assert store.key_owner(digest) == account.account_id
    assert store.public_key_owner(account.public_key) == account.account_id
    assert store.get_by_public_key(account.public_key) == account
    assert store.get(_unique("acc")) is None and store.key_owner(uuid.uuid4().hex) is None
    assert store.public_key_owner(_unique("public")) is None and store.get_by_public_key(_unique("public")) is None


@pytest.mark.parametrize("backend", BACKENDS)
def test_account_store_keeps_the_private_key_apart(stack: Any, backend: str) -> None:
    """Given an account saved with its private key as its secret, When the account and the key are read, Then
    the account carries the key's digest and not the key, the key reads back as it was written, a second write
    replaces it, and an account with no secret has no key."""
    store: AccountStore = FakeAccountStore() if backend == "in-memory-fake" else TableAccountStore()
    account = Account(account_id=_unique("acc"), public_key=_unique("public"), private_key="private_key_123")
    store.save(account.without_key())
    store.save_private_key(account.account_id, SecretStr("private_key_123"))
    read = store.get(account.account_id)
    assert read is not None and read.private_key is None and read.key_digest == key_digest("private_key_123")
    secret = store.private_key(account.account_id)
    assert secret is not None and secret.get_secret_value() == "private_key_123"
    store.save_private_key(account.account_id, SecretStr("private_key_456"))
    secret = store.private_key(account.account_id)
    assert secret is not None and secret.get_secret_value() == "private_key_456"
    assert store.private_key(_unique("acc")) is None


@pytest.mark.parametrize("backend", BACKENDS)
def test_account_store_finds_nobody_by_a_public_key_the_account_changed(stack: Any, backend: str) -> None:
    """Given an account whose public key index row was left behind when its public key changed, When looked up
    by the old public key, Then nothing (the index is only trusted when the account still has that key)."""
    store: AccountStore = FakeAccountStore() if backend == "in-memory-fake" else TableAccountStore()
    old, new = _unique("public"), _unique("public")
    account = Account(account_id=_unique("acc"), public_key=new, private_key="private_key_123").without_key()
    store.save(account)
    store.claim_public_key(old, account.account_id)
    store.claim_public_key(new, account.account_id)
    assert store.public_key_owner(old) == account.account_id
    assert store.get_by_public_key(old) is None and store.get_by_public_key(new) == account


@pytest.mark.parametrize("backend", BACKENDS)
def test_account_store_updates_only_the_settings_it_is_given(stack: Any, backend: str) -> None:
    """Given an account with a quota override and a named transformation, When uploadAsDraft is updated, then the
    named transformations, Then each answer and the stored account have the change and keep every other setting
    (keys included); and an account nobody has is not created by an update (None)."""
    store: AccountStore = FakeAccountStore() if backend == "in-memory-fake" else TableAccountStore()
    settings = AccountSettings(purge_monthly_quota=5000, named_transformations={"card": "w-400"})
    account = Account(
        account_id=_unique("acc"), public_key=_unique("public"), private_key="private_key_123", settings=settings
    ).without_key()
    store.save(account)

    drafted = store.update_settings(account.account_id, {"upload_as_draft": True})
    expected = account.model_copy(update={"settings": settings.model_copy(update={"upload_as_draft": True})})
    assert drafted == expected and store.get(account.account_id) == expected

    renamed = store.update_settings(account.account_id, {"named_transformations": {}})
    expected = expected.model_copy(
        update={"settings": expected.settings.model_copy(update={"named_transformations": {}})}
    )
    assert renamed == expected and store.get(account.account_id) == expected

    nobody = _unique("acc")
    assert store.update_settings(nobody, {"upload_as_draft": True}) is None
    assert store.get(nobody) is None


@pytest.mark.parametrize("backend", BACKENDS)
def test_upload_token_store_contract(stack: Any, backend: str) -> None:
    """Given a token claimed by one request, When claimed again by another, and read, Then the second claim is
    a conflict, the claimant read back is the first, the same token text is free in another account, and an
    unused token has no claimant."""
    store: UploadTokenStore = FakeUploadTokenStore() if backend == "in-memory-fake" else TableUploadTokenStore()
    acc, token = _unique("acc"), _unique("tok")
    store.claim(acc, token, claimant="first", expires_at=1_700_005_400)
    with pytest.raises(ConditionFailedError):
        store.claim(acc, token, claimant="second", expires_at=1_700_005_400)
    assert store.claimant(acc, token) == "first"
    store.claim(_unique("acc"), token, claimant="elsewhere", expires_at=1_700_005_400)
    assert store.claimant(acc, _unique("tok")) is None


@pytest.mark.parametrize("backend", BACKENDS)
def test_purge_store_contract(stack: Any, backend: str) -> None:
    """Given a period's reset recorded, When recorded again, Then a conflict and the first firing is kept."""
    store: PurgeStore = FakePurgeStore() if backend == "in-memory-fake" else TablePurgeStore()
    period, fired = f"2999-{uuid.uuid4().int % 12 + 1:02d}-{uuid.uuid4().hex[:6]}", datetime(2999, 1, 1, tzinfo=UTC)
    assert store.reset_of(period) is None
    store.record_reset(period, fired)
    with pytest.raises(ConditionFailedError):
        store.record_reset(period, datetime(2999, 1, 2, tzinfo=UTC))
    assert store.reset_of(period) == fired


@pytest.mark.parametrize("backend", BACKENDS)
def test_purge_request_store_contract(stack: Any, backend: str) -> None:
    """Given no purge request, When one is recorded, recorded again, read by its account and another, and marked
    completed, Then None before, a conflict for the second record, Pending with its invalidation for the owner,
    None for the other account, and Completed after the mark."""
    store: PurgeStore = FakePurgeStore() if backend == "in-memory-fake" else TablePurgeStore()
    acc, rid, at = _unique("acc"), _unique("req"), datetime(2999, 1, 1, tzinfo=UTC)
    assert store.get_request(acc, rid) is None
    store.record_request(acc, rid, url="https://x/acc/a.png", paths=["/acc/a.png*"], invalidation_id="I1", at=at)
    with pytest.raises(ConditionFailedError):
        store.record_request(acc, rid, url="https://x/acc/b.png", paths=["/acc/b.png*"], invalidation_id="I2", at=at)
    assert store.get_request(acc, rid) == PurgeRecord("Pending", "I1")
    assert store.get_request(_unique("acc"), rid) is None
    store.mark_completed(acc, rid)
    assert store.get_request(acc, rid) == PurgeRecord("Completed", "I1")


@pytest.mark.parametrize("backend", BACKENDS)
def test_purge_quota_store_contract(stack: Any, backend: str) -> None:
    """Given a limit of 2, When 2 purges are counted, Then counts 1 and 2 and the third is refused (nothing
    counted); forced, it counts 3; two give-backs leave 1; a month never counted reads 0, and giving back on it
    writes nothing."""
    store: PurgeStore = FakePurgeStore() if backend == "in-memory-fake" else TablePurgeStore()
    acc = _unique("acc")
    assert [store.consume(acc, "2999-01", 2, force=False, expires_at=1) for _ in range(2)] == [1, 2]
    with pytest.raises(ConditionFailedError):
        store.consume(acc, "2999-01", 2, force=False, expires_at=1)
    assert store.used(acc, "2999-01") == 2
    assert store.consume(acc, "2999-01", 2, force=True, expires_at=1) == 3
    store.give_back(acc, "2999-01")
    store.give_back(acc, "2999-01")
    assert store.used(acc, "2999-01") == 1
    store.give_back(acc, "2999-02")
    assert store.used(acc, "2999-02") == 0
    if backend == "table-on-moto":
        assert table.get(f"ACCOUNT#{acc}#QUOTA", "PURGE#2999-02") is None
        assert table.get(f"ACCOUNT#{acc}#QUOTA", "PURGE#2999-01") == {
            "PK": f"ACCOUNT#{acc}#QUOTA",
            "SK": "PURGE#2999-01",
            "count": 1,
            "expiresAt": 1,
        }


@pytest.mark.parametrize("backend", BACKENDS)
def test_purge_claim_store_contract(stack: Any, backend: str) -> None:
    """Given a limit of 3, When a request of 2 purges is claimed, claimed again, given its invalidation, and another
    is claimed past the limit, claimed forced and unclaimed, Then each backend: the first claim counts 2 and the
    row is Pending without an invalidation; the second claim is a conflict that counts nothing; the invalidation is
    recorded once (another id is a conflict) and a recorded request cannot be unclaimed; a claim on a spent quota
    is a conflict that writes nothing; an unclaim removes the row and gives its count back."""
    store: PurgeStore = FakePurgeStore() if backend == "in-memory-fake" else TablePurgeStore()
    acc, at = _unique("acc"), datetime(2999, 1, 1, tzinfo=UTC)

    def claim(request_id: str, *, force: bool = False, count: int = 2) -> None:
        store.claim(acc, request_id, "2999-01", 3, force=force, count=count, expires_at=1, url="u", paths=["/p"], at=at)

    claim("r1")
    assert (store.used(acc, "2999-01"), store.get_request(acc, "r1")) == (2, PurgeRecord("Pending"))
    with pytest.raises(ConditionFailedError):
        claim("r1", force=True)
    assert store.used(acc, "2999-01") == 2
    store.set_invalidation(acc, "r1", "I1")
    store.set_invalidation(acc, "r1", "I1")
    with pytest.raises(ConditionFailedError):
        store.set_invalidation(acc, "r1", "I2")
    with pytest.raises(ConditionFailedError):
        store.unclaim(acc, "r1", "2999-01", 2)
    assert store.get_request(acc, "r1") == PurgeRecord("Pending", "I1")
    claim("r2", count=1)  # 2 < 3: counted, 3 now
    with pytest.raises(ConditionFailedError):
        claim("r3")
    assert (store.get_request(acc, "r3"), store.used(acc, "2999-01")) == (None, 3)
    claim("r3", force=True)
    assert store.used(acc, "2999-01") == 5
    store.unclaim(acc, "r3", "2999-01", 2)
    assert (store.get_request(acc, "r3"), store.used(acc, "2999-01")) == (None, 3)
    with pytest.raises(ConditionFailedError):
        store.set_invalidation(acc, "r3", "I3")


# ------------------------------------------------------------------ details: delete a file, update details


@pytest.mark.parametrize("backend", BACKENDS)
def test_details_and_delete_store_contract(stack: Any, backend: str) -> None:
    """Given a file with two versions, When its details are written (then again from a stale read) and it is
    deleted (first from a stale read), Then each backend: the details reach the current record and the current
    version's record only, a stale write changes nothing, and the delete leaves no file, version or path."""
    acc = _unique("acc")
    store: FileStore = FakeFileStore() if backend == "in-memory-fake" else TableFileStore()
    v1, v2 = _version(acc, "f1", 1, 0), _version(acc, "v2", 2, 1)
    store.create_file(v1, [])
    first = store.versioned(acc, "f1")
    assert first is not None
    store.add_version(v2, first)
    read = store.versioned(acc, "f1")
    assert read is not None
    later = read.item.updated_at.replace(year=2030)
    changed = read.item.model_copy(update={"tags": ["t"], "custom_metadata": {"n": 9.5}, "updated_at": later})
    store.update_details(read, changed)
    with pytest.raises(ConditionFailedError):
        store.update_details(read, changed.model_copy(update={"tags": ["stale"]}))  # read before the first write
    now = store.versioned(acc, "f1")
    assert now is not None and (now.item.tags, now.item.custom_metadata, now.item.updated_at) == (
        ["t"], {"n": 9.5}, later,
    )  # fmt: skip
    assert [(v.version_id, v.tags) for v in store.versions(acc, "f1")] == [("f1", None), ("v2", ["t"])]

    with pytest.raises(ConditionFailedError):
        store.delete_file(first, store.versions(acc, "f1"))  # stale: read before v2
    store.delete_file(now, store.versions(acc, "f1"))
    assert store.versioned(acc, "f1") is None and store.versions(acc, "f1") == []
    assert store.file_id_at(acc, "/v/a.png") is None
