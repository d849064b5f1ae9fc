"""``PATCH /v1/files/{fileId}/details`` (the details, not publish) and the bulk tag routes on the local stack: what
each field does to the current version (and only to it), the answers ImageKit's SDKs read, concurrent writers, and
a careless client's requests."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from medialib.fields import service as fields
from medialib.fields.models import FieldSchema
from medialib.files import service as files
from tests.conftest import basic
from tests.integration.delivery_helpers import Uploaded, halves, upload, versions
from tests.integration.test_publish import fresh_account


def patch(api: Any, key: str, file_id: str, body: Any, *, content_type: str = "application/json") -> Any:
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return api.patch(f"/v1/files/{file_id}/details", headers={**basic(key), "Content-Type": content_type}, data=data)


def post(api: Any, key: str, route: str, body: Any, *, content_type: str = "application/json") -> Any:
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return api.post(f"/v1/files/{route}", headers={**basic(key), "Content-Type": content_type}, data=data)


def details(api: Any, key: str, file_id: str) -> dict[str, Any]:
    answer = api.get(f"/v1/files/{file_id}/details", headers=basic(key))
    assert answer.status_code == 200
    found: dict[str, Any] = json.loads(answer.get_data())
    return found


def with_ai_tags(account_id: str, file_id: str, names: list[str]) -> None:
    """Give the file's current version AITags (medialib runs no tagging extension, so no upload makes them)."""
    previous = files.store.versioned(account_id, file_id)
    assert previous is not None
    tags = [{"name": name, "confidence": 90.5, "source": "google-auto-tagging"} for name in names]
    changed = previous.item.model_copy(update={"ai_tags": tags, "updated_at": previous.item.updated_at})
    files.store.update_details(previous, changed)


@pytest.fixture
def tagged(api: Any, account: Any) -> Uploaded:
    """A 40x20 image tagged a,b with two versions (the second current)."""
    first = upload(api, account.private_key, halves(40, 20), tags="old")
    return upload(api, account.private_key, halves(40, 20), folder=first.file_path.rsplit("/", 1)[0], tags="a,b")


# ------------------------------------------------------------------ PATCH details


def test_the_python_sdks_details_body_changes_the_current_version_only(
    api: Any, account: Any, tagged: Uploaded
) -> None:
    """Given a file with two versions and AITags, When the details body the Python SDK sends is patched (tags,
    customCoordinates null, description, extensions, removeAITags all, webhookUrl), Then 200 with the File object
    and extensionStatus, the details and the current version's record say the same, and the older version is
    untouched."""
    with_ai_tags(account.account_id, tagged.file_id, ["Car", "Tree"])
    before = details(api, account.private_key, tagged.file_id)
    body = {
        "customCoordinates": None,
        "description": "d",
        "extensions": [{"name": "aws-auto-tagging", "maxTags": 3, "minConfidence": 80}],
        "removeAITags": "all",
        "tags": ["x", "y"],
        "webhookUrl": "https://h.example/hook",
    }

    answer = patch(api, account.private_key, tagged.file_id, body)

    assert answer.status_code == 200, answer.get_data()
    got = json.loads(answer.get_data())
    assert (got["tags"], got["AITags"], got["description"]) == (["x", "y"], None, "d")
    assert got["extensionStatus"] == {"aws-auto-tagging": "failed"}
    assert got["updatedAt"] > before["updatedAt"] and got["versionInfo"] == before["versionInfo"]
    assert {k: v for k, v in details(api, account.private_key, tagged.file_id).items() if k != "extensionStatus"} == {
        k: v for k, v in got.items() if k != "extensionStatus"
    }
    listed = versions(api, account.private_key, tagged.file_id)
    assert (listed[0]["tags"], listed[1]["tags"], listed[1]["description"]) == (["old"], ["x", "y"], "d")


