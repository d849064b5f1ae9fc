"""Custom metadata fields through the local API Gateway: create, list, update, soft delete and their rows; names and
labels unique under concurrency; uploads (direct and sessions) whose customMetadata is checked against the fields,
a float kept through DynamoDB; careless clients, and another account's field ids (404)."""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from medialib.accounts import service as accounts
from medialib.accounts.models import Account
from medialib.adapters import table
from tests.conftest import basic
from tests.integration.aws_requests import sent
from tests.integration.test_contract import JSON_TYPE, Mistake
from tests.integration.test_upload_sessions import open_session, poll, post_file
from tests.upload_helpers import image, multipart

FIELDS = "/v1/customMetadataFields"
UPLOAD = "/api/v1/files/upload"


def fresh_account() -> tuple[str, str]:
    """A new account of its own (fields are per account, and a required field would touch every upload of the
    shared one): its id and private key."""
    suffix = uuid.uuid4().hex[:10]
    account_id, key = f"fields-{suffix}", f"private_{suffix}"
    accounts.seed_account(Account(account_id=account_id, public_key=f"public_{suffix}", private_key=key))
    return account_id, key


@pytest.fixture
def key(stack: Any) -> str:
    return fresh_account()[1]


def send(api: Any, key: str, method: str, path: str, body: Any = None) -> Any:
    data = None if body is None else json.dumps(body)
    return api.open(path, method=method, data=data, headers={**basic(key), "Content-Type": "application/json"})


def create(api: Any, key: str, name: str, label: str | None = None, **schema: Any) -> dict[str, Any]:
    answer = send(api, key, "POST", FIELDS, {"name": name, "label": label or name, "schema": schema})
    assert answer.status_code == 201, answer.get_data(as_text=True)
    created: dict[str, Any] = answer.get_json()
    return created


def listed(api: Any, key: str, query: str = "") -> list[dict[str, Any]]:
    answer = api.get(f"{FIELDS}{query}", headers=basic(key))
    assert answer.status_code == 200, answer.get_data(as_text=True)
    fields: list[dict[str, Any]] = answer.get_json()
    return fields


def upload(api: Any, key: str, **fields: str) -> Any:
    values = {"fileName": "a.png", "folder": "/cmf", "useUniqueFileName": "false", "responseFields": "customMetadata"}
    body, content_type = multipart(values | fields, image())
    return api.post(UPLOAD, headers={**basic(key), "Content-Type": content_type}, data=body)


# ------------------------------------------------------------------ the fields API


def test_a_field_is_created_listed_changed_and_soft_deleted(api: Any, stack: Any) -> None:
    """Given an account, When a field is created (the Python SDK's body), listed, changed and deleted, Then 201 the
    field object, 200 the list, 200 the changed field, 204; the deleted field is listed only with includeDeleted=true
    (isDeleted true); its rows are those docs/data-model.md lists."""
    account_id, key = fresh_account()
    created = create(api, key, "price", "Price", type="Number", minValue=0, maxValue=100, isValueRequired=False,
                     defaultValue=1)  # fmt: skip
    field_id = created["id"]
    assert created == {
        "id": field_id,
        "name": "price",
        "label": "Price",
        "schema": {"type": "Number", "minValue": 0, "maxValue": 100, "isValueRequired": False, "defaultValue": 1},
    }
    assert listed(api, key) == [created]

    changed = send(api, key, "PATCH", f"{FIELDS}/{field_id}", {"label": "Cost", "schema": {"minValue": 1}})
    assert changed.status_code == 200, changed.get_data(as_text=True)
    assert (changed.get_json()["label"], changed.get_json()["schema"]["minValue"]) == ("Cost", 1)

    deleted = send(api, key, "DELETE", f"{FIELDS}/{field_id}")
    assert (deleted.status_code, deleted.get_data()) == (204, b"")
    assert listed(api, key) == []
    assert listed(api, key, "?includeDeleted=false&folderPath=/any/") == []
    assert listed(api, key, "?includeDeleted=true") == [{**changed.get_json(), "isDeleted": True}]

    rows = {row["SK"]: row for row in table.query(f"ACCOUNT#{account_id}#FIELDS")}
    assert set(rows) == {f"FIELD#{field_id}", "NAME#price", "COUNT"}  # the label is free again, the name is not
    assert (rows["COUNT"]["active"], rows["COUNT"]["total"], rows[f"FIELD#{field_id}"]["deleted"]) == (0, 1, True)


