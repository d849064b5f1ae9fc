"""Folders through the files function on the local stack: create, delete, and the copy/move/rename jobs run by the
template's folders state machine to Completed (nested trees with versions, same-named files appended, empty
folders), the refusals, and another account's folders and jobs."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

from medialib.accounts.models import Account, AccountSettings
from medialib.accounts.service import seed_account
from medialib.folders import service as folders
from medialib.folders.models import Phase
from medialib.purge import service as purge
from medialib.settings import FolderJobSettings, WorkerSettings
from tests.conftest import basic
from tests.integration.test_jobs import _wait_for_job
from tests.integration.test_upload import post

JSON = {"Content-Type": "application/json"}


def _call(api: Any, key: str, method: str, path: str, body: Any) -> tuple[int, Any, Any]:
    response = api.open(path, method=method, headers={**basic(key), **JSON}, data=json.dumps(body))
    text = response.get_data()
    return response.status_code, json.loads(text) if text else None, response.headers


def _root() -> str:
    return "/fold-" + uuid.uuid4().hex[:8]


@pytest.fixture
def call(api: Any, account: Any) -> Callable[..., tuple[int, Any, Any]]:
    def run(method: str, path: str, body: Any) -> tuple[int, Any, Any]:
        return _call(api, account.private_key, method, path, body)

    return run


@pytest.fixture
def put_file(api: Any, account: Any) -> Callable[..., dict[str, Any]]:
    """Upload ``content`` as ``name`` into ``folder`` (a new version when the file exists there)."""

    def run(folder: str, name: str, content: bytes) -> dict[str, Any]:
        fields = {"fileName": name, "folder": folder, "useUniqueFileName": "false"}
        response = post(api, account.private_key, fields, content)
        assert response.status_code == 200, response.get_data()
        return dict(json.loads(response.get_data()))

    return run


def _listing(api: Any, key: str, path: str, kind: str = "all") -> list[str]:
    """The folder's children, the same whether read by name (GSI1) or by creation time (GSI3)."""
    found = []
    for sort in ("ASC_NAME", "DESC_CREATED"):
        response = api.get(f"/v1/files?path={path}&type={kind}&sort={sort}", headers=basic(key))
        assert response.status_code == 200
        found.append(sorted(e.get("filePath") or e["folderPath"] + "/" for e in json.loads(response.get_data())))
    assert found[0] == found[1], "the folder's two indexes disagree"
    return found[0]


def _versions(api: Any, key: str, file_id: str) -> list[int]:
    response = api.get(f"/v1/files/{file_id}/versions", headers=basic(key))
    return [v["size"] for v in json.loads(response.get_data())]


def _done(api: Any, key: str, answer: tuple[int, Any, Any]) -> dict[str, Any]:
    status, body, _ = answer
    assert status == 200, body
    job = _wait_for_job(api, key, body["jobId"])
    assert job["status"] == "Completed", job
    return job


# ------------------------------------------------------------------ create


def test_create_folder_with_parents_cleaned_names_and_twice(api: Any, account: Any, call: Any) -> None:
    """Given a fresh parent path, When POST /v1/folder with a name holding spaces and punctuation (twice, and once
    on /v1/folder/), Then 201 {} each time; the parents exist and the name is cleaned like upload's folders."""
    root = _root()
    for path in ("/v1/folder", "/v1/folder", "/v1/folder/"):
        status, body, _ = call("POST", path, {"folderName": "my new.folder!", "parentFolderPath": f"{root}/a/"})
        assert (status, body) == (201, {})
    assert _listing(api, account.private_key, "/", "folder").count(f"{root}/") == 1
    assert _listing(api, account.private_key, root) == [f"{root}/a/"]
    assert _listing(api, account.private_key, f"{root}/a") == [f"{root}/a/my_new_folder_/"]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        pytest.param({"folderName": "..", "parentFolderPath": "/"}, "INVALID_FOLDER_NAME", id="dot-dot-name"),
        pytest.param({"folderName": "x", "parentFolderPath": "/a" * 50}, "INVALID_FOLDER_NAME", id="51-levels"),
        pytest.param({"folderName": "", "parentFolderPath": "/"}, None, id="empty-name"),
        pytest.param({"parentFolderPath": "/"}, None, id="no-name"),
        pytest.param({"folderName": 7, "parentFolderPath": "/"}, None, id="name-not-a-string"),
    ],
)
def test_create_folder_refusals(call: Any, body: dict[str, Any], reason: str | None) -> None:
    """Given a bad create request, When POST /v1/folder, Then 400 in ImageKit's shape."""
    status, answer, _ = call("POST", "/v1/folder", body)
    assert status == 400 and answer["message"] and answer["help"]
    if reason:
        assert answer["reason"] == reason


