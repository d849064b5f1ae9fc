"""Bulk job transitions (``medialib.jobs.service``) in milliseconds: PENDING -> RUNNING -> SUCCEEDED | FAILED,
each tried twice and from every state, against the in-memory job store (tests/integration/test_stores.py holds
it to the real store's contract). The same transitions run on moto through the real worker in
tests/integration/test_job_transitions.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pytest

from medialib.adapters.errors import ConditionFailedError
from medialib.errors import NotFoundError, TooManyJobsError
from medialib.jobs import service as jobs
from medialib.jobs.models import JobStatus
from medialib.jobs.rules import UNEXPECTED
from tests.unit.services.fakes import FakeJobStore

ACCOUNT = "acme"
OK = {"fileId": "a1", "status": "SUCCEEDED"}
NOT_FOUND = {"fileId": "b2", "status": "FAILED", "reason": "FILE_NOT_FOUND", "message": "File b2 does not exist."}
CRASHED = {"fileId": "c3", "status": "FAILED", "Error": "KeyError", "Cause": "Traceback (most recent call last)"}


def new_job(total: int = 3) -> str:
    return jobs.create_job(ACCOUNT, "PUBLISH_FILES", total, {"fileIds": ["a1", "b2", "c3"][:total]}).job_id


def status_of(job_id: str) -> str:
    return jobs.get_job(ACCOUNT, job_id).status


# --- create and read -----------------------------------------------------------------------------------


def test_new_job_is_pending_with_its_totals(job_store: FakeJobStore) -> None:
    """Given a bulk request of 3 files, When its job is created, Then it reads Pending, 3 files, none done,
    stored under the account (another account does not see it)."""
    job_id = new_job()

    job = jobs.get_job(ACCOUNT, job_id)

    assert (job.job_id, job.type, job.status) == (job_id, "PUBLISH_FILES", "Pending")
    assert (job.total_files, job.succeeded_files, job.failed_files) == (3, 0, [])
    with pytest.raises(NotFoundError):
        jobs.get_job("someone-else", job_id)


def test_each_job_gets_its_own_id(job_store: FakeJobStore) -> None:
    """Given two requests, When their jobs are created, Then two ids, two jobs."""
    assert new_job() != new_job()
    assert len(job_store.jobs) == 2


def test_job_id_already_taken_is_refused(job_store: FakeJobStore, monkeypatch: pytest.MonkeyPatch) -> None:
    """Given a job id that is already taken (a uuid collision), When a job is created with it, Then the
    write is refused rather than replacing the other job (a refused start: the transaction that records the job and
    its slot cannot tell which of its conditions failed, and a retry draws another id)."""
    job_id = new_job()
    before = job_store.jobs[(ACCOUNT, job_id)]
    monkeypatch.setattr("uuid.uuid4", lambda: SimpleNamespace(hex=job_id))
    with pytest.raises(TooManyJobsError):
        new_job()
    assert job_store.jobs[(ACCOUNT, job_id)] == before


def test_unknown_job_is_404_job_not_found(job_store: FakeJobStore) -> None:
    """Given no such job, When read, Then 404 JOB_NOT_FOUND."""
    with pytest.raises(NotFoundError) as caught:
        jobs.get_job(ACCOUNT, "nosuchjob")
    assert (caught.value.reason, caught.value.message) == ("JOB_NOT_FOUND", "The requested job does not exist.")


@pytest.mark.parametrize(
    ("stored", "public"),
    [(JobStatus.PENDING, "Pending"), (JobStatus.RUNNING, "Pending"), (JobStatus.SUCCEEDED, "Completed"),
     (JobStatus.FAILED, "Failed")],
    ids=["pending-reads-pending", "running-reads-pending", "succeeded-reads-completed", "failed-reads-failed"],
)  # fmt: skip
def test_public_status_is_imagekits(job_store: FakeJobStore, stored: JobStatus, public: str) -> None:
    """Given a job in each stored state, When read, Then ImageKit's status word (Pending | Completed | Failed)."""
    job_id = new_job()
    job_store.jobs[(ACCOUNT, job_id)].status = stored
    assert status_of(job_id) == public


# --- transitions: every action, twice, from every state ----------------------------------------------


Action = Callable[[str], Any]
START: Action = lambda job_id: jobs.mark_running(ACCOUNT, job_id)  # noqa: E731
FINISH: Action = lambda job_id: jobs.finish(ACCOUNT, job_id, [OK, NOT_FOUND, CRASHED])  # noqa: E731
FINISH_ALL_OK: Action = lambda job_id: jobs.finish(ACCOUNT, job_id, [OK, OK, OK])  # noqa: E731
FAIL: Action = lambda job_id: jobs.fail(ACCOUNT, job_id, "States.Timeout")  # noqa: E731


@dataclass(frozen=True)
class Case:
    before: tuple[Action, ...]  # brings the job to the state under test
    action: Action
    returns: Any  # what the action returns, or the exception type it raises
    status: str  # the public status afterwards
    succeeded: int


