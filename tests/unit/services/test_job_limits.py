"""Bulk jobs in flight per account (docs/jobs-limits.md), against in-memory stores: the limit, what frees a slot,
and a slot whose job died."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from medialib.errors import InternalError, ServiceUnavailableError, TooManyJobsError
from medialib.jobs import rules
from medialib.jobs import service as jobs
from medialib.jobs.models import JobItem, JobStatus
from medialib.publish import service as publish
from medialib.publish.models import BulkPublishRequest
from medialib.settings import clear_settings
from tests.unit.services.fakes import FakeJobStore, FakeWorkflows

ACCOUNT = "acme"
OTHER = "globex"
ARN = "arn:aws:states:us-east-1:123456789012:stateMachine:publish"
NOW = 1_800_000_000.0


@pytest.fixture(autouse=True)
def limit_of_two(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("MAX_JOBS_IN_FLIGHT_PER_ACCOUNT", "2")
    monkeypatch.setattr(jobs, "clock", lambda: NOW)
    clear_settings()
    yield
    clear_settings()


def new_job(account: str = ACCOUNT) -> str:
    return jobs.create_job(account, "PUBLISH_FILES", 1, {"fileIds": ["f1"]}).job_id


def test_a_start_beyond_the_limit_is_refused_and_writes_nothing(job_store: FakeJobStore) -> None:
    """Given an account with 2 jobs in flight and a limit of 2, When a third starts, Then 429 TOO_MANY_JOBS_IN_FLIGHT,
    retryable after Retry-After seconds, and no job was recorded."""
    new_job(), new_job()

    with pytest.raises(TooManyJobsError) as refused:
        new_job()

    error = refused.value
    assert (error.status, error.reason, error.retryable) == (429, "TOO_MANY_JOBS_IN_FLIGHT", True)
    assert error.retry_after == rules.RETRY_AFTER_SECONDS
    assert "2 bulk jobs in progress" in error.message
    assert len(job_store.jobs) == 2


def test_another_account_is_unaffected(job_store: FakeJobStore) -> None:
    """Given an account at its limit, When another account starts a job, Then it starts."""
    new_job(), new_job()
    new_job(OTHER)
    assert len(job_store.slots[OTHER]) == 1


@pytest.mark.parametrize(
    "close",
    [
        lambda job_id: jobs.finish(ACCOUNT, job_id, [{"fileId": "f1", "status": "SUCCEEDED"}]),
        lambda job_id: jobs.fail(ACCOUNT, job_id, "States.Timeout"),
    ],
    ids=["a-completed-job-frees-its-slot", "a-failed-job-frees-its-slot"],
)
def test_a_job_that_ends_frees_its_slot_once(job_store: FakeJobStore, close: Callable[[str], object]) -> None:
    """Given an account at its limit, When one of its jobs ends (twice, as a retried step would), Then one slot is
    free: one more job starts, and the next is refused again."""
    first, _ = new_job(), new_job()
    close(first)
    close(first)

    new_job()
    with pytest.raises(TooManyJobsError):
        new_job()


def test_a_job_whose_execution_cannot_start_frees_its_slot(job_store: FakeJobStore, workflows: FakeWorkflows) -> None:
    """Given StartExecution failing, When a bulk publish is requested, Then its job is Failed and holds no slot."""
    workflows.pending.append(ServiceUnavailableError())
    request = BulkPublishRequest.model_validate({"fileIds": ["f1"], "isPublished": True})
    with pytest.raises(ServiceUnavailableError):
        publish.request_bulk_publish(ACCOUNT, request, ARN)

    [job] = job_store.jobs.values()
    assert job.status is JobStatus.FAILED
    assert job_store.slots[ACCOUNT] == set()


def test_a_job_that_neither_starts_nor_closes_keeps_the_start_error(
    job_store: FakeJobStore, workflows: FakeWorkflows, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given StartExecution failing and then closing the job failing too, When a bulk publish is requested, Then
    the client gets the start's error (not the close's), and the job is left to its lease."""
    workflows.pending.append(ServiceUnavailableError())

    def cannot_close(*_: object) -> JobStatus:
        raise InternalError

    monkeypatch.setattr(jobs, "fail", cannot_close)
    request = BulkPublishRequest.model_validate({"fileIds": ["f1"], "isPublished": True})
    with pytest.raises(ServiceUnavailableError):
        publish.request_bulk_publish(ACCOUNT, request, ARN)
    [job] = job_store.jobs.values()
    assert job.status is JobStatus.PENDING and job.lease_until is not None