def test_each_field_alone(api: Any, account: Any, tagged: Uploaded) -> None:
    """Given a tagged file, When fields are patched one by one, Then each does what ImageKit documents: tags
    replace (null clears), coordinates set then cleared, removeAITags by name, and no extensionStatus without
    extensions."""
    key, file_id = account.private_key, tagged.file_id
    with_ai_tags(account.account_id, file_id, ["Car", "Tree"])

    first = json.loads(patch(api, key, file_id, {"customCoordinates": "1,2,10,10"}).get_data())
    assert first["customCoordinates"] == "1,2,10,10" and first["tags"] == ["a", "b"] and "extensionStatus" not in first
    assert json.loads(patch(api, key, file_id, {"removeAITags": ["Car"]}).get_data())["AITags"][0]["name"] == "Tree"
    assert json.loads(patch(api, key, file_id, {"tags": None}).get_data())["tags"] is None
    cleared = json.loads(patch(api, key, file_id, {"customCoordinates": None, "description": None}).get_data())
    assert (cleared["customCoordinates"], cleared["description"]) == (None, None)


def test_an_update_that_changes_nothing_writes_nothing(api: Any, account: Any, tagged: Uploaded) -> None:
    """Given a file tagged a,b, When its tags are set to a,b again, Then 200 and updatedAt has not moved."""
    before = details(api, account.private_key, tagged.file_id)
    answer = json.loads(patch(api, account.private_key, tagged.file_id, {"tags": ["a", "b"]}).get_data())
    assert answer["updatedAt"] == before["updatedAt"]


def test_coordinates_outside_the_image_are_refused(api: Any, account: Any, tagged: Uploaded) -> None:
    """Given a 40x20 image, When customCoordinates reach past its edge, Then 400 and nothing changed."""
    answer = patch(api, account.private_key, tagged.file_id, {"customCoordinates": "30,0,20,10"})
    assert answer.status_code == 400 and "outside the image" in json.loads(answer.get_data())["message"]
    assert details(api, account.private_key, tagged.file_id)["customCoordinates"] is None


def test_concurrent_tag_additions_are_all_kept(api: Any, account: Any, tagged: Uploaded) -> None:
    """Given a file, When eight addTags requests with different tags run at once, Then every tag is there: writers
    that lost the race read again instead of overwriting."""

    def add(n: int) -> int:
        return int(
            post(api, account.private_key, "addTags", {"fileIds": [tagged.file_id], "tags": [f"t{n}"]}).status_code
        )

    with ThreadPoolExecutor(8) as pool:
        assert set(pool.map(add, range(8))) == {200}
    assert set(details(api, account.private_key, tagged.file_id)["tags"]) == {"a", "b"} | {f"t{n}" for n in range(8)}


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(({"tags": "a,b"}, 400), id="tags-as-text"),
        pytest.param(({"tags": [1]}, 400), id="tag-a-number"),
        pytest.param(({"tags": ["50%"]}, 400), id="tag-with-percent"),
        pytest.param(({"tags": ["x" * 300, "y" * 300]}, 400), id="tags-over-500-characters"),
        pytest.param(({"customCoordinates": "1,2,3"}, 400), id="three-coordinates"),
        pytest.param(({"customCoordinates": "-1,2,3,4"}, 400), id="negative-coordinate"),
        pytest.param(({"customCoordinates": [1, 2, 3, 4]}, 400), id="coordinates-as-list"),
        pytest.param(({"customMetadata": None}, 400), id="customMetadata-null"),
        pytest.param(({"customMetadata": ["a"]}, 400), id="customMetadata-a-list"),
        pytest.param(({"removeAITags": "some"}, 400), id="removeAITags-text-not-all"),
        pytest.param(({"webhookUrl": "ftp://x"}, 400), id="webhook-not-http"),
        pytest.param(({"extensions": [{"name": "nope"}]}, 400), id="unknown-extension"),
        pytest.param(({"extensions": [{"name": "google-auto-tagging"}]}, 400), id="auto-tagging-without-maxTags"),
        pytest.param(({"description": "d" * 1025}, 400), id="description-too-long"),
        pytest.param(({"tag": ["a"]}, 400), id="misspelt-field"),
        pytest.param(({}, 400), id="empty-object"),
        pytest.param(("[]", 400), id="array"),
        pytest.param(("", 400), id="empty-body"),
        pytest.param(("{not json", 400), id="invalid-json"),
        pytest.param((b'{"customCoordinates": "\xff"}', 400), id="invalid-utf8"),
        pytest.param(({"tags": ["a"], "pad": "x" * 200_000}, 400), id="huge"),
    ],
)
def test_a_careless_details_update_gets_a_clear_4xx(
    api: Any, account: Any, tagged: Uploaded, case: tuple[Any, int]
) -> None:
    """Given a file, When PATCH details gets what a careless client sends, Then a 400 in ImageKit's shape, and the
    file is unchanged."""
    body, status = case
    before = details(api, account.private_key, tagged.file_id)
    answer = patch(api, account.private_key, tagged.file_id, body)
    assert answer.status_code == status, answer.get_data()
    assert {"message", "help"} <= json.loads(answer.get_data()).keys()
    assert details(api, account.private_key, tagged.file_id) == before


