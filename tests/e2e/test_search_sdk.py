"""List and search end to end against `medialib local start-api` with the official SDKs: the Python SDK's
``client.assets.list`` (its answers parsed into its File and Folder models), a ``searchQuery`` with spaces and a
literal ``+`` (the Python SDK sends spaces as ``+`` and the ``+`` as ``%2B``; the Node SDK sends ``%20``), sorts,
paths, versions, and a malformed query's 400. The Node SDK's ``client.assets.list`` runs in
tests/e2e/node/search.test.mjs, started from here.

tests/integration/test_search.py holds the table of queries in process; this module checks that the SDKs and the
running gateway see the same."""

from __future__ import annotations

import io
import uuid

import imagekitio
import pytest
from imagekitio import ImageKit
from imagekitio.types import File, Folder
from PIL import Image

from tests.e2e.conftest import RunningStack, run_node_tests

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def local_api(delivery_api: RunningStack) -> RunningStack:
    """The delivery tests' stack: these uploads stay out of the shared one, whose account test_python_sdk.py
    expects empty."""
    return delivery_api


@pytest.fixture(scope="module")
def client(local_api: RunningStack) -> ImageKit:
    return ImageKit(private_key=local_api.private_key, base_url=local_api.base_url)


def png(width: int, height: int, shade: int = 0) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (shade % 256, 90, 30)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture(scope="module")
def folder(client: ImageKit) -> str:
    """A folder of its own: plus.png (40x20, tags "size+fit" and "blue sky"), spaced.png (80x10, tag "size fit",
    uploaded twice: two versions), and a subfolder sub/ holding deep.png."""
    folder = f"/search-e2e-{uuid.uuid4().hex[:10]}"
    for content, name, tags in [
        (png(40, 20), "plus.png", ["size+fit", "blue sky"]),
        (png(80, 10), "spaced.png", ["size fit"]),
        (png(80, 10, 9), "spaced.png", ["size fit"]),
    ]:
        client.files.upload(file=content, file_name=name, tags=tags, folder=folder, use_unique_file_name=False)
    client.files.upload(file=png(8, 8), file_name="deep.png", folder=f"{folder}/sub", use_unique_file_name=False)
    return folder


def names(entries: list[File | Folder]) -> list[str | None]:
    return [entry.name for entry in entries]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ('tags IN ["size+fit"]', ["plus.png"]),
        ('tags IN ["size fit"]', ["spaced.png"]),
        ('tags IN ["blue sky", "size+fit"] AND name = "plus.png"', ["plus.png"]),
        ('tags HAS "SIZE" AND width > 50', ["spaced.png"]),
        ('path : "{folder}" AND type = "file"', ["deep.png", "plus.png", "spaced.png"]),
    ],
    ids=["a-literal-plus", "a-space", "spaces-and-a-plus-together", "has-and-a-comparison", "a-folder-tree"],
)
def test_the_python_sdk_searches(client: ImageKit, folder: str, query: str, expected: list[str]) -> None:
    """Given the folder's files, When the Python SDK searches (its spaces sent as +, a + as %2B), Then exactly the
    files the query means, each parsed into the SDK's File model."""
    found = client.assets.list(search_query=f'({query.format(folder=folder)}) AND path : "{folder}"', sort="ASC_NAME")
    assert names(found) == expected
    assert all(isinstance(entry, File) and entry.file_path and entry.file_path.startswith(folder) for entry in found)


def test_the_python_sdk_lists_a_folder_in_every_order(client: ImageKit, folder: str) -> None:
    """Given the folder, When listed (type all) by name, by creation newest first, and by width, with skip and limit,
    Then the subfolder first, then the files, in each order; a Folder model for the folder."""
    by_name = client.assets.list(path=folder, type="all", sort="ASC_NAME")
    assert names(by_name) == ["sub", "plus.png", "spaced.png"] and isinstance(by_name[0], Folder)
    assert names(client.assets.list(path=folder, sort="DESC_CREATED")) == ["spaced.png", "plus.png"]
    assert names(client.assets.list(path=folder, sort="DESC_WIDTH", limit=1)) == ["spaced.png"]
    assert names(client.assets.list(path=folder, sort="DESC_WIDTH", skip=1, limit=1)) == ["plus.png"]


def test_the_python_sdk_finds_versions(client: ImageKit, folder: str) -> None:
    """Given spaced.png uploaded twice, When the folder's versions are listed and searched, Then its older version,
    as a file-version."""
    listed = client.assets.list(path=folder, type="file-version")
    searched = client.assets.list(search_query=f'type = "file-version" AND path = "{folder}"')
    for found in (listed, searched):
        assert names(found) == ["spaced.png"]
        assert isinstance(found[0], File) and found[0].type == "file-version"


def test_a_malformed_query_is_a_bad_request_naming_the_position(client: ImageKit) -> None:
    """Given a query with an unclosed list, When the Python SDK searches, Then BadRequestError whose body is
    ImageKit's error naming the character and what was expected there."""
    with pytest.raises(imagekitio.BadRequestError) as caught:
        client.assets.list(search_query='tags IN ["a", "b"')
    body = caught.value.body
    assert isinstance(body, dict) and body["reason"] == "INVALID_SEARCH_QUERY"
    assert (
        body["message"]
        == "searchQuery: at character 18, expected , or ] to close the [ at character 9, found the end of the query"
    )


def test_the_node_sdk_searches_with_spaces_and_a_plus(local_api: RunningStack, folder: str) -> None:
    """Given the folder, When tests/e2e/node/search.test.mjs searches with the Node SDK (spaces as %20, + as %2B),
    lists the folder, and sends a malformed query, Then each case passes."""
    result = run_node_tests("search.test.mjs", local_api, FOLDER=folder)
    assert "# pass 3" in result.stdout, result.stdout
