"""docs/openapi.json is true: every documented operation, called validly and invalidly on the running stack,
answers a status the document lists for it, with a body of the documented schema."""

from __future__ import annotations

import json
import re
from typing import Any

import jsonschema
import pytest

from tests.conftest import ROOT, basic
from tests.upload_helpers import image, multipart

DOCUMENT = json.loads((ROOT / "docs" / "openapi.json").read_text())
_BODY_METHODS = {"post", "put", "patch", "delete"}


def _operations() -> list[Any]:
    return [
        pytest.param(path, method, id=f"{method.upper()} {path}")
        for path, operations in DOCUMENT["paths"].items()
        for method in operations
        if method != "servers"
    ]


def _calls(path: str, method: str, account: Any) -> list[tuple[str, str, dict[str, str], bytes | None]]:
    """(why, url, headers, body): a valid call, then the mistakes a client makes on this operation."""
    auth = {} if path.startswith("/{accountId}") else basic(account.private_key)
    url = path.replace("{accountId}", account.account_id).replace("{filePath}", "folder/missing.jpg")
    valid_url = re.sub(r"\{[^}]+\}", "abc123", url)
    json_type = {"Content-Type": "application/json"}
    body = json.dumps({"fileIds": ["abc123"], "isPublished": True}).encode() if method in _BODY_METHODS else None
    calls = [
        ("valid", valid_url, {**auth, **json_type}, body),
        ("no credentials", valid_url, json_type, body),
        ("invalid id", re.sub(r"\{[^}]+\}", "a%2Fb", url), auth, None if method not in _BODY_METHODS else b"{}"),
    ]
    if method in _BODY_METHODS:
        calls += [
            ("text body", valid_url, {**auth, "Content-Type": "text/plain"}, b"hello"),
            ("malformed JSON", valid_url, {**auth, **json_type}, b"{nope"),
            ("empty body", valid_url, {**auth, **json_type}, b""),
        ]
    if "?" not in url and method == "get":
        calls.append(("bad query", valid_url + "?limit=-5&skip=x", auth, None))
    if path == "/v1/files" and method == "get":
        calls.append(("search", valid_url + '?searchQuery=name%3D"a"', auth, None))
        calls.append(("malformed search", valid_url + "?searchQuery=name%3D", auth, None))
    return calls


def _schema_of(answer: dict[str, Any]) -> dict[str, Any] | None:
    content = answer.get("content", {}).get("application/json")
    if content is None:
        return None
    return {**content["schema"], "components": DOCUMENT["components"]}


@pytest.mark.parametrize(("path", "method"), _operations())
def test_every_documented_operation_answers_what_the_document_says(
    api: Any, account: Any, path: str, method: str
) -> None:
    """Given an operation of docs/openapi.json, When it is called validly and with each mistake a client makes,
    Then every status received is one the document lists for that operation, and each JSON body validates
    against the documented schema (ImageKit's error body for errors)."""
    documented = DOCUMENT["paths"][path][method]["responses"]
    for why, url, headers, body in _calls(path, method, account):
        response = api.open(url, method=method.upper(), headers=headers, data=body)
        status = str(response.status_code)
        assert status in documented, f"{why}: {method.upper()} {url} answered {status}, documented {sorted(documented)}"
        schema = _schema_of(documented[status])
        if schema is None or method == "head":
            continue
        jsonschema.validate(json.loads(response.get_data()), schema)


@pytest.mark.parametrize("method", ["get", "head"])
def test_delivering_an_uploaded_file_answers_a_documented_status(api: Any, account: Any, method: str) -> None:
    """Given a file uploaded to the account, When its path is delivered (GET or HEAD, no credentials), Then the
    status is one docs/openapi.json lists for delivery."""
    body, content_type = multipart({"fileName": "shown.png", "useUniqueFileName": "false"}, image())
    headers = {**basic(account.private_key), "Content-Type": content_type}
    assert api.post("/api/v1/files/upload", headers=headers, data=body).status_code == 200
    response = api.open(f"/{account.account_id}/shown.png", method=method.upper())
    documented = DOCUMENT["paths"]["/{accountId}/{filePath}"][method]["responses"]
    assert str(response.status_code) in documented, f"{response.status_code}, documented {sorted(documented)}"


