"""Publish and unpublish through the local stack (seed 000): PATCH details with ``publish`` as the SDKs send it, what
delivery then serves on every URL form, the ik-obj-version tokens, and the purge an unpublish makes."""

from __future__ import annotations

import json
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

from medialib.accounts.models import Account, AccountSettings
from medialib.accounts.service import forget_authenticated, seed_account
from medialib.adapters import clients
from medialib.purge import service as purge_service
from medialib.purge.period import period_of
from medialib.purge.rules import PATH_TRANSFORMATIONS
from medialib_local.functions import FunctionError
from medialib_local.stack import DevAccount
from tests.conftest import basic
from tests.integration.delivery_helpers import (
    Uploaded,
    halves,
    invalidations,
    invalidations_of,
    token_of,
    upload,
    versions,
)
from tests.integration.test_dependency_failures import Injector, client_error
from tests.integration.test_jobs import _wait_for_job


def patch_details(api: Any, key: str, file_id: str, body: Any, *, content_type: str = "application/json") -> Any:
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return api.patch(f"/v1/files/{file_id}/details", headers={**basic(key), "Content-Type": content_type}, data=data)


def set_published(api: Any, key: str, file_id: str, published: bool, *, versions: bool = False) -> dict[str, Any]:
    body = {"publish": {"isPublished": published, "includeFileVersions": versions}}
    answer = patch_details(api, key, file_id, body)
    assert answer.status_code == 200, answer.get_data()
    details: dict[str, Any] = json.loads(answer.get_data())
    return details


def forms(file: Uploaded, account_id: str) -> dict[str, str]:
    """Every public URL form of the current version of ``file``, as paths of the local stack."""
    path = f"/{account_id}{file.file_path}"
    return {
        "original": path,
        "path-transformation": f"/{account_id}/tr:w-20{file.file_path}",
        "query-transformation": f"{path}?tr=w-20",
        "named": f"/{account_id}/tr:n-ik_ml_thumbnail{file.file_path}",
    }


def paths_invalidated_for(stack: Any, file: Uploaded, account_id: str) -> list[str]:
    """The paths of the invalidation that names ``file``'s path (the newest such)."""
    wanted = f"/{account_id}{file.file_path}*"
    found = [i for i in invalidations(stack) if wanted in i["InvalidationBatch"]["Paths"]["Items"]]
    assert found, f"no invalidation of {wanted}"
    return list(found[-1]["InvalidationBatch"]["Paths"]["Items"])


def fresh_account(**settings: Any) -> DevAccount:
    """A new account of its own (its purge quota untouched by other tests), with ``settings``."""
    seeded = DevAccount(f"pub{uuid.uuid4().hex[:8]}", f"pub_{uuid.uuid4().hex}", f"priv_{uuid.uuid4().hex}")
    keys = {"account_id": seeded.account_id, "public_key": seeded.public_key, "private_key": seeded.private_key}
    seed_account(Account(**keys, settings=AccountSettings(**settings)))
    forget_authenticated()
    return seeded


@pytest.fixture
def two_versions(api: Any, account: Any) -> Uploaded:
    """A published file with two versions (the second current)."""
    first = upload(api, account.private_key, halves(40, 20))
    upload(api, account.private_key, halves(40, 20), folder=first.file_path.rsplit("/", 1)[0])
    return first


# ------------------------------------------------------------------ every URL form


def test_unpublishing_makes_every_url_form_a_404_and_publishing_brings_them_back(
    api: Any, account: Any, two_versions: Uploaded
) -> None:
    """Given a published file with two versions, When its current version is unpublished, Then the details say
    isPublished false and the original, path and query transformations and named URLs all answer 404 at once;
    When it is published again, Then they all answer 200."""
    urls = forms(two_versions, account.account_id)
    assert {name: api.get(url).status_code for name, url in urls.items()} == dict.fromkeys(urls, 200)

    details = set_published(api, account.private_key, two_versions.file_id, False)

    assert details["isPublished"] is False
    got = json.loads(api.get(f"/v1/files/{two_versions.file_id}/details", headers=basic(account.private_key)).data)
    assert got["isPublished"] is False
    assert {name: api.get(url).status_code for name, url in urls.items()} == dict.fromkeys(urls, 404)

    assert set_published(api, account.private_key, two_versions.file_id, True)["isPublished"] is True
    assert {name: api.get(url).status_code for name, url in urls.items()} == dict.fromkeys(urls, 200)