def test_a_deleted_fields_name_stays_taken_and_its_label_is_free(api: Any, key: str) -> None:
    """Given a deleted field price/Price, When price is created again, Then 400 (ImageKit: never reused); a field
    labelled Price by another name is 201."""
    send(api, key, "DELETE", f"{FIELDS}/{create(api, key, 'price', 'Price', type='Text')['id']}")
    again = send(api, key, "POST", FIELDS, {"name": "price", "label": "Again", "schema": {"type": "Text"}})
    assert again.status_code == 400
    assert (again.get_json()["reason"], again.headers["x-should-retry"]) == ("FIELD_NAME_EXISTS", "false")
    assert create(api, key, "cost", "Price", type="Text")["label"] == "Price"


def test_fields_are_listed_in_creation_order(api: Any, key: str) -> None:
    """Given three fields created one after another, When listed, Then in the order they were created."""
    names = [create(api, key, name, type="Boolean")["name"] for name in ("zeta", "alpha", "mid")]
    assert [field["name"] for field in listed(api, key)] == names


@pytest.mark.parametrize(
    ("first", "second", "reason"),
    [
        pytest.param(("price", "Price"), ("price", "Cost"), "FIELD_NAME_EXISTS", id="same-name"),
        pytest.param(("price", "Price"), ("cost", "Price"), "FIELD_LABEL_EXISTS", id="same-label"),
    ],
)
def test_a_create_that_comes_in_between_wins_and_the_other_is_refused(  # noqa: PLR0917 - fixtures and the case
    api: Any, key: str, monkeypatch: pytest.MonkeyPatch, first: tuple[str, str], second: tuple[str, str], reason: str
) -> None:
    """Given a create whose transaction is delayed until another create of the same name (or label) completed (the
    worst interleaving: both saw the name free), When both finish, Then the one that came in between is 201 and the
    delayed one 400: the claim row decides, in the transaction, not a read before it."""
    answers: list[Any] = []
    original = table.transact_write

    def other_first(writes: Any, **kwargs: Any) -> None:
        if not answers:
            answers.append(None)
            monkeypatch.setattr(table, "transact_write", original)
            answers.append(
                send(api, key, "POST", FIELDS, {"name": second[0], "label": second[1], "schema": {"type": "Text"}})
            )
        original(writes, **kwargs)

    monkeypatch.setattr(table, "transact_write", other_first)
    delayed = send(api, key, "POST", FIELDS, {"name": first[0], "label": first[1], "schema": {"type": "Text"}})

    assert answers[1].status_code == 201
    assert (delayed.status_code, delayed.get_json()["reason"]) == (400, reason)
    assert [field["name"] for field in listed(api, key)] == [second[0]]


def test_concurrent_creates_of_one_name_make_one_field(api: Any, key: str) -> None:
    """Given 6 clients creating a field of the same name at once (each its own label), When all answered, Then
    exactly one 201 and five 400 FIELD_NAME_EXISTS; one field is listed."""

    def attempt(n: int) -> Any:
        return send(api, key, "POST", FIELDS, {"name": "sku", "label": f"SKU {n}", "schema": {"type": "Text"}})

    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(attempt, range(6)))

    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [201] + [400] * 5, [a.get_data(as_text=True) for a in answers]
    assert {a.get_json()["reason"] for a in answers if a.status_code == 400} == {"FIELD_NAME_EXISTS"}
    assert [field["name"] for field in listed(api, key)] == ["sku"]


# ------------------------------------------------------------------ custom metadata of uploads


@pytest.fixture
def product(api: Any, key: str) -> str:
    """An account with fields price (Number 0..1000), brand (Text), size (required SingleSelect, default M) and
    launch (Date); its private key."""
    create(api, key, "price", "Price", type="Number", minValue=0, maxValue=1000)
    create(api, key, "brand", "Brand", type="Text", maxLength=20)
    create(api, key, "size", "Size", type="SingleSelect", selectOptions=["S", "M"], isValueRequired=True,
           defaultValue="M")  # fmt: skip
    create(api, key, "launch", "Launch", type="Date")
    return key