CASES = {
    "pending-starts": Case((), START, None, "Pending", 0),
    "running-starts-again-as-a-no-op": Case((START,), START, None, "Pending", 0),
    "succeeded-is-never-marked-running": Case((START, FINISH), START, ConditionFailedError, "Completed", 1),
    "failed-is-never-marked-running": Case((FAIL,), START, ConditionFailedError, "Failed", 0),
    "running-finishes": Case((START,), FINISH, JobStatus.SUCCEEDED, "Completed", 1),
    "pending-finishes": Case((), FINISH, JobStatus.SUCCEEDED, "Completed", 1),
    "succeeded-is-not-closed-again-by-finish": Case((START, FINISH), FINISH_ALL_OK, JobStatus.SUCCEEDED, "Completed", 1),
    "failed-is-not-closed-again-by-finish": Case((START, FAIL), FINISH_ALL_OK, JobStatus.FAILED, "Failed", 0),
    "running-fails": Case((START,), FAIL, JobStatus.FAILED, "Failed", 0),
    "pending-fails": Case((), FAIL, JobStatus.FAILED, "Failed", 0),
    "succeeded-is-not-closed-again-by-fail": Case((START, FINISH), FAIL, JobStatus.SUCCEEDED, "Completed", 1),
    "failed-is-not-closed-again-by-fail": Case((FAIL,), FAIL, JobStatus.FAILED, "Failed", 0),
}  # fmt: skip


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_transition_from_each_state(job_store: FakeJobStore, case: Case) -> None:
    """Given a job brought to a state, When the state machine's step runs (again, or out of order), Then it
    moves the job only forward and only once: a repeat is a no-op that reports the state the job is in,
    reopening a closed job is refused, and the outcome first recorded is the one a client reads."""
    job_id = new_job()
    for step in case.before:
        step(job_id)

    if isinstance(case.returns, type) and issubclass(case.returns, Exception):
        with pytest.raises(case.returns):
            case.action(job_id)
    else:
        assert case.action(job_id) == case.returns

    job = jobs.get_job(ACCOUNT, job_id)
    assert (job.status, job.succeeded_files) == (case.status, case.succeeded)


def test_running_is_stored_as_running(job_store: FakeJobStore) -> None:
    """Given a pending job, When started, Then its stored status is RUNNING (the public word stays Pending)."""
    job_id = new_job()
    START(job_id)
    assert job_store.jobs[(ACCOUNT, job_id)].status is JobStatus.RUNNING


@pytest.mark.parametrize("action", [START, FINISH, FAIL], ids=["start", "finish", "fail"])
def test_transition_of_an_unknown_job_is_refused_and_creates_nothing(job_store: FakeJobStore, action: Action) -> None:
    """Given no such job, When any step runs for it, Then it is refused (404 for closing, a lost condition
    for starting) and no job item appears."""
    with pytest.raises((NotFoundError, ConditionFailedError)) as caught:
        action("nosuchjob")
    if action is not START:
        assert isinstance(caught.value, NotFoundError)
        assert (caught.value.reason, caught.value.message) == ("JOB_NOT_FOUND", "The requested job does not exist.")
    assert job_store.jobs == {}


# --- what a finished or failed job tells the client ----------------------------------------------------


def test_finished_job_reports_each_failed_file_with_its_reason_never_a_cause(job_store: FakeJobStore) -> None:
    """Given results of one success, one known failure and one crash (a Lambda error with a stack trace),
    When the job finishes, Then 1 succeeded, the known failure with its reason and message, and the crash as
    INTERNAL_ERROR with a generic message: no Error name, no Cause, no trace."""
    job_id = new_job()
    START(job_id)
    FINISH(job_id)

    job = jobs.get_job(ACCOUNT, job_id)

    assert job.succeeded_files == 1
    assert job.failed_files == [
        {"fileId": "b2", "reason": "FILE_NOT_FOUND", "message": "File b2 does not exist."},
        {"fileId": "c3", "reason": "INTERNAL_ERROR", "message": UNEXPECTED},
    ]
    assert UNEXPECTED == "The file could not be processed; the error was logged."


def test_failed_job_keeps_only_the_error_name(job_store: FakeJobStore) -> None:
    """Given a job whose execution failed with an error name (and a cause), When recorded, Then the failure
    names the error as its reason with a generic message, and nothing succeeded."""
    job_id = new_job()
    jobs.fail(ACCOUNT, job_id, "States.Timeout")
    job = jobs.get_job(ACCOUNT, job_id)
    assert (job.status, job.succeeded_files) == ("Failed", 0)
    assert job.failed_files == [{"reason": "States.Timeout", "message": "The job could not be completed."}]


def test_failure_without_an_error_name_is_internal_error(job_store: FakeJobStore) -> None:
    """Given a failure that carries no error name, When recorded, Then its reason is INTERNAL_ERROR."""
    job_id = new_job()
    jobs.fail(ACCOUNT, job_id, None)
    assert jobs.get_job(ACCOUNT, job_id).failed_files[0]["reason"] == "INTERNAL_ERROR"


def test_results_of_all_successes_leave_no_failures(job_store: FakeJobStore) -> None:
    """Given every file succeeded, When the job finishes, Then all are counted and no failure is listed."""
    job_id = new_job()
    START(job_id)
    assert FINISH_ALL_OK(job_id) == JobStatus.SUCCEEDED
    job = jobs.get_job(ACCOUNT, job_id)
    assert (job.succeeded_files, job.failed_files) == (3, [])