def test_unpublishing_the_current_version_leaves_older_versions_published(
    api: Any, account: Any, two_versions: Uploaded
) -> None:
    """Given two published versions, When only the current one is unpublished (includeFileVersions false), Then
    the older version's URL (its unchanged token) still answers 200, and its record is still published."""
    older = versions(api, account.private_key, two_versions.file_id)[0]

    set_published(api, account.private_key, two_versions.file_id, False)

    after = versions(api, account.private_key, two_versions.file_id)
    assert [v["isPublished"] for v in after] == [True, False]
    assert token_of(after[0]) == token_of(older)
    assert api.get(f"/{account.account_id}{two_versions.file_path}?ik-obj-version={token_of(older)}").status_code == 200


def test_include_file_versions_unpublishes_every_version_and_changes_every_token(
    api: Any, account: Any, two_versions: Uploaded
) -> None:
    """Given two published versions, When the file is unpublished with includeFileVersions, Then every version is
    unpublished, every version's ik-obj-version token changed, and both the old and the new tokens answer 404."""
    before = versions(api, account.private_key, two_versions.file_id)

    set_published(api, account.private_key, two_versions.file_id, False, versions=True)

    after = versions(api, account.private_key, two_versions.file_id)
    assert [v["isPublished"] for v in after] == [False, False]
    assert token_of(after[0]) != token_of(before[0])
    base = f"/{account.account_id}{two_versions.file_path}?ik-obj-version="
    for token in (token_of(before[0]), token_of(after[0])):
        assert api.get(base + token).status_code == 404


def test_a_versions_token_changes_on_publish_and_the_old_one_stops_working(
    api: Any, account: Any, two_versions: Uploaded
) -> None:
    """Given an older version, When all versions are unpublished and then published again, Then the older version's
    token changed at each step; the token it had before either step answers 404, the newest answers 200."""
    key, file_id = account.private_key, two_versions.file_id
    first = token_of(versions(api, key, file_id)[0])
    set_published(api, key, file_id, False, versions=True)
    second = token_of(versions(api, key, file_id)[0])
    set_published(api, key, file_id, True, versions=True)
    third = token_of(versions(api, key, file_id)[0])

    assert len({first, second, third}) == 3
    base = f"/{account.account_id}{two_versions.file_path}?ik-obj-version="
    assert [api.get(base + token).status_code for token in (first, second, third)] == [404, 404, 200]


def test_publishing_a_published_file_changes_nothing(api: Any, account: Any, two_versions: Uploaded) -> None:
    """Given a published file, When it is published again, Then its tokens and updatedAt stay as they were."""
    before = versions(api, account.private_key, two_versions.file_id)

    set_published(api, account.private_key, two_versions.file_id, True, versions=True)

    assert versions(api, account.private_key, two_versions.file_id) == before


# ------------------------------------------------------------------ the purge


def test_unpublishing_purges_every_form_of_every_version(
    api: Any, stack: Any, account: Any, two_versions: Uploaded
) -> None:
    """Given a file, When its current version alone is unpublished, Then one invalidation clears the file's path
    with every query variant (all versions' ik-obj-version URLs, query transformations) and the account's path
    transformations, all under the account's own prefix."""
    set_published(api, account.private_key, two_versions.file_id, False)

    paths = paths_invalidated_for(stack, two_versions, account.account_id)

    assert f"/{account.account_id}{PATH_TRANSFORMATIONS}*" in paths
    assert all(path.startswith(f"/{account.account_id}/") for path in paths)


def purges_counted(account_id: str) -> int:
    """The purges counted toward this month for the account (the quota counter as stored)."""
    return purge_service.store.used(account_id, period_of(datetime.now(UTC)))


