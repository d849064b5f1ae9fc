"""Copy, move and rename end to end against `medialib local start-api` with the official Python SDK
(``client.files.copy/move/rename``, answers parsed by its models), then ``client.files.versions.list`` to see the
history each leaves, and delivery over real HTTP. The Node SDK's copy and rename run in
tests/e2e/node/moves.test.mjs, started from here.

tests/integration/test_moves.py holds the rules (objects, chunks, crashes, races, the sweep, careless clients) in
process; this module checks that the SDKs drive them unchanged."""

from __future__ import annotations

import uuid

import httpx
import imagekitio
import pytest
from imagekitio import ImageKit
from imagekitio.types import FileRenameResponse

from tests.e2e.conftest import RunningStack, run_node_tests
from tests.e2e.test_local_aws import _invalidations

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def local_api(delivery_api: RunningStack) -> RunningStack:
    """The delivery tests' stack: these uploads stay out of the shared one, whose account test_python_sdk.py
    expects empty."""
    return delivery_api


@pytest.fixture(scope="module")
def client(local_api: RunningStack) -> ImageKit:
    return ImageKit(private_key=local_api.private_key, base_url=local_api.base_url)


def _folder() -> str:
    return "/moves-e2e-" + uuid.uuid4().hex[:10]


def upload(client: ImageKit, folder: str, content: bytes, name: str = "a.txt") -> str:
    answer = client.files.upload(file=content, file_name=name, folder=folder, use_unique_file_name=False)
    assert answer.file_id is not None
    return answer.file_id


def delivered(local_api: RunningStack, path: str) -> httpx.Response:
    return httpx.get(f"{local_api.base_url}/{local_api.account_id}{path}", timeout=30)


def test_copy_with_versions_appends_to_the_destinations_history(client: ImageKit, local_api: RunningStack) -> None:
    """Given a source with two versions and a destination of the same name with one, When the SDK copies the source
    there without, then with includeFileVersions, Then versions.list shows the destination's history grown by one,
    then by two (the source's current version last and current); the source keeps its two."""
    source_folder, dest_folder = _folder(), _folder()
    source_id = upload(client, source_folder, b"s1")
    upload(client, source_folder, b"s2")
    dest_id = upload(client, dest_folder, b"d1")

    client.files.copy(source_file_path=f"{source_folder}/a.txt", destination_path=dest_folder)
    client.files.copy(
        source_file_path=f"{source_folder}/a.txt", destination_path=f"{dest_folder}/", include_file_versions=True
    )

    history = client.files.versions.list(dest_id)
    assert [v.version_info.name for v in history if v.version_info] == [f"Version {n}" for n in (1, 2, 3, 4)]
    assert [v.type for v in history] == ["file-version"] * 3 + ["file"]
    assert len(client.files.versions.list(source_id)) == 2
    assert delivered(local_api, f"{dest_folder}/a.txt").content == b"s2"


def test_move_onto_a_file_moves_every_version_and_the_source_is_gone(client: ImageKit, local_api: RunningStack) -> None:
    """Given a source with two versions and a destination with one, When the SDK moves the source there, Then
    versions.list of the destination shows three (the moved ones keep their ids), the source's details are a
    NotFoundError, the old URL 404s and the new one serves the source's current bytes."""
    source_folder, dest_folder = _folder(), _folder()
    source_id = upload(client, source_folder, b"s1")
    upload(client, source_folder, b"s2")
    dest_id = upload(client, dest_folder, b"d1")
    moved_ids = [v.version_info.id for v in client.files.versions.list(source_id) if v.version_info]

    client.files.move(source_file_path=f"{source_folder}/a.txt", destination_path=dest_folder)

    history = client.files.versions.list(dest_id)
    assert [v.version_info.id for v in history if v.version_info][1:] == moved_ids
    assert {v.file_path for v in history} == {f"{dest_folder}/a.txt"}
    with pytest.raises(imagekitio.NotFoundError):
        client.files.get(source_id)
    assert delivered(local_api, f"{source_folder}/a.txt").status_code == 404
    assert delivered(local_api, f"{dest_folder}/a.txt").content == b"s2"


def test_move_to_a_new_folder_keeps_the_file(client: ImageKit, local_api: RunningStack) -> None:
    folder, dest = _folder(), _folder() + "/deeper"
    file_id = upload(client, folder, b"one")
    upload(client, folder, b"two")

    client.files.move(source_file_path=f"{folder}/a.txt", destination_path=dest)

    assert {v.file_path for v in client.files.versions.list(file_id)} == {f"{dest}/a.txt"}
    assert delivered(local_api, f"{dest}/a.txt").content == b"two"


def test_rename_with_purge_cache_answers_the_purge_request(client: ImageKit, local_api: RunningStack) -> None:
    """Given a file with two versions, When the SDK renames it with purge_cache, Then FileRenameResponse carries
    purge_request_id, the purge's status is readable through the SDK, the old path is invalidated with every URL
    under it, every version has the new name, and a rename without purge answers an empty FileRenameResponse."""
    folder = _folder()
    file_id = upload(client, folder, b"one")
    upload(client, folder, b"two")

    renamed = client.files.rename(file_path=f"{folder}/a.txt", new_file_name="b.txt", purge_cache=True)

    assert isinstance(renamed, FileRenameResponse) and renamed.purge_request_id
    assert client.cache.invalidation.get(renamed.purge_request_id).status in {"Pending", "Completed"}
    paths = [list(i["InvalidationBatch"]["Paths"]["Items"]) for i in _invalidations(local_api)]
    assert [f"/{local_api.account_id}{folder}/a.txt*"] in paths
    assert {v.name for v in client.files.versions.list(file_id)} == {"b.txt"}
    plain = client.files.rename(file_path=f"{folder}/b.txt", new_file_name="c.txt")
    assert plain.purge_request_id is None
    assert delivered(local_api, f"{folder}/c.txt").content == b"two"


def test_the_sdks_errors_are_imagekits(client: ImageKit) -> None:
    """When the SDK copies a missing file, renames onto an existing name, or names a non-current version, Then
    NotFoundError (reason SOURCE_FILE_MISSING), ConflictError (FILE_ALREADY_EXISTS, not retried: one request)
    and BadRequestError."""
    folder = _folder()
    upload(client, folder, b"a")
    upload(client, folder, b"b", name="b.txt")

    with pytest.raises(imagekitio.NotFoundError) as missing:
        client.files.copy(source_file_path=f"{folder}/none.txt", destination_path="/x")
    with pytest.raises(imagekitio.ConflictError) as conflict:
        client.files.rename(file_path=f"{folder}/a.txt", new_file_name="b.txt")
    with pytest.raises(imagekitio.BadRequestError):
        client.files.move(source_file_path=f"{folder}/a.txt?ik-obj-version=abc", destination_path="/x")

    assert isinstance(missing.value.body, dict) and missing.value.body["reason"] == "SOURCE_FILE_MISSING"
    assert isinstance(conflict.value.body, dict) and conflict.value.body["reason"] == "FILE_ALREADY_EXISTS"
    assert conflict.value.response.headers["x-should-retry"] == "false"


def test_the_node_sdk_copies_and_renames(local_api: RunningStack, client: ImageKit) -> None:
    """Given a file with two versions, When the Node SDK runs tests/e2e/node/moves.test.mjs (copy with versions,
    rename with and without purgeCache, the errors), Then every case passes."""
    folder = _folder()
    upload(client, folder, b"n1")
    upload(client, folder, b"n2")
    run_node_tests("moves.test.mjs", local_api, FOLDER=folder)
