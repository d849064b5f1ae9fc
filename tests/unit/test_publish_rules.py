"""Pure rules of publishing: which versions a request changes, their new tokens, and what a bulk job purges."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from medialib.files.models import FileItem
from medialib.files.rules import republished, to_republish
from medialib.jobs.rules import purge_request_id
from medialib.publish.rules import purge_failure, took_down, unpublished_ids

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def version(number: int, *, published: bool = True) -> FileItem:
    return FileItem.model_validate(
        {
            "accountId": "acme",
            "fileId": "f1",
            "versionId": f"v{number}",
            "versionNumber": number,
            "name": "a.png",
            "filePath": "/a.png",
            "fileType": "image",
            "mime": "image/png",
            "size": 1,
            "isPublished": published,
            "objectToken": f"t{number}",
            "createdAt": T0,
            "updatedAt": T0,
        }
    )


@pytest.mark.parametrize(
    ("states", "published", "include", "changed"),
    [
        pytest.param([True, True], False, False, ["v2"], id="unpublish-current-only"),
        pytest.param([True, True], False, True, ["v1", "v2"], id="unpublish-every-version"),
        pytest.param([True, False], False, True, ["v1"], id="a-version-already-unpublished-is-left-alone"),
        pytest.param([False, True], False, False, ["v2"], id="older-draft-untouched-without-versions"),
        pytest.param([True, True], True, True, [], id="publishing-published-versions-changes-nothing"),
        pytest.param([False, False], True, False, ["v2"], id="publish-current-only"),
        pytest.param([False, False], True, True, ["v1", "v2"], id="publish-every-version"),
    ],
)
def test_the_versions_a_request_changes(states: list[bool], published: bool, include: bool, changed: list[str]) -> None:
    versions = [version(n + 1, published=state) for n, state in enumerate(states)]
    current = versions[-1].model_copy(update={"type": "file"})

    chosen = to_republish(current, versions, is_published=published, include_file_versions=include)

    assert sorted(v.version_id for v in chosen) == changed


def test_a_republished_version_has_the_new_state_token_and_time() -> None:
    later = datetime(2026, 2, 1, tzinfo=UTC)

    after = republished(version(1), is_published=False, token="new", now=later)

    assert (after.is_published, after.object_token, after.updated_at) == (False, "new", later)
    assert after.model_copy(update={"is_published": True, "object_token": "t1", "updated_at": T0}) == version(1)


DONE, CHANGED = {"status": "SUCCEEDED", "changed": False}, {"status": "SUCCEEDED", "changed": True}


@pytest.mark.parametrize(
    ("published", "results", "ids"),
    [
        pytest.param(False, [{**DONE, "fileId": "b"}, {**CHANGED, "fileId": "a"}], ["a", "b"], id="done-files-sorted"),
        pytest.param(False, [{"status": "FAILED", "fileId": "x"}], [], id="failed-files-are-not-purged"),
        pytest.param(False, [{**CHANGED, "fileId": "a"}] * 2, ["a"], id="once-each"),
        pytest.param(True, [{**CHANGED, "fileId": "a"}], [], id="a-publish-job-purges-nothing"),
        pytest.param(None, [{**CHANGED, "fileId": "a"}], [], id="no-state-purges-nothing"),
        pytest.param(False, [DONE, {**DONE, "fileId": 3}, {**DONE, "fileId": ""}], [], id="no-id"),
    ],
)  # fmt: skip
def test_what_a_bulk_job_purges(published: bool | None, results: list[dict[str, object]], ids: list[str]) -> None:
    assert unpublished_ids(published, list(results)) == ids


@pytest.mark.parametrize(
    ("results", "forced"),
    [
        pytest.param([{**DONE, "fileId": "a"}, {**CHANGED, "fileId": "b"}], True, id="one-file-taken-down"),
        pytest.param([{**DONE, "fileId": "a"}], False, id="only-repeats"),
        pytest.param([{"status": "FAILED", "changed": True}], False, id="a-failed-file-took-nothing-down"),
        pytest.param([{"status": "SUCCEEDED", "changed": "yes"}], False, id="changed-must-be-true"),
        pytest.param([], False, id="nothing"),
    ],
)
def test_a_purge_is_forced_only_when_the_job_took_something_down(
    results: list[dict[str, object]], forced: bool
) -> None:
    assert took_down(list(results)) is forced


def test_a_failed_purge_is_reported_by_name_never_by_cause() -> None:
    reported = purge_failure({"Error": "RetryableError", "Cause": "Traceback (most recent call last): ..."})
    assert reported["reason"] == "PURGE_FAILED"
    assert "RetryableError" in reported["message"]
    assert "Traceback" not in str(reported)
    assert "INTERNAL_ERROR" in purge_failure({})["message"]


@pytest.mark.parametrize(
    ("error", "name"),
    [
        pytest.param({"Error": "RetryableError", "Cause": "Traceback ..."}, "RetryableError", id="named-by-its-error"),
        pytest.param({"Error": ""}, "INTERNAL_ERROR", id="an-unnamed-error-is-internal"),
        pytest.param({}, "INTERNAL_ERROR", id="no-error-is-internal"),
    ],
)
def test_a_failed_purge_reads_as_the_jobs_whole_result(error: dict[str, object], name: str) -> None:
    """Given the error a purge failed with after its retries, When the job reports it, Then one result of the job's
    own (no file id), PURGE_FAILED, saying the files are unpublished and how to clear the CDN, word for word."""
    assert purge_failure(error) == {
        "fileId": None,
        "reason": "PURGE_FAILED",
        "message": f"The files are unpublished, but the CDN could not be cleared ({name}); unpublish them again "
        "to clear it.",
    }


def test_a_jobs_purge_request_id_is_fixed_by_the_job() -> None:
    job_id = "0123456789abcdef0123456789abcdef"
    assert purge_request_id(job_id) == "0123456789abcdef01234567"
    assert purge_request_id(job_id) == purge_request_id(job_id)