def test_an_unpublish_that_takes_a_file_down_is_counted_past_the_quota_and_a_repeat_is_not(
    api: Any, stack: Any
) -> None:
    """Given an account whose monthly purge quota (1) is spent, When it unpublishes a published file, Then the
    unpublish succeeds, the file's URLs are invalidated and the purge is counted past the limit (2); When it
    unpublishes it again (nothing to take down), Then that purge is an ordinary one: 429 PURGE_FAILED saying the
    file is unpublished and the quota is spent, x-should-retry false, nothing counted."""
    seeded = fresh_account(purge_monthly_quota=1)
    photo = upload(api, seeded.private_key, halves(40, 20))
    assert api.post("/v1/files/purge", headers=basic(seeded.private_key), json={"url": photo.url}).status_code == 201

    set_published(api, seeded.private_key, photo.file_id, False)

    assert paths_invalidated_for(stack, photo, seeded.account_id)
    assert purges_counted(seeded.account_id) == 2
    again = patch_details(api, seeded.private_key, photo.file_id, {"publish": {"isPublished": False}})
    body = json.loads(again.get_data())
    assert (again.status_code, again.headers["x-should-retry"], body["reason"]) == (429, "false", "PURGE_FAILED")
    assert "unpublished" in body["message"]
    assert purges_counted(seeded.account_id) == 2


