"""Per-account limits, read from template.yaml (docs/limits.md): one usage plan meters each account's requests to the
management API by the API key its authorizer names, every authorized method needs that key (and nothing else does),
API Gateway's own refusals keep ImageKit's shape, and delivery's reserved concurrency is off unless asked for."""

from __future__ import annotations

import json
from typing import Any

import pytest

from medialib_local.gateway import _preflights, _sam_form
from medialib_local.provision import NO_VALUE, Provisioner, Stack
from medialib_local.template import describe
from tests.conftest import TEMPLATE


def _resolved(sam: dict[str, Any], node: Any, **parameters: str) -> Any:
    """``node`` of the template with its intrinsic functions evaluated for these parameters (the others default)."""
    provisioner = Provisioner(Stack("s", "us-east-1", "123456789012", dict(parameters)), client=lambda _: None)
    provisioner.prepare(sam)
    return provisioner.resolve(node)


def test_one_usage_plan_meters_each_account_on_the_management_api_stage(sam: dict[str, Any]) -> None:
    """Given the template, When its usage plan is read, Then it covers the management API's stage with the account
    rate and burst parameters, and the stack outputs its id for the operator's tools."""
    plans = {lid: r for lid, r in sam["Resources"].items() if r["Type"] == "AWS::ApiGateway::UsagePlan"}
    assert list(plans) == ["AccountUsagePlan"]
    props = plans["AccountUsagePlan"]["Properties"]
    assert props["ApiStages"] == [{"ApiId": {"Ref": "MedialibApi"}, "Stage": {"Ref": "MedialibApi.Stage"}}]
    assert props["Throttle"] == {"RateLimit": {"Ref": "AccountRateLimit"}, "BurstLimit": {"Ref": "AccountBurstLimit"}}
    assert sam["Outputs"]["UsagePlanId"]["Value"] == {"Ref": "AccountUsagePlan"}


def test_one_account_cannot_take_the_whole_stage_by_default(sam: dict[str, Any]) -> None:
    """Given the stage-wide throttle of the management API, When the account defaults are compared with it, Then an
    account gets at most a quarter of its rate and of its burst."""
    stage = sam["Resources"]["MedialibApi"]["Properties"]["MethodSettings"][0]
    parameters = sam["Parameters"]
    assert parameters["AccountRateLimit"]["Default"] * 4 <= stage["ThrottlingRateLimit"]
    assert parameters["AccountBurstLimit"]["Default"] * 4 <= stage["ThrottlingBurstLimit"]
    assert parameters["AccountBurstLimit"]["Default"] >= parameters["AccountRateLimit"]["Default"]


@pytest.mark.parametrize(
    ("parameters", "quota"),
    [
        pytest.param({}, NO_VALUE, id="no-quota-by-default"),
        pytest.param(
            {"AccountRequestQuota": "100000", "AccountQuotaPeriod": "DAY"},
            {"Limit": "100000", "Period": "DAY"},
            id="a-quota-when-given",
        ),
    ],
)
def test_the_request_quota_is_off_unless_given(sam: dict[str, Any], parameters: dict[str, str], quota: Any) -> None:
    """Given the quota parameters, When the plan's Quota is evaluated, Then it is absent at 0 and set otherwise."""
    plan = sam["Resources"]["AccountUsagePlan"]["Properties"]
    assert _resolved(sam, {"Quota": plan["Quota"]}, **parameters).get("Quota", NO_VALUE) == quota


def test_every_authorized_method_needs_the_api_key_and_no_other_does(cfn: dict[str, Any]) -> None:
    """Given the API as SAM renders it, When each method's security is read, Then the API key is required exactly
    where the authorizer runs (it names the key): never on a route without it, nor on a CORS preflight; and the key's
    source is the authorizer, so that no client can send one."""
    api = cfn["Resources"]["MedialibApi"]["Properties"]
    assert api["ApiKeySourceType"] == "AUTHORIZER"
    methods = [
        (path, verb, d.get("security") or [])
        for path, verbs in api["Body"]["paths"].items()
        for verb, d in verbs.items()
    ]
    for path, verb, security in methods:
        names = {name for entry in security for name in entry}
        assert ("api_key" in names) == bool(names - {"api_key"}), (verb, path, security)
    keyed = [(verb, path) for path, verb, security in methods if any("api_key" in e for e in security)]
    assert len(keyed) >= 30
    assert not [path for path, verb, security in methods if verb == "options" and security]


