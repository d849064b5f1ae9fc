"""The purge API on the local stack (``api``: gateway, authorizer, the purge function, moto's CloudFront, S3 and
DynamoDB): a purge invalidates the expected paths under the account, removes the file's cached renditions, and
reads its status from CloudFront; every caller mistake is a 4xx in ImageKit's shape; CloudFront throttling is a
retryable 429 that spends no quota."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

from medialib.adapters import table
from medialib.purge.rules import invalidation_paths, parse_purge_url
from tests.conftest import basic
from tests.integration.delivery_helpers import Uploaded, halves, invalidation_ids, invalidations_of, upload
from tests.integration.test_dependency_failures import Injector, client_error

PURGE = "/v1/files/purge"
REMAINING = "x-ik-purge-remaining"


def purge(api: Any, key: str, body: Any, *, content_type: str = "application/json") -> Any:
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return api.post(PURGE, headers={**basic(key), "Content-Type": content_type}, data=data)


def endpoint(stack: Any, account_id: str) -> str:
    return f"{stack.base_url}/{account_id}"


def invalidation_of(stack: Any, request_id: str) -> dict[str, Any] | None:
    """The CloudFront invalidation (in moto) whose CallerReference is ``request_id``."""
    made = invalidations_of(stack, request_id)
    return dict(made[0]) if made else None


def renditions_of(stack: Any, account_id: str, file_id: str) -> list[str]:
    bucket = stack.provisioned.physical["RenditionsBucket"]
    listed = boto3.client("s3").list_objects_v2(Bucket=bucket, Prefix=f"renditions/{account_id}/{file_id}/")
    return [o["Key"] for o in listed.get("Contents", [])]


def delivered_small(api: Any, photo: Uploaded) -> None:
    """Deliver ``?tr=w-10`` of the file, so that a rendition of it is cached in the renditions bucket."""
    answer = api.get(photo.url.split("://", 1)[1].split("/", 1)[1].join(["/", "?tr=w-10"]))
    assert answer.status_code == 200, answer.get_data()


def remaining(api: Any, key: str, url: str) -> int:
    """The account's purges left this month, as a dry run (which spends none) says."""
    answer = purge(api, key, {"url": url, "dryRun": True})
    assert answer.status_code == 200, answer.get_data()
    return int(answer.headers[REMAINING])


@pytest.fixture
def folder() -> str:
    return "/purge-" + uuid.uuid4().hex[:12]


@pytest.fixture
def photo(api: Any, account: Any, folder: str) -> Uploaded:
    return upload(api, account.private_key, halves(40, 20), folder=folder, fileName="photo.png")


@pytest.fixture
def inject(stack: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Injector]:
    yield Injector(monkeypatch)


def cloudfront() -> Any:
    from medialib.adapters import clients

    return clients.cloudfront()


# ------------------------------------------------------------------ a purge, end to end


def test_a_purge_invalidates_the_files_paths_and_removes_its_renditions(
    api: Any, stack: Any, account: Any, photo: Uploaded
) -> None:
    """Given an uploaded file delivered once as ?tr=w-10 (a rendition is cached), When its URL is purged, Then
    201 {requestId} with the remaining quota in x-ik-purge-remaining (one less than before), the CloudFront
    invalidation with that CallerReference holds exactly the rules' paths, all under /{accountId}/, the file's
    renditions are gone from the bucket, and the status reads Completed."""
    delivered_small(api, photo)
    assert renditions_of(stack, account.account_id, photo.file_id)
    before = remaining(api, account.private_key, photo.url)

    answer = purge(api, account.private_key, {"url": photo.url})

    assert answer.status_code == 201, answer.get_data()
    request_id = json.loads(answer.get_data())["requestId"]
    assert int(answer.headers[REMAINING]) == before - 1
    invalidation = invalidation_of(stack, request_id)
    assert invalidation is not None
    paths = invalidation["InvalidationBatch"]["Paths"]["Items"]
    expected = invalidation_paths(parse_purge_url(photo.url, [endpoint(stack, account.account_id)]))
    assert sorted(paths) == sorted(expected)
    assert f"/{account.account_id}{photo.file_path}*" in paths  # the path and its ?tr= / ik-obj-version variants
    assert all(path.startswith(f"/{account.account_id}/") for path in paths)
    assert renditions_of(stack, account.account_id, photo.file_id) == []
    status = api.get(f"{PURGE}/{request_id}", headers=basic(account.private_key))
    assert (status.status_code, json.loads(status.get_data())) == (200, {"status": "Completed"})


