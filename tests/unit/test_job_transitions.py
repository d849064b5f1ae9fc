"""Bulk job transitions (``medialib.jobs.service``) in milliseconds: PENDING -> RUNNING -> SUCCEEDED | FAILED,
each tried twice and from every state, against an in-memory stand-in for the job's storage.

The stand-in replaces ``medialib.adapters.table`` as the jobs service sees it, and keeps DynamoDB's rules that
the transitions rely on: a condition on a missing attribute is false, an update of a missing item creates it,
and a placeholder the expressions never use is refused. When ``jobs/store.py`` exists, the stand-in becomes a
fake of that store and these tests stay as they are: they speak only through the service's public functions.
The same transitions run on moto through the real worker in tests/integration/test_job_transitions.py.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pytest

from medialib.adapters.errors import ConditionFailedError
from medialib.errors import BadRequestError, NotFoundError
from medialib.jobs import service as jobs
from medialib.jobs.models import JobStatus

Item = dict[str, Any]


class InMemoryTable:
    """get / put / update of ``medialib.adapters.table`` on a dict, for the expressions the jobs service uses:
    ``SET a = :x, #b = :y`` and conditions ``#s = :v`` and ``#s IN (:v, :w)``."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], Item] = {}

    def get(self, pk: str, sk: str, *, consistent: bool = True) -> Item | None:
        item = self.items.get((pk, sk))
        return copy.deepcopy(item) if item is not None else None

    def put(self, item: Mapping[str, Any], *, only_if_new: bool = False) -> None:
        key = (item["PK"], item["SK"])
        if only_if_new and key in self.items:
            raise ConditionFailedError()
        self.items[key] = {k: copy.deepcopy(v) for k, v in item.items() if v is not None}

    def update(
        self,
        pk: str,
        sk: str,
        *,
        expression: str,
        values: Mapping[str, Any],
        names: Mapping[str, str] | None = None,
        condition: str | None = None,
    ) -> Item:
        names = names or {}
        used = f"{expression} {condition or ''}"
        unused = [p for p in [*values, *names] if not re.search(re.escape(p) + r"\b", used)]
        if unused:  # DynamoDB: "Value provided in ExpressionAttributeValues unused in expressions"
            raise BadRequestError(f"unused placeholders {unused}")
        current = self.items.get((pk, sk))
        if condition and not _holds(condition, current or {}, values, names):
            raise ConditionFailedError()
        item = current if current is not None else {"PK": pk, "SK": sk}
        match = re.fullmatch(r"SET (.+)", expression.strip())
        assert match, f"the stand-in does not know {expression!r}"
        for assignment in match.group(1).split(","):
            target, _, source = (part.strip() for part in assignment.partition("="))
            item[names.get(target, target)] = copy.deepcopy(values[source])
        self.items[(pk, sk)] = item
        return copy.deepcopy(item)


def _holds(condition: str, item: Item, values: Mapping[str, Any], names: Mapping[str, str]) -> bool:
    missing = object()
    equals = re.fullmatch(r"(\S+) = (:\w+)", condition.strip())
    within = re.fullmatch(r"(\S+) IN \(([^)]*)\)", condition.strip())
    if equals:
        attribute, options = equals.group(1), [equals.group(2)]
    elif within:
        attribute, options = within.group(1), [o.strip() for o in within.group(2).split(",")]
    else:
        raise AssertionError(f"the stand-in does not know {condition!r}")
    value = item.get(names.get(attribute, attribute), missing)
    return value is not missing and any(value == values[option] for option in options)


@pytest.fixture
def table(monkeypatch: pytest.MonkeyPatch) -> Iterator[InMemoryTable]:
    fake = InMemoryTable()
    monkeypatch.setattr(jobs, "table", fake)
    yield fake


ACCOUNT = "acme"
OK = {"fileId": "a1", "status": "SUCCEEDED"}
NOT_FOUND = {"fileId": "b2", "status": "FAILED", "reason": "FILE_NOT_FOUND", "message": "File b2 does not exist."}
CRASHED = {"fileId": "c3", "status": "FAILED", "Error": "KeyError", "Cause": "Traceback (most recent call last)"}


def new_job(total: int = 3) -> str:
    return jobs.create_job(ACCOUNT, "PUBLISH_FILES", total, {"fileIds": ["a1", "b2", "c3"][:total]}).job_id


def status_of(job_id: str) -> str:
    return jobs.get_job(ACCOUNT, job_id).status


# --- create and read -----------------------------------------------------------------------------------


def test_new_job_is_pending_with_its_totals(table: InMemoryTable) -> None:
    """Given a bulk request of 3 files, When its job is created, Then it reads Pending, 3 files, none done,
    stored under the account (another account does not see it)."""
    job_id = new_job()

    job = jobs.get_job(ACCOUNT, job_id)

    assert (job.job_id, job.type, job.status) == (job_id, "PUBLISH_FILES", "Pending")
    assert (job.total_files, job.succeeded_files, job.failed_files) == (3, 0, [])
    with pytest.raises(NotFoundError):
        jobs.get_job("someone-else", job_id)