def test_a_form_encoded_details_update_is_a_415(api: Any, account: Any, tagged: Uploaded) -> None:
    answer = patch(api, account.private_key, tagged.file_id, "tags=a", content_type="application/x-www-form-urlencoded")
    assert answer.status_code == 415


def test_another_accounts_file_is_a_404_and_unchanged(
    api: Any, account: Any, other_account: Any, tagged: Uploaded
) -> None:
    answer = patch(api, other_account.private_key, tagged.file_id, {"tags": ["mine"]})
    assert answer.status_code == 404 and json.loads(answer.get_data())["reason"] == "FILE_NOT_FOUND"
    assert details(api, account.private_key, tagged.file_id)["tags"] == ["a", "b"]


# ------------------------------------------------------------------ tags in bulk


def test_add_tags_keeps_order_and_adds_no_repeats(api: Any, account: Any, tagged: Uploaded) -> None:
    other = upload(api, account.private_key, halves(20, 20))
    answer = post(api, account.private_key, "addTags", {"fileIds": [tagged.file_id, other.file_id], "tags": ["b", "c"]})
    assert answer.status_code == 200
    assert json.loads(answer.get_data()) == {"successfullyUpdatedFileIds": [tagged.file_id, other.file_id]}
    assert details(api, account.private_key, tagged.file_id)["tags"] == ["a", "b", "c"]
    assert details(api, account.private_key, other.file_id)["tags"] == ["b", "c"]
    assert versions(api, account.private_key, tagged.file_id)[0]["tags"] == ["old"]  # current version only


def test_remove_tags_and_ai_tags(api: Any, account: Any, tagged: Uploaded) -> None:
    with_ai_tags(account.account_id, tagged.file_id, ["Car", "Tree"])
    removed = post(api, account.private_key, "removeTags", {"fileIds": [tagged.file_id], "tags": ["a", "zzz"]})
    assert removed.status_code == 200
    ai = post(api, account.private_key, "removeAITags", {"fileIds": [tagged.file_id], "AITags": ["Car"]})
    assert json.loads(ai.get_data()) == {"successfullyUpdatedFileIds": [tagged.file_id]}
    got = details(api, account.private_key, tagged.file_id)
    assert got["tags"] == ["b"] and [t["name"] for t in got["AITags"]] == ["Tree"]


def test_a_file_whose_tags_would_pass_500_characters_is_a_207_error(api: Any, account: Any, tagged: Uploaded) -> None:
    """Given a file with 450 characters of tags and one with none, When 100 more characters are added to both,
    Then 207: the second is updated, the first is in errors and unchanged."""
    full = upload(api, account.private_key, halves(20, 20), tags=",".join(["x" * 149, "y" * 149, "z" * 150]))
    answer = post(api, account.private_key, "addTags", {"fileIds": [full.file_id, tagged.file_id], "tags": ["w" * 100]})
    assert answer.status_code == 207
    body = json.loads(answer.get_data())
    assert body["successfullyUpdatedFileIds"] == [tagged.file_id]
    assert [e["fileId"] for e in body["errors"]] == [full.file_id] and "500" in body["errors"][0]["error"]
    assert len(details(api, account.private_key, full.file_id)["tags"]) == 3


