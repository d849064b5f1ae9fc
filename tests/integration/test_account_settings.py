"""``GET``/``PATCH /v1/accounts/settings`` through the local API Gateway (authorizer, routes, the files function)
on moto: "upload as draft by default" read and changed through the API and obeyed by the next upload; the purge
quota read-only; careless clients; one account never sees or changes another's settings; two concurrent PATCHes
of different fields both kept."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from medialib.accounts import service as accounts
from medialib.accounts.models import Account, AccountSettings
from medialib.accounts.store import TableAccountStore
from medialib.adapters import table
from tests.conftest import basic
from tests.integration.test_contract import JSON_TYPE, Mistake
from tests.upload_helpers import image, multipart

SETTINGS = "/v1/accounts/settings"
UPLOAD = "/api/v1/files/upload"


def patch(api: Any, key: str, body: Any) -> Any:
    return api.patch(SETTINGS, data=json.dumps(body), headers={**basic(key), **JSON_TYPE})


def read(api: Any, key: str) -> dict[str, Any]:
    response = api.get(SETTINGS, headers=basic(key))
    assert response.status_code == 200, response.get_data()
    answer: dict[str, Any] = json.loads(response.get_data())
    return answer


def upload(api: Any, key: str, **fields: str) -> dict[str, Any]:
    values = {"fileName": "s.png", "folder": "/settings-" + uuid.uuid4().hex[:10]} | fields
    body, content_type = multipart(values, image())
    response = api.post(UPLOAD, headers={**basic(key), "Content-Type": content_type}, data=body)
    assert response.status_code == 200, response.get_data()
    answer: dict[str, Any] = json.loads(response.get_data())
    return answer


def details(api: Any, key: str, file_id: str) -> dict[str, Any]:
    response = api.get(f"/v1/files/{file_id}/details", headers=basic(key))
    assert response.status_code == 200
    answer: dict[str, Any] = json.loads(response.get_data())
    return answer


def fresh_account(settings: AccountSettings | None = None) -> str:
    """A new account of its own (the shared ``other_account`` must stay without uploads); its private key."""
    suffix = uuid.uuid4().hex[:10]
    key = f"private_{suffix}"
    accounts.seed_account(
        Account(
            account_id=f"settings-{suffix}",
            public_key=f"public_{suffix}",
            private_key=key,
            settings=settings or AccountSettings(),
        )
    )
    return key


@pytest.fixture
def kept_settings(stack: Any, account: Any) -> Iterator[None]:
    """The development account's settings as they were, put back after the test (other tests share it)."""
    store = TableAccountStore()
    saved = store.get(account.account_id)
    assert saved is not None
    yield
    store.save(saved)
    accounts.forget_authenticated(saved.account_id)


@pytest.mark.usefixtures("kept_settings")
def test_upload_as_draft_by_default_is_read_changed_and_obeyed(api: Any, account: Any) -> None:
    """Given the development account (uploads published) and an upload that made this process remember it, When
    uploadAsDraft is patched to true, Then the answer and GET say so, the next upload without isPublished is a
    draft (in its answer and its details), isPublished=true in an upload still wins; When patched back to false,
    Then uploads are published again."""
    key = account.private_key
    assert upload(api, key)["isPublished"] is True

    changed = patch(api, key, {"uploadAsDraft": True})
    assert changed.status_code == 200, changed.get_data()
    assert json.loads(changed.get_data())["uploadAsDraft"] is True
    assert read(api, key)["uploadAsDraft"] is True

    drafted = upload(api, key)
    assert drafted["isPublished"] is False
    assert details(api, key, drafted["fileId"])["isPublished"] is False
    published = upload(api, key, isPublished="true")
    assert published["isPublished"] is True
    assert details(api, key, published["fileId"])["isPublished"] is True

    assert patch(api, key, {"uploadAsDraft": False}).status_code == 200
    restored = upload(api, key)
    assert restored["isPublished"] is True
    assert details(api, key, restored["fileId"])["isPublished"] is True
    assert upload(api, key, isPublished="false")["isPublished"] is False


