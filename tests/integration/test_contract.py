"""Every mistake a careless client makes gets ImageKit's JSON and a 4xx, through the local API Gateway
(routes, authorizer, gateway responses of template.yaml, the real handlers): a table of request -> status,
body shape and headers. None answers 5xx, nor a 403 for a route that does not exist."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.conftest import basic

PUBLISH = json.dumps({"fileIds": ["abc"], "isPublished": True}).encode()
JSON_TYPE = {"Content-Type": "application/json"}


@dataclass(frozen=True)
class Mistake:
    method: str
    path: str
    status: int
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    credentials: str = "basic"  # basic | none
    reason: str | None = None  # the body's reason, when the answer has one
    message: str | None = None  # a part of the message a person reads

    def send(self, api: Any, private_key: str) -> Any:
        headers = dict(self.headers)
        if self.credentials == "basic":
            headers.update(basic(private_key))
        return api.open(self.path, method=self.method, data=self.body, headers=headers)


MISTAKES = [
    # ---- bodies: media type, encoding, JSON, shape
    pytest.param(
        Mistake(
            "POST",
            "/v1/files/publish",
            415,
            PUBLISH,
            {"Content-Type": "text/plain"},
            reason="UNSUPPORTED_MEDIA_TYPE",
            message="application/json",
        ),
        id="json-sent-as-text-plain-is-415",
    ),
    pytest.param(
        Mistake(
            "POST",
            "/v1/files/publish",
            415,
            PUBLISH,
            {"Content-Type": "application/octet-stream"},
            reason="UNSUPPORTED_MEDIA_TYPE",
        ),
        id="json-sent-as-octet-stream-is-415",
    ),
    pytest.param(
        Mistake(
            "POST", "/v1/files/publish", 415, PUBLISH, {"Content-Type": "image/png"}, reason="UNSUPPORTED_MEDIA_TYPE"
        ),
        id="json-sent-as-image-png-is-415",
    ),
    pytest.param(
        Mistake(
            "POST",
            "/v1/files/publish",
            415,
            PUBLISH,
            {"Content-Type": "multipart/form-data; boundary=x"},
            reason="UNSUPPORTED_MEDIA_TYPE",
        ),
        id="json-sent-as-multipart-is-415",
    ),
    pytest.param(
        Mistake(
            "POST",
            "/v1/files/publish",
            415,
            b"fileIds=a&isPublished=true",
            {"Content-Type": "application/x-www-form-urlencoded"},
            reason="UNSUPPORTED_MEDIA_TYPE",
        ),
        id="form-encoded-is-415",
    ),
    pytest.param(
        Mistake("POST", "/v1/files/publish", 400, b'{"fileIds": ["\xff\xfe"], "isPublished": true}', JSON_TYPE),
        id="invalid-utf8-in-json-is-400",
    ),
    pytest.param(
        Mistake(
            "POST",
            "/v1/files/publish",
            400,
            b"[" * 5000 + b"]" * 5000,
            JSON_TYPE,
            reason="INVALID_BODY",
            message="nested too deeply",
        ),
        id="json-nested-5000-deep-is-400",
    ),
    pytest.param(
        Mistake(
            "POST",
            "/v1/files/publish",
            400,
            b"{not json",
            JSON_TYPE,
            reason="INVALID_BODY",
            message="The body is not valid JSON",
        ),
        id="malformed-json-says-so",
    ),
    pytest.param(
        Mistake(
            "POST",
            "/v1/files/publish",
            400,
            b"",
            JSON_TYPE,
            reason="INVALID_BODY",
            message="The body is empty; expected an object with fileIds and isPublished",
        ),
        id="empty-body-names-the-expected-fields",
    ),
    pytest.param(
        Mistake(
            "POST",
            "/v1/files/publish",
            400,
            b"[1, 2]",
            JSON_TYPE,
            reason="INVALID_BODY",
            message="must be a JSON object",
        ),
        id="json-array-is-not-an-object",
    ),
    pytest.param(
        Mistake("POST", "/v1/files/publish", 400, b'"publish"', JSON_TYPE, reason="INVALID_BODY"),
        id="json-string-is-not-an-object",
    ),
    pytest.param(
        Mistake(
            "POST",
            "/v1/files/publish",
            400,
            b'{"isPublished": true}',
            JSON_TYPE,
            reason="INVALID_PARAMETER",
            message="fileIds",
        ),
        id="missing-field-is-named",
    ),
    pytest.param(
        Mistake(
            "POST",
            "/v1/files/publish",
            400,
            json.dumps({"fileIds": ["a"] * 101, "isPublished": True}).encode(),
            JSON_TYPE,
            reason="INVALID_PARAMETER",
        ),
        id="over-100-files-is-400",
    ),
    pytest.param(
        Mistake("POST", "/v1/files/publish", 401, PUBLISH, {"Content-Type": "text/plain"}, credentials="none"),
        id="no-credentials-is-401-before-the-body-is-read",
    ),
    pytest.param(
        Mistake("POST", "/v1/files/publish", 401, PUBLISH, JSON_TYPE, credentials="none"), id="no-credentials-is-401"
    ),
    pytest.param(
        Mistake("POST", "/v1/files/copy", 415, b"{}", {"Content-Type": "text/plain"}, reason="UNSUPPORTED_MEDIA_TYPE"),
        id="text-body-on-a-json-route-is-415",
    ),
    pytest.param(
        Mistake("POST", "/v1/files/copy", 400, b"{}", JSON_TYPE, reason="INVALID_PARAMETER"),
        id="copy-without-its-fields-is-400",
    ),
    pytest.param(
        Mistake("POST", "/api/v1/files/upload", 415, b'{"file": "x"}', JSON_TYPE, reason="UNSUPPORTED_MEDIA_TYPE"),
        id="json-to-the-multipart-upload-is-415",
    ),
    pytest.param(
        Mistake(
            "POST",
            "/api/v1/files/upload",
            400,
            b"--x--\r\n",
            {"Content-Type": "multipart/form-data; boundary=x"},
            reason="MISSING_PARAMETER",
        ),
        id="empty-multipart-upload-reaches-its-function-and-is-400",
    ),
    # ---- routes: unknown path, wrong method, HEAD, OPTIONS
    pytest.param(Mistake("GET", "/v1/nothing-here", 404, reason="NOT_FOUND"), id="unknown-path-is-404"),
    pytest.param(
        Mistake("DELETE", "/v1/nothing-here", 404, credentials="none", reason="NOT_FOUND"),
        id="unknown-path-without-key-is-404-not-403",
    ),
    pytest.param(Mistake("GET", "/api/v2/files/upload", 404, reason="NOT_FOUND"), id="unknown-api-version-is-404"),
    pytest.param(Mistake("GET", "/v1/files/a/b/c/d", 404, reason="NOT_FOUND"), id="too-deep-path-is-404"),
    pytest.param(
        Mistake("DELETE", "/v1/files", 405, reason="METHOD_NOT_ALLOWED", message="GET"),
        id="wrong-method-is-405-naming-the-methods",
    ),
    pytest.param(
        Mistake("GET", "/v1/files/publish", 405, reason="METHOD_NOT_ALLOWED", message="POST"),
        id="get-on-a-post-route-is-405",
    ),
    pytest.param(
        Mistake("PUT", "/api/v1/files/upload", 405, b"{}", JSON_TYPE, reason="METHOD_NOT_ALLOWED"),
        id="put-on-upload-is-405",
    ),
    pytest.param(Mistake("HEAD", "/v1/files", 405), id="head-on-the-api-is-405-without-body"),
    pytest.param(
        Mistake("HEAD", "/dev/nothing/here.jpg", 404, credentials="none"), id="head-on-delivery-answers-like-get"
    ),
    pytest.param(
        Mistake(
            "POST",
            "/dev/nothing/here.jpg",
            405,
            b"x",
            {"Content-Type": "text/plain"},
            credentials="none",
            reason="METHOD_NOT_ALLOWED",
            message="GET, HEAD",
        ),
        id="post-on-delivery-is-405",
    ),
    pytest.param(Mistake("GET", "/", 404, credentials="none", reason="NOT_FOUND"), id="root-is-404"),
    # ---- ids
    pytest.param(
        Mistake("GET", "/v1/files/a%2Fb/details", 400, reason="INVALID_PARAMETER", message="fileId"),
        id="id-with-encoded-slash-is-400-naming-it",
    ),
    pytest.param(
        Mistake("GET", "/v1/files/caf%C3%A9/details", 400, reason="INVALID_PARAMETER", message="fileId"),
        id="id-with-accent-is-400-naming-it",
    ),
    pytest.param(
        Mistake("GET", "/v1/files/%E2%82%AC%F0%9F%98%80/details", 400, reason="INVALID_PARAMETER", message="fileId"),
        id="id-with-symbols-is-400-naming-it",
    ),
    pytest.param(
        Mistake("GET", "/v1/files/a%20b/details", 400, reason="INVALID_PARAMETER", message="fileId"),
        id="id-with-space-is-400-naming-it",
    ),
    pytest.param(
        Mistake("GET", "/v1/bulkJobs/j%2F1", 400, reason="INVALID_PARAMETER", message="jobId"),
        id="job-id-with-slash-is-400",
    ),
    pytest.param(
        Mistake("GET", "/v1/files/purge/r%C3%A9", 400, reason="INVALID_PARAMETER", message="requestId"),
        id="purge-id-non-ascii-is-400",
    ),
    pytest.param(
        Mistake("GET", "/v1/files/someone-elses-file/details", 404), id="another-accounts-or-unknown-file-is-404"
    ),
    pytest.param(Mistake("GET", "/v1/bulkJobs/someone-elses-job", 404), id="another-accounts-or-unknown-job-is-404"),
    # ---- credentials (x-api-key on /v1/images, whose errors are img-processing.com's: tests/integration/images/)
    pytest.param(Mistake("GET", "/v1/files", 401, credentials="none"), id="no-key-is-401"),
    # ---- query strings, unknown fields
    pytest.param(
        Mistake("GET", "/v1/files?limit=abc", 400, reason="INVALID_PARAMETER", message="limit"),
        id="non-numeric-limit-is-400",
    ),
    pytest.param(Mistake("GET", "/v1/files?unknownParam=1", 200), id="unknown-query-parameter-is-ignored"),
    pytest.param(
        Mistake(
            "POST", "/v1/files/publish", 400, b'{"fileIds": ["abc"], "isPublished": true, "colour": "red"}', JSON_TYPE
        ),
        id="unknown-body-field-is-refused",  # a misspelt includeFileVersions must not change less than asked
    ),
]


@pytest.mark.parametrize("mistake", MISTAKES)
def test_every_mistake_is_a_4xx_in_imagekit_shape(api: Any, account: Any, mistake: Mistake) -> None:
    """Given a request a careless client could send, When the local API Gateway answers, Then the status is the
    one of the table (a 4xx), the body is ImageKit's {message, help[, reason]}
    naming the problem, x-should-retry is false and x-ik-requestId is set."""
    response = mistake.send(api, account.private_key)
    assert response.status_code == mistake.status, response.get_data()[:300]
    assert response.headers["x-ik-requestId"]
    if mistake.status < 300:
        return
    assert response.headers["x-should-retry"] == "false"
    if mistake.method == "HEAD":
        assert response.get_data() == b""
        return
    body = json.loads(response.get_data())
    assert {"message", "help"} <= set(body) <= {"message", "help", "reason"}
    assert body.get("reason") == mistake.reason or mistake.reason is None
    assert mistake.message is None or mistake.message in body["message"]


def test_a_wrong_method_lists_the_allowed_ones(api: Any, account: Any) -> None:
    """Given a known path and a method it does not serve, When called, Then 405 whose Allow header lists the
    methods the path serves (and the CORS preflight)."""
    response = api.delete("/v1/files/abc/details", headers=basic(account.private_key))
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, PATCH, OPTIONS"


def test_a_valid_publish_still_starts_a_job(api: Any, account: Any) -> None:
    """Given a well-formed bulk publish (the body checks let it through), When posted with a charset in the
    Content-Type, Then 202 and a job id, as documented."""
    response = api.post(
        "/v1/files/publish",
        data=PUBLISH,
        headers={**basic(account.private_key), "Content-Type": "application/json; charset=utf-8"},
    )
    assert response.status_code == 202
    assert set(json.loads(response.get_data())) == {"jobId"}


@pytest.mark.parametrize(
    ("path", "methods"),
    [
        pytest.param("/api/v1/files/upload", "OPTIONS,POST", id="upload-route-browsers-call"),
        pytest.param("/v1/files/abc/details", "GET,OPTIONS,PATCH", id="a-route-with-two-methods"),
        pytest.param("/v1/nothing", "DELETE,GET,HEAD,OPTIONS,PATCH,POST,PUT", id="catch-all-preflight"),
    ],
)
def test_cors_preflight_is_answered_from_the_template(api: Any, path: str, methods: str) -> None:
    """Given a browser's preflight (no credentials), When OPTIONS is sent, Then 200 with the template's Cors
    settings and the methods of that path, as SAM's mock integration answers."""
    response = api.options(
        path,
        headers={
            "Origin": "https://app.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Access-Control-Allow-Methods"] == methods
    assert "Authorization" in response.headers["Access-Control-Allow-Headers"]
    assert response.headers["Access-Control-Max-Age"] == "600"


def test_answers_to_a_browser_carry_cors_headers(api: Any, account: Any) -> None:
    """Given a request with an Origin, When answered by a function or by the gateway (401), Then the browser may
    read it: Access-Control-Allow-Origin is set, and the request id is exposed to scripts."""
    ok = api.get("/v1/files", headers={**basic(account.private_key), "Origin": "https://app.example"})
    refused = api.get("/v1/files", headers={"Origin": "https://app.example"})
    assert ok.headers["Access-Control-Allow-Origin"] == "*"
    assert "x-ik-requestId" in ok.headers["Access-Control-Expose-Headers"]
    assert refused.status_code == 401
    assert refused.headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize(
    ("body", "content_type", "message"),
    [
        pytest.param(b"x" * (11 * 1024 * 1024), "application/octet-stream", "10 MB", id="over-api-gateway-10-mb"),
        pytest.param(
            json.dumps({"pad": "x" * (7 * 1024 * 1024)}).encode(),
            "application/json",
            "6 MB",
            id="json-over-lambda-6-mb",
        ),
        pytest.param(
            b"x" * (5 * 1024 * 1024), "multipart/form-data; boundary=x", "6 MB", id="multipart-over-6-mb-once-base64"
        ),
    ],
)
def test_oversized_requests_are_413_stating_the_real_limit(
    api: Any, account: Any, body: bytes, content_type: str, message: str
) -> None:
    """Given a body over API Gateway's 10 MB, or one over Lambda's 6 MB event (a JSON body as text, a multipart
    body base64-encoded), When sent, Then 413 "Request Too Long" whose help states the limit that refused it."""
    response = api.post(
        "/v1/files/publish" if "json" in content_type else "/api/v1/files/upload",
        data=body,
        headers={**basic(account.private_key), "Content-Type": content_type},
    )
    assert response.status_code == 413
    answer = json.loads(response.get_data())
    assert answer["message"] == "Request Too Long"
    assert message in answer["help"]
    assert response.headers["x-should-retry"] == "false"
    assert response.headers["x-ik-requestId"]


def test_a_json_body_of_4_5_mb_is_not_base64_encoded(api: Any, account: Any) -> None:
    """Given a 4.5 MB JSON body (under 6 MB as text, over it once base64), When posted to a JSON route, Then it
    reaches the function (which judges it: 400), because JSON is not a binary media type of the API."""
    body = json.dumps({"fileIds": ["a"], "isPublished": True, "pad": "x" * (4_500_000)}).encode()
    response = api.post("/v1/files/publish", data=body, headers={**basic(account.private_key), **JSON_TYPE})
    assert response.status_code != 413


def test_gateway_answers_carry_the_request_id_from_the_template(api: Any, stack: Any) -> None:
    """Given the template's gateway responses (x-ik-requestId mapped from context.requestId), When the gateway
    answers by itself (401), Then x-ik-requestId is that request's id, the one API Gateway also sends as
    x-amzn-RequestId."""
    response = api.get("/v1/files")
    assert response.status_code == 401
    assert response.headers["x-ik-requestId"] == response.headers["x-amzn-RequestId"]
    mapping = stack.spec.apis["MedialibApi"].gateway_responses["UNAUTHORIZED"]["ResponseParameters"]["Headers"]
    assert mapping["x-ik-requestId"] == "context.requestId"


def test_bodies_with_invalid_utf8_under_a_binary_type_are_400(invoke: Any, account: Any) -> None:
    """Given a JSON body that API Gateway base64-encoded (a client sent it under a binary media type with a
    JSON Content-Type override) holding bytes that are not UTF-8, When the function reads it, Then 400."""
    from tests.conftest import load_event

    event = load_event("publish-bulk")
    event["body"] = base64.b64encode(b'{"fileIds": ["\xff"], "isPublished": true}').decode()
    event["isBase64Encoded"] = True
    event["headers"] = {**(event.get("headers") or {}), "Content-Type": "application/json"}
    event["multiValueHeaders"] = {k: [v] for k, v in event["headers"].items()}
    response = invoke("PublishFunction", event)
    assert response["statusCode"] == 400
    assert "UTF-8" in json.loads(response["body"])["message"]


def test_another_accounts_ids_are_404_as_if_they_did_not_exist(api: Any, account: Any, other_account: Any) -> None:
    """Given a bulk job of one account, When another account asks for it by its id, Then 404 in ImageKit's
    shape (the same answer as an unknown id, so ids of other accounts cannot be probed), while its owner
    reads it."""
    started = api.post("/v1/files/publish", data=PUBLISH, headers={**basic(account.private_key), **JSON_TYPE})
    job_id = json.loads(started.get_data())["jobId"]
    owner = api.get(f"/v1/bulkJobs/{job_id}", headers=basic(account.private_key))
    stranger = api.get(f"/v1/bulkJobs/{job_id}", headers=basic(other_account.private_key))
    unknown = api.get("/v1/bulkJobs/nosuchjob", headers=basic(other_account.private_key))
    assert owner.status_code == 200
    assert stranger.status_code == 404
    assert json.loads(stranger.get_data()) == json.loads(unknown.get_data())
    assert stranger.headers["x-should-retry"] == "false"
