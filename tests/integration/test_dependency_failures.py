"""What a client sees when AWS fails under a request: ImageKit's body, the right status, and an
``x-should-retry`` the official SDKs can obey (retry a throttle, never a mistake or a misconfiguration).

Failures are injected at the adapter boundary: the boto3 client that ``medialib.adapters.clients`` hands the
adapters has one method replaced by one that raises botocore's own ``ClientError`` with the given code, as
botocore raises it once its retries are spent. Everything else (gateway, authorizer, handler, error mapping,
the job record on moto) is the real stack.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError

from tests.conftest import basic


def client_error(code: str, status: int, operation: str) -> ClientError:
    """The exception botocore raises for an AWS error answer with this code and HTTP status."""
    response: Any = {
        "Error": {"Code": code, "Message": f"injected {code}"},
        "ResponseMetadata": {"HTTPStatusCode": status},
    }
    return ClientError(response, operation)


class Injector:
    """Makes one method of an adapter's boto3 client raise; records the arguments of each refused call."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.monkeypatch = monkeypatch
        self.calls: list[dict[str, Any]] = []

    def fail(self, client: Any, method: str, error: Exception) -> None:
        def refuse(**kwargs: Any) -> Any:
            self.calls.append(kwargs)
            raise error

        self.monkeypatch.setattr(client, method, refuse)


@pytest.fixture
def inject(stack: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Injector]:
    """Clients are created after the stack points this process at its moto endpoint (the ``stack`` fixture)."""
    yield Injector(monkeypatch)


def dynamodb() -> Any:
    from medialib.adapters import clients

    return clients.dynamodb()


def sfn() -> Any:
    from medialib.adapters import clients

    return clients.sfn()


def assert_imagekit_error(response: Any, status: int, retry: str) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.headers["x-should-retry"] == retry
    body: dict[str, Any] = json.loads(response.get_data())
    assert {"message", "help"} <= set(body) <= {"message", "help", "reason"}
    assert "injected" not in json.dumps(body), "AWS's own message never reaches a client"
    assert "Traceback" not in json.dumps(body)
    return body


@dataclass(frozen=True)
class Failure:
    code: str  # the AWS error code
    aws_status: int  # the HTTP status AWS answers it with
    status: int  # what the client must see
    retry: str  # and its x-should-retry


# Query is what GET /v1/files calls; the authorizer only reads items (GetItem), so it still lets the caller in.
DYNAMODB_FAILURES = {
    "dynamodb-throttled-is-503-retryable": Failure("ProvisionedThroughputExceededException", 400, 503, "true"),
    "dynamodb-throttling-exception-is-503-retryable": Failure("ThrottlingException", 400, 503, "true"),
    "dynamodb-request-limit-is-503-retryable": Failure("RequestLimitExceeded", 400, 503, "true"),
    "dynamodb-internal-error-is-503-retryable": Failure("InternalServerError", 500, 503, "true"),
    "dynamodb-validation-exception-is-400-not-retried": Failure("ValidationException", 400, 400, "false"),
    "dynamodb-access-denied-is-500-not-retried": Failure("AccessDeniedException", 400, 500, "false"),
    "dynamodb-missing-table-is-500-not-retried": Failure("ResourceNotFoundException", 400, 500, "false"),
}


@pytest.mark.parametrize("failure", DYNAMODB_FAILURES.values(), ids=DYNAMODB_FAILURES.keys())
def test_dynamodb_failure_reaches_the_client_with_the_right_status_and_retry_header(
    api: Any, account: Any, inject: Injector, failure: Failure
) -> None:
    """Given DynamoDB answering Query with ``code``, When GET /v1/files, Then the client gets ``status`` in
    ImageKit's shape with ``x-should-retry: retry``: a throttle or a server error is a retryable 503, a value
    DynamoDB refuses is the caller's 400, a misconfiguration is a 500 that retrying cannot fix."""
    inject.fail(dynamodb(), "query", client_error(failure.code, failure.aws_status, "Query"))

    response = api.get("/v1/files", headers=basic(account.private_key))

    assert inject.calls, "the failure was injected where the route reads"
    body = assert_imagekit_error(response, failure.status, failure.retry)
    if failure.status == 400:
        assert body.get("reason") == "INVALID_VALUE"