def test_each_job_gets_its_own_id(table: InMemoryTable) -> None:
    """Given two requests, When their jobs are created, Then two ids, two jobs."""
    assert new_job() != new_job()
    assert len(table.items) == 2


def test_job_id_already_taken_is_refused(table: InMemoryTable, monkeypatch: pytest.MonkeyPatch) -> None:
    """Given a job id that is already taken (a uuid collision), When a job is created with it, Then the
    write is refused rather than replacing the other job."""
    job_id = new_job()
    monkeypatch.setattr("uuid.uuid4", lambda: SimpleNamespace(hex=job_id))
    with pytest.raises(ConditionFailedError):
        new_job()


def test_job_is_stored_as_the_data_model_lays_it_out(table: InMemoryTable) -> None:
    """Given a new job, When stored, Then one item under ``ACCOUNT#{acc}#JOB#{jobId}`` / ``JOB``
    (docs/data-model.md: jobs written by one version are read by the next), its fields by their wire names,
    and the request it carries out."""
    job_id = new_job(2)

    assert list(table.items) == [(f"ACCOUNT#{ACCOUNT}#JOB#{job_id}", "JOB")]
    item = table.items[(f"ACCOUNT#{ACCOUNT}#JOB#{job_id}", "JOB")]
    assert {k: item[k] for k in ("accountId", "jobId", "type", "status", "total", "payload")} == {
        "accountId": ACCOUNT,
        "jobId": job_id,
        "type": "PUBLISH_FILES",
        "status": "PENDING",
        "total": 2,
        "payload": {"fileIds": ["a1", "b2"]},
    }


def test_unknown_job_is_404_job_not_found(table: InMemoryTable) -> None:
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
def test_public_status_is_imagekits(table: InMemoryTable, stored: JobStatus, public: str) -> None:
    """Given a job in each stored state, When read, Then ImageKit's status word (Pending | Completed | Failed)."""
    job_id = new_job()
    pk, sk = jobs.job_key(ACCOUNT, job_id)
    table.items[(pk, sk)]["status"] = stored.value
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
def test_transition_from_each_state(table: InMemoryTable, case: Case) -> None:
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


def test_running_is_stored_as_running(table: InMemoryTable) -> None:
    """Given a pending job, When started, Then its stored status is RUNNING (the public word stays Pending)."""
    job_id = new_job()
    START(job_id)
    assert table.items[jobs.job_key(ACCOUNT, job_id)]["status"] == "RUNNING"


@pytest.mark.parametrize("action", [START, FINISH, FAIL], ids=["start", "finish", "fail"])
def test_transition_of_an_unknown_job_is_refused_and_creates_nothing(table: InMemoryTable, action: Action) -> None:
    """Given no such job, When any step runs for it, Then it is refused (404 for closing, a lost condition
    for starting) and no job item appears."""
    with pytest.raises((NotFoundError, ConditionFailedError)) as caught:
        action("nosuchjob")
    if action is not START:
        assert isinstance(caught.value, NotFoundError)
        assert (caught.value.reason, caught.value.message) == ("JOB_NOT_FOUND", "The requested job does not exist.")
    assert table.items == {}


# --- what a finished or failed job tells the client ----------------------------------------------------


def test_finished_job_reports_each_failed_file_with_its_reason_never_a_cause(table: InMemoryTable) -> None:
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
        {"fileId": "c3", "reason": "INTERNAL_ERROR", "message": jobs.UNEXPECTED},
    ]
    assert jobs.UNEXPECTED == "The file could not be processed; the error was logged."


def test_failed_job_keeps_only_the_error_name(table: InMemoryTable) -> None:
    """Given a job whose execution failed with an error name (and a cause), When recorded, Then the failure
    names the error as its reason with a generic message, and nothing succeeded."""
    job_id = new_job()
    jobs.fail(ACCOUNT, job_id, "States.Timeout")
    job = jobs.get_job(ACCOUNT, job_id)
    assert (job.status, job.succeeded_files) == ("Failed", 0)
    assert job.failed_files == [{"reason": "States.Timeout", "message": "The job could not be completed."}]


def test_failure_without_an_error_name_is_internal_error(table: InMemoryTable) -> None:
    """Given a failure that carries no error name, When recorded, Then its reason is INTERNAL_ERROR."""
    job_id = new_job()
    jobs.fail(ACCOUNT, job_id, None)
    assert jobs.get_job(ACCOUNT, job_id).failed_files[0]["reason"] == "INTERNAL_ERROR"


def test_results_of_all_successes_leave_no_failures(table: InMemoryTable) -> None:
    """Given every file succeeded, When the job finishes, Then all are counted and no failure is listed."""
    job_id = new_job()
    START(job_id)
    assert FINISH_ALL_OK(job_id) == JobStatus.SUCCEEDED
    job = jobs.get_job(ACCOUNT, job_id)
    assert (job.succeeded_files, job.failed_files) == (3, [])
