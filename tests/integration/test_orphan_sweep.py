"""The scheduled orphan sweep (SweepFunction, from template.yaml) on moto: version objects that no record points
to are deleted once they are older than half an hour; recorded versions, young objects and upload sessions under
``incoming/`` are kept."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from medialib.orphans import rules, service
from tests.conftest import basic, load_event
from tests.upload_helpers import image, multipart

LATER = rules.MIN_AGE + timedelta(minutes=1)


def _bucket(stack: Any) -> str:
    return str(stack.provisioned.physical["OriginalsBucket"])


def _exists(stack: Any, key: str) -> bool:
    listed = boto3.client("s3").list_objects_v2(Bucket=_bucket(stack), Prefix=key)
    return any(obj["Key"] == key for obj in listed.get("Contents", []))


def _put(stack: Any, key: str) -> str:
    boto3.client("s3").put_object(Bucket=_bucket(stack), Key=key, Body=b"bytes")
    return key


def sweep_at(invoke: Any, monkeypatch: pytest.MonkeyPatch, age: timedelta) -> dict[str, Any]:
    """One scheduled run of the template's SweepFunction, its clock ``age`` after now."""
    monkeypatch.setattr(service, "clock", lambda: datetime.now(UTC) + age)
    result: dict[str, Any] = invoke("SweepFunction", load_event("sweep-schedule"))
    return result


def uploaded_key(api: Any, account: Any) -> str:
    body, content_type = multipart({"fileName": "kept.png"}, image())
    answer = json.loads(
        api.post(
            "/api/v1/files/upload", headers={**basic(account.private_key), "Content-Type": content_type}, data=body
        ).get_data()
    )
    return f"{account.account_id}/{answer['fileId']}/{answer['versionInfo']['id']}"


def test_one_run_deletes_old_orphans_and_keeps_everything_else(
    api: Any, account: Any, stack: Any, invoke: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given an object at a version key with no record (a crash between the S3 and the DynamoDB write), an uploaded
    file's object, an upload session's object under incoming/ and an object of another layout, When one sweep runs
    more than 30 minutes later, Then the orphan is gone and the three others are kept; the run is complete."""
    orphan = _put(stack, f"{account.account_id}/{uuid.uuid4().hex[:24]}/{uuid.uuid4().hex[:24]}")
    session = _put(stack, f"incoming/{account.account_id}/{uuid.uuid4().hex}/{uuid.uuid4().hex}")
    other_layout = _put(stack, f"{account.account_id}/notes-{uuid.uuid4().hex}")
    recorded = uploaded_key(api, account)

    result = sweep_at(invoke, monkeypatch, LATER)

    assert not _exists(stack, orphan)
    assert all(_exists(stack, key) for key in (recorded, session, other_layout))
    assert result["deleted"] >= 1 and result["complete"] is True


@pytest.mark.parametrize(
    ("age", "kept"),
    [
        pytest.param(
            rules.MIN_AGE - timedelta(minutes=1), True, id="younger-than-30-minutes-is-kept-it-may-be-in-flight"
        ),
        pytest.param(LATER, False, id="older-than-30-minutes-is-swept"),
    ],
)
@pytest.mark.usefixtures("account")
def test_an_orphan_is_judged_by_its_age(
    stack: Any, invoke: Any, monkeypatch: pytest.MonkeyPatch, age: timedelta, kept: bool
) -> None:
    """Given an object at a version key with no record, When the sweep runs ``age`` after it was written, Then it
    is kept while an upload could still be writing its records, and deleted after."""
    orphan = _put(stack, f"{stack.account.account_id}/{uuid.uuid4().hex[:24]}/{uuid.uuid4().hex[:24]}")

    sweep_at(invoke, monkeypatch, age)

    assert _exists(stack, orphan) is kept


def test_a_run_out_of_time_resumes_where_it_stopped(account: Any, stack: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Given two orphans, When a run is out of time after the first key it handled, Then it reports where it
    stopped, and the next run starts after that key and goes to the end (both orphans gone, cursor cleared)."""
    prefix = f"{account.account_id}/{uuid.uuid4().hex[:24]}"
    first, second = _put(stack, f"{prefix}/a{uuid.uuid4().hex[:8]}"), _put(stack, f"{prefix}/b{uuid.uuid4().hex[:8]}")
    monkeypatch.setattr(service, "clock", lambda: datetime.now(UTC) + LATER)
    monkeypatch.setattr(service.store, "resume_after", lambda: f"{prefix}/")  # start at this test's keys
    calls = iter([False, True])

    stopped = service.sweep(out_of_time=lambda: next(calls, False))

    assert (stopped.complete, stopped.resume_after) == (False, first)
    assert not _exists(stack, first) and _exists(stack, second)
    monkeypatch.undo()
    monkeypatch.setattr(service, "clock", lambda: datetime.now(UTC) + LATER)
    assert service.store.resume_after() == first
    finished = service.sweep(out_of_time=lambda: False)
    assert not _exists(stack, second)
    assert (finished.complete, service.store.resume_after()) == (True, None)