def test_retryable_503_says_x_should_retry_true(api: Any, account: Any, inject: Injector) -> None:
    """Given DynamoDB throttling every read of a route, When a client calls it, Then 503 with
    ``x-should-retry: true`` (the one answer the SDKs retry on their own), and once DynamoDB recovers the same
    call answers 200."""
    inject.fail(dynamodb(), "query", client_error("ProvisionedThroughputExceededException", 400, "Query"))

    throttled = api.get("/v1/files", headers=basic(account.private_key))
    inject.monkeypatch.undo()
    recovered = api.get("/v1/files", headers=basic(account.private_key))

    assert (throttled.status_code, throttled.headers["x-should-retry"]) == (503, "true")
    assert recovered.status_code == 200


@pytest.mark.parametrize(
    "failure",
    [
        pytest.param(EndpointConnectionError(endpoint_url="https://dynamodb"), id="dynamodb-unreachable-is-503-retryable"),
        pytest.param(ReadTimeoutError(endpoint_url="https://dynamodb"), id="dynamodb-read-timeout-is-503-retryable"),
    ],
)  # fmt: skip
def test_no_answer_from_dynamodb_is_a_retryable_503(
    api: Any, account: Any, inject: Injector, failure: Exception
) -> None:
    """Given DynamoDB unreachable or timing out once botocore's retries are spent (no error answer at all),
    When GET /v1/files, Then a 503 in ImageKit's shape that the SDKs retry, not a 500 they give up on."""
    inject.fail(dynamodb(), "query", failure)

    response = api.get("/v1/files", headers=basic(account.private_key))

    assert inject.calls
    assert_imagekit_error(response, 503, "true")


def _publish(api: Any, account: Any) -> Any:
    return api.post(
        "/v1/files/publish", json={"fileIds": ["a1", "b2"], "isPublished": True}, headers=basic(account.private_key)
    )


START_FAILURES = {
    "start-execution-throttled-is-503-retryable": Failure("ThrottlingException", 400, 503, "true"),
    "start-execution-missing-state-machine-is-500-not-retried": Failure("StateMachineDoesNotExist", 400, 500, "false"),
    "start-execution-access-denied-is-500-not-retried": Failure("AccessDeniedException", 400, 500, "false"),
}


@pytest.mark.parametrize("failure", START_FAILURES.values(), ids=START_FAILURES.keys())
def test_job_is_recorded_failed_when_start_execution_fails(
    api: Any, account: Any, inject: Injector, failure: Failure
) -> None:
    """Given Step Functions refusing StartExecution with ``code``, When POST /v1/files/publish, Then the client
    gets ``status`` with ``x-should-retry: retry``, and the job that was recorded for it reads Failed (never
    Pending forever) with nothing succeeded."""
    inject.fail(sfn(), "start_execution", client_error(failure.code, failure.aws_status, "StartExecution"))

    response = _publish(api, account)

    assert_imagekit_error(response, failure.status, failure.retry)
    assert len(inject.calls) == 1
    job_id = inject.calls[0]["name"]  # the job id is the execution's name
    job = json.loads(api.get(f"/v1/bulkJobs/{job_id}", headers=basic(account.private_key)).get_data())
    assert (job["jobId"], job["status"], job["succeededFiles"]) == (job_id, "Failed", 0)
    assert "Traceback" not in json.dumps(job)


def test_start_execution_already_existing_is_the_same_job(api: Any, account: Any, inject: Injector) -> None:
    """Given Step Functions answering ExecutionAlreadyExists (a retried start of the same job), When POST
    /v1/files/publish, Then 202 with the job id, and the job is not marked failed."""
    inject.fail(sfn(), "start_execution", client_error("ExecutionAlreadyExists", 400, "StartExecution"))

    response = _publish(api, account)

    assert response.status_code == 202
    job_id = json.loads(response.get_data())["jobId"]
    assert inject.calls[0]["name"] == job_id
    job = json.loads(api.get(f"/v1/bulkJobs/{job_id}", headers=basic(account.private_key)).get_data())
    assert job["status"] == "Pending"


def test_unexpected_error_is_a_generic_500_without_detail(
    api: Any, account: Any, monkeypatch: pytest.MonkeyPatch, stack: Any
) -> None:
    """Given the DynamoDB client raising something that is not an AWS answer (a bug), When GET /v1/files, Then
    500 in ImageKit's shape, ``x-should-retry: false``, and nothing of the exception in the body."""

    def boom(**_: Any) -> Any:
        raise RuntimeError("injected boom")

    monkeypatch.setattr(dynamodb(), "query", boom)

    response = api.get("/v1/files", headers=basic(account.private_key))

    assert_imagekit_error(response, 500, "false")