def test_an_uploads_custom_metadata_is_stored_and_a_float_comes_back(api: Any, product: str) -> None:
    """Given fields price, brand, size and launch, When a file is uploaded with price 9.99 (a float DynamoDB
    refuses as such), a brand and a launch date, Then 200 with them (the required size defaulted, the date in
    ImageKit's UTC form), and the file's details answer the same values, price still 9.99."""
    answer = upload(api, product, customMetadata=json.dumps({"price": 9.99, "brand": "Nike", "launch": "2024-05-01"}))
    assert answer.status_code == 200, answer.get_data(as_text=True)
    expected = {"price": 9.99, "brand": "Nike", "launch": "2024-05-01T00:00:00.000Z", "size": "M"}
    assert answer.get_json()["customMetadata"] == expected
    details = api.get(f"/v1/files/{answer.get_json()['fileId']}/details", headers=basic(product))
    assert details.get_json()["customMetadata"] == expected


def test_a_new_version_keeps_the_float_when_it_keeps_the_metadata(api: Any, product: str) -> None:
    """Given a file with price 9.99, When a new version is uploaded with overwriteCustomMetadata=false and no
    customMetadata, Then the new version keeps price 9.99 (a number, not the text DynamoDB's Decimal would become)."""
    assert upload(api, product, customMetadata='{"price": 9.99}').status_code == 200
    again = upload(api, product, overwriteCustomMetadata="false")
    assert again.status_code == 200, again.get_data(as_text=True)
    assert again.get_json()["customMetadata"] == {"price": 9.99, "size": "M"}
    versions = api.get(f"/v1/files/{again.get_json()['fileId']}/versions", headers=basic(product)).get_json()
    assert [v["customMetadata"]["price"] for v in versions] == [9.99, 9.99]


@pytest.mark.parametrize(
    ("metadata", "named"),
    [
        pytest.param({"colour": "red"}, "customMetadata.colour: is not a custom metadata field", id="unknown-key"),
        pytest.param({"price": "9.99"}, "customMetadata.price: should be of type number", id="number-as-text"),
        pytest.param({"price": 1001}, "customMetadata.price: should be at most 1000 (maxValue)", id="over-max"),
        pytest.param({"size": "XL"}, 'customMetadata.size: should be one of the selectOptions, not "XL"', id="not-an-option"),
        pytest.param({"brand": "b" * 21}, "customMetadata.brand: should be at most 20 characters", id="too-long"),
        pytest.param({"launch": "May 1st"}, "customMetadata.launch: should be an ISO-8601 date", id="date-in-words"),
    ],
)  # fmt: skip
def test_an_upload_with_invalid_custom_metadata_is_refused(
    api: Any, product: str, metadata: dict[str, Any], named: str
) -> None:
    """Given the product fields, When an upload's customMetadata breaks a rule, Then 400 INVALID_PARAMETER naming
    the key and the rule, and nothing is stored."""
    answer = upload(api, product, customMetadata=json.dumps(metadata), folder="/refused")
    assert answer.status_code == 400
    assert answer.get_json()["reason"] == "INVALID_PARAMETER"
    assert named in answer.get_json()["message"]
    assert api.get("/v1/files?path=/refused", headers=basic(product)).get_json() == []


def test_a_session_with_invalid_custom_metadata_does_not_open(api: Any, product: str) -> None:
    """Given the product fields, When an upload session is opened with customMetadata naming no field, Then 400
    naming it, as the direct upload would answer; no session."""
    opened = open_session(api, product, fileName="a.png", fileSize=100, customMetadata={"colour": "red"})
    assert opened.status_code == 400
    assert "customMetadata.colour" in opened.get_json()["message"]


