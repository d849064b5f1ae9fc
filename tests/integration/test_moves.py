"""Copy, move and rename through the files function on the local stack (seed 001, docs/moves.md): what happens to
versions, objects, path claims and delivery URLs; the version cap; writes larger than one transaction, a crash
between them and a race with an upload; the orphan sweep after a move onto another file; and careless clients."""

from __future__ import annotations

import json
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

from medialib.adapters import clients, table
from medialib.adapters.errors import ConditionFailedError
from medialib.errors import ServiceUnavailableError
from medialib.files import moves
from medialib.files import rules as file_rules
from medialib.files import service as file_service
from medialib.files import store as file_store
from tests.conftest import basic
from tests.integration.aws_requests import sent
from tests.integration.delivery_helpers import Uploaded, invalidations_of, token_of, upload, versions
from tests.integration.test_dependency_failures import Injector, client_error
from tests.integration.test_orphan_sweep import LATER, _exists, _put, sweep_at
from tests.integration.test_publish import fresh_account, purges_counted


def _folder() -> str:
    return "/moves-" + uuid.uuid4().hex[:10]


def _send(api: Any, key: str, method: str, route: str, body: Any, *, content_type: str = "application/json") -> Any:
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return api.open(route, method=method, headers={**basic(key), "Content-Type": content_type}, data=data)


def copy(api: Any, key: str, source: str, dest: str, *, versions: bool | None = None) -> Any:
    body: dict[str, Any] = {"sourceFilePath": source, "destinationPath": dest}
    if versions is not None:
        body["includeFileVersions"] = versions
    return _send(api, key, "POST", "/v1/files/copy", body)


def move(api: Any, key: str, source: str, dest: str) -> Any:
    return _send(api, key, "POST", "/v1/files/move", {"sourceFilePath": source, "destinationPath": dest})


def rename(api: Any, key: str, path: str, name: str, *, purge: bool | None = None) -> Any:
    body: dict[str, Any] = {"filePath": path, "newFileName": name}
    if purge is not None:
        body["purgeCache"] = purge
    return _send(api, key, "PUT", "/v1/files/rename", body)


def text_file(api: Any, key: str, contents: list[bytes], *, folder: str | None = None, name: str = "a.txt") -> Uploaded:
    """A text file uploaded once per item of ``contents`` (each a version, the last current)."""
    folder = folder or _folder()
    first = upload(api, key, contents[0], fileName=name, folder=folder)
    for content in contents[1:]:
        upload(api, key, content, fileName=name, folder=folder)
    return first


def listed_versions(api: Any, key: str, file_id: str) -> list[dict[str, Any]]:
    return versions(api, key, file_id)


def delivered(api: Any, account_id: str, path: str, token: str | None = None) -> Any:
    query = f"?ik-obj-version={token}" if token else ""
    return api.get(f"/{account_id}{path}{query}")


def details(api: Any, key: str, file_id: str) -> Any:
    return api.get(f"/v1/files/{file_id}/details", headers=basic(key))


def object_keys(stack: Any, account_id: str) -> set[str]:
    bucket = stack.provisioned.physical["OriginalsBucket"]
    pages = boto3.client("s3").get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=f"{account_id}/")
    return {obj["Key"] for page in pages for obj in page.get("Contents", [])}


def _body(answer: Any) -> Any:
    return json.loads(answer.get_data() or b"null")


# ------------------------------------------------------------------ copy


def test_copy_makes_a_new_file_of_the_current_version_only(api: Any, stack: Any, account: Any) -> None:
    """Given a file with two versions (tags, private), When it is copied into a new folder without
    includeFileVersions, Then 204 with no body, a new file (new id, new version id) holding only the current
    version as Version 1, with the same bytes, tags and privacy, in its own object; the source is unchanged."""
    key = account.private_key
    source = text_file(api, key, [b"old", b"new"])
    upload(api, key, b"new", fileName="a.txt", folder=source.file_path.rsplit("/", 1)[0], tags="t1,t2")
    dest = _folder() + "/sub"

    answer = copy(api, key, source.file_path, dest + "/")

    assert (answer.status_code, answer.get_data()) == (204, b"")
    copied = listed_versions(api, key, _file_id_at(api, key, f"{dest}/a.txt"))
    assert [(v["versionInfo"]["name"], v["tags"]) for v in copied] == [("Version 1", ["t1", "t2"])]
    assert copied[0]["fileId"] != source.file_id and copied[0]["filePath"] == f"{dest}/a.txt"
    assert delivered(api, account.account_id, f"{dest}/a.txt").get_data() == b"new"
    assert f"{account.account_id}/{copied[0]['fileId']}/{copied[0]['versionInfo']['id']}" in object_keys(
        stack, account.account_id
    )
    assert len(listed_versions(api, key, source.file_id)) == 3
    folders = api.get(f"/v1/files?type=folder&path={dest.rsplit('/', 1)[0]}", headers=basic(key))
    assert [f["folderPath"] for f in _body(folders)] == [dest]


def _file_id_at(api: Any, key: str, path: str) -> str:
    folder, name = path.rsplit("/", 1)
    listed = _body(api.get(f"/v1/files?path={folder or '/'}", headers=basic(key)))
    return str(next(f["fileId"] for f in listed if f["name"] == name))


def test_copy_with_versions_onto_a_file_appends_them_to_its_history(api: Any, account: Any) -> None:
    """Given a source with three versions and a destination file of the same name with one, When the source is
    copied there with includeFileVersions, Then the destination has four versions: its own, then the source's
    oldest first as Versions 2..4 with new ids, the last (the source's current bytes) current."""
    key = account.private_key
    source = text_file(api, key, [b"s1", b"s2", b"s3"])
    dest = text_file(api, key, [b"d1"])
    dest_folder = dest.file_path.rsplit("/", 1)[0]

    answer = copy(api, key, source.file_path, dest_folder, versions=True)

    assert answer.status_code == 204, answer.get_data()
    history = listed_versions(api, key, dest.file_id)
    assert [v["versionInfo"]["name"] for v in history] == ["Version 1", "Version 2", "Version 3", "Version 4"]
    source_ids = {v["versionInfo"]["id"] for v in listed_versions(api, key, source.file_id)}
    assert not source_ids & {v["versionInfo"]["id"] for v in history}
    assert [delivered(api, account.account_id, dest.file_path, token_of(v)).get_data() for v in history[:3]] == [
        b"d1",
        b"s1",
        b"s2",
    ]
    assert delivered(api, account.account_id, dest.file_path).get_data() == b"s3"
    assert history[3]["type"] == "file"


