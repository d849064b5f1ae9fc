"""The viewer-request function that reduces Accept before it keys the cache: the template's JavaScript (run by node
the way CloudFront runs it, ``handler(event)``) and the local edge's Python give the same value for real Accept
headers, and that value tells f-auto what the raw header would have. The local edge applies the function and the
policies of the template's behaviour, and refuses what it has no counterpart for."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any, cast

import pytest

from medialib_local.edge import (
    ACCEPT_AVIF,
    ACCEPT_AVIF_WEBP,
    ACCEPT_OTHER,
    ACCEPT_WEBP,
    behaviour_of,
    normalise_accept,
)
from medialib_local.template import load_sam
from tests.conftest import TEMPLATE

CHROME_IMAGE = "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8"
CHROME_PAGE = (
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,"
    "application/signed-exchange;v=b3;q=0.7"
)
FIREFOX_IMAGE = "image/avif,image/webp,*/*"
FIREFOX_OLD_IMAGE = "image/webp,*/*"
SAFARI_IMAGE = (
    "image/webp,image/avif,image/jxl,image/heic,image/heic-sequence,video/*;q=0.8,image/png,image/svg+xml,"
    "image/*;q=0.8,*/*;q=0.5"
)
SAFARI_15_IMAGE = "image/webp,image/png,image/svg+xml,image/*;q=0.8,video/*;q=0.8,*/*;q=0.5"
SAFARI_13_IMAGE = "image/png,image/svg+xml,image/*;q=0.8,video/*;q=0.8,*/*;q=0.5"

# (Accept as the viewer sends it, or None when it sends none; the normalised value)
TABLE = [
    pytest.param(CHROME_IMAGE, ACCEPT_AVIF_WEBP, id="chrome-img-is-avif-and-webp"),
    pytest.param(CHROME_PAGE, ACCEPT_AVIF_WEBP, id="chrome-navigation-is-avif-and-webp"),
    pytest.param(FIREFOX_IMAGE, ACCEPT_AVIF_WEBP, id="firefox-img-is-avif-and-webp"),
    pytest.param(FIREFOX_OLD_IMAGE, ACCEPT_WEBP, id="firefox-before-avif-is-webp"),
    pytest.param(SAFARI_IMAGE, ACCEPT_AVIF_WEBP, id="safari-16-img-is-avif-and-webp-whatever-their-order"),
    pytest.param(SAFARI_15_IMAGE, ACCEPT_WEBP, id="safari-15-img-is-webp"),
    pytest.param(SAFARI_13_IMAGE, ACCEPT_OTHER, id="safari-13-img-is-other"),
    pytest.param("*/*", ACCEPT_OTHER, id="curl-any-is-other"),
    pytest.param(None, ACCEPT_OTHER, id="no-accept-is-other"),
    pytest.param("", ACCEPT_OTHER, id="empty-accept-is-other"),
    pytest.param("image/*", ACCEPT_OTHER, id="an-image-wildcard-names-no-format"),
    pytest.param("image/avif", ACCEPT_AVIF, id="avif-only-is-avif-only"),
    pytest.param("image/webp", ACCEPT_WEBP, id="webp-only-is-webp"),
    pytest.param("Image/AVIF, IMAGE/WebP", ACCEPT_AVIF_WEBP, id="media-types-are-case-insensitive"),
    pytest.param("  image/webp  ;  q=0.5 , */*", ACCEPT_WEBP, id="spaces-around-ranges-and-parameters"),
    pytest.param("image/webp;q=0", ACCEPT_OTHER, id="q-zero-refuses-webp"),
    pytest.param("image/webp;Q=0.000,*/*", ACCEPT_OTHER, id="q-zero-with-decimals-and-upper-case-refuses"),
    pytest.param("image/avif;q=0,image/webp", ACCEPT_WEBP, id="avif-refused-webp-listed-is-webp"),
    pytest.param("image/avif;q=0.001,image/webp;q=0.0", ACCEPT_AVIF, id="smallest-positive-q-accepts"),
    pytest.param("image/webp;q=0,image/webp;q=0.5", ACCEPT_WEBP, id="a-later-positive-listing-accepts"),
    pytest.param("image/webp;level=1;q=0", ACCEPT_OTHER, id="q-after-another-parameter-counts"),
    pytest.param("image/webp;q=abc", ACCEPT_WEBP, id="a-malformed-q-is-not-a-refusal"),
    pytest.param("image/avifs,image/webpx,application/image/webp", ACCEPT_OTHER, id="look-alike-types-are-not-formats"),
]

_HARNESS = """
const cases = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const answers = cases.map(function (headers) {
  const event = {
    version: '1.0',
    context: {eventType: 'viewer-request'},
    viewer: {ip: '192.0.2.1'},
    request: {method: 'GET', uri: '/acme/a.jpg', querystring: {v: {value: '1'}, tr: {value: 'w-100'}},
              headers: headers, cookies: {}},
  };
  const before = JSON.stringify({uri: event.request.uri, querystring: event.request.querystring});
  const request = handler(event);
  const after = JSON.stringify({uri: request.uri, querystring: request.querystring});
  const others = Object.keys(request.headers).filter(function (name) { return name !== 'accept'; });
  return {accept: request.headers.accept.value, untouched: before === after, others: others};
});
process.stdout.write(JSON.stringify(answers));
"""


def _function_code() -> str:
    code: str = load_sam(TEMPLATE)["Resources"]["AcceptFunction"]["Properties"]["FunctionCode"]
    return code


def _run_in_node(cases: list[dict[str, Any]], tmp_path: Path) -> list[dict[str, Any]]:
    """The template's function code run by node with CloudFront's calling convention, once per headers object."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not on PATH (Node 20 runs the CloudFront function's code)")
    script = tmp_path / "accept.js"
    script.write_text(_function_code() + _HARNESS)
    done = subprocess.run(
        [node, str(script)], input=json.dumps(cases), capture_output=True, text=True, timeout=30, check=True
    )
    answers: list[dict[str, Any]] = json.loads(done.stdout)
    return answers


