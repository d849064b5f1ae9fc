"""A bulk job's status moves once, PENDING -> RUNNING -> SUCCEEDED | FAILED, however often the state machine
repeats a step: every transition is tried twice and from the wrong state, through the real publish worker
(PublishWorkerFunction, actions start / finish / fail) on the moto stack, and read back as a client reads it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest

from medialib_local.functions import FunctionError
from tests.conftest import basic

OUTCOME_A = [
    {"fileId": "a1", "status": "SUCCEEDED"},
    {"fileId": "b2", "status": "FAILED", "reason": "FILE_NOT_FOUND", "message": "File b2 does not exist."},
]
OUTCOME_B = [{"fileId": "a1", "status": "SUCCEEDED"}, {"fileId": "b2", "status": "SUCCEEDED"}]
REFUSED = "refused"


@dataclass(frozen=True)
class Step:
    action: str
    results: tuple[dict[str, Any], ...] = ()

    def event(self, account_id: str, job_id: str) -> dict[str, Any]:
        event: dict[str, Any] = {"action": self.action, "accountId": account_id, "jobId": job_id}
        if self.action == "finish":
            event["results"] = list(self.results)
        if self.action == "fail":
            event["error"] = {"Error": "States.Timeout", "Cause": "Traceback (most recent call last): ..."}
        return event


START = Step("start")
FINISH_A = Step("finish", tuple(OUTCOME_A))
FINISH_B = Step("finish", tuple(OUTCOME_B))
FAIL = Step("fail")


@dataclass(frozen=True)
class Case:
    steps: tuple[Step, ...]
    answers: tuple[str, ...]  # what the worker returns for each step (its ``status``), or REFUSED
    status: str  # what GET /v1/bulkJobs/{id} says afterwards
    succeeded: int
    failed_files: tuple[str | None, ...]  # the fileId of each failure (None: the whole job)


CASES = {
    "start-twice-is-running-once": Case((START, START), ("RUNNING", "RUNNING"), "Pending", 0, ()),
    "finished-job-is-not-closed-again-by-a-second-finish": Case(
        (START, FINISH_A, FINISH_B), ("RUNNING", "SUCCEEDED", "SUCCEEDED"), "Completed", 1, ("b2",)
    ),
    "finished-job-is-not-closed-again-by-fail": Case(
        (START, FINISH_A, FAIL), ("RUNNING", "SUCCEEDED", "SUCCEEDED"), "Completed", 1, ("b2",)
    ),
    "failed-job-is-not-closed-again-by-finish": Case(
        (START, FAIL, FINISH_B), ("RUNNING", "FAILED", "FAILED"), "Failed", 0, (None,)
    ),
    "failed-job-is-not-closed-again-by-a-second-fail": Case(
        (START, FAIL, FAIL), ("RUNNING", "FAILED", "FAILED"), "Failed", 0, (None,)
    ),
    "finished-job-is-never-marked-running-again": Case(
        (START, FINISH_A, START), ("RUNNING", "SUCCEEDED", REFUSED), "Completed", 1, ("b2",)
    ),
    "failed-job-is-never-marked-running-again": Case((FAIL, START), ("FAILED", REFUSED), "Failed", 0, (None,)),
    "pending-job-can-be-failed-before-it-starts": Case((FAIL,), ("FAILED",), "Failed", 0, (None,)),
}


def _job(api: Any, key: str, job_id: str) -> dict[str, Any]:
    response = api.get(f"/v1/bulkJobs/{job_id}", headers=basic(key))
    assert response.status_code == 200
    job: dict[str, Any] = json.loads(response.get_data())
    return job


def _run(invoke: Any, event: dict[str, Any]) -> str:
    try:
        return str(invoke("PublishWorkerFunction", event)["status"])
    except FunctionError:
        return REFUSED


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_job_transition_happens_once_and_never_from_a_closed_state(
    api: Any, invoke: Any, account: Any, case: Case
) -> None:
    """Given a PENDING job of two files, When the worker gets the steps of the case (a repeat, or a step from
    a state it cannot leave), Then each step answers as the state allows (a repeat is a no-op, reopening a
    closed job is refused), and the client reads the first outcome, never one a later step wrote."""
    from medialib.jobs import service as jobs

    job = jobs.create_job(account.account_id, "PUBLISH_FILES", 2, {"fileIds": ["a1", "b2"]})

    answers = tuple(_run(invoke, step.event(account.account_id, job.job_id)) for step in case.steps)

    assert answers == case.answers
    seen = _job(api, account.private_key, job.job_id)
    assert (seen["status"], seen["succeededFiles"]) == (case.status, case.succeeded)
    assert tuple(f.get("fileId") for f in seen["failedFiles"]) == case.failed_files
    assert "Traceback" not in json.dumps(seen), "a failure's cause (a stack trace) is never shown"


@pytest.mark.parametrize("action", ["start", "finish", "fail"], ids=lambda a: f"{a}-of-an-unknown-job-is-refused")
def test_transition_of_an_unknown_job_is_refused(api: Any, invoke: Any, account: Any, action: str) -> None:
    """Given no such job, When the worker gets a step for it, Then the step fails (the state machine sees an
    error) and no job appears."""
    job_id = f"nosuchjob{action}"

    assert _run(invoke, Step(action).event(account.account_id, job_id)) == REFUSED
    assert api.get(f"/v1/bulkJobs/{job_id}", headers=basic(account.private_key)).status_code == 404
