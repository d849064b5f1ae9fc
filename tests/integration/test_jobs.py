"""Bulk jobs run the template's state machine against the real worker; the schedule resets once a month."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3

from medialib_local.schedule import Scheduler, scheduled_event
from medialib_local.template import ScheduleSpec
from tests.conftest import basic


def _wait_for_job(api: Any, key: str, job_id: str) -> dict[str, Any]:
    """The job's status once it is no longer Pending (polled; a minute at most)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job: dict[str, Any] = json.loads(api.get(f"/v1/bulkJobs/{job_id}", headers=basic(key)).get_data())
        if job["status"] != "Pending":
            return job
        time.sleep(0.05)
    raise TimeoutError(job_id)


def test_bulk_publish_runs_the_state_machine_and_reports_each_file(api: Any, account: Any, stack: Any) -> None:
    """Given two file ids that do not exist, When POST /v1/files/publish, Then 202 with a job id; the state
    machine runs the worker for each file; the job completes with both files reported failed, and the
    Step Functions execution itself succeeded (one bad file never fails the job)."""
    response = api.post(
        "/v1/files/publish",
        json={"fileIds": ["ghost1", "ghost2"], "isPublished": False},
        headers=basic(account.private_key),
    )
    assert response.status_code == 202
    job_id = json.loads(response.get_data())["jobId"]

    job = _wait_for_job(api, account.private_key, job_id)

    assert job["status"] == "Completed"
    assert (job["totalFiles"], job["succeededFiles"]) == (2, 0)
    assert sorted(f["fileId"] for f in job["failedFiles"]) == ["ghost1", "ghost2"]
    assert {f["reason"] for f in job["failedFiles"]} == {"FILE_NOT_FOUND"}
    assert "Traceback" not in json.dumps(job), "a client never sees a stack trace"
    sfn = boto3.client("stepfunctions")
    arn = stack.provisioned.physical["PublishStateMachine"].replace(":stateMachine:", ":execution:") + f":{job_id}"
    assert sfn.describe_execution(executionArn=arn)["status"] == "SUCCEEDED"


def test_bulk_job_is_invisible_to_another_account(api: Any, account: Any, other_account: Any) -> None:
    """Given a job of the dev account, When another account reads its status, Then 404, as for no job."""
    response = api.post(
        "/v1/files/publish", json={"fileIds": ["x"], "isPublished": True}, headers=basic(account.private_key)
    )
    job_id = json.loads(response.get_data())["jobId"]
    assert api.get(f"/v1/bulkJobs/{job_id}", headers=basic(other_account.private_key)).status_code == 404
    assert api.get(f"/v1/bulkJobs/{job_id}", headers=basic(account.private_key)).status_code == 200


def test_monthly_reset_is_idempotent(invoke: Any) -> None:
    """Given the schedule's event for January 2030, When delivered twice, Then the reset happens once."""
    schedule = ScheduleSpec("PurgeFunction", "MonthlyQuotaReset", "cron(0 0 1 * ? *)", None, True)
    event = scheduled_event(schedule, "arn:aws:events:us-east-1:123456789012:rule/r", datetime(2030, 1, 1, tzinfo=UTC))
    assert invoke("PurgeFunction", event) == {"reset": True, "period": "2030-01"}
    assert invoke("PurgeFunction", event) == {"reset": False, "period": "2030-01"}


def test_scheduler_fires_due_schedules_in_order() -> None:
    """Given a monthly schedule and a clock that jumps past two month starts, When the scheduler runs,
    Then it fires on the 1st of each month at 00:00 UTC, in order."""
    start = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)
    ticks = iter([start] + [start + timedelta(days=70)] * 50)
    fired: list[datetime] = []
    done = threading.Event()

    def fire(_: ScheduleSpec, at: datetime) -> None:
        fired.append(at)
        if len(fired) == 2:
            done.set()

    schedule = ScheduleSpec("PurgeFunction", "MonthlyQuotaReset", "cron(0 0 1 * ? *)", None, True)
    scheduler = Scheduler([schedule], fire, clock=lambda: next(ticks))
    scheduler.start()
    assert done.wait(5)
    scheduler.stop()
    assert fired[:2] == [datetime(2026, 12, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)]