def test_the_status_is_pending_while_cloudfront_works_then_completed(
    api: Any, account: Any, photo: Uploaded, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given a purge whose invalidation CloudFront still reports InProgress, When its status is read, Then
    Pending; once CloudFront reports it done, Completed, and later reads no longer ask CloudFront."""
    request_id = json.loads(purge(api, account.private_key, {"url": photo.url}).get_data())["requestId"]
    client = cloudfront()
    real = client.get_invalidation
    asked: list[str] = []

    def in_progress(**kwargs: Any) -> Any:
        asked.append(kwargs["Id"])
        answer = real(**kwargs)
        answer["Invalidation"]["Status"] = "InProgress"
        return answer

    monkeypatch.setattr(client, "get_invalidation", in_progress)
    read = api.get(f"{PURGE}/{request_id}", headers=basic(account.private_key))
    assert json.loads(read.get_data()) == {"status": "Pending"}
    monkeypatch.setattr(client, "get_invalidation", real)
    read = api.get(f"{PURGE}/{request_id}", headers=basic(account.private_key))
    assert json.loads(read.get_data()) == {"status": "Completed"}
    monkeypatch.setattr(client, "get_invalidation", in_progress)
    read = api.get(f"{PURGE}/{request_id}", headers=basic(account.private_key))
    assert json.loads(read.get_data()) == {"status": "Completed"}
    assert len(asked) == 1


def test_another_accounts_request_id_is_a_404(api: Any, account: Any, other_account: Any, photo: Uploaded) -> None:
    """Given a purge request of the dev account, When another account reads its status, Then 404
    PURGE_REQUEST_NOT_FOUND in ImageKit's shape, as for an id nobody has."""
    request_id = json.loads(purge(api, account.private_key, {"url": photo.url}).get_data())["requestId"]
    for key, rid in ((other_account.private_key, request_id), (account.private_key, "0" * 24)):
        answer = api.get(f"{PURGE}/{rid}", headers=basic(key))
        body = json.loads(answer.get_data())
        assert answer.status_code == 404
        assert body["reason"] == "PURGE_REQUEST_NOT_FOUND"
        assert {"message", "help"} <= body.keys()


def test_a_wildcard_removes_the_renditions_of_the_files_under_the_prefix_only(
    api: Any, stack: Any, account: Any, folder: str
) -> None:
    """Given files in a folder, in a subfolder of it, and in a sibling folder whose name starts alike, each with
    a cached rendition, When {folder}/* is purged, Then 201, one invalidation of /{acc}{folder}/*, and the
    renditions of the folder's files (subfolder included) are gone while the sibling's stay."""
    key = account.private_key
    inside = upload(api, key, halves(40, 20), folder=folder, fileName="a.png")
    nested = upload(api, key, halves(40, 20), folder=f"{folder}/sub", fileName="b.png")
    sibling = upload(api, key, halves(40, 20), folder=f"{folder}x", fileName="c.png")
    for photo in (inside, nested, sibling):
        delivered_small(api, photo)

    answer = purge(api, key, {"url": f"{endpoint(stack, account.account_id)}{folder}/*"})

    assert answer.status_code == 201, answer.get_data()
    invalidation = invalidation_of(stack, json.loads(answer.get_data())["requestId"])
    assert invalidation is not None
    assert f"/{account.account_id}{folder}/*" in invalidation["InvalidationBatch"]["Paths"]["Items"]
    assert renditions_of(stack, account.account_id, inside.file_id) == []
    assert renditions_of(stack, account.account_id, nested.file_id) == []
    assert renditions_of(stack, account.account_id, sibling.file_id) != []


def test_a_dry_run_spends_nothing_and_writes_nothing(api: Any, stack: Any, account: Any, photo: Uploaded) -> None:
    """Given a file with a cached rendition, When its URL is purged with dryRun twice, Then 200 with the paths
    that would be invalidated and one file, the same remaining quota both times, no new invalidation, and the
    rendition still there."""
    delivered_small(api, photo)
    count = len(invalidation_ids(stack))

    first = purge(api, account.private_key, {"url": photo.url, "dryRun": True})
    second = purge(api, account.private_key, {"url": photo.url, "dryRun": True})

    assert first.status_code == second.status_code == 200
    body = json.loads(first.get_data())
    assert body["dryRun"] is True
    assert body["files"] == 1
    assert f"/{account.account_id}{photo.file_path}*" in body["paths"]
    assert first.headers[REMAINING] == second.headers[REMAINING]
    assert len(invalidation_ids(stack)) == count
    assert renditions_of(stack, account.account_id, photo.file_id) != []


def test_the_distributions_own_domain_is_an_endpoint_too(api: Any, stack: Any, account: Any, photo: Uploaded) -> None:
    """Given a file, When its URL on the distribution's own domain (d123.cloudfront.net, which serves the same files
    as the delivery base URL) is purged with dryRun, Then it is accepted with the same paths as its usual URL."""
    distribution = stack.provisioned.distribution_id
    domain = boto3.client("cloudfront").get_distribution(Id=distribution)["Distribution"]["DomainName"]
    usual = purge(api, account.private_key, {"url": photo.url, "dryRun": True})
    own = purge(
        api, account.private_key, {"url": f"https://{domain}/{account.account_id}{photo.file_path}", "dryRun": True}
    )
    assert own.status_code == usual.status_code == 200, own.get_data()
    assert json.loads(own.get_data())["paths"] == json.loads(usual.get_data())["paths"]


# ------------------------------------------------------------------ CloudFront refusing


@pytest.mark.parametrize("code", ["TooManyInvalidationsInProgress", "Throttling"])
def test_cloudfront_throttling_is_a_retryable_429_that_gives_the_quota_back(
    api: Any, account: Any, photo: Uploaded, inject: Injector, code: str
) -> None:
    """Given CloudFront refusing with {code}, When a file is purged, Then 429 in ImageKit's shape with
    x-should-retry: true and Retry-After, never a 500; the purge's count is given back."""
    before = remaining(api, account.private_key, photo.url)
    inject.fail(cloudfront(), "create_invalidation", client_error(code, 400, "CreateInvalidation"))

    answer = purge(api, account.private_key, {"url": photo.url})

    body = json.loads(answer.get_data())
    assert answer.status_code == 429, body
    assert answer.headers["x-should-retry"] == "true"
    assert int(answer.headers["Retry-After"]) > 0
    assert body["reason"] == "PURGE_THROTTLED"
    assert {"message", "help"} <= body.keys()
    assert len(inject.calls) == 1
    assert remaining(api, account.private_key, photo.url) == before


def test_a_cloudfront_failure_gives_the_quota_back(api: Any, account: Any, photo: Uploaded, inject: Injector) -> None:
    """Given CloudFront failing with a server error, When a file is purged, Then 503 (retryable) and the
    remaining quota is what it was."""
    before = remaining(api, account.private_key, photo.url)
    inject.fail(cloudfront(), "create_invalidation", client_error("ServiceUnavailable", 503, "CreateInvalidation"))

    answer = purge(api, account.private_key, {"url": photo.url})

    assert answer.status_code == 503
    assert remaining(api, account.private_key, photo.url) == before


def test_a_failure_to_record_the_request_gives_the_quota_back(
    api: Any, account: Any, photo: Uploaded, inject: Injector
) -> None:
    """Given DynamoDB throttling the write of the request row (after the quota was counted and CloudFront
    called), When a file is purged, Then 503 retryable, and the remaining quota is what it was."""
    from medialib.adapters import clients

    before = remaining(api, account.private_key, photo.url)
    error = client_error("ProvisionedThroughputExceededException", 400, "PutItem")
    inject.fail(clients.dynamodb(), "put_item", error)

    answer = purge(api, account.private_key, {"url": photo.url})

    assert answer.status_code == 503
    assert answer.headers["x-should-retry"] == "true"
    assert len(inject.calls) == 1
    assert remaining(api, account.private_key, photo.url) == before


# ------------------------------------------------------------------ the bad-input table of the issue


def _rows() -> list[Any]:
    """(a function of the endpoint giving the body, content type, status, reason or None)."""
    json_type = "application/json"
    return [
        pytest.param((lambda e: {}, json_type, 400, None), id="no-url"),
        pytest.param((lambda e: {"url": 42}, json_type, 400, None), id="url-not-a-string"),
        pytest.param((lambda e: {"url": "not a url"}, json_type, 400, "INVALID_PURGE_URL"), id="not-a-url"),
        pytest.param(
            (lambda e: {"url": e.replace("http://", "ftp://") + "/a.png"}, json_type, 400, "INVALID_PURGE_URL"),
            id="ftp",
        ),
        pytest.param(
            (
                lambda e: {"url": "https://media.example.com/" + e.rsplit("/", 1)[1] + "/a.png"},
                json_type,
                400,
                "INVALID_PURGE_URL",
            ),
            id="foreign-host",
        ),
        pytest.param(
            (lambda e: {"url": e.rsplit("/", 1)[0] + "/other/a.png"}, json_type, 400, "INVALID_PURGE_URL"),
            id="another-accounts-path",
        ),
        pytest.param(
            (lambda e: {"url": e + "/folder/*/sample.jpg"}, json_type, 400, "INVALID_PURGE_URL"),
            id="star-in-the-middle",
        ),
        pytest.param((lambda e: {"url": e + "/folder/sub/a*b*"}, json_type, 400, "INVALID_PURGE_URL"), id="two-stars"),
        pytest.param(
            (lambda e: {"url": e + "/media/catalog/*"}, json_type, 400, "INVALID_PURGE_URL"), id="media-catalog"
        ),
        pytest.param((lambda e: {"url": e + "/s/files/*"}, json_type, 400, "INVALID_PURGE_URL"), id="s-files"),
        pytest.param((lambda e: {"url": e + "/images*"}, json_type, 400, "INVALID_PURGE_URL"), id="too-short-wildcard"),
        pytest.param(
            (lambda e: {"url": e + "/" + "a" * 2048 + ".jpg"}, json_type, 400, "INVALID_PURGE_URL"), id="over-2048"
        ),
        pytest.param((lambda e: '{"url": ', json_type, 400, None), id="body-not-json"),
        pytest.param((lambda e: "url=x", "text/plain", 415, None), id="body-not-json-content-type"),
        pytest.param(
            (lambda e: {"url": e + "/a.png", "dryRun": "yes"}, json_type, 400, None), id="dry-run-not-a-boolean"
        ),
    ]


@pytest.mark.parametrize("case", _rows())
def test_bad_input_is_a_4xx_in_imagekits_shape(
    api: Any, stack: Any, account: Any, case: tuple[Any, str, int, str | None]
) -> None:
    """Given one row of the issue's bad-input table, When it is posted to /v1/files/purge, Then its 4xx status
    with ImageKit's body (message, help, and the row's reason), x-should-retry: false, and no quota spent."""
    body, content_type, status, reason = case
    before = remaining(api, account.private_key, endpoint(stack, account.account_id) + "/a.png")

    answer = purge(api, account.private_key, body(endpoint(stack, account.account_id)), content_type=content_type)

    error = json.loads(answer.get_data())
    assert answer.status_code == status, error
    assert {"message", "help"} <= error.keys()
    assert reason is None or error["reason"] == reason
    assert answer.headers["x-should-retry"] == "false"
    assert remaining(api, account.private_key, endpoint(stack, account.account_id) + "/a.png") == before


@pytest.mark.parametrize(
    ("path", "encoded"),
    [
        pytest.param("/dossier/café déjà.jpg", "/dossier/caf%C3%A9%20d%C3%A9j%C3%A0.jpg", id="unicode"),
        pytest.param("/dossier/caf%C3%A9%20x.jpg", "/dossier/caf%C3%A9%20x.jpg", id="percent-encoded"),
    ],
)
def test_unicode_and_percent_encoded_paths_are_accepted_and_encoded_for_cloudfront(
    api: Any, stack: Any, account: Any, path: str, encoded: str
) -> None:
    """Given a purge URL with a unicode path, or the same percent-encoded, When it is purged, Then 201 and the
    invalidation's paths are percent-encoded (CloudFront takes no raw non-ASCII), among them the encoding
    browsers and the SDKs send."""
    answer = purge(api, account.private_key, {"url": endpoint(stack, account.account_id) + path})

    assert answer.status_code == 201, answer.get_data()
    invalidation = invalidation_of(stack, json.loads(answer.get_data())["requestId"])
    assert invalidation is not None
    paths = invalidation["InvalidationBatch"]["Paths"]["Items"]
    assert f"/{account.account_id}{encoded}*" in paths
    assert all(p.isascii() for p in paths)


def test_eight_clients_making_200_purges_each_against_1000_get_exactly_1000_201s(
    stack: Any, forget_rows: Callable[[str], None]
) -> None:
    """Given an account whose quota is 1000, When 8 clients each send 200 purges through the API at once, Then
    exactly 1000 answers are 201 and 600 are 429 with x-should-retry false and Retry-After, and the month's counter
    reads 1000."""
    from werkzeug.test import Client

    from medialib.accounts.models import Account, AccountSettings
    from medialib.accounts.service import seed_account
    from medialib.purge.period import period_of

    busy_key = f"private_busy_{uuid.uuid4().hex}"
    busy = Account(
        account_id=f"busy-{uuid.uuid4().hex[:10]}",
        public_key="public_busy_key",
        private_key=busy_key,
        settings=AccountSettings(purge_monthly_quota=1000),
    )
    seed_account(busy)
    forget_rows(f"ACCOUNT#{busy.account_id}")
    url = f"{endpoint(stack, busy.account_id)}/catalogue/shoe.jpg"

    def client_run(_: int) -> list[tuple[int, str | None, str | None]]:
        client = Client(stack.app)
        answers = [purge(client, busy_key, {"url": url}) for _ in range(200)]
        return [(a.status_code, a.headers.get("x-should-retry"), a.headers.get("Retry-After")) for a in answers]

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = [answer for run in pool.map(client_run, range(8)) for answer in run]

    statuses = Counter(status for status, _, _ in results)
    assert statuses == {201: 1000, 429: 600}
    refused = [(retry, after) for status, retry, after in results if status == 429]
    assert all(retry == "false" and after is not None and int(after) > 0 for retry, after in refused)
    item = table.get(f"ACCOUNT#{busy.account_id}#QUOTA", f"PURGE#{period_of(datetime.now(UTC))}")
    assert item is not None and int(item["count"]) == 1000