@pytest.mark.usefixtures("kept_settings")
def test_the_answer_is_the_whole_settings_object(api: Any, account: Any) -> None:
    """Given the development account, When its settings are read, patched with namedTransformations, and read
    again, Then each answer has exactly uploadAsDraft, purgeMonthlyQuota (the stack's default of 1000: no
    override) and namedTransformations, the PATCH's answer equals the next GET, and the new name works."""
    key = account.private_key
    before = read(api, key)
    assert set(before) == {"uploadAsDraft", "purgeMonthlyQuota", "namedTransformations"}
    assert before["purgeMonthlyQuota"] == 1000

    names = {"card": "w-400,h-300,c-at_max", "thumb.v2": "w-100"}
    changed = patch(api, key, {"namedTransformations": names})
    assert changed.status_code == 200
    assert json.loads(changed.get_data()) == read(api, key) == {**before, "namedTransformations": names}


def test_the_purge_quota_is_read_only(api: Any, stack: Any) -> None:
    """Given an account whose operator set a purge quota of 5000, When it reads its settings, Then 5000; When it
    PATCHes purgeMonthlyQuota (alone, or with a writable field), Then 400 saying it is read-only, and nothing
    changed: neither the quota nor the field sent with it."""
    quota_key = fresh_account(AccountSettings(purge_monthly_quota=5000))
    before = read(api, quota_key)
    assert before["purgeMonthlyQuota"] == 5000
    for body in ({"purgeMonthlyQuota": 1_000_000}, {"purgeMonthlyQuota": 1_000_000, "uploadAsDraft": True}):
        refused = patch(api, quota_key, body)
        assert refused.status_code == 400
        assert "purgeMonthlyQuota is read-only" in json.loads(refused.get_data())["message"]
    assert read(api, quota_key) == before


@pytest.mark.usefixtures("kept_settings")
def test_another_account_neither_sees_nor_changes_these_settings(api: Any, account: Any) -> None:
    """Given two accounts, When one sets uploadAsDraft and a named transformation, Then the other reads its own
    settings unchanged and its uploads stay published; When the other changes its own settings, Then the first's
    are untouched. (The route names no account: each caller reaches only its own.)"""
    mine, theirs = account.private_key, fresh_account()
    their_before = read(api, theirs)
    assert patch(api, mine, {"uploadAsDraft": True, "namedTransformations": {"mine": "w-10"}}).status_code == 200

    assert read(api, theirs) == their_before
    assert upload(api, theirs)["isPublished"] is True

    assert patch(api, theirs, {"namedTransformations": {"theirs": "w-20"}}).status_code == 200
    assert read(api, mine)["namedTransformations"] == {"mine": "w-10"}
    assert read(api, mine)["uploadAsDraft"] is True
    assert upload(api, mine)["isPublished"] is False