def test_a_field_deleted_while_a_session_is_open_fails_it(api: Any, key: str) -> None:
    """Given a session opened with customMetadata {"batch": "b1"} while the field batch existed, When the field is
    deleted and then the file is posted, Then the session is FAILED with the 400 the direct upload gives now
    (naming customMetadata.batch); no file is stored."""
    field = create(api, key, "batch", "Batch", type="Text")
    content = image()
    opened = open_session(api, key, fileName="a.png", fileSize=len(content), contentType="image/png",
                          folder="/sessions-cmf", customMetadata={"batch": "b1"})  # fmt: skip
    assert opened.status_code == 201, opened.get_data(as_text=True)
    assert send(api, key, "DELETE", f"{FIELDS}/{field['id']}").status_code == 204

    post_file(opened.get_json()["upload"], content, "image/png")
    done = poll(api, key, opened.get_json()["sessionId"])

    assert done["status"] == "FAILED", done
    assert "customMetadata.batch: is not a custom metadata field" in done["error"]["message"]
    assert api.get("/v1/files?path=/sessions-cmf", headers=basic(key)).get_json() == []


def test_a_session_with_valid_custom_metadata_stores_it(api: Any, product: str) -> None:
    """Given the product fields, When a session carries customMetadata (as a JSON object) and its file is posted,
    Then the session's file has it, the required size defaulted."""
    content = image()
    opened = open_session(api, product, fileName="a.png", fileSize=len(content), contentType="image/png",
                          customMetadata={"price": 12.5}, responseFields="customMetadata")  # fmt: skip
    assert opened.status_code == 201, opened.get_data(as_text=True)
    post_file(opened.get_json()["upload"], content, "image/png")
    done = poll(api, product, opened.get_json()["sessionId"])
    assert done["status"] == "COMPLETED", done
    assert done["file"]["customMetadata"] == {"price": 12.5, "size": "M"}


# ------------------------------------------------------------------ careless clients and other accounts

CREATE = json.dumps({"name": "n1", "label": "L1", "schema": {"type": "Text"}}).encode()


@pytest.fixture
def owned(api: Any, account: Any) -> Iterator[Callable[[str], str]]:
    """A field of the shared account (deleted after the test): paths with {id} name it."""
    made = create(api, account.private_key, f"careless_{uuid.uuid4().hex[:8]}", f"Careless {uuid.uuid4().hex[:8]}",
                  type="Number")  # fmt: skip
    yield lambda path: path.replace("{id}", made["id"])
    send(api, account.private_key, "DELETE", f"{FIELDS}/{made['id']}")