def test_the_local_gateway_asks_for_the_key_where_sam_does(cfn: dict[str, Any]) -> None:
    """Given the local gateway's routes (read from the SAM template) and SAM's rendering, When each route is looked
    up in the rendered API, Then the local route needs the key exactly when the rendered method does."""
    spec = describe(TEMPLATE)
    paths = cfn["Resources"]["MedialibApi"]["Properties"]["Body"]["paths"]
    routes = [r for r in spec.routes if r.api_id == "MedialibApi"] + [
        p.spec for p in _preflights(spec) if p.spec.api_id == "MedialibApi"
    ]
    assert routes
    for route in routes:
        verb = "x-amazon-apigateway-any-method" if route.method == "ANY" else route.method.lower()
        rendered = paths[route.path][verb].get("security") or []
        assert route.api_key_required == any("api_key" in e for e in rendered), (route.method, route.path)


REFUSALS = {
    "THROTTLED": ("429", "'true'"),
    "QUOTA_EXCEEDED": ("429", "'false'"),
    "INVALID_API_KEY": ("403", "'false'"),
}


@pytest.mark.parametrize("kind", list(REFUSALS))
def test_the_usage_plans_refusals_answer_in_imagekits_shape(sam: dict[str, Any], kind: str) -> None:
    """Given a refusal of the usage plans, When API Gateway answers it, Then the status is its own, the body is
    ImageKit's JSON (message, help), and the request id and whether to retry are headers."""
    answer = sam["Resources"]["MedialibApi"]["Properties"]["GatewayResponses"][kind]
    status, retry = REFUSALS[kind]
    headers = answer["ResponseParameters"]["Headers"]
    assert answer["StatusCode"] == status
    assert headers["x-ik-requestId"] == "context.requestId"
    assert headers["x-should-retry"] == retry
    assert set(json.loads(answer["ResponseTemplates"]["application/json"])) == {"message", "help"}


def test_a_throttled_client_reads_imagekits_rate_limit_headers(sam: dict[str, Any]) -> None:
    """Given the throttled answer, When it is rendered for the default parameters, Then it carries Retry-After and
    ImageKit's X-RateLimit-Limit (the account's rate), -Interval and -Reset (milliseconds)."""
    headers = sam["Resources"]["MedialibApi"]["Properties"]["GatewayResponses"]["THROTTLED"]["ResponseParameters"]
    rendered = _resolved(sam, headers["Headers"])
    assert rendered["Retry-After"] == "'1'"
    assert rendered["X-RateLimit-Limit"] == f"'{sam['Parameters']['AccountRateLimit']['Default']}'"
    assert (rendered["X-RateLimit-Interval"], rendered["X-RateLimit-Reset"]) == ("'1000'", "'1000'")


@pytest.mark.parametrize(
    ("parameters", "reserved"),
    [
        pytest.param({}, NO_VALUE, id="not-reserved-by-default"),
        pytest.param({"DeliveryReservedConcurrency": "0"}, NO_VALUE, id="zero-reserves-nothing-rather-than-stopping"),
        pytest.param({"DeliveryReservedConcurrency": "50"}, "50", id="reserved-when-given"),
    ],
)
def test_delivery_reserves_concurrency_only_when_asked(
    sam: dict[str, Any], parameters: dict[str, str], reserved: Any
) -> None:
    """Given DeliveryReservedConcurrency, When the deliver function's settings are evaluated, Then it has reserved
    concurrency only for a value above 0 (0 would throttle every delivery), and no other function has any."""
    functions = {
        lid: r["Properties"] for lid, r in sam["Resources"].items() if r["Type"] == "AWS::Serverless::Function"
    }
    setting = {"ReservedConcurrentExecutions": functions["DeliverFunction"]["ReservedConcurrentExecutions"]}
    assert _resolved(sam, setting, **parameters).get("ReservedConcurrentExecutions", NO_VALUE) == reserved
    assert [lid for lid, props in functions.items() if "ReservedConcurrentExecutions" in props] == ["DeliverFunction"]


@pytest.mark.parametrize("api_id", ["MedialibApi", "DeliveryApi"])
def test_the_local_gateway_answers_with_the_responses_api_gateway_gets(
    sam: dict[str, Any], cfn: dict[str, Any], api_id: str
) -> None:
    """Given an API's gateway responses as SAM deploys them (in its OpenAPI body, the parameters evaluated), When the
    local gateway reads them back, Then they are the template's, each intrinsic function replaced by its value."""
    deployed = cfn["Resources"][api_id]["Properties"]["Body"]["x-amazon-apigateway-gateway-responses"]
    template = _resolved(sam, sam["Resources"][api_id]["Properties"]["GatewayResponses"])
    assert _sam_form(_resolved(sam, deployed)) == template