@pytest.mark.parametrize("route", ["addTags", "removeTags", "removeAITags", "batch/deleteByFileIds"])
def test_a_missing_id_is_a_404_naming_it_and_nothing_changes(
    api: Any, account: Any, other_account: Any, tagged: Uploaded, route: str
) -> None:
    """Given the account's file, When a bulk route names it with an unknown id and another account's id, Then 404
    with missingFileIds (both) and the file is unchanged (not deleted, not tagged)."""
    theirs = upload(api, other_account.private_key, halves(20, 20))
    ids = [tagged.file_id, "nope" * 6, theirs.file_id]
    body: dict[str, Any] = {"fileIds": ids}
    if route != "batch/deleteByFileIds":
        body["AITags" if route == "removeAITags" else "tags"] = ["a", "new"]
    before = details(api, account.private_key, tagged.file_id)

    answer = post(api, account.private_key, route, body)

    assert answer.status_code == 404
    error = json.loads(answer.get_data())
    assert error["message"] == "The requested file(s) does not exist." and error["missingFileIds"] == ids[1:]
    assert details(api, account.private_key, tagged.file_id) == before
    assert details(api, other_account.private_key, theirs.file_id)["fileId"] == theirs.file_id


def test_bulk_delete_deletes_each_file(api: Any, account: Any, tagged: Uploaded) -> None:
    other = upload(api, account.private_key, halves(20, 20))
    ids = [tagged.file_id, other.file_id, tagged.file_id]
    answer = post(api, account.private_key, "batch/deleteByFileIds", {"fileIds": ids})
    assert answer.status_code == 200
    assert json.loads(answer.get_data()) == {"successfullyDeletedFileIds": [tagged.file_id, other.file_id]}
    for file_id in (tagged.file_id, other.file_id):
        assert api.get(f"/v1/files/{file_id}/details", headers=basic(account.private_key)).status_code == 404


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(("addTags", {"fileIds": [], "tags": ["a"]}), id="addTags-no-ids"),
        pytest.param(("addTags", {"fileIds": ["f"] * 51, "tags": ["a"]}), id="addTags-51-ids"),
        pytest.param(("addTags", {"fileIds": ["f"], "tags": []}), id="addTags-no-tags"),
        pytest.param(("addTags", {"fileIds": ["f"], "tags": [" "]}), id="addTags-blank-tag"),
        pytest.param(("addTags", {"fileIds": ["f"], "tags": ["5%"]}), id="addTags-percent"),
        pytest.param(("addTags", {"fileIds": ["f"], "tags": "a"}), id="addTags-tags-as-text"),
        pytest.param(("addTags", {"fileIds": "f", "tags": ["a"]}), id="addTags-ids-as-text"),
        pytest.param(("addTags", {"fileIds": ["a b"], "tags": ["a"]}), id="addTags-bad-id"),
        pytest.param(("removeTags", {"fileIds": ["f"]}), id="removeTags-no-tags"),
        pytest.param(("removeTags", {"fileIds": ["f"], "tags": ["a"], "x": 1}), id="removeTags-unknown-field"),
        pytest.param(("removeAITags", {"fileIds": ["f"], "tags": ["a"]}), id="removeAITags-tags-not-AITags"),
        pytest.param(("removeAITags", {"fileIds": ["f"], "aiTags": ["a"]}), id="removeAITags-lower-case-key"),
        pytest.param(("batch/deleteByFileIds", {"fileIds": []}), id="delete-no-ids"),
        pytest.param(("batch/deleteByFileIds", {"fileIds": ["f"] * 101}), id="delete-101-ids"),
        pytest.param(("batch/deleteByFileIds", {"fileIds": [None]}), id="delete-null-id"),
        pytest.param(("batch/deleteByFileIds", {"ids": ["f"]}), id="delete-misspelt"),
        pytest.param(("batch/deleteByFileIds", ""), id="delete-empty-body"),
        pytest.param(("batch/deleteByFileIds", "{"), id="delete-invalid-json"),
        pytest.param(("addTags", b'{"fileIds": ["\xff"], "tags": ["a"]}'), id="addTags-invalid-utf8"),
        pytest.param(("removeTags", {"fileIds": ["f"], "tags": ["a"], "pad": "x" * 200_000}), id="removeTags-huge"),
    ],
)
def test_a_careless_bulk_request_gets_a_clear_400(api: Any, account: Any, case: tuple[str, Any]) -> None:
    route, body = case
    answer = post(api, account.private_key, route, body)
    assert answer.status_code == 400, answer.get_data()
    assert {"message", "help"} <= json.loads(answer.get_data()).keys()