ONE = FIELDS + "/{id}"
CARELESS = [
    pytest.param(Mistake("POST", FIELDS, 415, CREATE, {"Content-Type": "text/plain"}, reason="UNSUPPORTED_MEDIA_TYPE"), id="create-as-text-plain-is-415"),
    pytest.param(Mistake("POST", FIELDS, 400, b'{"name": "\xff"}', JSON_TYPE), id="create-invalid-utf8-is-400"),
    pytest.param(Mistake("POST", FIELDS, 400, b"{name: n}", JSON_TYPE, reason="INVALID_BODY", message="not valid JSON"), id="create-malformed-json"),
    pytest.param(Mistake("POST", FIELDS, 400, b"", JSON_TYPE, reason="INVALID_BODY", message="The body is empty"), id="create-empty-body"),
    pytest.param(Mistake("POST", FIELDS, 400, b"[]", JSON_TYPE, reason="INVALID_BODY", message="must be a JSON object"), id="create-array-body"),
    pytest.param(Mistake("POST", FIELDS, 400, b"{}", JSON_TYPE, reason="INVALID_FIELD", message="Invalid field object"), id="create-empty-object"),
    pytest.param(Mistake("POST", FIELDS, 400, b'{"name": "n1", "label": "L1", "schema": {"type": "Text"}, "type": "Text"}', JSON_TYPE, reason="INVALID_FIELD"), id="create-unknown-member"),
    pytest.param(Mistake("POST", FIELDS, 400, b'{"name": 7, "label": "L1", "schema": {"type": "Text"}}', JSON_TYPE, reason="INVALID_FIELD"), id="create-name-as-number"),
    pytest.param(Mistake("POST", FIELDS, 400, b'{"name": "n1", "label": "L1", "schema": {"type": "Text", "minValue": 1}}', JSON_TYPE, reason="INVALID_FIELD"), id="create-key-of-another-type"),
    pytest.param(Mistake("POST", FIELDS, 413, json.dumps({"name": "n", "label": "l", "schema": {"type": "Text", "x": "y" * (7 * 1024 * 1024)}}).encode(), JSON_TYPE), id="create-over-6-mb-is-413"),
    pytest.param(Mistake("POST", FIELDS, 400, json.dumps({"name": "n", "label": "l" * 1_000_000, "schema": {"type": "Text"}}).encode(), JSON_TYPE, reason="INVALID_FIELD"), id="create-a-1-mb-label"),
    pytest.param(Mistake("POST", FIELDS, 401, CREATE, JSON_TYPE, credentials="none"), id="create-without-key-is-401"),
    pytest.param(Mistake("GET", FIELDS + "?includeDeleted=yes", 400, reason="INVALID_PARAMETER", message="includeDeleted"), id="list-include-deleted-not-a-boolean"),
    pytest.param(Mistake("GET", FIELDS + "?folderPath=" + "a" * 1100, 400, reason="INVALID_PARAMETER", message="folderPath"), id="list-folder-path-too-long"),
    pytest.param(Mistake("GET", FIELDS, 200, b'{"ignored": true}', JSON_TYPE), id="list-body-is-ignored"),
    pytest.param(Mistake("HEAD", FIELDS, 405), id="head-is-405-without-body"),
    pytest.param(Mistake("PUT", FIELDS, 405, CREATE, JSON_TYPE, reason="METHOD_NOT_ALLOWED"), id="put-is-405"),
    pytest.param(Mistake("PATCH", ONE, 400, b'{"schema": {"type": "Text"}}', JSON_TYPE, reason="INVALID_FIELD", message="Invalid field object"), id="patch-changing-type-is-400"),
    pytest.param(Mistake("PATCH", ONE, 400, b'{"name": "renamed"}', JSON_TYPE, reason="INVALID_FIELD"), id="patch-name-is-400"),
    pytest.param(Mistake("PATCH", ONE, 400, b"{}", JSON_TYPE, reason="INVALID_FIELD"), id="patch-nothing"),
    pytest.param(Mistake("PATCH", ONE, 400, b'{"schema": {"minValue": "one"}}', JSON_TYPE, reason="INVALID_FIELD"), id="patch-bound-as-text"),
    pytest.param(Mistake("PATCH", ONE, 400, b'{"label": ', JSON_TYPE, reason="INVALID_BODY"), id="patch-truncated-json"),
    pytest.param(Mistake("PATCH", ONE, 415, b'{"label": "x"}', {"Content-Type": "application/xml"}, reason="UNSUPPORTED_MEDIA_TYPE"), id="patch-as-xml-is-415"),
    pytest.param(Mistake("PATCH", FIELDS + "/" + "0" * 24, 404, b'{"label": "x"}', JSON_TYPE, reason="FIELD_NOT_FOUND"), id="patch-absent-is-404"),
    pytest.param(Mistake("PATCH", FIELDS + "/a%2Fb", 400, b'{"label": "x"}', JSON_TYPE, reason="INVALID_PARAMETER"), id="patch-id-with-slash-is-400"),
    pytest.param(Mistake("DELETE", FIELDS + "/" + "0" * 24, 404, reason="FIELD_NOT_FOUND"), id="delete-absent-is-404"),
    pytest.param(Mistake("DELETE", FIELDS + "/" + "x" * 200, 400, reason="INVALID_PARAMETER"), id="delete-id-too-long-is-400"),
    pytest.param(Mistake("DELETE", ONE, 401, credentials="none"), id="delete-without-key-is-401"),
    pytest.param(Mistake("GET", ONE, 405, reason="METHOD_NOT_ALLOWED"), id="get-one-field-is-405"),
]  # fmt: skip


@pytest.mark.parametrize("mistake", CARELESS)
def test_every_fields_mistake_is_a_4xx_in_imagekit_shape(
    api: Any, account: Any, owned: Callable[[str], str], mistake: Mistake
) -> None:
    """Given a request to the fields routes a careless client could send, When the local API Gateway answers, Then
    the status of the table, ImageKit's {message, help[, reason][, errors]}, x-should-retry false, and the account's
    fields unchanged."""
    before = listed(api, account.private_key, "?includeDeleted=true")
    mistake = dataclasses.replace(mistake, path=owned(mistake.path))
    response = mistake.send(api, account.private_key)
    assert response.status_code == mistake.status, response.get_data()[:300]
    assert response.headers["x-ik-requestId"]
    assert listed(api, account.private_key, "?includeDeleted=true") == before
    if mistake.status < 300:
        return
    assert response.headers["x-should-retry"] == "false"
    if mistake.method == "HEAD":
        assert response.get_data() == b""
        return
    body = json.loads(response.get_data())
    assert {"message", "help"} <= set(body) <= {"message", "help", "reason", "errors"}
    assert mistake.reason is None or body.get("reason") == mistake.reason
    assert mistake.message is None or mistake.message in body["message"]


