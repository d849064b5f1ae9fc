"""Each service with its store (and Step Functions) replaced by an in-memory fake: no AWS, milliseconds."""

from __future__ import annotations

import pytest

from medialib.accounts import service as accounts
from medialib.fields import service as fields
from medialib.files import service as files
from medialib.jobs import service as jobs
from medialib.publish import service as publish
from medialib.purge import service as purge
from medialib.upload import auth as upload_auth
from tests.unit.services.fakes import (
    FakeAccountStore,
    FakeBlobs,
    FakeFieldStore,
    FakeFileStore,
    FakeJobStore,
    FakePurgeStore,
    FakeUploadTokenStore,
    FakeWorkflows,
)


@pytest.fixture
def file_store(monkeypatch: pytest.MonkeyPatch) -> FakeFileStore:
    store = FakeFileStore()
    monkeypatch.setattr(files, "store", store)
    return store


@pytest.fixture(autouse=True)
def job_store(monkeypatch: pytest.MonkeyPatch) -> FakeJobStore:
    """Every step of a job may renew its lease (medialib.jobs.service.renew): no unit test reaches the table."""
    store = FakeJobStore()
    monkeypatch.setattr(jobs, "store", store)
    return store


@pytest.fixture
def account_store(monkeypatch: pytest.MonkeyPatch) -> FakeAccountStore:
    store = FakeAccountStore()
    monkeypatch.setattr(accounts, "store", store)
    return store


@pytest.fixture
def purge_store(monkeypatch: pytest.MonkeyPatch) -> FakePurgeStore:
    store = FakePurgeStore()
    monkeypatch.setattr(purge, "store", store)
    return store


@pytest.fixture
def workflows(monkeypatch: pytest.MonkeyPatch) -> FakeWorkflows:
    fake = FakeWorkflows()
    monkeypatch.setattr(publish, "workflows", fake)
    return fake


@pytest.fixture
def blob_store(monkeypatch: pytest.MonkeyPatch) -> FakeBlobs:
    fake = FakeBlobs()
    monkeypatch.setattr(files, "originals", fake)
    return fake


@pytest.fixture
def upload_tokens(monkeypatch: pytest.MonkeyPatch) -> FakeUploadTokenStore:
    store = FakeUploadTokenStore()
    monkeypatch.setattr(upload_auth, "tokens", store)
    return store


@pytest.fixture(autouse=True)
def field_store(monkeypatch: pytest.MonkeyPatch) -> FakeFieldStore:
    """Custom metadata fields in memory, for every service test: uploads check their custom metadata against
    the account's fields (none unless a test creates some)."""
    store = FakeFieldStore()
    monkeypatch.setattr(fields, "store", store)
    return store
