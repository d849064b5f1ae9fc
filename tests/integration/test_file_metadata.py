"""``GET /v1/files/{fileId}/metadata`` and ``GET /v1/metadata?url=`` on the local stack: ImageKit's Metadata object
read from the stored version, a version by its ik-obj-version URL, a transformed URL rendered by the delivery
engine, files that are not images, and the URLs and ids a careless client sends."""

from __future__ import annotations

import io
import json
from typing import Any
from urllib.parse import quote

import pytest
from PIL import Image

from medialib.files import metadata
from tests.conftest import basic
from tests.integration.delivery_helpers import Uploaded, halves, upload, versions


def _get(api: Any, key: str, path: str) -> tuple[int, Any]:
    answer = api.get(path, headers=basic(key))
    return answer.status_code, json.loads(answer.get_data() or b"null")


def _by_url(api: Any, key: str, url: str) -> tuple[int, Any]:
    return _get(api, key, f"/v1/metadata?url={quote(url, safe='')}")


def jpeg(width: int, height: int) -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "Canon"
    out = io.BytesIO()
    Image.open(io.BytesIO(halves(width, height))).save(out, format="JPEG", quality=85, exif=exif.tobytes())
    return out.getvalue()


@pytest.fixture
def photo(api: Any, account: Any) -> Uploaded:
    """A 60x40 JPEG (quality 85, EXIF Make Canon), then a second version, a 40x20 PNG, over it."""
    first = upload(api, account.private_key, jpeg(60, 40), fileName="p.jpg")
    upload(api, account.private_key, halves(40, 20), fileName="p.jpg", folder=first.file_path.rsplit("/", 1)[0])
    return first


def test_metadata_by_id_is_the_current_versions(api: Any, account: Any, photo: Uploaded) -> None:
    status, found = _get(api, account.private_key, f"/v1/files/{photo.file_id}/metadata")
    assert status == 200, found
    assert (found["width"], found["height"], found["format"], found["hasTransparency"]) == (40, 20, "png", False)
    assert len(found["pHash"]) == 16 and "quality" not in found
    assert set(found["exif"]) == {"image", "thumbnail", "exif", "gps", "interoperability", "makernote"}


def test_metadata_by_url_of_an_older_version(api: Any, account: Any, photo: Uploaded) -> None:
    """Given two versions, When the metadata of Version 1's ik-obj-version URL is asked, Then the JPEG's."""
    old = versions(api, account.private_key, photo.file_id)[0]
    status, found = _by_url(api, account.private_key, old["url"])
    assert status == 200, found
    assert (found["width"], found["height"], found["format"], found["quality"]) == (60, 40, "jpg", 85)
    assert found["exif"]["image"] == {"Make": "Canon"}
    assert found["size"] == old["size"]


def test_metadata_by_url_of_the_current_version_equals_by_id(api: Any, account: Any, photo: Uploaded) -> None:
    current = versions(api, account.private_key, photo.file_id)[-1]
    assert _by_url(api, account.private_key, current["url"]) == _get(
        api, account.private_key, f"/v1/files/{photo.file_id}/metadata"
    )


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(("/tr:w-20{path}", 20, 10, "png"), id="path-transformation"),
        pytest.param(("{path}?tr=w-10,f-jpg", 10, 5, "jpg"), id="query-transformation-and-format"),
        pytest.param(("/tr:n-ik_ml_thumbnail{path}", None, None, None), id="named-thumbnail"),
        pytest.param(("{path}?tr=orig-true", 40, 20, "png"), id="orig-true-is-the-original"),
    ],
)
def test_metadata_of_a_transformed_url_is_the_renditions(
    api: Any, account: Any, photo: Uploaded, case: tuple[str, int | None, int | None, str | None]
) -> None:
    """Given a 40x20 PNG, When the metadata of a transformed URL is asked, Then that of what delivery serves."""
    shape, width, height, fmt = case
    origin = photo.url.split(f"/{account.account_id}/", 1)[0]
    url = f"{origin}/{account.account_id}" + shape.format(path=photo.file_path)
    status, found = _by_url(api, account.private_key, url)
    assert status == 200, found
    served = api.get(url.removeprefix(origin))
    rendition = Image.open(io.BytesIO(served.get_data()))
    assert (found["width"], found["height"]) == rendition.size and found["size"] == len(served.get_data())
    if width is not None:
        assert (found["width"], found["height"], found["format"]) == (width, height, fmt)