@pytest.mark.parametrize(
    ("method", "body"),
    [
        pytest.param("PATCH", {"label": "Stolen"}, id="patch"),
        pytest.param("DELETE", None, id="delete"),
    ],
)
def test_another_accounts_field_is_404_and_untouched(  # noqa: PLR0917 - fixtures and the case
    api: Any, account: Any, other_account: Any, owned: Callable[[str], str], method: str, body: Any
) -> None:
    """Given a field of account A, When account B patches or deletes it by id, Then 404 FIELD_NOT_FOUND, B's list
    does not show it, and A's field is unchanged."""
    before = listed(api, account.private_key)
    answer = send(api, other_account.private_key, method, owned(ONE), body)
    assert (answer.status_code, answer.get_json()["reason"]) == (404, "FIELD_NOT_FOUND")
    assert owned("{id}") not in {
        field["id"] for field in listed(api, other_account.private_key, "?includeDeleted=true")
    }
    assert listed(api, account.private_key) == before


def test_an_image_whose_exif_holds_fractions_is_stored_with_them(api: Any, key: str) -> None:
    """Given a JPEG whose EXIF holds rationals (ExposureTime 1/250, FNumber 2.8: floats once read), When uploaded
    and its details read, Then 200 and the embedded metadata holds the same numbers (DynamoDB takes no float: they
    are stored as Decimals and read back as numbers)."""
    content = image(fmt="JPEG", exif={0x010F: "Cam", 0x8769: {0x829A: 0.004, 0x829D: 2.8}})
    body, content_type = multipart({"fileName": "exif.jpg", "responseFields": "embeddedMetadata"}, content)
    answer = api.post(UPLOAD, headers={**basic(key), "Content-Type": content_type}, data=body)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    embedded = answer.get_json()["embeddedMetadata"]
    details = api.get(f"/v1/files/{answer.get_json()['fileId']}/details", headers=basic(key)).get_json()
    assert details["embeddedMetadata"] == embedded
    assert (embedded.get("ExposureTime"), embedded.get("FNumber")) == (0.004, 2.8), embedded


@pytest.mark.parametrize(
    ("path", "methods"),
    [
        pytest.param(FIELDS, "GET,OPTIONS,POST", id="the-collection"),
        pytest.param(f"{FIELDS}/0123456789abcdef01234567", "DELETE,OPTIONS,PATCH", id="one-field"),
    ],
)
def test_a_browser_may_call_the_fields_routes(api: Any, path: str, methods: str) -> None:
    """Given a browser's preflight (no credentials), When OPTIONS is sent, Then 200 naming the path's methods, as
    SAM's Cors answers every path of the API."""
    response = api.options(
        path,
        headers={
            "Origin": "https://app.example",
            "Access-Control-Request-Method": methods.rsplit(",", maxsplit=1)[-1],
            "Access-Control-Request-Headers": "authorization,content-type",
        },
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Methods"] == methods


def test_an_upload_right_after_a_field_is_created_reads_the_fields_strongly_consistent(api: Any, key: str) -> None:
    """Given a field just created, When a file is uploaded with a value for it, Then the account's fields are read
    with a strongly consistent Query (a stale read would refuse the new field with a 400) and the upload is 200."""
    create(api, key, "fresh", type="Text")
    with sent("dynamodb", "Query") as queries:
        answer = upload(api, key, customMetadata=json.dumps({"fresh": "yes"}))
    assert answer.status_code == 200, answer.get_data(as_text=True)
    fields = [params for params in queries if params["ExpressionAttributeValues"].get(":sk") == {"S": "FIELD#"}]
    assert fields and all(params.get("ConsistentRead") is True for params in fields)
