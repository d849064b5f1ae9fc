"""Bulk jobs in flight per account through the local stack (docs/jobs-limits.md): the routes that start a job refuse
one beyond the limit with 429 and write nothing; a job that ends frees its slot; concurrent starts never exceed the
limit; another account is unaffected."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import pytest
from boto3.dynamodb.conditions import Attr

from medialib.errors import TooManyJobsError
from medialib.jobs import service as jobs
from medialib.jobs.store import TableJobStore
from medialib.settings import clear_settings
from tests.conftest import basic
from tests.integration.test_jobs import _wait_for_job

LIMIT = 2


@pytest.fixture
def limit_of(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[int], None]]:
    """``limit_of(n)``: the functions read MAX_JOBS_IN_FLIGHT_PER_ACCOUNT = n (the template parameter's variable)."""

    def set_limit(limit: int) -> None:
        monkeypatch.setenv("MAX_JOBS_IN_FLIGHT_PER_ACCOUNT", str(limit))
        clear_settings()

    yield set_limit
    clear_settings()


def _new_account() -> Any:
    """A fresh account, so that no job of another test counts against its limit."""
    from medialib.accounts.models import Account
    from medialib.accounts.service import seed_account
    from medialib_local.stack import DevAccount

    suffix = uuid.uuid4().hex
    account = DevAccount(f"tenant{suffix[:12]}", f"public_{suffix}", f"private_{suffix}")
    seed_account(Account(account_id=account.account_id, public_key=account.public_key, private_key=account.private_key))
    return account


@pytest.fixture
def tenant(stack: Any) -> Any:
    return _new_account()


def _job_rows(stack: Any, account_id: str) -> list[dict[str, Any]]:
    """Every job record of the account (a test may scan; the code never does)."""
    table = boto3.resource("dynamodb").Table(stack.provisioned.physical["MediaTable"])
    prefix = f"ACCOUNT#{account_id}#JOB#"
    rows: list[dict[str, Any]] = table.scan(FilterExpression=Attr("PK").begins_with(prefix) & Attr("SK").eq("JOB"))[
        "Items"
    ]
    return rows


def _hold_slots(account_id: str, count: int) -> list[str]:
    """Jobs in flight that no execution runs: they hold their slots until closed."""
    return [jobs.create_job(account_id, "PUBLISH_FILES", 0, {}).job_id for _ in range(count)]


def _publish(api: Any, key: str) -> Any:
    return api.post("/v1/files/publish", json={"fileIds": ["ghost"], "isPublished": True}, headers=basic(key))


STARTS = {
    "bulk-publish": _publish,
    "copy-folder": lambda api, key: api.post(
        "/v1/bulkJobs/copyFolder", json={"sourceFolderPath": "/held", "destinationPath": "/x"}, headers=basic(key)
    ),
    "move-folder": lambda api, key: api.post(
        "/v1/bulkJobs/moveFolder", json={"sourceFolderPath": "/held", "destinationPath": "/x"}, headers=basic(key)
    ),
    "rename-folder": lambda api, key: api.post(
        "/v1/bulkJobs/renameFolder", json={"folderPath": "/held", "newFolderName": "renamed"}, headers=basic(key)
    ),
    "delete-folder": lambda api, key: api.delete("/v1/folder", json={"folderPath": "/held"}, headers=basic(key)),
}


@pytest.mark.parametrize("start", list(STARTS.values()), ids=list(STARTS))
def test_a_start_beyond_the_limit_is_429_and_writes_nothing(
    api: Any, stack: Any, tenant: Any, limit_of: Callable[[int], None], start: Callable[[Any, str], Any]
) -> None:
    """Given an account with a folder /held and as many jobs in flight as its limit, When a route that starts a job is
    called, Then 429 in ImageKit's shape (TOO_MANY_JOBS_IN_FLIGHT, x-should-retry true, Retry-After), no job record
    was written, no slot taken, and the folder is still there."""
    limit_of(LIMIT)
    key = tenant.private_key
    assert (
        api.post("/v1/folder", json={"folderName": "held", "parentFolderPath": "/"}, headers=basic(key)).status_code
        == 201
    )
    held = _hold_slots(tenant.account_id, LIMIT)

    response = start(api, key)

    assert response.status_code == 429
    body = json.loads(response.get_data())
    assert set(body) >= {"message", "help"}
    assert body["reason"] == "TOO_MANY_JOBS_IN_FLIGHT"
    assert f"{LIMIT} bulk jobs in progress" in body["message"]
    assert response.headers["x-should-retry"] == "true"
    assert int(response.headers["Retry-After"]) > 0
    assert sorted(row["jobId"] for row in _job_rows(stack, tenant.account_id)) == sorted(held)
    assert TableJobStore().in_flight(tenant.account_id) == set(held)
    listed = api.get("/v1/files", query_string={"type": "folder"}, headers=basic(key))
    assert [folder["name"] for folder in json.loads(listed.get_data())] == ["held"]


def test_a_job_that_completes_frees_its_slot(api: Any, tenant: Any, limit_of: Callable[[int], None]) -> None:
    """Given a limit of 1, When a bulk publish runs to its end, Then a second one is accepted; while the first is in
    flight a second is refused."""
    limit_of(1)
    key = tenant.private_key
    first = _publish(api, key)
    assert first.status_code == 202
    job_id = json.loads(first.get_data())["jobId"]

    assert _wait_for_job(api, key, job_id)["status"] == "Completed"

    assert TableJobStore().in_flight(tenant.account_id) == set()
    assert _publish(api, key).status_code == 202


def test_a_job_closed_as_failed_frees_its_slot(api: Any, tenant: Any, limit_of: Callable[[int], None]) -> None:
    """Given a limit of 1 held by a job, When the job's state machine closes it as failed (its fail step), Then the
    account may start a job again."""
    limit_of(1)
    [held] = _hold_slots(tenant.account_id, 1)
    assert _publish(api, tenant.private_key).status_code == 429

    jobs.run_step(tenant.account_id, held, "fail", {}, error_name="States.Timeout")

    assert _publish(api, tenant.private_key).status_code == 202


def test_concurrent_starts_never_exceed_the_limit(stack: Any, tenant: Any, limit_of: Callable[[int], None]) -> None:
    """Given a limit of 3, When 8 jobs of one account start at once, Then exactly 3 start, the other 5 are refused,
    and the account has exactly 3 job records and 3 slots."""
    limit_of(3)

    def start(_: int) -> str:
        try:
            return jobs.create_job(tenant.account_id, "PUBLISH_FILES", 0, {}).job_id
        except TooManyJobsError:
            return "refused"

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(start, range(8)))

    started = {outcome for outcome in outcomes if outcome != "refused"}
    assert (len(started), outcomes.count("refused")) == (3, 5)
    assert TableJobStore().in_flight(tenant.account_id) == started
    assert {row["jobId"] for row in _job_rows(stack, tenant.account_id)} == started