# ------------------------------------------------------------------ delete


def test_delete_folder_removes_the_tree_and_its_versions(api: Any, account: Any, call: Any, put_file: Any) -> None:
    """Given a tree of 3 levels with a file of 2 versions, an empty subfolder and a sibling folder, When DELETE
    /v1/folder, Then 204, the folder leaves its parent's listing at once, its DELETE_FOLDER job completes, every
    file is gone (404) with its versions, the sibling stays, and a second delete is 404 FOLDER_NOT_FOUND."""
    key, root = account.private_key, _root()
    first = put_file(f"{root}/doomed/b/c", "deep.txt", b"1")
    put_file(f"{root}/doomed/b/c", "deep.txt", b"22")
    top = put_file(f"{root}/doomed", "top.txt", b"3")
    put_file(f"{root}/kept", "k.txt", b"4")
    assert call("POST", "/v1/folder", {"folderName": "empty", "parentFolderPath": f"{root}/doomed/b"})[0] == 201

    status, body, headers = call("DELETE", "/v1/folder", {"folderPath": f"{root}/doomed/"})

    assert (status, body) == (204, None)
    assert _listing(api, key, root) == [f"{root}/kept/"]
    job = _wait_for_job(api, key, headers["x-medialib-job-id"])
    assert (job["type"], job["status"], job["totalFiles"], job["succeededFiles"]) == (
        "DELETE_FOLDER",
        "Completed",
        2,
        2,
    )
    for file_id in (first["fileId"], top["fileId"]):
        assert api.get(f"/v1/files/{file_id}/details", headers=basic(key)).status_code == 404
    assert _listing(api, key, f"{root}/doomed/b") == []
    assert _listing(api, key, root) == [f"{root}/kept/"]
    status, body, _ = call("DELETE", "/v1/folder", {"folderPath": f"{root}/doomed"})
    assert (status, body["reason"]) == (404, "FOLDER_NOT_FOUND")


class _Died(Exception):
    """The files function stops here (a Lambda timeout): nothing after this line of the request runs."""