def test_a_file_that_is_not_an_image_has_its_size_and_format_only(api: Any, account: Any) -> None:
    text = upload(api, account.private_key, b"just text", fileName="notes.txt")
    status, found = _get(api, account.private_key, f"/v1/files/{text.file_id}/metadata")
    assert (status, found) == (200, {"size": 9, "format": "txt"})
    status, refused = _by_url(api, account.private_key, f"{text.url}?tr=w-10")
    assert status == 400 and "images only" in refused["message"]


def test_a_file_over_the_bound_is_a_400(
    api: Any, account: Any, photo: Uploaded, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(metadata, "MAX_METADATA_BYTES", 10)
    status, found = _get(api, account.private_key, f"/v1/files/{photo.file_id}/metadata")
    assert status == 400 and found["reason"] == "FILE_TOO_LARGE"


def test_another_accounts_file_and_url(api: Any, account: Any, other_account: Any, photo: Uploaded) -> None:
    """Given account A's file, When account B asks its metadata by id or by URL, Then 404 both ways."""
    assert _get(api, other_account.private_key, f"/v1/files/{photo.file_id}/metadata")[0] == 404
    status, found = _by_url(api, other_account.private_key, photo.url)
    assert status == 404 and found["reason"] == "FILE_NOT_FOUND"


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(("https://ik.imagekit.io/demo/a.jpg", 400), id="another-host"),
        pytest.param(("not a url", 400), id="not-a-url"),
        pytest.param(("{base}/{acc}/nowhere/none.png", 404), id="unknown-path"),
        pytest.param(("{base}/{acc}/", 404), id="account-only"),
        pytest.param(("{base}/{acc}{path}?ik-obj-version=nope", 404), id="unknown-version-token"),
        pytest.param(("{base}/{acc}{path}?tr=w-abc", 400), id="bad-transformation"),
        pytest.param(("{base}/{acc}/a/../b.png", 400), id="dot-dot"),
        pytest.param(("{base}/{acc}{path}?tr=w-1&tr=w-2", 400), id="tr-twice"),
    ],
)
def test_a_careless_metadata_url_gets_a_clear_4xx(
    api: Any, account: Any, photo: Uploaded, case: tuple[str, int]
) -> None:
    template, status = case
    base = photo.url.split(f"/{account.account_id}/", 1)[0]
    url = template.format(base=base, acc=account.account_id, path=photo.file_path)
    found_status, found = _by_url(api, account.private_key, url)
    assert found_status == status, found
    assert {"message", "help"} <= found.keys()


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("/v1/metadata", id="no-url"),
        pytest.param("/v1/metadata?url=", id="empty-url"),
        pytest.param("/v1/metadata?url=" + "x" * 5000, id="huge-url"),
        pytest.param("/v1/files/bad%20id/metadata", id="bad-file-id"),
        pytest.param("/v1/files/nope/metadata", id="unknown-file-id"),
    ],
)
def test_a_careless_metadata_request_gets_a_clear_4xx(api: Any, account: Any, path: str) -> None:
    status, found = _get(api, account.private_key, path)
    assert 400 <= status < 500 and {"message", "help"} <= found.keys()


def test_metadata_of_a_version_moved_onto_another_file_reads_its_own_object(api: Any, account: Any) -> None:
    """Given a.png (80x40) in one folder and a.png (30x20) in another, When the first is moved onto the second (its
    version appended, its object kept where it was), Then the destination's metadata is the moved version's."""
    key = account.private_key
    moved = upload(api, key, halves(80, 40))
    target = upload(api, key, halves(30, 20))
    body = {"sourceFilePath": moved.file_path, "destinationPath": target.file_path.rsplit("/", 1)[0] + "/"}
    answer = api.post("/v1/files/move", headers={**basic(key), "Content-Type": "application/json"}, json=body)
    assert answer.status_code == 204, answer.get_data()
    status, found = _get(api, key, f"/v1/files/{target.file_id}/metadata")
    assert status == 200 and (found["width"], found["height"]) == (80, 40)