def test_another_account_is_unaffected(api: Any, tenant: Any, limit_of: Callable[[int], None]) -> None:
    """Given an account at its limit, When another account starts a bulk publish, Then it is accepted."""
    limit_of(1)
    other = _new_account()
    _hold_slots(tenant.account_id, 1)
    assert _publish(api, tenant.private_key).status_code == 429
    assert _publish(api, other.private_key).status_code == 202


def test_an_expired_lease_is_reclaimed_in_the_table_and_its_late_finish_changes_nothing(
    tenant: Any, limit_of: Callable[[int], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given a limit of 1 held by a running job whose lease ran out (the table's store, not a fake), When another
    job starts, Then the held one is closed FAILED (LEASE_EXPIRED) and the new one takes the slot; When the old job's
    execution then finishes, Then it stays FAILED and the new job keeps its slot (no double release)."""
    limit_of(1)
    [held] = _hold_slots(tenant.account_id, 1)
    jobs.run_step(tenant.account_id, held, "start", {})
    monkeypatch.setattr(jobs, "clock", lambda: time.time() + 2 * 3600)

    fresh = jobs.create_job(tenant.account_id, "PUBLISH_FILES", 0, {}).job_id

    store = TableJobStore()
    assert store.in_flight(tenant.account_id) == {fresh}
    old = store.get(tenant.account_id, held)
    assert old is not None and old.status.value == "FAILED" and old.failures[0]["reason"] == "LEASE_EXPIRED"
    jobs.run_step(
        tenant.account_id,
        held,
        "finish",
        {"finish": lambda: {"status": jobs.finish(tenant.account_id, held, []).value}},
    )
    assert store.get(tenant.account_id, held).status.value == "FAILED"  # type: ignore[union-attr]
    assert store.in_flight(tenant.account_id) == {fresh}