def test_a_delete_that_died_before_its_job_started_is_retried_to_the_end(
    api: Any, account: Any, call: Any, put_file: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given a folder with a file, When DELETE /v1/folder dies after hiding the folder and before starting its job,
    and the client retries the DELETE, Then the retry answers 204 with the same job, which completes: the file is
    gone and the folder stays gone (rather than a 404 that leaves the job Pending and the file listed)."""
    key, root = account.private_key, _root()
    doomed = put_file(f"{root}/doomed", "a.txt", b"1")

    def dies(*_: Any) -> None:
        raise _Died

    with monkeypatch.context() as patched:
        patched.setattr(folders.workflows, "start", dies)
        assert call("DELETE", "/v1/folder", {"folderPath": f"{root}/doomed"})[0] == 500
    status, body, headers = call("DELETE", "/v1/folder", {"folderPath": f"{root}/doomed"})

    assert (status, body) == (204, None)
    job = _wait_for_job(api, key, headers["x-medialib-job-id"])
    assert (job["type"], job["status"], job["succeededFiles"]) == ("DELETE_FOLDER", "Completed", 1)
    assert api.get(f"/v1/files/{doomed['fileId']}/details", headers=basic(key)).status_code == 404
    assert _listing(api, key, root) == []
    status, body, _ = call("DELETE", "/v1/folder", {"folderPath": f"{root}/doomed"})
    assert (status, body["reason"]) == (404, "FOLDER_NOT_FOUND")


def test_a_second_delete_before_the_jobs_first_step_is_not_found(
    api: Any, account: Any, call: Any, put_file: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given a folder whose DELETE answered 204 and whose job still looks Pending (its execution started, its first
    step not run yet), When the client deletes the folder again, Then 404 FOLDER_NOT_FOUND: only a job whose
    execution was never started is a stalled delete that a retry finishes."""
    root = _root()
    put_file(f"{root}/doomed", "a.txt", b"1")
    assert call("DELETE", "/v1/folder", {"folderPath": f"{root}/doomed"})[0] == 204
    monkeypatch.setattr("medialib.jobs.service.is_pending", lambda *_: True)

    status, body, _ = call("DELETE", "/v1/folder", {"folderPath": f"{root}/doomed"})

    assert (status, body["reason"]) == (404, "FOLDER_NOT_FOUND")


# ------------------------------------------------------------------ copy, move, rename


def test_copy_a_nested_tree_with_versions_appends_to_same_named_files(
    api: Any, account: Any, call: Any, put_file: Any
) -> None:
    """Given /src/a.txt (2 versions), /src/x/y/z/deep.txt, an empty /src/e, and /dst/src/a.txt already there
    (1 version), When copyFolder /src -> /dst with includeVersions, Then the job completes (COPY_FOLDER); the tree
    is at /dst/src with the empty folder; /dst/src/a.txt has its own version then the 2 copied; /src is unchanged."""
    key, root = account.private_key, _root()
    put_file(f"{root}/src", "a.txt", b"1")
    put_file(f"{root}/src", "a.txt", b"22")
    put_file(f"{root}/src/x/y/z", "deep.txt", b"333")
    call("POST", "/v1/folder", {"folderName": "e", "parentFolderPath": f"{root}/src"})
    there = put_file(f"{root}/dst/src", "a.txt", b"4444")

    job = _done(api, key, call("POST", "/v1/bulkJobs/copyFolder",
                                {"sourceFolderPath": f"{root}/src", "destinationPath": f"{root}/dst",
                                 "includeVersions": True}))  # fmt: skip

    assert job["type"] == "COPY_FOLDER" and job["succeededFiles"] == 2
    assert _listing(api, key, f"{root}/dst/src") == [
        f"{root}/dst/src/a.txt",
        f"{root}/dst/src/e/",
        f"{root}/dst/src/x/",
    ]
    assert _listing(api, key, f"{root}/dst/src/x/y/z") == [f"{root}/dst/src/x/y/z/deep.txt"]
    assert _versions(api, key, there["fileId"]) == [4, 1, 2]
    assert _listing(api, key, f"{root}/src") == [f"{root}/src/a.txt", f"{root}/src/e/", f"{root}/src/x/"]


def test_move_a_tree_removes_the_source(api: Any, account: Any, call: Any, put_file: Any) -> None:
    """Given /src/a.txt (2 versions) and /src/s/t/b.txt, When moveFolder /src -> /dst, Then the job completes
    (MOVE_FOLDER); the files keep their ids and every version at /dst/src/...; /src and its subfolders are gone."""
    key, root = account.private_key, _root()
    a = put_file(f"{root}/src", "a.txt", b"1")
    put_file(f"{root}/src", "a.txt", b"22")
    b = put_file(f"{root}/src/s/t", "b.txt", b"333")

    job = _done(api, key, call("POST", "/v1/bulkJobs/moveFolder",
                                {"sourceFolderPath": f"{root}/src", "destinationPath": f"{root}/dst"}))  # fmt: skip

    assert (job["type"], job["succeededFiles"]) == ("MOVE_FOLDER", 2)
    assert _listing(api, key, root) == [f"{root}/dst/"]
    assert _listing(api, key, f"{root}/dst/src") == [f"{root}/dst/src/a.txt", f"{root}/dst/src/s/"]
    assert _listing(api, key, f"{root}/dst/src/s/t") == [f"{root}/dst/src/s/t/b.txt"]
    moved = json.loads(api.get(f"/v1/files/{a['fileId']}/details", headers=basic(key)).get_data())
    assert moved["filePath"] == f"{root}/dst/src/a.txt" and _versions(api, key, a["fileId"]) == [1, 2]
    assert _listing(api, key, f"{root}/src/s") == [] and b["fileId"]


def test_rename_with_purge_cache_purges_the_old_folder_once(api: Any, account: Any, call: Any, put_file: Any) -> None:
    """Given /old/p/q.txt, When renameFolder /old -> "new" with purgeCache, Then the job completes (RENAME_FOLDER)
    with a purgeRequestId whose status is readable; the file is at /new/p/q.txt and /old is gone."""
    key, root = account.private_key, _root()
    put_file(f"{root}/old/p", "q.txt", b"1")

    job = _done(api, key, call("POST", "/v1/bulkJobs/renameFolder",
                                {"folderPath": f"{root}/old", "newFolderName": "new", "purgeCache": True}))  # fmt: skip

    assert job["type"] == "RENAME_FOLDER" and job["purgeRequestId"] and job["failedFiles"] == []
    assert api.get(f"/v1/files/purge/{job['purgeRequestId']}", headers=basic(key)).status_code == 200
    assert _listing(api, key, root) == [f"{root}/new/"]
    assert _listing(api, key, f"{root}/new/p") == [f"{root}/new/p/q.txt"]


def test_rename_of_empty_folders_without_purge(api: Any, account: Any, call: Any) -> None:
    """Given an empty /r/s/t, When renameFolder /r -> "u" without purgeCache, Then Completed without a
    purgeRequestId; /u keeps /r's folderId and createdAt, /u/s/t exists and /r does not."""
    key, root = account.private_key, _root()
    call("POST", "/v1/folder", {"folderName": "t", "parentFolderPath": f"{root}/r/s"})
    [before] = json.loads(api.get(f"/v1/files?path={root}&type=folder", headers=basic(key)).get_data())
    job = _done(api, key, call("POST", "/v1/bulkJobs/renameFolder", {"folderPath": f"{root}/r", "newFolderName": "u"}))
    assert job.get("purgeRequestId") is None
    [after] = json.loads(api.get(f"/v1/files?path={root}&type=folder", headers=basic(key)).get_data())
    assert (after["name"], after["folderId"], after["createdAt"]) == ("u", before["folderId"], before["createdAt"])
    assert _listing(api, key, f"{root}/u/s") == [f"{root}/u/s/t/"]


@pytest.mark.parametrize("job", ["moveFolder", "copyFolder"])
def test_a_subtree_that_would_be_nested_past_50_levels_stays_and_is_reported(
    api: Any, account: Any, call: Any, put_file: Any, job: str
) -> None:
    """Given /src/a.txt and /src/s/t/b.txt, When /src is moved (or copied) into a folder 48 levels below the root
    (/src lands at 49 levels, its /s at 50, its /s/t would be at 51), Then the job completes with /src and /s at
    the destination, /s/t reported failed (FOLDER_TOO_DEEP) and left where it was with its file, and no folder
    deeper than 50 levels."""
    key, root = account.private_key, _root()
    put_file(f"{root}/src", "a.txt", b"1")
    put_file(f"{root}/src/s/t", "b.txt", b"22")
    deep = root + "/d" * 47  # 48 levels

    done = _done(api, key, call("POST", f"/v1/bulkJobs/{job}",
                                 {"sourceFolderPath": f"{root}/src", "destinationPath": deep}))  # fmt: skip

    assert (done["succeededFiles"], [f["reason"] for f in done["failedFiles"]]) == (1, ["FOLDER_TOO_DEEP"])
    assert _listing(api, key, f"{deep}/src") == [f"{deep}/src/a.txt", f"{deep}/src/s/"]
    assert _listing(api, key, f"{deep}/src/s") == []
    assert _listing(api, key, f"{root}/src/s/t") == [f"{root}/src/s/t/b.txt"]
    if job == "moveFolder":
        assert _listing(api, key, f"{root}/src") == [f"{root}/src/s/"]


@pytest.mark.parametrize(
    ("path", "body", "status", "reason"),
    [
        pytest.param(
            "copyFolder",
            {"sourceFolderPath": "{root}/nope", "destinationPath": "/"},
            404,
            "NO_FILES_FOLDER",
            id="copy-missing-source-404",
        ),
        pytest.param(
            "moveFolder",
            {"sourceFolderPath": "{root}/nope", "destinationPath": "/"},
            404,
            "NO_FILES_FOLDER",
            id="move-missing-source-404",
        ),
        pytest.param(
            "renameFolder",
            {"folderPath": "{root}/nope", "newFolderName": "x"},
            404,
            "NO_FILES_FOLDER",
            id="rename-missing-404",
        ),
        pytest.param(
            "copyFolder",
            {"sourceFolderPath": "{root}/a", "destinationPath": "{root}/a/b"},
            400,
            "INVALID_DESTINATION",
            id="copy-into-own-subfolder-400",
        ),
        pytest.param(
            "moveFolder",
            {"sourceFolderPath": "{root}/a", "destinationPath": "{root}/a"},
            400,
            "INVALID_DESTINATION",
            id="move-into-itself-400",
        ),
        pytest.param(
            "moveFolder",
            {"sourceFolderPath": "{root}/a", "destinationPath": "{root}"},
            400,
            "INVALID_DESTINATION",
            id="move-onto-itself-400",
        ),
        pytest.param(
            "moveFolder", {"sourceFolderPath": "/", "destinationPath": "{root}"}, 400, None, id="move-root-400"
        ),
        pytest.param(
            "renameFolder",
            {"folderPath": "{root}/a", "newFolderName": "sib"},
            409,
            "FOLDER_ALREADY_EXISTS",
            id="rename-onto-sibling-409",
        ),
        pytest.param(
            "copyFolder",
            {
                "sourceFolderPath": "{root}/a",
                "destinationPath": "/x",
                "includeVersions": True,
                "includeFileVersions": False,
            },
            400,
            None,
            id="copy-with-disagreeing-version-flags-400",
        ),
        pytest.param(
            "copyFolder",
            {"sourceFolderPath": "{root}/a", "destinationPath": "/x", "includeVersions": "yes"},
            400,
            None,
            id="copy-flag-not-a-boolean-400",
        ),
        pytest.param(
            "copyFolder",
            {"sourceFolderPath": "{root}/a/../a", "destinationPath": "/x"},
            400,
            None,
            id="dot-dot-in-source-400",
        ),
    ],
)
def test_job_refusals(call: Any, path: str, body: dict[str, Any], status: int, reason: str | None) -> None:
    """Given /a/b and a sibling /sib, When a folder job is refused, Then the status and reason, ImageKit's shape,
    and x-should-retry false (a 409 the SDK would otherwise repeat)."""
    root = _root()
    call("POST", "/v1/folder", {"folderName": "b", "parentFolderPath": f"{root}/a"})
    call("POST", "/v1/folder", {"folderName": "sib", "parentFolderPath": root})
    sent = {k: v.replace("{root}", root) if isinstance(v, str) else v for k, v in body.items()}
    got, answer, headers = call("POST", f"/v1/bulkJobs/{path}", sent)
    assert got == status and answer["message"] and answer["help"], answer
    assert headers["x-should-retry"] == "false"
    if reason:
        assert answer["reason"] == reason


def test_another_accounts_folders_and_jobs_are_not_found(api: Any, account: Any, other_account: Any, call: Any) -> None:
    """Given a folder and a job of the dev account, When another account deletes, copies, moves or renames that
    folder or reads the job, Then 404 each time, and the folder is still there for its owner."""
    key, root = account.private_key, _root()
    call("POST", "/v1/folder", {"folderName": "mine", "parentFolderPath": root})
    job = _done(api, key, call("POST", "/v1/bulkJobs/copyFolder",
                                {"sourceFolderPath": f"{root}/mine", "destinationPath": f"{root}/copy"}))  # fmt: skip
    other = other_account.private_key
    for method, path, body in [
        ("DELETE", "/v1/folder", {"folderPath": f"{root}/mine"}),
        ("POST", "/v1/bulkJobs/copyFolder", {"sourceFolderPath": f"{root}/mine", "destinationPath": "/"}),
        ("POST", "/v1/bulkJobs/moveFolder", {"sourceFolderPath": f"{root}/mine", "destinationPath": "/"}),
        ("POST", "/v1/bulkJobs/renameFolder", {"folderPath": f"{root}/mine", "newFolderName": "theirs"}),
    ]:
        assert _call(api, other, method, path, body)[0] == 404, path
    assert api.get(f"/v1/bulkJobs/{job['jobId']}", headers=basic(other)).status_code == 404
    assert _listing(api, key, root) == [f"{root}/copy/", f"{root}/mine/"]


# ------------------------------------------------------------------ the worker's batch, retried


def test_a_retried_batch_is_harmless(api: Any, account: Any, call: Any, put_file: Any, invoke: Any) -> None:
    """Given a finished copy job, When its batch step and its finish step run again (a Step Functions retry after
    a lost answer), Then nothing more is copied: the destination file has the same versions, and the job's
    outcome is unchanged."""
    key, root = account.private_key, _root()
    put_file(f"{root}/src", "a.txt", b"1")
    job = _done(api, key, call("POST", "/v1/bulkJobs/copyFolder",
                                {"sourceFolderPath": f"{root}/src", "destinationPath": f"{root}/dst"}))  # fmt: skip
    ids = {"accountId": account.account_id, "jobId": job["jobId"]}
    assert invoke("FolderWorkerFunction", {"action": "batch", **ids}) == {"more": False, "continued": False}
    assert invoke("FolderWorkerFunction", {"action": "finish", **ids})["status"] == "SUCCEEDED"
    [copied] = json.loads(api.get(f"/v1/files?path={root}/dst/src", headers=basic(key)).get_data())
    assert _versions(api, key, copied["fileId"]) == [1]
    assert _wait_for_job(api, key, job["jobId"]) == job


def test_a_move_batch_replayed_from_the_start_changes_nothing(
    api: Any, account: Any, call: Any, put_file: Any, invoke: Any
) -> None:
    """Given a completed move of /src (a file with 2 versions in a subfolder), When its progress is set back to the
    start (a first batch retried after its answer was lost) and the batch step runs until it says no more, twice,
    Then every file is found moved already and skipped: the moved file keeps its 2 versions, nothing is reported
    failed, and /src stays gone."""
    key, root = account.private_key, _root()
    put_file(f"{root}/src/s", "a.txt", b"1")
    moved = put_file(f"{root}/src/s", "a.txt", b"22")
    job = _done(api, key, call("POST", "/v1/bulkJobs/moveFolder",
                                {"sourceFolderPath": f"{root}/src", "destinationPath": f"{root}/dst"}))  # fmt: skip
    done = folders.progress_store.get(account.account_id, job["jobId"])
    assert done is not None and done.phase is Phase.DONE
    folders.progress_store.advance(done, done.model_copy(update={"phase": Phase.FILES, "folder": done.source,
                                                                 "after": None, "succeeded": 0}))  # fmt: skip
    ids = {"action": "batch", "accountId": account.account_id, "jobId": job["jobId"]}
    for _ in range(2):
        while invoke("FolderWorkerFunction", ids)["more"]:
            pass
    again = folders.progress_store.get(account.account_id, job["jobId"])
    assert again is not None and (again.phase, again.succeeded, again.failed) == (Phase.DONE, 0, 0)
    assert _versions(api, key, moved["fileId"]) == [1, 2]
    assert _listing(api, key, root) == [f"{root}/dst/"]


def test_many_small_batches_loop_until_done(  # noqa: PLR0917 - fixtures
    api: Any, account: Any, stack: Any, call: Any, put_file: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given batches of 2 files and 1 folder removal (the worker runs in this process), and /src holding 5 files
    over 3 folders, When moveFolder /src -> /dst, Then the state machine loops over several batches, the job
    completes with the 5 files moved, every folder is at /dst, and /src is gone."""
    monkeypatch.setattr(folders, "BATCH_FILES", 2)
    monkeypatch.setattr(folders, "PRUNE_FOLDERS", 1)
    key, root = account.private_key, _root()
    for folder, name in [
        ("src", "1.txt"),
        ("src", "2.txt"),
        ("src", "3.txt"),
        ("src/p", "4.txt"),
        ("src/p/q", "5.txt"),
    ]:
        put_file(f"{root}/{folder}", name, b"x")

    job = _done(api, key, call("POST", "/v1/bulkJobs/moveFolder",
                                {"sourceFolderPath": f"{root}/src", "destinationPath": f"{root}/dst"}))  # fmt: skip

    machine = stack.provisioned.physical["FoldersStateMachine"]
    arn = machine.replace(":stateMachine:", ":execution:") + f":{job['jobId']}"
    events = boto3.client("stepfunctions").get_execution_history(executionArn=arn, maxResults=1000)["events"]
    batches = [e for e in events if e.get("stateEnteredEventDetails", {}).get("name") == "ProcessBatch"]
    assert len(batches) >= 4, "5 files by 2, then 3 folders removed by 1"
    assert (job["totalFiles"], job["succeededFiles"]) == (5, 5)
    assert _listing(api, key, f"{root}/dst/src") == [
        *(f"{root}/dst/src/{n}.txt" for n in (1, 2, 3)),
        f"{root}/dst/src/p/",
    ]
    assert _listing(api, key, f"{root}/dst/src/p/q") == [f"{root}/dst/src/p/q/5.txt"]
    assert _listing(api, key, root) == [f"{root}/dst/"]


def test_a_long_job_continues_in_new_executions_of_the_machine(  # noqa: PLR0917 - fixtures
    api: Any, account: Any, stack: Any, call: Any, put_file: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given batches of 1 file and executions of at most 2 batches (Step Functions keeps 25,000 events of history
    per execution), and /src holding 4 files, When moveFolder /src -> /dst, Then each execution starts the next
    one, named by the job id and its generation, before its history grows long; the job completes once, with the
    4 files moved and /src gone."""
    monkeypatch.setattr(folders, "BATCH_FILES", 1)
    monkeypatch.setattr(folders, "BATCHES_PER_EXECUTION", 2)
    key, root = account.private_key, _root()
    for name in ("1.txt", "2.txt", "3.txt", "4.txt"):
        put_file(f"{root}/src", name, b"x")

    job = _done(api, key, call("POST", "/v1/bulkJobs/moveFolder",
                                {"sourceFolderPath": f"{root}/src", "destinationPath": f"{root}/dst"}))  # fmt: skip

    machine = stack.provisioned.physical["FoldersStateMachine"]
    executions = boto3.client("stepfunctions").list_executions(stateMachineArn=machine)["executions"]
    names = sorted(e["name"] for e in executions if e["name"].startswith(job["jobId"]))
    assert names[:3] == [job["jobId"], f"{job['jobId']}-1", f"{job['jobId']}-2"]
    assert (job["totalFiles"], job["succeededFiles"]) == (4, 4)
    assert _listing(api, key, f"{root}/dst/src") == [f"{root}/dst/src/{n}.txt" for n in (1, 2, 3, 4)]
    assert _listing(api, key, root) == [f"{root}/dst/"]


def test_a_rename_whose_purge_is_refused_completes_with_purge_failed(api: Any, stack: Any) -> None:
    """Given an account whose monthly purge quota (1) is spent and a folder of it, When renameFolder with
    purgeCache, Then the folder is renamed and the job Completed, with no purgeRequestId and one PURGE_FAILED entry
    that names the quota error (never its trace)."""
    suffix = uuid.uuid4().hex[:8]
    spent = Account(account_id=f"spent{suffix}", public_key=f"public_spent_{suffix}",
                    private_key=f"private_spent_{suffix}", settings=AccountSettings(purge_monthly_quota=1))  # fmt: skip
    seed_account(spent)
    purge.consume_quota(spent, datetime.now(UTC))
    key = f"private_spent_{suffix}"
    assert _call(api, key, "POST", "/v1/folder", {"folderName": "old", "parentFolderPath": "/"})[0] == 201

    job = _done(api, key, _call(api, key, "POST", "/v1/bulkJobs/renameFolder",
                                {"folderPath": "/old", "newFolderName": "new", "purgeCache": True}))  # fmt: skip

    assert job.get("purgeRequestId") is None
    [failure] = job["failedFiles"]
    assert failure["reason"] == "PURGE_FAILED" and "QuotaExceededError" in failure["message"]
    assert _listing(api, key, "/") == ["/new/"]


def test_the_files_function_starts_the_folders_machine(stack: Any) -> None:
    """Given the template, When the files function's own environment is read, Then its folder settings name the
    provisioned folders state machine (and the worker's environment satisfies the worker settings)."""
    settings = FolderJobSettings.model_validate(stack.provisioned.function_env["FilesFunction"])
    assert settings.folders_state_machine_arn == stack.provisioned.physical["FoldersStateMachine"]
    WorkerSettings.model_validate(stack.provisioned.function_env["FolderWorkerFunction"])