@pytest.mark.parametrize("route", ["addTags", "batch/deleteByFileIds"])
def test_a_form_encoded_bulk_request_is_a_415(api: Any, account: Any, route: str) -> None:
    answer = post(api, account.private_key, route, "fileIds=a", content_type="application/x-www-form-urlencoded")
    assert answer.status_code == 415


@pytest.mark.parametrize("method", ["HEAD", "OPTIONS", "GET", "PUT"])
@pytest.mark.parametrize(
    "path",
    [
        "/v1/files/addTags",
        "/v1/files/removeTags",
        "/v1/files/removeAITags",
        "/v1/files/batch/deleteByFileIds",
        "/v1/files/abc/metadata",
        "/v1/metadata",
    ],
)
def test_other_methods_are_a_clear_answer(api: Any, account: Any, method: str, path: str) -> None:
    """HEAD, GET or PUT where the route has another method: 405 naming the allowed ones (a HEAD of a GET route
    answers as GET: 4xx without the url); OPTIONS: the CORS preflight. Never a 5xx."""
    answer = api.open(path, method=method, headers={**basic(account.private_key), "Origin": "https://a.example"})
    assert answer.status_code < 500
    if method != "OPTIONS" and answer.status_code >= 400 and answer.get_data():
        assert {"message", "help"} <= json.loads(answer.get_data()).keys()


# ------------------------------------------------------------------ custom metadata (the account's fields)


def test_custom_metadata_merges_and_a_null_removes_a_key(api: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Given an account with fields brand (Text) and price (Number, 0..100) and a file, When customMetadata is
    patched twice (set both, then brand null), Then the first sets both, the second keeps price and removes
    brand; an unknown key or a price of 101 is a 400 naming it, and changes nothing."""
    owner = fresh_account()
    schemas = {
        "brand": FieldSchema.model_validate({"type": "Text"}),
        "price": FieldSchema.model_validate({"type": "Number", "minValue": 0, "maxValue": 100}),
    }
    # The account's fields as FIELDS' store would read them (its rules check the values for real).
    monkeypatch.setattr(fields, "_live", lambda account_id: schemas if account_id == owner.account_id else {})
    file = upload(api, owner.private_key, halves(20, 20))

    first = patch(api, owner.private_key, file.file_id, {"customMetadata": {"brand": "Nike", "price": 9.5}})
    assert json.loads(first.get_data())["customMetadata"] == {"brand": "Nike", "price": 9.5}
    second = patch(api, owner.private_key, file.file_id, {"customMetadata": {"brand": None}})
    assert json.loads(second.get_data())["customMetadata"] == {"price": 9.5}

    for wrong, named in (({"colour": "red"}, "colour"), ({"price": 101}, "price")):
        answer = patch(api, owner.private_key, file.file_id, {"customMetadata": wrong})
        assert answer.status_code == 400 and named in json.loads(answer.get_data())["message"]
    assert details(api, owner.private_key, file.file_id)["customMetadata"] == {"price": 9.5}