def test_copy_without_versions_onto_a_file_appends_only_the_current_version(api: Any, account: Any) -> None:
    key = account.private_key
    source = text_file(api, key, [b"s1", b"s2"])
    dest = text_file(api, key, [b"d1", b"d2"])

    assert copy(api, key, source.file_path, dest.file_path.rsplit("/", 1)[0]).status_code == 204

    history = listed_versions(api, key, dest.file_id)
    assert [v["versionInfo"]["name"] for v in history] == ["Version 1", "Version 2", "Version 3"]
    assert delivered(api, account.account_id, dest.file_path).get_data() == b"s2"


def test_a_copy_past_the_version_cap_is_a_400_and_writes_nothing(
    api: Any, stack: Any, account: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given a cap of 3 versions (lowered for the test), a destination with 2 and a source with 2, When the source
    is copied there with its versions, Then 400 VERSION_LIMIT_REACHED, no version added and no object written."""
    monkeypatch.setattr(file_rules, "MAX_VERSIONS", 3)
    key = account.private_key
    source = text_file(api, key, [b"s1", b"s2"])
    dest = text_file(api, key, [b"d1", b"d2"])
    before = object_keys(stack, account.account_id)

    answer = copy(api, key, source.file_path, dest.file_path.rsplit("/", 1)[0], versions=True)

    assert answer.status_code == 400 and _body(answer)["reason"] == "VERSION_LIMIT_REACHED"
    assert len(listed_versions(api, key, dest.file_id)) == 2
    assert object_keys(stack, account.account_id) == before


def test_copy_of_a_missing_file_is_imagekits_404(api: Any, account: Any) -> None:
    answer = copy(api, account.private_key, "/nowhere/a.jpg", "/dest/")

    assert answer.status_code == 404
    assert _body(answer) == {
        "message": "No file found with filePath /nowhere/a.jpg",
        "help": _body(answer)["help"],
        "reason": "SOURCE_FILE_MISSING",
    }


# ------------------------------------------------------------------ move


def test_move_keeps_the_file_and_rewrites_no_object(api: Any, stack: Any, account: Any) -> None:
    """Given a file with two versions, When it is moved into a new folder, Then 204; the same file id, every
    version at the new path, no object written or deleted; the old URL 404s at the origin, the new one serves the
    same bytes, and the older version's ik-obj-version URL works at the new path."""
    key, acc = account.private_key, account.account_id
    source = text_file(api, key, [b"one", b"two"])
    before = object_keys(stack, acc)
    dest = _folder()

    answer = move(api, key, source.file_path, dest)

    assert (answer.status_code, answer.get_data()) == (204, b"")
    history = listed_versions(api, key, source.file_id)
    assert {v["filePath"] for v in history} == {f"{dest}/a.txt"} and len(history) == 2
    assert _body(details(api, key, source.file_id))["filePath"] == f"{dest}/a.txt"
    assert object_keys(stack, acc) == before
    assert delivered(api, acc, source.file_path).status_code == 404
    assert delivered(api, acc, f"{dest}/a.txt").get_data() == b"two"
    assert delivered(api, acc, f"{dest}/a.txt", token_of(history[0])).get_data() == b"one"
    assert move(api, key, source.file_path, dest).status_code == 204  # a retry: the move is recorded


def test_move_onto_a_file_appends_every_version_and_keeps_their_objects(
    api: Any, stack: Any, account: Any, invoke: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given a source with two versions and a destination of the same name with one, When the source is moved
    there, Then the destination has three versions (the moved ones keep their ids and tokens, the source's current
    one is current), the source file is gone, no object is written or deleted, and the moved versions' URLs serve
    their bytes at the new path. When the orphan sweep runs later, Then the moved objects survive and a real orphan
    is still deleted; when a moved version is deleted, Then its object goes."""
    key, acc = account.private_key, account.account_id
    source = text_file(api, key, [b"s1", b"s2"])
    dest = text_file(api, key, [b"d1"])
    moved_ids = [v["versionInfo"]["id"] for v in listed_versions(api, key, source.file_id)]
    before = object_keys(stack, acc)

    answer = move(api, key, source.file_path, dest.file_path.rsplit("/", 1)[0])

    assert answer.status_code == 204, answer.get_data()
    history = listed_versions(api, key, dest.file_id)
    assert [v["versionInfo"]["id"] for v in history][1:] == moved_ids
    assert [v["versionInfo"]["name"] for v in history] == ["Version 1", "Version 2", "Version 3"]
    assert details(api, key, source.file_id).status_code == 404
    assert delivered(api, acc, source.file_path).status_code == 404
    assert object_keys(stack, acc) == before
    assert delivered(api, acc, dest.file_path).get_data() == b"s2"
    assert delivered(api, acc, dest.file_path, token_of(history[1])).get_data() == b"s1"
    assert delivered(api, acc, dest.file_path, token_of(history[0])).get_data() == b"d1"

    orphan = _put(stack, f"{acc}/{uuid.uuid4().hex[:24]}/{uuid.uuid4().hex[:24]}")
    sweep_at(invoke, monkeypatch, LATER)

    assert not _exists(stack, orphan)
    assert all(_exists(stack, f"{acc}/{source.file_id}/{vid}") for vid in moved_ids)
    assert delivered(api, acc, dest.file_path, token_of(history[1])).get_data() == b"s1"
    deleted = api.delete(f"/v1/files/{dest.file_id}/versions/{moved_ids[0]}", headers=basic(key))
    assert deleted.status_code == 204
    assert not _exists(stack, f"{acc}/{source.file_id}/{moved_ids[0]}")


def test_a_version_moved_twice_still_reads_its_first_object(api: Any, account: Any) -> None:
    """Given a version moved onto file B, then B moved onto file C, When C's versions are delivered, Then the
    version moved twice serves its bytes (its object is still the one it was uploaded to); When C is copied with
    its versions, Then the copies serve the same bytes."""
    key, acc = account.private_key, account.account_id
    a = text_file(api, key, [b"a1"])
    b = text_file(api, key, [b"b1"])
    c = text_file(api, key, [b"c1"])
    assert move(api, key, a.file_path, b.file_path.rsplit("/", 1)[0]).status_code == 204
    assert move(api, key, b.file_path, c.file_path.rsplit("/", 1)[0]).status_code == 204

    history = listed_versions(api, key, c.file_id)

    assert [delivered(api, acc, c.file_path, token_of(v)).get_data() for v in history[:2]] == [b"c1", b"b1"]
    assert delivered(api, acc, c.file_path).get_data() == b"a1"
    elsewhere = _folder()  # and a copy of moved-in versions copies their objects
    assert copy(api, key, c.file_path, elsewhere, versions=True).status_code == 204
    copied = listed_versions(api, key, _file_id_at(api, key, f"{elsewhere}/a.txt"))
    assert [delivered(api, acc, f"{elsewhere}/a.txt", token_of(v)).get_data() for v in copied[:2]] == [b"c1", b"b1"]
    assert delivered(api, acc, f"{elsewhere}/a.txt").get_data() == b"a1"


def test_moving_a_file_onto_its_own_folder_changes_nothing(api: Any, account: Any) -> None:
    key = account.private_key
    source = text_file(api, key, [b"x"])

    assert move(api, key, source.file_path, source.file_path.rsplit("/", 1)[0]).status_code == 204

    assert _body(details(api, key, source.file_id))["filePath"] == source.file_path


def test_a_move_past_the_version_cap_is_a_400_and_changes_nothing(
    api: Any, account: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(file_rules, "MAX_VERSIONS", 2)
    key = account.private_key
    source = text_file(api, key, [b"s1"])
    dest = text_file(api, key, [b"d1", b"d2"])

    answer = move(api, key, source.file_path, dest.file_path.rsplit("/", 1)[0])

    assert answer.status_code == 400 and _body(answer)["reason"] == "VERSION_LIMIT_REACHED"
    assert details(api, key, source.file_id).status_code == 200


# ------------------------------------------------------------------ rename


def test_rename_renames_every_version(api: Any, stack: Any, account: Any) -> None:
    """Given a file with two versions, When it is renamed (a name to sanitise), Then 200 {}, every version has
    the new name and path, the old URL 404s, the new one serves the bytes, and no object changed."""
    key, acc = account.private_key, account.account_id
    source = text_file(api, key, [b"one", b"two"])
    before = object_keys(stack, acc)
    folder = source.file_path.rsplit("/", 1)[0]

    answer = rename(api, key, source.file_path, "b c.txt")

    assert (answer.status_code, _body(answer)) == (200, {})
    assert {(v["name"], v["filePath"]) for v in listed_versions(api, key, source.file_id)} == {
        ("b_c.txt", f"{folder}/b_c.txt")
    }
    assert delivered(api, acc, source.file_path).status_code == 404
    assert delivered(api, acc, f"{folder}/b_c.txt").get_data() == b"two"
    older = listed_versions(api, key, source.file_id)[0]
    assert delivered(api, acc, f"{folder}/b_c.txt", token_of(older)).get_data() == b"one"
    assert delivered(api, acc, source.file_path, token_of(older)).status_code == 404
    assert object_keys(stack, acc) == before


def test_rename_onto_an_existing_name_is_a_409_not_retried(api: Any, account: Any) -> None:
    key = account.private_key
    source = text_file(api, key, [b"one"])
    folder = source.file_path.rsplit("/", 1)[0]
    upload(api, key, b"other", fileName="b.txt", folder=folder)

    answer = rename(api, key, source.file_path, "b.txt")

    assert answer.status_code == 409 and answer.headers["x-should-retry"] == "false"
    assert _body(answer)["reason"] == "FILE_ALREADY_EXISTS"
    assert _body(details(api, key, source.file_id))["name"] == "a.txt"


def test_rename_with_purge_cache_purges_the_old_url_once(api: Any, stack: Any) -> None:
    """Given a file, When it is renamed with purgeCache, Then 200 {purgeRequestId}, one purge counted, and its
    invalidation clears the old path and everything under it (``<old-path>*``)."""
    seeded = fresh_account()
    source = text_file(api, seeded.private_key, [b"one"])

    answer = rename(api, seeded.private_key, source.file_path, "b.txt", purge=True)

    assert answer.status_code == 200, answer.get_data()
    request_id = _body(answer)["purgeRequestId"]
    (made,) = invalidations_of(stack, request_id)
    assert made["InvalidationBatch"]["Paths"]["Items"] == [f"/{seeded.account_id}{source.file_path}*"]
    assert purges_counted(seeded.account_id) == 1


def test_rename_of_a_short_path_purges_what_the_wildcard_rules_allow(api: Any, stack: Any) -> None:
    """Given a file at /ab (one level, under 15 characters, no extension: ``/ab*`` is refused by seed 003), When it
    is renamed with purgeCache, Then the old URL itself is purged (invalidated as ``/{acc}/ab*`` all the same)."""
    seeded = fresh_account()
    upload(api, seeded.private_key, b"x", fileName="ab", folder="/")

    answer = rename(api, seeded.private_key, "/ab", "cd", purge=True)

    assert answer.status_code == 200, answer.get_data()
    (made,) = invalidations_of(stack, _body(answer)["purgeRequestId"])
    assert made["InvalidationBatch"]["Paths"]["Items"] == [f"/{seeded.account_id}/ab*"]


def test_rename_with_the_purge_quota_spent_is_done_and_answers_207(api: Any) -> None:
    """Given an account whose monthly purge quota (1) is spent, When a file is renamed with purgeCache, Then 207
    PURGE_FAILED in ImageKit's shape, and the rename is done."""
    seeded = fresh_account(purge_monthly_quota=1)
    key = seeded.private_key
    first = text_file(api, key, [b"one"])
    assert rename(api, key, first.file_path, "spent.txt", purge=True).status_code == 200
    source = text_file(api, key, [b"two"])

    answer = rename(api, key, source.file_path, "b.txt", purge=True)

    assert answer.status_code == 207, answer.get_data()
    assert _body(answer)["reason"] == "PURGE_FAILED" and {"message", "help"} <= _body(answer).keys()
    assert _body(details(api, key, source.file_id))["name"] == "b.txt"


def test_rename_with_cloudfront_refusing_is_done_and_answers_207_with_the_quota_given_back(
    api: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given CloudFront refusing invalidations (too many in progress), When a file is renamed with purgeCache, Then
    207 PURGE_FAILED, the rename is done (the old URL 404s, the new one serves) and no purge is counted."""
    seeded = fresh_account()
    key = seeded.private_key
    source = text_file(api, key, [b"one"])
    error = client_error("TooManyInvalidationsInProgress", 400, "CreateInvalidation")
    Injector(monkeypatch).fail(clients.cloudfront(), "create_invalidation", error)

    answer = rename(api, key, source.file_path, "b.txt", purge=True)

    assert answer.status_code == 207, answer.get_data()
    assert _body(answer)["reason"] == "PURGE_FAILED"
    folder = source.file_path.rsplit("/", 1)[0]
    assert delivered(api, seeded.account_id, source.file_path).status_code == 404
    assert delivered(api, seeded.account_id, f"{folder}/b.txt").get_data() == b"one"
    assert purges_counted(seeded.account_id) == 0


def test_rename_of_a_missing_file_is_a_404(api: Any, account: Any) -> None:
    answer = rename(api, account.private_key, "/nowhere/a.txt", "b.txt")

    assert answer.status_code == 404


# ------------------------------------------------------------------ larger than one transaction, crashes, races


# The fewest writes a transaction may hold for each operation to still take its first version in its first
# transaction (its fixed writes, then one version's): every later version then goes in later transactions.
_SMALLEST = {"move-onto-a-file": 8, "move-to-a-new-folder": 5, "rename": 5, "copy-with-versions": 4}


@pytest.mark.parametrize("operation", list(_SMALLEST))
def test_writes_in_several_transactions_end_consistent(
    api: Any, account: Any, monkeypatch: pytest.MonkeyPatch, operation: str
) -> None:
    """Given transactions limited to a few writes (DynamoDB's 100, lowered so that only one version fits in the
    first) and a source of 4 versions, When it is moved, renamed or copied, Then every version arrives, numbered,
    at the destination path, and the file's version count equals its versions."""
    monkeypatch.setattr(file_store, "MOVE_CHUNK_WRITES", _SMALLEST[operation])
    key, acc = account.private_key, account.account_id
    source = text_file(api, key, [b"s1", b"s2", b"s3", b"s4"])
    dest = text_file(api, key, [b"d1"])
    folder = dest.file_path.rsplit("/", 1)[0]
    if operation == "move-onto-a-file":
        answer, file_id, expected = move(api, key, source.file_path, folder), dest.file_id, 5
    elif operation == "move-to-a-new-folder":
        answer, file_id, expected = move(api, key, source.file_path, _folder()), source.file_id, 4
    elif operation == "rename":
        answer, file_id, expected = rename(api, key, source.file_path, "z.txt"), source.file_id, 4
    else:
        answer, file_id, expected = copy(api, key, source.file_path, folder, versions=True), dest.file_id, 5

    assert answer.status_code in {200, 204}, answer.get_data()
    history = listed_versions(api, key, file_id)
    path = _body(details(api, key, file_id))["filePath"]
    assert len(history) == expected and {v["filePath"] for v in history} == {path}
    assert [v["versionInfo"]["name"] for v in history] == [f"Version {n}" for n in range(1, expected + 1)]
    assert delivered(api, acc, path).get_data() == b"s4"
    assert delivered(api, acc, path, token_of(history[-2])).get_data() == b"s3"
    stored = file_service.store.versioned(acc, file_id)
    assert stored is not None and (stored.count, stored.seq) == (expected, expected)


class _Crash(Exception):
    pass


@pytest.mark.parametrize("onto_a_file", [True, False], ids=["move-onto-a-file", "move-to-a-new-folder"])
def test_a_move_that_crashed_between_transactions_is_finished_by_a_retry(
    api: Any, account: Any, monkeypatch: pytest.MonkeyPatch, onto_a_file: bool
) -> None:
    """Given small transactions and a move that dies after its first transaction, When the client retries
    the same call, Then 204 and the move is whole: every version at the destination, none left behind; the file
    never lost its path claim in between (its record answers at one path)."""
    monkeypatch.setattr(file_store, "MOVE_CHUNK_WRITES", 8 if onto_a_file else 5)
    key = account.private_key
    source = text_file(api, key, [b"s1", b"s2", b"s3", b"s4"])
    dest = text_file(api, key, [b"d1"])
    folder = dest.file_path.rsplit("/", 1)[0] if onto_a_file else _folder()
    real, calls = table.transact_write, []

    def dies_after_the_first(writes: Any, **kwargs: Any) -> None:
        calls.append(1)
        if len(calls) > 1:
            raise _Crash
        real(writes, **kwargs)

    monkeypatch.setattr(table, "transact_write", dies_after_the_first)
    assert move(api, key, source.file_path, folder).status_code == 500  # died after its first transaction
    monkeypatch.setattr(table, "transact_write", real)
    file_id = dest.file_id if onto_a_file else source.file_id
    assert details(api, key, file_id).status_code == 200  # whole at its new path in between

    answer = move(api, key, source.file_path, folder)

    assert answer.status_code == 204, answer.get_data()
    history = listed_versions(api, key, file_id)
    assert len(history) == (5 if onto_a_file else 4)
    assert {v["filePath"] for v in history} == {f"{folder}/a.txt"}
    stored = file_service.store.versioned(account.account_id, file_id)
    assert stored is not None and stored.count == len(history)
    if onto_a_file:  # nothing left under the source file id
        assert file_service.store.versions(account.account_id, source.file_id) == []


def test_an_upload_racing_a_move_is_moved_with_it_or_lands_at_the_old_path(
    api: Any, account: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given a file with two versions, When an upload of a third version to its path lands after the move read
    the file and before it wrote, Then the move retries on a fresh read (versionSeq serialises them): the file
    moves with all three versions, none lost, none left at the old path."""
    key = account.private_key
    source = text_file(api, key, [b"one", b"two"])
    folder = source.file_path.rsplit("/", 1)[0]
    real, raced = moves.store.relocate, list[Uploaded]()

    def upload_first(*args: Any, **kwargs: Any) -> None:
        if not raced:
            raced.append(upload(api, key, b"three", fileName="a.txt", folder=folder))
        real(*args, **kwargs)

    monkeypatch.setattr(moves.store, "relocate", upload_first)
    dest = _folder()

    answer = move(api, key, source.file_path, dest)

    assert answer.status_code == 204, answer.get_data()
    history = listed_versions(api, key, source.file_id)
    assert [v["versionInfo"]["name"] for v in history] == ["Version 1", "Version 2", "Version 3"]
    assert {v["filePath"] for v in history} == {f"{dest}/a.txt"}
    assert delivered(api, account.account_id, f"{dest}/a.txt").get_data() == b"three"


# ------------------------------------------------------------------ non-current versions, other accounts, careless clients


@pytest.mark.parametrize(
    ("method", "route", "field"),
    [
        ("POST", "/v1/files/copy", "sourceFilePath"),
        ("POST", "/v1/files/move", "sourceFilePath"),
        ("PUT", "/v1/files/rename", "filePath"),
    ],
    ids=["copy", "move", "rename"],
)
def test_a_non_current_versions_url_form_is_not_a_file_path(
    api: Any, account: Any, method: str, route: str, field: str
) -> None:
    """Given a file with two versions, When copy, move or rename name its older version (path?ik-obj-version=...),
    Then 400 saying only the current version can be, and nothing changes."""
    key = account.private_key
    source = text_file(api, key, [b"one", b"two"])
    old = listed_versions(api, key, source.file_id)[0]
    body = {"destinationPath": _folder(), "newFileName": "b.txt"}
    body = {k: v for k, v in body.items() if (k == "newFileName") == (route.endswith("rename"))}

    answer = _send(api, key, method, route, {field: f"{source.file_path}?ik-obj-version={token_of(old)}", **body})

    assert answer.status_code == 400 and "non-current version" in _body(answer)["message"]
    assert _body(details(api, key, source.file_id))["filePath"] == source.file_path


@pytest.mark.parametrize(
    ("method", "route", "body"),
    [
        ("POST", "/v1/files/copy", {"destinationPath": "/stolen/", "includeFileVersions": True}),
        ("POST", "/v1/files/move", {"destinationPath": "/stolen/"}),
        ("PUT", "/v1/files/rename", {"newFileName": "stolen.txt", "purgeCache": True}),
    ],
    ids=["copy", "move", "rename"],
)
def test_another_accounts_path_is_a_404_and_stays_untouched(
    api: Any, account: Any, other_account: Any, *, method: str, route: str, body: dict[str, Any]
) -> None:
    key = account.private_key
    source = text_file(api, key, [b"mine"])
    field = "filePath" if route.endswith("rename") else "sourceFilePath"

    answer = _send(api, other_account.private_key, method, route, {field: source.file_path, **body})

    assert answer.status_code == 404
    assert _body(details(api, key, source.file_id))["filePath"] == source.file_path
    assert delivered(api, account.account_id, source.file_path).get_data() == b"mine"
    listed = _body(api.get("/v1/files?path=/stolen", headers=basic(other_account.private_key)))
    assert not [f for f in listed if f.get("name") in {"a.txt", "stolen.txt"}]


_GOOD = {
    "copy": ("POST", "/v1/files/copy", {"sourceFilePath": "/a.txt", "destinationPath": "/d/"}),
    "move": ("POST", "/v1/files/move", {"sourceFilePath": "/a.txt", "destinationPath": "/d/"}),
    "rename": ("PUT", "/v1/files/rename", {"filePath": "/a.txt", "newFileName": "b.txt"}),
}
_CARELESS: list[tuple[str, Any, str, int]] = [
    ("unknown-field", {"colour": "red"}, "application/json", 400),
    ("empty-object", {}, "application/json", 400),
    ("array", [], "application/json", 400),
    ("empty-body", "", "application/json", 400),
    ("invalid-json", "{not json", "application/json", 400),
    ("invalid-utf8", b'{"a": "\xff"}', "application/json", 400),
    ("form-encoded", "a=b", "application/x-www-form-urlencoded", 415),
    ("huge", {"pad": "x" * 200_000}, "application/json", 400),
    ("path-a-number", {"__path__": 7}, "application/json", 400),
    ("path-a-folder", {"__path__": "/folder/"}, "application/json", 400),
    ("path-empty", {"__path__": ""}, "application/json", 400),
]


@pytest.mark.parametrize("route", sorted(_GOOD))
@pytest.mark.parametrize("case", _CARELESS, ids=[c[0] for c in _CARELESS])
def test_a_careless_client_gets_a_clear_4xx(
    api: Any, account: Any, route: str, case: tuple[str, Any, str, int]
) -> None:
    """When copy, move or rename get what a careless client sends, Then the status of the case in ImageKit's shape
    (never a 5xx)."""
    method, path, good = _GOOD[route]
    _, body, content_type, status = case
    if isinstance(body, dict):
        field = "filePath" if route == "rename" else "sourceFilePath"
        body = {**good, **{(field if k == "__path__" else k): v for k, v in body.items()}} if body else {}

    answer = _send(api, account.private_key, method, path, body, content_type=content_type)

    assert answer.status_code == status, answer.get_data()
    assert {"message", "help"} <= _body(answer).keys()


@pytest.mark.parametrize(
    ("route", "body", "reason"),
    [
        ("copy", {"includeFileVersions": "true"}, "includeFileVersions"),
        ("copy", {"destinationPath": "/" + "/".join(["f"] * 51)}, "levels"),
        ("copy", {"destinationPath": "/a/../b"}, ". or .."),
        ("rename", {"newFileName": "x/y.txt"}, "without /"),
        ("rename", {"newFileName": "   "}, "newFileName"),
        ("rename", {"purgeCache": "yes"}, "purgeCache"),
    ],
    ids=["versions-as-text", "folder-too-deep", "dot-dot-folder", "name-with-slash", "blank-name", "purge-as-text"],
)
def test_invalid_values_are_400s_that_name_the_problem(
    api: Any, account: Any, route: str, body: Any, reason: str
) -> None:
    method, path, good = _GOOD[route]

    answer = _send(api, account.private_key, method, path, {**good, **body})

    assert answer.status_code == 400, answer.get_data()
    assert reason in _body(answer)["message"]


@pytest.mark.parametrize("method", ["HEAD", "OPTIONS", "GET"])
def test_other_methods_are_answered_without_a_5xx(api: Any, account: Any, method: str) -> None:
    for _, path, _ in _GOOD.values():
        answer = api.open(path, method=method, headers=basic(account.private_key))
        assert answer.status_code < 500, (path, answer.status_code)


def test_an_upload_that_read_the_file_before_a_move_lands_as_a_new_file_at_the_old_path(
    api: Any, account: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given a file, When an upload to its path reads the file, then the file is moved away, then the upload writes,
    Then the upload's condition (versionSeq, versionId and path) fails, it re-reads and creates a new file at the
    old path; the moved file keeps its one version at the new path."""
    key = account.private_key
    source = text_file(api, key, [b"one"])
    folder, dest = source.file_path.rsplit("/", 1)[0], _folder()
    real, moved = file_service.store.add_version, list[int]()

    def move_first(*args: Any, **kwargs: Any) -> None:
        if not moved:
            moved.append(move(api, key, source.file_path, dest).status_code)
        real(*args, **kwargs)

    monkeypatch.setattr(file_service.store, "add_version", move_first)

    late = upload(api, key, b"late", fileName="a.txt", folder=folder)

    assert moved == [204] and late.file_id != source.file_id
    assert [v["filePath"] for v in listed_versions(api, key, source.file_id)] == [f"{dest}/a.txt"]
    assert delivered(api, account.account_id, source.file_path).get_data() == b"late"
    assert delivered(api, account.account_id, f"{dest}/a.txt").get_data() == b"one"


def test_an_upload_that_read_the_path_claim_before_a_move_does_not_pull_the_file_back(
    api: Any, account: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given a file, When an upload reads its path claim, then the file is moved away, then the upload reads the
    file's record (now at the new path), Then the upload does not take the file back to the old path: it creates a
    new file there, and the moved file stays whole at its new path (its claim, record and rows agree)."""
    key, acc = account.private_key, account.account_id
    source = text_file(api, key, [b"one"])
    folder, dest = source.file_path.rsplit("/", 1)[0], _folder()
    real, moved = file_service.store.file_id_at, list[int]()

    def claim_then_move(account_id: str, path: str) -> str | None:
        found = real(account_id, path)
        if not moved and path == source.file_path:
            moved.append(0)
            moved.append(move(api, key, source.file_path, dest).status_code)
        return found

    monkeypatch.setattr(file_service.store, "file_id_at", claim_then_move)

    late = upload(api, key, b"late", fileName="a.txt", folder=folder)

    assert moved == [0, 204] and late.file_id != source.file_id
    item = file_service.store.get_file(acc, source.file_id)
    assert item is not None and item.file_path == f"{dest}/a.txt"
    assert real(acc, f"{dest}/a.txt") == source.file_id and real(acc, source.file_path) == late.file_id
    assert delivered(api, acc, source.file_path).get_data() == b"late"


def test_after_a_move_the_folders_list_the_file_where_it_is(api: Any, account: Any) -> None:
    """Given a file, When it is moved into a new nested folder, Then its old folder no longer lists it, the new
    folder does, and the new folder's parent lists the folder."""
    key = account.private_key
    source = text_file(api, key, [b"x"])
    old, parent = source.file_path.rsplit("/", 1)[0], _folder()

    assert move(api, key, source.file_path, f"{parent}/inner").status_code == 204

    assert [f["name"] for f in _body(api.get(f"/v1/files?path={old}", headers=basic(key)))] == []
    assert [f["fileId"] for f in _body(api.get(f"/v1/files?path={parent}/inner", headers=basic(key)))] == [
        source.file_id
    ]
    assert [f["name"] for f in _body(api.get(f"/v1/files?path={parent}&type=folder", headers=basic(key)))] == ["inner"]


def test_a_moved_in_version_restored_serves_its_own_object(api: Any, account: Any) -> None:
    """Given a version moved onto another file and then not current, When it is restored, Then the destination
    serves that version's bytes (its record's object key travels with it into the current record)."""
    key, acc = account.private_key, account.account_id
    source = text_file(api, key, [b"moved"])
    dest = text_file(api, key, [b"d1"])
    folder = dest.file_path.rsplit("/", 1)[0]
    assert move(api, key, source.file_path, folder).status_code == 204
    upload(api, key, b"d2", fileName="a.txt", folder=folder)
    moved_id = listed_versions(api, key, dest.file_id)[1]["versionInfo"]["id"]

    restored = api.put(
        f"/v1/files/{dest.file_id}/versions/{moved_id}/restore",
        headers={**basic(key), "Content-Type": "application/json"},
    )

    assert restored.status_code == 200, restored.get_data()
    assert delivered(api, acc, dest.file_path).get_data() == b"moved"


def test_the_primitives_for_folders(api: Any, account: Any) -> None:
    """Given a file, When FOLDERS' primitives copy it and then move it (twice: a retried step), Then copy_file
    returns the new file's current record; move_file returns the moved record, and its repeat returns the same
    record without a change."""
    key, acc = account.private_key, account.account_id
    source = text_file(api, key, [b"p1", b"p2"])
    item = file_service.current_item(acc, source.file_id)
    now = datetime.now(UTC)
    copy_folder, move_folder = _folder(), _folder()

    copied = moves.copy_file(acc, item, copy_folder, include_versions=True, now=now)
    first = moves.move_file(acc, item, move_folder, now=now)
    again = moves.move_file(acc, item, move_folder, now=now)

    assert (copied.type, copied.file_path, copied.version_number) == ("file", f"{copy_folder}/a.txt", 2)
    assert len(listed_versions(api, key, copied.file_id)) == 2
    assert (first.file_id, first.file_path) == (source.file_id, f"{move_folder}/a.txt")
    assert (again.file_id, again.file_path, again.version_id) == (first.file_id, first.file_path, first.version_id)


def _delete_file_rows(stack: Any, account_id: str, file_id: str, file_path: str) -> None:
    """Stands in for DELETE /v1/files/{fileId} (DETAILS builds it): the file's rows and its path claim."""
    dynamodb, name = boto3.client("dynamodb"), stack.provisioned.physical["MediaTable"]
    rows = dynamodb.query(
        TableName=name,
        KeyConditionExpression="PK = :pk",
        ExpressionAttributeValues={":pk": {"S": f"ACCOUNT#{account_id}#FILE#{file_id}"}},
        ProjectionExpression="PK, SK",
    )["Items"]
    claim: dict[str, Any] = {"PK": {"S": f"ACCOUNT#{account_id}#PATH#{file_path}"}, "SK": {"S": "PATH"}}
    for key in [*rows, claim]:
        dynamodb.delete_item(TableName=name, Key=key)


def test_a_destination_deleted_during_a_move_takes_the_versions_still_on_their_way(
    api: Any, stack: Any, account: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given transactions of 8 writes, a source of 3 versions and a move onto a file that dies after its first
    transaction, When the destination is deleted and the client retries the move, Then 204, and the versions that
    had not arrived are gone with their objects: no version row is left under the source file id."""
    monkeypatch.setattr(file_store, "MOVE_CHUNK_WRITES", 8)
    key, acc = account.private_key, account.account_id
    source = text_file(api, key, [b"s1", b"s2", b"s3"])
    dest = text_file(api, key, [b"d1"])
    left_ids = [v["versionInfo"]["id"] for v in listed_versions(api, key, source.file_id)][:2]
    real, calls = table.transact_write, []

    def dies_after_the_first(writes: Any, **kwargs: Any) -> None:
        calls.append(1)
        if len(calls) > 1:
            raise _Crash
        real(writes, **kwargs)

    monkeypatch.setattr(table, "transact_write", dies_after_the_first)
    assert move(api, key, source.file_path, dest.file_path.rsplit("/", 1)[0]).status_code == 500
    monkeypatch.setattr(table, "transact_write", real)
    _delete_file_rows(stack, acc, dest.file_id, dest.file_path)

    answer = move(api, key, source.file_path, dest.file_path.rsplit("/", 1)[0])

    assert answer.status_code == 404, answer.get_data()  # nothing to answer for: the destination is gone
    assert file_service.store.versions(acc, source.file_id) == []
    assert not any(_exists(stack, f"{acc}/{source.file_id}/{vid}") for vid in left_ids)


def test_uploads_racing_a_move_and_a_rename_lose_no_version(api: Any, account: Any) -> None:
    """Given a file, When 6 uploads to its path race a move of it and then a rename (threads on the running stack),
    Then every call succeeds; each upload is a version either of the moved file (at its final path) or of a new
    file at the old path; together they hold all 7 versions, each file's rows all at its own path, and each path
    claim names the file whose record is at that path."""
    key, acc = account.private_key, account.account_id
    source = text_file(api, key, [b"first"])
    folder, dest = source.file_path.rsplit("/", 1)[0], _folder()

    def act(n: int) -> int:
        if n == 2:
            return int(move(api, key, source.file_path, dest).status_code)
        if n == 5:
            return int(rename(api, key, f"{dest}/a.txt", "b.txt").status_code)
        upload(api, key, f"v{n}".encode(), fileName="a.txt", folder=folder)  # asserts its 200
        return 200

    with ThreadPoolExecutor(max_workers=4) as pool:
        statuses = list(pool.map(act, range(8)))

    assert statuses[2] == 204 and statuses[5] in {200, 404}  # the rename may come before the move has happened
    assert [s for n, s in enumerate(statuses) if n not in {2, 5}] == [200] * 6
    moved = file_service.store.get_file(acc, source.file_id)
    assert moved is not None and moved.file_path in {f"{dest}/a.txt", f"{dest}/b.txt"}
    at_old = file_service.file_at(acc, source.file_path)
    files = [moved] + ([at_old] if at_old is not None else [])
    total = 0
    for item in files:
        rows = file_service.store.versions(acc, item.file_id)
        assert {row.file_path for row in rows} == {item.file_path}
        assert file_service.store.file_id_at(acc, item.file_path) == item.file_id
        stored = file_service.store.versioned(acc, item.file_id)
        assert stored is not None and stored.count == len(rows)
        total += len(rows)
    assert total == 7


def test_a_moved_and_renamed_file_is_listed_at_its_new_folder_by_name_and_by_creation_time(
    api: Any, account: Any
) -> None:
    """Given a file, When it is moved to another folder and renamed there, Then the destination folder lists it and the
    source folder does not, whichever index the listing reads (by name, GSI1; by creation time, GSI3)."""
    key = account.private_key
    file = text_file(api, key, [b"1"])
    source, destination = file.file_path.rsplit("/", 1)[0], _folder()
    assert move(api, key, file.file_path, destination + "/").status_code == 204
    assert rename(api, key, f"{destination}/a.txt", "b.txt").status_code == 200
    for sort in ("ASC_NAME", "ASC_CREATED", "DESC_CREATED"):
        listed = {
            folder: [e["filePath"] for e in _body(api.get(f"/v1/files?path={folder}&sort={sort}", headers=basic(key)))]
            for folder in (source, destination)
        }
        assert listed == {source: [], destination: [f"{destination}/b.txt"]}, sort


# ------------------------------------------------------------------ review findings (races, failures, stale reads)


def test_an_upload_between_a_copys_transactions_keeps_the_version_count_and_the_file_deletable(
    api: Any, account: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given transactions of 4 writes and a copy of 4 versions onto a file, When an upload to the destination reads
    it after the copy's first transaction and commits after its last, Then the upload's write loses (it re-reads and
    lands), the file's version count equals its rows, and the file can be deleted."""
    monkeypatch.setattr(file_store, "MOVE_CHUNK_WRITES", 4)
    key, acc = account.private_key, account.account_id
    source = text_file(api, key, [b"s1", b"s2", b"s3", b"s4"])
    dest = text_file(api, key, [b"d1"])
    folder = dest.file_path.rsplit("/", 1)[0]
    real, calls, deferred = table.transact_write, [], []
    real_add = file_service.store.add_version

    def upload_reads_after_the_first(writes: Any, **kwargs: Any) -> None:
        real(writes, **kwargs)
        calls.append(1)
        if len(calls) == 1:  # an upload reads the file now; its transaction is held until the copy is done
            monkeypatch.setattr(file_service.store, "add_version", lambda *a: deferred.append(a))
            upload(api, key, b"racer", fileName="a.txt", folder=folder)
            monkeypatch.setattr(file_service.store, "add_version", real_add)

    monkeypatch.setattr(table, "transact_write", upload_reads_after_the_first)
    assert copy(api, key, source.file_path, folder, versions=True).status_code == 204
    monkeypatch.setattr(table, "transact_write", real)
    with pytest.raises(ConditionFailedError):
        real_add(*deferred[0])  # the held upload's transaction: the file's count moved on since its read
    upload(api, key, b"racer", fileName="a.txt", folder=folder)  # its retry, on a fresh read

    stored = file_service.store.versioned(acc, dest.file_id)
    assert stored is not None and stored.count == len(file_service.store.versions(acc, dest.file_id)) == 6
    answer = api.delete(f"/v1/files/{dest.file_id}", headers=basic(key))
    assert answer.status_code == 204, answer.get_data()


def test_a_copy_whose_later_transaction_fails_keeps_the_objects_of_what_it_recorded(
    api: Any, account: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given transactions of 4 writes and a copy of 3 versions into a new folder, When DynamoDB is unavailable for
    the copy's second transaction (the first, the new file with its current version, is written), Then the answer
    is a 503 and the new file serves its bytes (an object whose write's outcome is unknown is left to the sweep)."""
    monkeypatch.setattr(file_store, "MOVE_CHUNK_WRITES", 4)
    key, acc = account.private_key, account.account_id
    source = text_file(api, key, [b"s1", b"s2", b"s3"])
    elsewhere = _folder()
    real, calls = table.transact_write, []

    def unavailable_on_the_second(writes: Any, **kwargs: Any) -> None:
        calls.append(1)
        if len(calls) == 3:  # 1: the destination's folders, 2: the file and its current version, 3: the rest
            raise ServiceUnavailableError()
        real(writes, **kwargs)

    monkeypatch.setattr(table, "transact_write", unavailable_on_the_second)
    assert copy(api, key, source.file_path, elsewhere, versions=True).status_code == 503
    monkeypatch.setattr(table, "transact_write", real)

    assert _file_id_at(api, key, f"{elsewhere}/a.txt")
    assert delivered(api, acc, f"{elsewhere}/a.txt").get_data() == b"s3"


def test_a_copy_that_lost_its_race_deletes_the_objects_it_made(
    api: Any, stack: Any, account: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given a copy whose first transaction always loses its condition (other writers keep winning), When it gives
    up (409), Then no object it copied is left: none was recorded."""
    key, acc = account.private_key, account.account_id
    source = text_file(api, key, [b"s1"])
    before = object_keys(stack, acc)

    def lost(*_args: Any, **_kwargs: Any) -> None:
        raise ConditionFailedError()

    monkeypatch.setattr(moves, "_retry_pause", lambda: None)
    monkeypatch.setattr(moves.store, "create_copy", lost)
    assert copy(api, key, source.file_path, _folder()).status_code == 409
    assert object_keys(stack, acc) == before


def test_a_move_whose_versions_read_is_stale_loses_no_version(
    api: Any, account: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given a source of 3 versions and a file of that name at the destination, When the move's read of the
    source's versions misses the newest one (a stale copy), Then the move reads again: no version is left behind
    under the source id and the destination holds 1 + 3 versions."""
    key, acc = account.private_key, account.account_id
    source = text_file(api, key, [b"s1", b"s2", b"s3"])
    dest = text_file(api, key, [b"d1"])
    real_versions, stale = file_service.store.versions, [True]

    def stale_once(account_id: str, file_id: str) -> Any:
        found = real_versions(account_id, file_id)
        if file_id == source.file_id and stale:
            stale.clear()
            return found[:-1]
        return found

    monkeypatch.setattr(file_service.store, "versions", stale_once)
    assert move(api, key, source.file_path, dest.file_path.rsplit("/", 1)[0]).status_code == 204
    monkeypatch.setattr(file_service.store, "versions", real_versions)
    assert real_versions(acc, source.file_id) == []
    assert len(real_versions(acc, dest.file_id)) == 4


def test_a_files_versions_are_read_strongly_consistent(api: Any, account: Any) -> None:
    """Given a file, When its versions are read (as moves, copies, deletes and publish do), Then the Query asks for
    a strongly consistent read: a version uploaded just before is never missed."""
    key, acc = account.private_key, account.account_id
    source = text_file(api, key, [b"s1", b"s2"])
    with sent("dynamodb", "Query") as queries:
        assert len(file_service.store.versions(acc, source.file_id)) == 2
    assert queries and all(params.get("ConsistentRead") is True for params in queries)


def test_the_sweep_keeps_an_object_whose_holder_moves_while_it_looks(
    api: Any, stack: Any, account: Any, invoke: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given a version of A moved onto B (its object keeps A's key), When B is moved onto C between the sweep's read
    of the reference row (held by B) and its read of B's version row, Then the object is kept."""
    key = account.private_key
    a = text_file(api, key, [b"a1"])
    b = text_file(api, key, [b"b1"])
    c = text_file(api, key, [b"c1"])
    (vid,) = [v["versionInfo"]["id"] for v in listed_versions(api, key, a.file_id)]
    assert move(api, key, a.file_path, b.file_path.rsplit("/", 1)[0]).status_code == 204
    real_holder = moves.store.blob_holder
    moved: list[int] = []

    def holder_then_move(account_id: str, file_id: str, version_id: str) -> Any:
        held = real_holder(account_id, file_id, version_id)
        if version_id == vid and not moved:
            moved.append(1)
            assert move(api, key, b.file_path, c.file_path.rsplit("/", 1)[0]).status_code == 204
        return held

    monkeypatch.setattr(moves.store, "blob_holder", holder_then_move)
    sweep_at(invoke, monkeypatch, LATER)

    assert _exists(stack, f"{account.account_id}/{a.file_id}/{vid}")
    assert delivered(api, account.account_id, c.file_path).get_data() == b"a1"


@pytest.mark.parametrize("operation", ["move", "rename"])
def test_a_path_that_holds_no_file_is_a_404_even_after_a_move_from_it(api: Any, account: Any, operation: str) -> None:
    """Given /f/a.txt moved to /g (or renamed b.txt) and then renamed again, When the same move (rename) of /f/a.txt
    is sent again (no file is at /f/a.txt, and none at the recorded destination), Then 404 SOURCE_FILE_MISSING
    (ImageKit), not a success that says it was done."""
    key = account.private_key
    f = text_file(api, key, [b"x"])
    g = _folder()
    folder = f.file_path.rsplit("/", 1)[0]
    if operation == "move":
        assert move(api, key, f.file_path, g).status_code == 204
        assert rename(api, key, f"{g}/a.txt", "b.txt").status_code == 200
        answer = move(api, key, f.file_path, g)
    else:
        assert rename(api, key, f.file_path, "b.txt").status_code == 200
        assert rename(api, key, f"{folder}/b.txt", "c.txt").status_code == 200
        answer = rename(api, key, f.file_path, "b.txt")

    assert answer.status_code == 404, answer.get_data()
    assert _body(answer)["reason"] == "SOURCE_FILE_MISSING"


def test_a_copy_with_versions_copies_its_objects_concurrently_within_the_bound(
    api: Any, account: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given a source of 4 versions and S3 copies that take a while, When it is copied with includeFileVersions,
    Then several S3 copies run at once, never more than COPY_WORKERS (100 versions of 25 MB must fit in the API's
    29 s: docs/moves.md "Limits"), and every version arrives."""
    monkeypatch.setattr(moves, "COPY_WORKERS", 2)
    key = account.private_key
    source = text_file(api, key, [b"s1", b"s2", b"s3", b"s4"])
    real_copy, running, most, lock = moves.objects.copy, [0], [0], threading.Lock()

    def slow_copy(source_key: str, dest_key: str) -> None:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.2)
        real_copy(source_key, dest_key)
        with lock:
            running[0] -= 1

    monkeypatch.setattr(moves.objects, "copy", slow_copy)
    elsewhere = _folder()
    assert copy(api, key, source.file_path, elsewhere, versions=True).status_code == 204

    assert most[0] == 2
    assert len(listed_versions(api, key, _file_id_at(api, key, f"{elsewhere}/a.txt"))) == 4