def test_a_busy_cdn_leaves_the_file_unpublished_and_a_retry_purges(
    api: Any, stack: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given CloudFront refusing (too many invalidations in progress), When a file is unpublished, Then a retryable
    429 in ImageKit's shape saying the file is unpublished, nothing counted, and the file is unpublished all the
    same (delivery 404s); When the client retries, Then 200, the invalidation is made and one purge is counted."""
    seeded = fresh_account()
    photo = upload(api, seeded.private_key, halves(40, 20))
    inject = Injector(monkeypatch)
    error = client_error("TooManyInvalidationsInProgress", 400, "CreateInvalidation")
    inject.fail(clients.cloudfront(), "create_invalidation", error)
    body = {"publish": {"isPublished": False}}

    refused = patch_details(api, seeded.private_key, photo.file_id, body)

    answer = json.loads(refused.get_data())
    assert refused.status_code == 429, answer
    assert (refused.headers["x-should-retry"], answer["reason"]) == ("true", "PURGE_FAILED")
    assert answer["message"].startswith("The file is unpublished.")
    assert api.get(f"/{seeded.account_id}{photo.file_path}").status_code == 404
    assert purges_counted(seeded.account_id) == 0
    monkeypatch.undo()
    assert patch_details(api, seeded.private_key, photo.file_id, body).status_code == 200
    assert paths_invalidated_for(stack, photo, seeded.account_id)
    assert purges_counted(seeded.account_id) == 1


# ------------------------------------------------------------------ a careless client


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(({"publish": {"isPublished": "false"}}, "application/json", 400), id="isPublished-as-text"),
        pytest.param(({"publish": {"isPublished": 0}}, "application/json", 400), id="isPublished-as-number"),
        pytest.param(({"publish": {}}, "application/json", 400), id="isPublished-missing"),
        pytest.param(
            ({"publish": {"isPublished": False, "includeFileVersion": True}}, "application/json", 400),
            id="misspelt-publish-option",
        ),
        pytest.param(({"publish": True}, "application/json", 400), id="publish-not-an-object"),
        pytest.param(
            ({"publish": {"isPublished": False}, "tags": ["a"]}, "application/json", 400), id="publish-and-tags"
        ),
        pytest.param(({"colour": "red"}, "application/json", 400), id="unknown-field"),
        pytest.param(({}, "application/json", 400), id="empty-object"),
        pytest.param(([], "application/json", 400), id="array"),
        pytest.param(("", "application/json", 400), id="empty-body"),
        pytest.param(("{not json", "application/json", 400), id="invalid-json"),
        pytest.param((b'{"publish": "\xff"}', "application/json", 400), id="invalid-utf8"),
        pytest.param(("publish=true", "application/x-www-form-urlencoded", 415), id="form-encoded"),
        pytest.param(({"tags": ["a"]}, "application/json", 200), id="details-update-alone"),
        pytest.param(({"publish": None}, "application/json", 400), id="publish-null"),
        pytest.param(({"publish": {"isPublished": True}, "pad": "x" * 200_000}, "application/json", 400), id="huge"),
    ],
)
def test_a_careless_client_gets_a_clear_4xx(
    api: Any, account: Any, two_versions: Uploaded, case: tuple[Any, str, int]
) -> None:
    """Given a file, When PATCH details gets a body a careless client sends (body, content type), Then the status
    of the case, and an error in ImageKit's shape."""
    body, content_type, status = case
    answer = patch_details(api, account.private_key, two_versions.file_id, body, content_type=content_type)

    assert answer.status_code == status, answer.get_data()
    if status != 200:
        assert {"message", "help"} <= json.loads(answer.get_data()).keys()


def test_another_accounts_file_is_a_404_and_stays_published(
    api: Any, account: Any, other_account: Any, two_versions: Uploaded
) -> None:
    """Given account A's file, When account B unpublishes it by id, Then 404 as for no file, and A's file is
    still published and delivered."""
    answer = patch_details(api, other_account.private_key, two_versions.file_id, {"publish": {"isPublished": False}})

    assert answer.status_code == 404
    assert api.get(f"/{account.account_id}{two_versions.file_path}").status_code == 200


def test_an_unknown_file_is_a_404(api: Any, account: Any) -> None:
    answer = patch_details(api, account.private_key, "nope" * 6, {"publish": {"isPublished": True}})

    assert answer.status_code == 404
    assert json.loads(answer.get_data())["reason"] == "FILE_NOT_FOUND"


# ------------------------------------------------------------------ in bulk


def bulk(api: Any, key: str, file_ids: list[str], published: bool, *, versions: bool = False) -> dict[str, Any]:
    """POST /v1/files/publish, then the job's status once it is no longer Pending."""
    body = {"fileIds": file_ids, "isPublished": published, "includeFileVersions": versions}
    answer = api.post("/v1/files/publish", headers=basic(key), json=body)
    assert answer.status_code == 202, answer.get_data()
    return _wait_for_job(api, key, json.loads(answer.get_data())["jobId"])


def test_a_bulk_unpublish_purges_once_for_all_its_files(api: Any, stack: Any, account: Any) -> None:
    """Given three published files, When they are unpublished in one bulk job, Then the job is Completed with
    three files done and a purgeRequestId; one invalidation (CallerReference = that id) names every file's path
    and the path transformations; every file's URL answers 404."""
    key = account.private_key
    photos = [upload(api, key, halves(40, 20)) for _ in range(3)]

    job = bulk(api, key, [p.file_id for p in photos], False)

    assert (job["status"], job["totalFiles"], job["succeededFiles"], job["failedFiles"]) == ("Completed", 3, 3, [])
    made = invalidations_of(stack, job["purgeRequestId"])
    assert len(made) == 1
    paths = made[0]["InvalidationBatch"]["Paths"]["Items"]
    assert {f"/{account.account_id}{p.file_path}*" for p in photos} <= set(paths)
    assert f"/{account.account_id}{PATH_TRANSFORMATIONS}*" in paths
    assert [api.get(f"/{account.account_id}{p.file_path}").status_code for p in photos] == [404] * 3
    status = api.get(f"/v1/files/purge/{job['purgeRequestId']}", headers=basic(key))
    assert status.status_code == 200


def test_a_bulk_publish_purges_nothing_and_serves_the_files(api: Any, stack: Any, account: Any) -> None:
    """Given two draft files, When they are published in bulk, Then the job completes without a purge and both
    are delivered."""
    key = account.private_key
    drafts = [upload(api, key, halves(40, 20), isPublished="false") for _ in range(2)]
    assert api.get(f"/{account.account_id}{drafts[0].file_path}").status_code == 404

    job = bulk(api, key, [d.file_id for d in drafts], True)

    assert (job["status"], job["succeededFiles"], job["purgeRequestId"]) == ("Completed", 2, None)
    assert [api.get(f"/{account.account_id}{d.file_path}").status_code for d in drafts] == [200, 200]


def test_a_bulk_job_reports_exactly_the_files_it_could_not_do(api: Any, account: Any, other_account: Any) -> None:
    """Given a file of this account, another account's file and an unknown id, When all three are unpublished in
    bulk, Then the job is Completed with one file done and the other two failed as FILE_NOT_FOUND; the other
    account's file is untouched."""
    mine = upload(api, account.private_key, halves(40, 20))
    theirs = upload(api, other_account.private_key, halves(40, 20))

    job = bulk(api, account.private_key, [mine.file_id, theirs.file_id, "ghost" * 4], False)

    assert (job["status"], job["succeededFiles"]) == ("Completed", 1)
    assert sorted(f["fileId"] for f in job["failedFiles"]) == sorted([theirs.file_id, "ghost" * 4])
    assert {f["reason"] for f in job["failedFiles"]} == {"FILE_NOT_FOUND"}
    assert api.get(f"/{other_account.account_id}{theirs.file_path}").status_code == 200


# ------------------------------------------------------------------ under concurrency


def test_unpublishing_while_versions_are_uploaded_keeps_every_record_consistent(
    api: Any, stack: Any, account: Any
) -> None:
    """Given a file, When 6 uploads of new versions race 6 unpublishes of every version (threads on the running
    stack), Then all 12 succeed, no version is lost, and the file's current record agrees with its version record
    on the published state and the ik-obj-version token (delivery and the versions API never disagree)."""
    key = account.private_key
    first = upload(api, key, halves(40, 20))
    folder = first.file_path.rsplit("/", 1)[0]

    def unpublish(_: int) -> int:
        return int(
            patch_details(
                api, key, first.file_id, {"publish": {"isPublished": False, "includeFileVersions": True}}
            ).status_code
        )

    def new_version(_: int) -> int:
        upload(api, key, halves(40, 20), folder=folder)  # asserts its 200
        return 200

    with ThreadPoolExecutor(max_workers=6) as pool:
        statuses = list(pool.map(lambda n: (unpublish if n % 2 else new_version)(n), range(12)))

    assert statuses == [200] * 12
    table = boto3.resource("dynamodb").Table(stack.provisioned.physical["MediaTable"])
    pk = f"ACCOUNT#{account.account_id}#FILE#{first.file_id}"
    current = table.get_item(Key={"PK": pk, "SK": "FILE"})["Item"]
    row = table.get_item(Key={"PK": pk, "SK": f"VERSION#{current['versionId']!s}"})["Item"]
    assert (current["isPublished"], current["objectToken"]) == (row["isPublished"], row["objectToken"])
    assert len(versions(api, key, first.file_id)) == 7


def test_a_retried_purge_step_is_the_same_purge_counted_once(api: Any, stack: Any, account: Any, invoke: Any) -> None:
    """Given a file unpublished by a job's file step, When the job's purge step runs twice (a retry, or the job's
    execution started again), Then both answer the same purge request id, derived from the job; one invalidation
    exists for it, and the quota counted one purge, not two."""
    account = fresh_account()
    photo = upload(api, account.private_key, halves(40, 20))
    job_id = uuid.uuid4().hex
    results = [invoke("PublishWorkerFunction", {"action": "file", "accountId": account.account_id, "jobId": job_id,
                                                "fileId": photo.file_id, "isPublished": False})]  # fmt: skip
    left = api.post("/v1/files/purge", headers=basic(account.private_key), json={"url": photo.url, "dryRun": True})
    before = int(left.headers["x-ik-purge-remaining"])
    step = {
        "action": "purge",
        "accountId": account.account_id,
        "jobId": job_id,
        "isPublished": False,
        "results": results,
    }

    answers = [invoke("PublishWorkerFunction", step) for _ in range(2)]

    assert answers[0] == answers[1] == {"purgeRequestId": job_id[:24]}
    made = invalidations_of(stack, job_id[:24])
    assert len(made) == 1
    left = api.post("/v1/files/purge", headers=basic(account.private_key), json={"url": photo.url, "dryRun": True})
    assert int(left.headers["x-ik-purge-remaining"]) == before - 1


@dataclass(frozen=True)
class PurgeStep:
    """A job's purge step after its file step unpublished a file of ``account``: the event, its purge request id."""

    account: DevAccount
    photo: Uploaded
    event: dict[str, Any]
    request_id: str


def unpublished_purge_step(api: Any, invoke: Any) -> PurgeStep:
    account = fresh_account()
    photo = upload(api, account.private_key, halves(40, 20))
    job_id = uuid.uuid4().hex
    results = [invoke("PublishWorkerFunction", {"action": "file", "accountId": account.account_id, "jobId": job_id,
                                                "fileId": photo.file_id, "isPublished": False})]  # fmt: skip
    event = {"action": "purge", "accountId": account.account_id, "jobId": job_id, "isPublished": False,
             "results": results}  # fmt: skip
    return PurgeStep(account, photo, event, job_id[:24])


def remaining_purges(api: Any, step: PurgeStep) -> int:
    dry = {"url": step.photo.url, "dryRun": True}
    answer = api.post("/v1/files/purge", headers=basic(step.account.private_key), json=dry)
    return int(answer.headers["x-ik-purge-remaining"])


def purge_row(stack: Any, step: PurgeStep) -> dict[str, Any]:
    table = boto3.resource("dynamodb").Table(stack.provisioned.physical["MediaTable"])
    key = {"PK": f"ACCOUNT#{step.account.account_id}#PURGE#{step.request_id}", "SK": "PURGE"}
    row: dict[str, Any] = table.get_item(Key=key)["Item"]
    return row


def test_two_overlapping_runs_of_a_purge_step_count_it_once(
    api: Any, stack: Any, invoke: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given a job's purge step, When two runs of it overlap (Lambda's at-least-once delivery: both are inside
    their CloudFront call at once), Then both answer the same purge request id, one invalidation exists for it,
    the request's row holds that invalidation, and the quota counted one purge."""
    step = unpublished_purge_step(api, invoke)
    before = remaining_purges(api, step)
    cloudfront = clients.cloudfront()
    original = cloudfront.create_invalidation
    both_inside = threading.Barrier(2, timeout=20)

    def meet_then_create(**kwargs: Any) -> Any:
        both_inside.wait()  # neither run leaves its CloudFront call before the other is in its own
        return original(**kwargs)

    monkeypatch.setattr(cloudfront, "create_invalidation", meet_then_create)

    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = list(pool.map(lambda _: invoke("PublishWorkerFunction", step.event), range(2)))

    assert answers == [{"purgeRequestId": step.request_id}] * 2
    made = invalidations_of(stack, step.request_id)
    assert len(made) == 1
    assert purge_row(stack, step)["invalidationId"] == made[0]["Id"]
    assert remaining_purges(api, step) == before - 1


def test_a_purge_step_retried_after_a_cdn_failure_is_counted_once(
    api: Any, stack: Any, invoke: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given a job's purge step, When CloudFront fails its first run (503) and the step is retried, Then the first
    run fails and counts nothing, the retry answers the purge request id, one invalidation exists for it and the
    quota counted one purge."""
    step = unpublished_purge_step(api, invoke)
    before = remaining_purges(api, step)
    inject = Injector(monkeypatch)
    inject.fail(
        clients.cloudfront(), "create_invalidation", client_error("ServiceUnavailable", 503, "CreateInvalidation")
    )

    with pytest.raises(FunctionError):
        invoke("PublishWorkerFunction", step.event)
    assert remaining_purges(api, step) == before
    monkeypatch.undo()
    answer = invoke("PublishWorkerFunction", step.event)

    assert answer == {"purgeRequestId": step.request_id}
    assert len(invalidations_of(stack, step.request_id)) == 1
    assert remaining_purges(api, step) == before - 1


def test_a_bulk_purge_that_fails_is_reported_in_the_completed_job(api: Any, stack: Any) -> None:
    """Given an account whose purge quota is spent and a file it already unpublished, When a bulk job unpublishes
    that file again (nothing to take down: an ordinary purge, refused), Then the job is still Completed with the
    file done, no purge request, and one failure without a file id: PURGE_FAILED naming the error, no trace."""
    seeded = fresh_account(purge_monthly_quota=1)
    photo = upload(api, seeded.private_key, halves(40, 20))
    set_published(api, seeded.private_key, photo.file_id, False)  # counted past the limit: the quota is spent

    job = bulk(api, seeded.private_key, [photo.file_id], False)

    assert (job["status"], job["succeededFiles"], job["purgeRequestId"]) == ("Completed", 1, None)
    [failure] = job["failedFiles"]
    assert (failure["fileId"], failure["reason"]) == (None, "PURGE_FAILED")
    assert "QuotaExceededError" in failure["message"]
    assert "Traceback" not in json.dumps(job)