def test_a_job_whose_lease_ran_out_is_closed_and_its_slot_reused(
    job_store: FakeJobStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given an account at its limit, one job renewed by a step and one silent past its lease (its execution died
    without closing it), When a job starts, Then the silent job reads Failed (LEASE_EXPIRED), the new one starts in
    its slot, and the renewed one keeps its own."""
    silent, alive = new_job(), new_job()
    monkeypatch.setattr(jobs, "clock", lambda: NOW + rules.LEASE_SECONDS - 1)
    jobs.run_step(ACCOUNT, alive, "start", {})
    monkeypatch.setattr(jobs, "clock", lambda: NOW + rules.LEASE_SECONDS + 1)

    started = new_job()

    assert job_store.slots[ACCOUNT] == {alive, started}
    answer = jobs.get_job(ACCOUNT, silent)
    assert (answer.status, answer.failed_files[0]["reason"]) == ("Failed", "LEASE_EXPIRED")
    with pytest.raises(TooManyJobsError):
        new_job()


def test_reading_a_job_whose_lease_ran_out_closes_it_and_frees_its_slot(
    job_store: FakeJobStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given a job silent past its lease and an account below its limit (no start reclaims it), When the client
    reads the job, Then it is Failed (LEASE_EXPIRED), not Running forever, and its slot is free."""
    silent = new_job()
    jobs.run_step(ACCOUNT, silent, "start", {})
    monkeypatch.setattr(jobs, "clock", lambda: NOW + rules.LEASE_SECONDS + 1)

    answer = jobs.get_job(ACCOUNT, silent)

    assert (answer.status, answer.failed_files[0]["reason"]) == ("Failed", "LEASE_EXPIRED")
    assert silent not in job_store.slots[ACCOUNT]


def test_a_job_within_its_lease_is_read_as_it_is(job_store: FakeJobStore, monkeypatch: pytest.MonkeyPatch) -> None:
    """Given a running job within its lease, When the client reads it, Then it is Pending (ImageKit's word for a job
    in progress) and keeps its slot."""
    alive = new_job()
    jobs.run_step(ACCOUNT, alive, "start", {})
    monkeypatch.setattr(jobs, "clock", lambda: NOW + rules.LEASE_SECONDS - 1)

    assert jobs.get_job(ACCOUNT, alive).status == "Pending"
    assert alive in job_store.slots[ACCOUNT]


def test_a_late_step_of_a_reclaimed_job_changes_nothing(
    job_store: FakeJobStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given a job closed when its lease ran out, When a late step of it renews and finishes, Then it stays Failed
    and takes no slot back."""
    silent, _ = new_job(), new_job()
    monkeypatch.setattr(jobs, "clock", lambda: NOW + rules.LEASE_SECONDS + 1)
    new_job()

    jobs.run_step(ACCOUNT, silent, "purge", {"purge": dict})
    assert jobs.finish(ACCOUNT, silent, []) is JobStatus.FAILED
    assert silent not in job_store.slots[ACCOUNT]


@pytest.mark.parametrize(
    ("action", "renews"),
    [("start", True), ("batch", True), ("purge", True), ("file", False), ("finish", False), ("fail", False)],
    ids=["start-renews", "batch-renews", "purge-renews", "file-is-quiet", "finish-closes", "fail-closes"],
)
def test_which_steps_renew_a_lease(action: str, renews: bool) -> None:
    assert rules.renews(action) is renews


@pytest.mark.parametrize(
    ("job", "holds"),
    [
        (None, False),
        (JobItem(account_id="a", job_id="j", type="t", status=JobStatus.RUNNING, lease_until=101), True),
        (JobItem(account_id="a", job_id="j", type="t", status=JobStatus.PENDING, lease_until=100), False),
        (JobItem(account_id="a", job_id="j", type="t", status=JobStatus.SUCCEEDED, lease_until=101), False),
        (JobItem(account_id="a", job_id="j", type="t", status=JobStatus.RUNNING), False),
    ],
    ids=["no-job-holds-nothing", "live-lease-holds", "lease-run-out", "ended-job", "no-lease"],
)
def test_whether_a_job_holds_its_slot(job: JobItem | None, holds: bool) -> None:
    assert rules.holds_slot(job, 100) is holds
