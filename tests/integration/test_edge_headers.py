"""The local edge applies the delivery behaviour's response headers policy of template.yaml to every delivery answer,
as CloudFront does: the answers of `medialib local start-api` carry the headers a deployed stack's do."""

from __future__ import annotations

from typing import Any

import pytest

from medialib_local.edge import ResponseHeader, ResponsePolicy, response_headers_of
from medialib_local.template import load_sam
from tests.conftest import TEMPLATE
from tests.integration.delivery_helpers import halves, upload


@pytest.fixture(scope="module")
def security() -> dict[str, Any]:
    """The SecurityHeadersConfig of the template's delivery response headers policy."""
    resources = load_sam(TEMPLATE)["Resources"]
    found: dict[str, Any] = resources["DeliveryResponseHeadersPolicy"]["Properties"]["ResponseHeadersPolicyConfig"][
        "SecurityHeadersConfig"
    ]
    return found


def _expected(security: dict[str, Any]) -> dict[str, str]:
    hsts = security["StrictTransportSecurity"]
    return {
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": security["ContentSecurityPolicy"]["ContentSecurityPolicy"],
        "Strict-Transport-Security": f"max-age={hsts['AccessControlMaxAgeSec']}",
    }


def test_a_delivered_file_carries_the_policys_headers(
    api: Any, stack: Any, account: Any, security: dict[str, Any]
) -> None:
    """Given an uploaded image, When delivered through the local edge, Then the answer has the template's nosniff,
    Content-Security-Policy and Strict-Transport-Security values."""
    uploaded = upload(api, account.private_key, halves())
    answer = api.get(uploaded.url.removeprefix(stack.base_url))
    assert answer.status_code == 200
    for name, value in _expected(security).items():
        assert answer.headers.get_all(name) == [value], name


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("/dev/no-such-file.png", id="not-found-from-deliver"),
        pytest.param("/dev/a.png?tr=w-nonsense", id="bad-transformation"),
    ],
)
def test_error_answers_of_delivery_carry_them_too(api: Any, path: str, security: dict[str, Any]) -> None:
    """Given a delivery URL that fails, When requested through the edge, Then its error answer carries the headers
    too: a response headers policy applies to every answer of the behaviour."""
    answer = api.get(path)
    assert answer.status_code >= 400
    for name, value in _expected(security).items():
        assert answer.headers.get(name) == value, name


def test_management_answers_are_not_the_cdns(api: Any) -> None:
    """Given a management API request (another host in AWS, no CloudFront), When answered, Then without the
    delivery policy's headers."""
    answer = api.get("/v1/files")
    assert "Strict-Transport-Security" not in answer.headers


@pytest.mark.parametrize(
    ("origin", "expected"),
    [
        pytest.param(
            [("X-Frame-Options", "SAMEORIGIN"), ("Server", "origin")],
            [("Server", "origin"), ("X-Frame-Options", "DENY"), ("X-Team", "media")],
            id="an-overriding-header-replaces-the-origins",
        ),
        pytest.param(
            [("x-team", "origin's"), ("Server", "origin")],
            [("x-team", "origin's"), ("Server", "origin"), ("X-Frame-Options", "DENY")],
            id="a-header-without-override-keeps-the-origins-value",
        ),
        pytest.param(
            [("X-Powered-By", "lambda"), ("Content-Type", "image/png")],
            [("Content-Type", "image/png"), ("X-Frame-Options", "DENY"), ("X-Team", "media")],
            id="a-removed-header-is-dropped",
        ),
    ],
)
def test_the_policy_overrides_keeps_and_removes_as_cloudfront(
    origin: list[tuple[str, str]], expected: list[tuple[str, str]]
) -> None:
    """Given a policy with an overriding security header, a custom header without override and a removed header,
    When applied to an origin's headers, Then the origin's value is replaced, kept, or dropped."""
    policy = response_headers_of(
        {
            "SecurityHeadersConfig": {"FrameOptions": {"FrameOption": "DENY", "Override": True}},
            "CustomHeadersConfig": {"Items": [{"Header": "X-Team", "Value": "media", "Override": False}]},
            "RemoveHeadersConfig": {"Items": [{"Header": "X-Powered-By"}]},
        }
    )
    assert policy == ResponsePolicy(
        (ResponseHeader("X-Frame-Options", "DENY", True), ResponseHeader("X-Team", "media", False)), ("x-powered-by",)
    )
    assert policy.apply(origin) == expected


def test_a_policy_setting_the_edge_cannot_apply_stops_it() -> None:
    """Given a response headers policy with CORS settings (not emulated), When read, Then the edge refuses it rather
    than silently answer without what CloudFront would add."""
    with pytest.raises(NotImplementedError, match="CorsConfig"):
        response_headers_of({"CorsConfig": {}})