def _headers(accept: str | None) -> dict[str, Any]:
    """CloudFront's headers object: lower-case names, ``{"value": ...}``."""
    headers: dict[str, Any] = {"host": {"value": "d111111abcdef8.cloudfront.net"}}
    if accept is not None:
        headers["accept"] = {"value": accept}
    return headers


@pytest.mark.parametrize(("accept", "normalised"), TABLE)
def test_python_reduces_accept_to_the_format_classes(accept: str | None, normalised: str) -> None:
    """Given a viewer's Accept header, When the local edge normalises it, Then it is the class of formats it
    lists with a positive q."""
    assert normalise_accept(accept) == normalised


def test_the_function_and_the_local_edge_agree_on_every_accept_header(tmp_path: Path) -> None:
    """Given the table of real Accept headers, When the template's CloudFront function runs in node and the local
    edge's Python runs, Then both give the table's value for each one, and the function changes nothing but
    Accept (the URI and query string the origin verifies signatures over stay as they were)."""
    accepts = [cast("str | None", param.values[0]) for param in TABLE]
    expected = [cast(str, param.values[1]) for param in TABLE]
    answers = _run_in_node([_headers(accept) for accept in accepts], tmp_path)
    assert [answer["accept"] for answer in answers] == expected
    assert [normalise_accept(accept) for accept in accepts] == expected
    assert all(answer["untouched"] for answer in answers)
    assert all(answer["others"] == ["host"] for answer in answers)


def test_several_accept_headers_are_read_as_one_list(tmp_path: Path) -> None:
    """Given a viewer that sends Accept twice (CloudFront gives the function ``multiValue``), When normalised,
    Then the formats of both count, as the Python edge reads the header that WSGI joins with a comma."""
    headers = {"accept": {"value": "image/avif", "multiValue": [{"value": "image/avif"}, {"value": "image/webp"}]}}
    [answer] = _run_in_node([headers], tmp_path)
    assert answer["accept"] == normalise_accept("image/avif,image/webp") == ACCEPT_AVIF_WEBP


def test_the_function_fits_cloudfront_limits() -> None:
    """Given the function's code, When its size is measured, Then it is under CloudFront Functions' 10 KB."""
    assert len(_function_code().encode()) < 10 * 1024


def _properties(function_id: str, event_type: str = "viewer-request", cookies: str = "none") -> dict[str, Any]:
    """Resolved properties of a distribution whose default behaviour has one policy pair and one function."""
    return {
        "Cdn": {
            "DistributionConfig": {
                "DefaultCacheBehavior": {
                    "CachePolicyId": "local-cache",
                    "OriginRequestPolicyId": "local-origin",
                    "FunctionAssociations": [{"EventType": event_type, "FunctionARN": "arn:function"}],
                }
            }
        },
        "Cache": {
            "CachePolicyConfig": {
                "ParametersInCacheKeyAndForwardedToOrigin": {
                    "CookiesConfig": {"CookieBehavior": cookies},
                    "HeadersConfig": {"HeaderBehavior": "whitelist", "Headers": ["Accept"]},
                    "QueryStringsConfig": {"QueryStringBehavior": "whitelist", "QueryStrings": ["tr"]},
                }
            }
        },
        "Origin": {"OriginRequestPolicyConfig": {"QueryStringsConfig": {"QueryStringBehavior": "all"}}},
        function_id: {},
    }


_PHYSICAL = {"Cache": "local-cache", "Origin": "local-origin"}


@pytest.mark.parametrize(
    ("properties", "message"),
    [
        pytest.param(_properties("RewriteFunction"), "no Python counterpart", id="an-unknown-function"),
        pytest.param(
            _properties("AcceptFunction", event_type="viewer-response"), "viewer-request", id="a-viewer-response"
        ),
        pytest.param(_properties("AcceptFunction", cookies="all"), "cookies", id="cookies-in-the-key"),
    ],
)
def test_the_local_edge_refuses_what_it_cannot_apply(properties: dict[str, Any], message: str) -> None:
    """Given a distribution whose behaviour has a function or a policy the local edge has no counterpart for, When
    the edge is built, Then the stack stops with a message naming it instead of silently skipping what CloudFront
    would run."""
    function_id = next(k for k in properties if k not in {"Cdn", "Cache", "Origin"})
    with pytest.raises(NotImplementedError, match=message):
        behaviour_of(properties, {**_PHYSICAL, function_id: "arn:function"})


def test_the_local_edge_applies_the_template_function_and_policies() -> None:
    """Given a distribution with AcceptFunction and the two policies, When the edge is built, Then it keys by the
    whitelisted query strings and Accept, forwards every query string, and runs the Accept reduction."""
    behaviour = behaviour_of(_properties("AcceptFunction"), {**_PHYSICAL, "AcceptFunction": "arn:function"})
    assert behaviour.key_query.picks("tr") and not behaviour.key_query.picks("x")
    assert behaviour.key_headers.picks("accept") and not behaviour.key_headers.picks("cookie")
    assert behaviour.origin_query.picks("x")
    environ = {"HTTP_ACCEPT": CHROME_IMAGE}
    [function] = behaviour.viewer_request
    function(environ)
    assert environ["HTTP_ACCEPT"] == ACCEPT_AVIF_WEBP
