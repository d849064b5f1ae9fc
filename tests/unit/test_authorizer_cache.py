"""The authorizer's result cache by identity source: what template.yaml declares (Authorization; x-api-key on the
img-processing.com routes; a TTL of at most 60 s) and how the local API Gateway applies it (gateway.authorize),
with its clock moved. The functions behind the gateway are stand-ins that count their invocations: the
authorizer's decision itself is tested in tests/integration."""

from __future__ import annotations

import base64
import dataclasses
from pathlib import Path
from typing import Any

import pytest
from werkzeug.test import Client

from medialib_local.gateway import Gateway
from medialib_local.template import describe, load_sam

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"
API = "MedialibApi"


@pytest.fixture(scope="module")
def spec() -> Any:
    return describe(TEMPLATE)


def test_the_template_caches_by_identity_source_for_a_short_ttl(spec: Any) -> None:
    """Given template.yaml, Then both authorizers cache for AuthorizerCacheTtlSeconds (default 30, at most 60):
    KeyAuthorizer by the Authorization header, ImagesKeyAuthorizer by x-api-key; /v1/images routes use the
    latter, every other authorized route of the management API the former."""
    parameter = load_sam(TEMPLATE)["Parameters"]["AuthorizerCacheTtlSeconds"]
    assert parameter["Default"] <= parameter["MaxValue"] <= 60 and parameter["MinValue"] >= 1
    authorizers = spec.apis[API].authorizer_specs
    assert (authorizers["KeyAuthorizer"].headers, authorizers["KeyAuthorizer"].ttl) == (
        ("Authorization",),
        parameter["Default"],
    )
    assert (authorizers["ImagesKeyAuthorizer"].headers, authorizers["ImagesKeyAuthorizer"].ttl) == (
        ("x-api-key",),
        parameter["Default"],
    )
    authorized = [r for r in spec.routes if r.api_id == API and r.authorizer_id]
    images = {r.path for r in authorized if r.authorizer_name == "ImagesKeyAuthorizer"}
    assert images == {r.path for r in authorized if r.path.startswith("/v1/images")} and images
    assert {r.authorizer_name for r in authorized if not r.path.startswith("/v1/images")} == {"__default__"}


class Functions:
    """Stand-in for the in-process functions: the authorizer allows every route of the stage for the key
    ``good`` and refuses any other; every other function answers 200."""

    def __init__(self) -> None:
        self.authorizations = 0

    def invoke(self, function_id: str, event: dict[str, Any]) -> Any:
        from medialib_local.functions import FunctionError

        if function_id != "AuthorizerFunction":
            return {"statusCode": 200, "body": event["requestContext"]["authorizer"]["principalId"]}
        self.authorizations += 1
        headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
        key = headers.get("x-api-key") or base64.b64decode(headers["authorization"].split()[1]).decode().split(":")[0]
        if key != "good":
            raise FunctionError("Exception", "Unauthorized")
        api_stage = "/".join(event["methodArn"].split("/", 2)[:2])
        return {
            "principalId": "acme",
            "policyDocument": {"Version": "2012-10-17",
                               "Statement": [{"Action": "execute-api:Invoke", "Effect": "Allow",
                                              "Resource": f"{api_stage}/*/*"}]},
        }  # fmt: skip


class Clock:
    now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def functions() -> Functions:
    return Functions()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def client(spec: Any, functions: Functions, clock: Clock) -> Client:
    # the cache alone: no usage plan to meter (tests/unit/test_limits_template.py, test_account_limits.py)
    unmetered = dataclasses.replace(spec, routes=[dataclasses.replace(r, api_key_required=False) for r in spec.routes])
    gateway = Gateway(unmetered, functions)  # type: ignore[arg-type]
    gateway.clock = clock
    return Client(gateway)


def basic(key: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{key}:".encode()).decode()}


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        pytest.param("/v1/files", {}, id="no-authorization-header"),
        pytest.param("/v1/files", {"Authorization": ""}, id="an-empty-authorization-header"),
        pytest.param("/v1/files", {"x-api-key": "good"}, id="x-api-key-off-the-images-routes"),
        pytest.param("/v1/images/abc", basic("good"), id="basic-alone-on-the-images-routes"),
    ],
)
def test_a_missing_identity_source_is_refused_by_the_gateway_itself(
    client: Client, functions: Functions, path: str, headers: dict[str, str]
) -> None:
    """Given a request without its route's identity header, When it arrives, Then 401 in ImageKit's shape (the
    template's UNAUTHORIZED response) and the authorizer is not run."""
    response = client.get(path, headers=headers)
    assert response.status_code == 401
    assert response.get_json()["message"] == "Your account cannot be authenticated."
    assert functions.authorizations == 0


def test_an_answer_is_reused_for_the_same_header_across_routes_until_the_ttl(
    client: Client, functions: Functions, clock: Clock, spec: Any
) -> None:
    """Given a key the authorizer allowed, When it is sent again within the TTL (to another route too), Then the
    cached answer serves it (its context included) and the authorizer is not run again; from the TTL on, it is."""
    ttl = spec.apis[API].authorizer_specs["KeyAuthorizer"].ttl
    assert client.get("/v1/files", headers=basic("good")).get_data(as_text=True) == "acme"
    clock.now += ttl - 0.001
    assert client.get("/v1/files/abc/details", headers=basic("good")).get_data(as_text=True) == "acme"
    assert functions.authorizations == 1
    clock.now += 0.001
    assert client.get("/v1/files", headers=basic("good")).status_code == 200
    assert functions.authorizations == 2


def test_each_authorizer_and_header_value_has_its_own_entry(client: Client, functions: Functions) -> None:
    """Given the same key as Basic and as x-api-key, Then each authorizer decides once for its own header; another
    Authorization value (the same key with another password) is another entry."""
    for _ in range(2):
        assert client.get("/v1/files", headers=basic("good")).status_code == 200
        assert client.get("/v1/images/abc", headers={"x-api-key": "good"}).status_code == 200
    assert functions.authorizations == 2
    other = {"Authorization": "Basic " + base64.b64encode(b"good:other-password").decode()}
    assert client.get("/v1/files", headers=other).status_code == 200
    assert functions.authorizations == 3


def test_a_refusal_is_not_cached(client: Client, functions: Functions) -> None:
    """Given a wrong key, When it is sent twice, Then 401 both times and the authorizer decided both times (a key
    that becomes valid works at once)."""
    assert [client.get("/v1/files", headers=basic("bad")).status_code for _ in range(2)] == [401, 401]
    assert functions.authorizations == 2