def test_the_upload_bodies_are_documented_as_the_routes_read_them(api: Any, account: Any) -> None:
    """Given the request bodies docs/openapi.json declares for the upload and the upload session, When a client
    sends just the required fields, in the documented media type, Then each route accepts them (200, 201)."""
    upload = DOCUMENT["paths"]["/api/v1/files/upload"]["post"]["requestBody"]["content"]["multipart/form-data"]
    assert set(upload["schema"]["required"]) == {"file", "fileName"}
    body, content_type = multipart({"fileName": "documented.png"}, image())
    headers = {**basic(account.private_key), "Content-Type": content_type}
    assert api.post("/api/v1/files/upload", headers=headers, data=body).status_code == 200
    session = DOCUMENT["paths"]["/api/v1/files/upload/sessions"]["post"]["requestBody"]["content"]["application/json"]
    required = {"fileName": "big.bin", "fileSize": 100}
    assert set(session["schema"]["required"]) == set(required)
    answer = api.post(
        "/api/v1/files/upload/sessions",
        headers={**basic(account.private_key), "Content-Type": "application/json"},
        data=json.dumps(required),
    )
    assert answer.status_code == 201


def test_the_document_names_no_status_medialib_never_sends() -> None:
    """Given the document, When its responses are read, Then no operation lists 422 (validation is a 400)."""
    statuses = {
        s for ops in DOCUMENT["paths"].values() for m, op in ops.items() if m != "servers" for s in op["responses"]
    }
    assert "422" not in statuses
    assert {"200", "202", "400", "401", "404", "415", "429"} <= statuses
    assert "501" not in statuses  # every route of the template is built


def test_the_document_states_how_to_authenticate_and_where() -> None:
    """Given the document, When read, Then it names Basic (private key) for the API, x-api-key only on
    /v1/images, no credential for delivery, and the local and deployed servers."""
    schemes = DOCUMENT["components"]["securitySchemes"]
    assert schemes["privateKey"] == {**schemes["privateKey"], "type": "http", "scheme": "basic"}
    assert schemes["imgProcessingKey"]["name"] == "x-api-key"
    paths = DOCUMENT["paths"]
    assert paths["/v1/files"]["get"]["security"] == [{"privateKey": []}]
    assert {"imgProcessingKey": []} in paths["/v1/images/{imageId}"]["get"]["security"]
    assert paths["/{accountId}/{filePath}"]["get"]["security"] == []
    assert DOCUMENT["servers"][0]["url"] == "http://127.0.0.1:3000"
    assert "execute-api" in DOCUMENT["servers"][1]["url"]


def test_bulk_publish_is_documented_as_a_started_job() -> None:
    """Given POST /v1/files/publish, When documented, Then its success is 202 with {jobId} (what it answers)."""
    answer = DOCUMENT["paths"]["/v1/files/publish"]["post"]["responses"]["202"]
    assert answer["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/BulkPublishResponse"}
    assert set(DOCUMENT["components"]["schemas"]["BulkPublishResponse"]["properties"]) == {"jobId"}


def test_swagger_ui_is_served_offline(api: Any) -> None:
    """Given the local stack, When /docs is opened, Then the page loads only assets the stack serves itself
    (no CDN: it works without internet) and the document it shows is docs/openapi.json with this stack's URL."""
    page = api.get("/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets and all(asset.startswith("/docs/") for asset in assets), assets
    for asset in assets:
        served = api.get(asset)
        assert served.status_code == 200, asset
        assert len(served.get_data()) > 10_000, asset
    document = json.loads(api.get("/docs/openapi.json").get_data())
    assert document["paths"] == DOCUMENT["paths"]
    assert document["servers"][0]["url"] == "http://localhost"