@pytest.mark.usefixtures("kept_settings")
def test_two_patches_of_different_fields_both_stay(api: Any, account: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Given a PATCH of uploadAsDraft, When a PATCH of namedTransformations runs whole between anything the first
    one read and its first write to the table (the worst interleaving of two concurrent requests), Then both
    changes are kept: the first writes only the field it was sent, never settings it read before."""
    key = account.private_key
    interleaved: list[int] = []
    started: list[bool] = []

    def other_patch_first(write: Callable[..., Any]) -> Callable[..., Any]:
        def run(*args: Any, **kwargs: Any) -> Any:
            if not started:
                started.append(True)  # the other PATCH's own writes go straight through
                interleaved.append(patch(api, key, {"namedTransformations": {"concurrent": "w-30"}}).status_code)
            return write(*args, **kwargs)

        return run

    for name in ("put", "update", "transact_write"):
        monkeypatch.setattr(table, name, other_patch_first(getattr(table, name)))
    first = patch(api, key, {"uploadAsDraft": True})
    monkeypatch.undo()

    assert (first.status_code, interleaved) == (200, [200])
    assert read(api, key) | {"purgeMonthlyQuota": 0} == {
        "uploadAsDraft": True,
        "namedTransformations": {"concurrent": "w-30"},
        "purgeMonthlyQuota": 0,
    }


def test_an_account_row_without_settings_gets_them_on_its_first_patch(api: Any, stack: Any) -> None:
    """Given an account row written before settings existed (no settings map), When it PATCHes uploadAsDraft,
    Then 200 and the setting is stored (the update gives the row its map, it does not fail on the missing path)."""
    key = fresh_account()
    account = accounts.authenticate(key)
    row = table.get(f"ACCOUNT#{account.account_id}", "ACCOUNT")
    assert row is not None
    table.put({k: v for k, v in row.items() if k != "settings"})
    accounts.forget_authenticated(account.account_id)

    changed = patch(api, key, {"uploadAsDraft": True})
    assert changed.status_code == 200, changed.get_data()
    assert read(api, key)["uploadAsDraft"] is True
    assert read(api, key)["namedTransformations"] == {}


SETTINGS_MISTAKES = [
    pytest.param(Mistake("PATCH", SETTINGS, 415, b'{"uploadAsDraft": true}', {"Content-Type": "text/plain"}, reason="UNSUPPORTED_MEDIA_TYPE"), id="json-sent-as-text-plain-is-415"),
    pytest.param(Mistake("PATCH", SETTINGS, 415, b"uploadAsDraft=true", {"Content-Type": "application/x-www-form-urlencoded"}, reason="UNSUPPORTED_MEDIA_TYPE"), id="form-encoded-is-415"),
    pytest.param(Mistake("PATCH", SETTINGS, 400, b'{"namedTransformations": {"\xff": "w-1"}}', JSON_TYPE), id="invalid-utf8-is-400"),
    pytest.param(Mistake("PATCH", SETTINGS, 400, b"{uploadAsDraft: true}", JSON_TYPE, reason="INVALID_BODY", message="not valid JSON"), id="malformed-json-says-so"),
    pytest.param(Mistake("PATCH", SETTINGS, 400, b"[" * 5000 + b"]" * 5000, JSON_TYPE, reason="INVALID_BODY", message="nested too deeply"), id="json-nested-5000-deep-is-400"),
    pytest.param(Mistake("PATCH", SETTINGS, 400, b"", JSON_TYPE, reason="INVALID_BODY", message="The body is empty; expected an object with uploadAsDraft or namedTransformations"), id="empty-body-names-the-fields"),
    pytest.param(Mistake("PATCH", SETTINGS, 400, b"[true]", JSON_TYPE, reason="INVALID_BODY", message="must be a JSON object"), id="json-array-is-not-an-object"),
    pytest.param(Mistake("PATCH", SETTINGS, 400, b"true", JSON_TYPE, reason="INVALID_BODY", message="must be a JSON object"), id="bare-true-is-not-an-object"),
    pytest.param(Mistake("PATCH", SETTINGS, 400, b"{}", JSON_TYPE, reason="INVALID_PARAMETER", message="Nothing to change"), id="empty-object-changes-nothing-and-says-so"),
    pytest.param(Mistake("PATCH", SETTINGS, 400, b'{"purgeMonthlyQuota": 100000}', JSON_TYPE, reason="INVALID_PARAMETER", message="purgeMonthlyQuota is read-only"), id="quota-is-read-only"),
    pytest.param(Mistake("PATCH", SETTINGS, 400, b'{"uploadAsDraft": true, "colour": "red"}', JSON_TYPE, reason="INVALID_PARAMETER", message="colour"), id="unknown-field-is-400-naming-it"),
    pytest.param(Mistake("PATCH", SETTINGS, 400, b'{"UploadAsDraft": true}', JSON_TYPE, reason="INVALID_PARAMETER", message="UploadAsDraft"), id="misspelt-field-is-400-not-ignored"),
    pytest.param(Mistake("PATCH", SETTINGS, 400, b'{"uploadAsDraft": "true"}', JSON_TYPE, reason="INVALID_PARAMETER", message="uploadAsDraft"), id="bool-as-text-is-400"),
    pytest.param(Mistake("PATCH", SETTINGS, 400, b'{"uploadAsDraft": 1}', JSON_TYPE, reason="INVALID_PARAMETER", message="uploadAsDraft"), id="bool-as-number-is-400"),
    pytest.param(Mistake("PATCH", SETTINGS, 400, b'{"uploadAsDraft": null}', JSON_TYPE, reason="INVALID_PARAMETER", message="uploadAsDraft"), id="null-is-400"),
    pytest.param(Mistake("PATCH", SETTINGS, 400, b'{"namedTransformations": {"a b": "w-1"}}', JSON_TYPE, reason="INVALID_PARAMETER", message="'a b'"), id="bad-transformation-name-is-400-naming-it"),
    pytest.param(Mistake("PATCH", SETTINGS, 400, b'{"namedTransformations": "w-100"}', JSON_TYPE, reason="INVALID_PARAMETER", message="namedTransformations"), id="transformations-as-text-is-400"),
    pytest.param(Mistake("PATCH", SETTINGS, 413, json.dumps({"namedTransformations": {"big": "x" * (7 * 1024 * 1024)}}).encode(), JSON_TYPE), id="json-over-lambda-6-mb-is-413"),
    pytest.param(Mistake("PATCH", SETTINGS, 400, json.dumps({"namedTransformations": {"big": "w-1," * 300_000}}).encode(), JSON_TYPE, reason="INVALID_PARAMETER", message="1 to 1024 characters"), id="a-1-mb-definition-is-400"),
    pytest.param(Mistake("PATCH", SETTINGS, 401, b'{"uploadAsDraft": true}', JSON_TYPE, credentials="none"), id="patch-without-key-is-401"),
    pytest.param(Mistake("GET", SETTINGS, 401, credentials="none"), id="get-without-key-is-401"),
    pytest.param(Mistake("GET", SETTINGS, 401, credentials="images"), id="x-api-key-is-only-for-the-images-routes"),
    pytest.param(Mistake("GET", SETTINGS, 200, b'{"ignored": true}', JSON_TYPE), id="a-body-on-get-is-ignored"),
    pytest.param(Mistake("GET", SETTINGS + "?accountId=other", 200), id="an-account-id-in-the-query-is-ignored"),
    pytest.param(Mistake("HEAD", SETTINGS, 405), id="head-is-405-without-body"),
    pytest.param(Mistake("DELETE", SETTINGS, 405, reason="METHOD_NOT_ALLOWED", message="GET, PATCH"), id="delete-is-405-naming-get-and-patch"),
    pytest.param(Mistake("POST", SETTINGS, 405, b'{"uploadAsDraft": true}', JSON_TYPE, reason="METHOD_NOT_ALLOWED"), id="post-is-405"),
    pytest.param(Mistake("PUT", SETTINGS, 405, b'{"uploadAsDraft": true}', JSON_TYPE, reason="METHOD_NOT_ALLOWED"), id="put-is-405"),
    pytest.param(Mistake("GET", "/v1/accounts", 404, reason="NOT_FOUND"), id="accounts-alone-is-404"),
    pytest.param(Mistake("GET", "/v1/accounts/other/settings", 404, reason="NOT_FOUND"), id="another-accounts-settings-have-no-path"),
    pytest.param(Mistake("PATCH", "/v1/accounts/other/settings", 404, b'{"uploadAsDraft": true}', JSON_TYPE, reason="NOT_FOUND"), id="another-accounts-settings-cannot-be-patched"),
]  # fmt: skip


@pytest.mark.usefixtures("kept_settings")
@pytest.mark.parametrize("mistake", SETTINGS_MISTAKES)
def test_every_settings_mistake_is_a_4xx_in_imagekit_shape(api: Any, account: Any, mistake: Mistake) -> None:
    """Given a request to the settings routes a careless client could send, When the local API Gateway answers,
    Then the status of the table, ImageKit's {message, help[, reason]} naming the problem, x-should-retry false,
    x-ik-requestId set; and a refused PATCH changed nothing."""
    before = read(api, account.private_key)
    response = mistake.send(api, account.private_key)
    assert response.status_code == mistake.status, response.get_data()[:300]
    assert response.headers["x-ik-requestId"]
    assert read(api, account.private_key) == before
    if mistake.status < 300:
        return
    assert response.headers["x-should-retry"] == "false"
    if mistake.method == "HEAD":
        assert response.get_data() == b""
        return
    body = json.loads(response.get_data())
    assert {"message", "help"} <= set(body) <= {"message", "help", "reason"}
    assert mistake.reason is None or body.get("reason") == mistake.reason
    assert mistake.message is None or mistake.message in body["message"]


def test_a_browser_may_patch_the_settings(api: Any) -> None:
    """Given a browser's preflight for PATCH (no credentials), When OPTIONS is sent, Then 200 naming GET and PATCH,
    as SAM's Cors answers every path of the API."""
    response = api.options(
        SETTINGS,
        headers={
            "Origin": "https://app.example",
            "Access-Control-Request-Method": "PATCH",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Methods"] == "GET,OPTIONS,PATCH"
