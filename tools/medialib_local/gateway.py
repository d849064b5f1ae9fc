"""API Gateway (REST, Lambda proxy) as the local stack serves it: routes from the template's Api events,
the REQUEST authorizer first, proxy events as API Gateway builds them, gateway responses from the
template (their header mappings evaluated: ``'static'``, ``context.requestId``, ``method.request.header.X``),
the CORS preflight SAM's ``Cors`` adds, and the payload limits of API Gateway (10 MB request) and Lambda
(6 MB request and response).

The REQUEST authorizer's answer is cached as API Gateway caches it (the template's ``Identity``): with a TTL, a
request missing one of the identity headers is refused with the UNAUTHORIZED gateway response and the authorizer
is not run; an answer (its policy, evaluated again for each route, and its context) is reused for the same header
values until the TTL passes on ``Gateway.clock``. Errors (401, a failing authorizer) are not cached.

Routing follows API Gateway REST: the pair resource + method decides. Among the routes whose path matches and
which declare the method (or ANY), the most specific wins, segment by segment (a literal over a {parameter}
over a greedy {proxy+}); a declared path that lacks the method falls through to a less specific route, such as
a greedy ``ANY /{proxy+}``. No route at all: MISSING_AUTHENTICATION_TOKEN.
"""

from __future__ import annotations

import base64
import dataclasses
import fnmatch
import json
import re
import sys
import time
import uuid
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, unquote_plus

from werkzeug.datastructures import Headers
from werkzeug.wrappers import Request, Response

from medialib_local import ACCOUNT_ID, REGION
from medialib_local.functions import FunctionError, LocalFunctions
from medialib_local.metering import UsagePlans
from medialib_local.template import ApiSpec, AppSpec, AuthorizerSpec, RouteSpec

API_GATEWAY_MAX_REQUEST = 10 * 1024 * 1024
LAMBDA_MAX_REQUEST = 6 * 1024 * 1024
LAMBDA_MAX_RESPONSE = 6 * 1024 * 1024 + 100
STAGE = "local"

_DEFAULT_MESSAGES = {
    "UNAUTHORIZED": (401, "Unauthorized"),
    "ACCESS_DENIED": (403, "User is not authorized to access this resource"),
    "AUTHORIZER_FAILURE": (500, "Authorizer error"),
    "MISSING_AUTHENTICATION_TOKEN": (403, "Missing Authentication Token"),
    "REQUEST_TOO_LARGE": (413, "Request Too Long"),
    "INTEGRATION_FAILURE": (502, "Internal server error"),
    # THROTTLE: usage plans (medialib_local.metering)
    "INVALID_API_KEY": (403, "Forbidden"),
    "THROTTLED": (429, "Too Many Requests"),
    "QUOTA_EXCEEDED": (429, "Limit Exceeded"),
}
_DEFAULT_OF = {4: "DEFAULT_4XX", 5: "DEFAULT_5XX"}
# SAM's Cors: the methods of a path's preflight; ANY stands for these (samtranslator's _ALL_HTTP_METHODS).
_ANY_METHODS = ("OPTIONS", "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH")
# What a Lambda refusing an event over its 6 MB payload limit answers through API Gateway: a 413 that is no
# gateway response of the template (API Gateway's own REQUEST_TOO_LARGE is its 10 MB check).
_LAMBDA_TOO_LARGE = {
    "message": "Request Too Long",
    "help": "Lambda accepts events up to 6 MB, and a binary body travels base64-encoded in it (about 4.4 MB of "
    "file); for a larger file use an upload session: POST /api/v1/files/upload/sessions.",
}
_REQUEST_ID = "medialib.request_id"  # one id per request: the event's requestId and x-amzn-RequestId
_USAGE_KEY = "medialib.usage_key"  # THROTTLE: the authorizer's usageIdentifierKey for this request


@dataclass(frozen=True)
class _Route:
    spec: RouteSpec
    pattern: re.Pattern[str]
    rank: tuple[int, ...]
    first_segment: str | None  # a literal first segment claims that prefix for its API
    preflight: str | None = None  # a CORS preflight (SAM's mock integration): the path's allowed methods


def _preflights(spec: AppSpec) -> list[_Route]:
    """The OPTIONS method SAM's ``Cors`` adds to every path of an API (a mock integration, no authorizer)."""
    methods: dict[tuple[str, str], set[str]] = {}
    for route in spec.routes:
        if _cors(spec, route.api_id) is not None:
            methods.setdefault((route.api_id, route.path), set()).add(route.method)
    preflights = []
    for (api_id, path), declared in methods.items():
        allowed = sorted(set(_ANY_METHODS if "ANY" in declared else {*declared, "OPTIONS"}))  # SAM sorts them
        compiled = _compile(RouteSpec(api_id, "OPTIONS", path, "", None))
        preflights.append(
            _Route(compiled.spec, compiled.pattern, compiled.rank, compiled.first_segment, ",".join(allowed))
        )
    return preflights


def _cors(spec: AppSpec, api_id: str) -> dict[str, Any] | None:
    cors = spec.sam["Resources"][api_id]["Properties"].get("Cors")
    if isinstance(cors, str):  # Cors: "'origin'" is the short form of AllowOrigin
        return {"AllowOrigin": cors}
    return cors if isinstance(cors, dict) else None


def _compile(route: RouteSpec) -> _Route:
    parts: list[str] = []
    rank: list[int] = []
    for segment in route.path.strip("/").split("/"):
        if segment.endswith("+}"):
            parts.append(f"(?P<{segment[1:-2]}>.+)")
            rank.append(2)
        elif segment.startswith("{"):
            parts.append(f"(?P<{segment[1:-1]}>[^/]+)")
            rank.append(1)
        else:
            parts.append(re.escape(segment))
            rank.append(0)
    # A REST API routes ``/v1/folder/`` to the resource ``/v1/folder`` (one trailing slash is ignored; observed in
    # aws-powertools/powertools-lambda-python#1552, why its REST resolver matches ``^{rule}/*$``).
    pattern = re.compile("^/" + "/".join(parts) + "/?$")
    first = route.path.strip("/").split("/")[0]
    # API Gateway decides at the first segment where two routes differ: a literal beats a {parameter},
    # which beats a greedy {proxy+}.
    return _Route(route, pattern, tuple(rank), None if "{" in first else first)


_GATEWAYS: weakref.WeakSet[Gateway] = weakref.WeakSet()


def forget_authorizations() -> None:
    """Empty every gateway's authorizer cache (tests: each starts as after a deployment)."""
    for gateway in list(_GATEWAYS):
        gateway.authorizations.clear()


class Gateway:
    """A WSGI application serving every API of the template on one host and port."""

    def __init__(self, spec: AppSpec, functions: LocalFunctions, usage_plans: UsagePlans | None = None) -> None:
        self.spec = spec
        self.functions = functions
        self.clock: Callable[[], float] = time.monotonic  # the seam of the authorizer cache's TTL
        # (api, authorizer function, identity headers, their values) -> (the authorizer's answer, until)
        self.authorizations: dict[tuple[str, str, tuple[str, ...], tuple[str, ...]], tuple[dict[str, Any], float]] = {}
        _GATEWAYS.add(self)
        self.usage_plans = usage_plans  # THROTTLE: None, no usage plan: a method that needs an API key answers 403
        # On one resource, a declared method wins over ANY (the CORS preflight over the catch-all's ANY).
        routes = [*(_compile(r) for r in spec.routes), *_preflights(spec)]
        self.routes = sorted(routes, key=lambda r: (r.rank, r.spec.method == "ANY"))

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        started = time.perf_counter()
        environ[_REQUEST_ID] = str(uuid.uuid4())
        response = self.handle(request)
        response.headers.setdefault("x-amzn-RequestId", environ[_REQUEST_ID])
        print(
            f"{request.method} {request.full_path.rstrip('?')} {response.status_code} "
            f"{(time.perf_counter() - started) * 1000:.0f}ms",
            flush=True,
        )
        return response(environ, start_response)

    def api_of(self, path: str) -> str:
        """The API a path belongs to. The APIs of the template have their own hosts in AWS and share one port
        here: a path whose first segment an API's routes claim (``/v1``, ``/api``) belongs to that API; any
        other path to the API that claims none (delivery), so an unknown management route never falls through
        to public delivery, nor a delivery URL to the management API's catch-all."""
        first = path.strip("/").split("/")[0]
        owners = {r.spec.api_id for r in self.routes if r.first_segment == first}
        if owners:
            return min(owners)
        claiming = {r.spec.api_id for r in self.routes if r.first_segment is not None}
        return min(set(self.spec.apis) - claiming or set(self.spec.apis))

    def match(self, method: str, path: str) -> tuple[RouteSpec, dict[str, str]] | None:
        """The route API Gateway would pick: the most specific route of the path's API that serves this method."""
        found = self._find(method, path)
        return (found[0].spec, found[1]) if found else None

    def _find(self, method: str, path: str) -> tuple[_Route, dict[str, str]] | None:
        api_id = self.api_of(path)
        for route in self.routes:
            if route.spec.api_id != api_id:
                continue
            found = route.pattern.match(path)
            if found and route.spec.method in {method, "ANY"}:
                return route, {k: unquote(v) for k, v in found.groupdict().items()}
        return None

    def handle(self, request: Request) -> Response:
        path = _raw_path(request)
        if path == DOCS or path.startswith(DOCS + "/"):
            return docs(self.spec.root, path, request)
        found = self._find(request.method, path)
        if found is None:
            return self.gateway_response(self.spec.apis[self.api_of(path)], "MISSING_AUTHENTICATION_TOKEN", request)
        matched, path_params = found
        route, api = matched.spec, self.spec.apis[matched.spec.api_id]
        if matched.preflight is not None:
            return self.preflight(route, matched.preflight, request)
        if (request.content_length or 0) > API_GATEWAY_MAX_REQUEST:
            return self.gateway_response(api, "REQUEST_TOO_LARGE", request)
        body = request.get_data(cache=False)
        if len(body) > API_GATEWAY_MAX_REQUEST:
            return self.gateway_response(api, "REQUEST_TOO_LARGE", request)
        event = self.proxy_event(request, body, route, path_params, api)
        denied = self.admit(event, route, api, request)
        if denied is not None:
            return denied
        if len(json.dumps(event)) > LAMBDA_MAX_REQUEST:
            return _lambda_refused(request)
        return self.integrate(route, api, event, request)

    def integrate(self, route: RouteSpec, api: ApiSpec, event: dict[str, Any], request: Request) -> Response:
        try:
            result = self.functions.invoke(route.function_id, event)
        except FunctionError as err:
            print(err.trace, file=sys.stderr, flush=True)
            return self.gateway_response(api, "INTEGRATION_FAILURE", request)
        if len(json.dumps(result)) > LAMBDA_MAX_RESPONSE or not isinstance(result, dict) or "statusCode" not in result:
            return self.gateway_response(api, "INTEGRATION_FAILURE", request)
        return _to_http(result, request, api)

    def preflight(self, route: RouteSpec, methods: str, request: Request) -> Response:
        """SAM's CORS mock integration: 200, an empty JSON object, the Access-Control headers of ``Cors``."""
        cors = _cors(self.spec, route.api_id) or {}
        headers = Headers({"Content-Type": "application/json"})
        values = {
            "Access-Control-Allow-Origin": cors.get("AllowOrigin"),
            "Access-Control-Allow-Headers": cors.get("AllowHeaders"),
            "Access-Control-Allow-Methods": cors.get("AllowMethods") or f"'{methods}'",
            "Access-Control-Max-Age": cors.get("MaxAge"),
            "Access-Control-Allow-Credentials": "'true'" if cors.get("AllowCredentials") is True else None,
        }
        for name, value in values.items():
            if value is not None:
                headers[name] = _mapped(str(value), request)
        return Response("{}", status=200, headers=headers)

    def proxy_event(
        self, request: Request, body: bytes, route: RouteSpec, path_params: dict[str, str], api: ApiSpec
    ) -> dict[str, Any]:
        multi_headers: dict[str, list[str]] = {}
        for name, value in request.headers.items():
            multi_headers.setdefault(name, []).append(value)
        multi_query = query_parameters(request.query_string.decode("latin-1"))
        binary = bool(body) and _is_binary(request.headers.get("Content-Type", ""), api)
        now = time.time()
        return {
            "resource": route.path,
            "path": request.path,
            "httpMethod": request.method,
            "headers": {k: v[-1] for k, v in multi_headers.items()} or None,
            "multiValueHeaders": multi_headers or None,
            "queryStringParameters": {k: v[-1] for k, v in multi_query.items()} or None,
            "multiValueQueryStringParameters": multi_query or None,
            "pathParameters": path_params or None,
            "stageVariables": None,
            "requestContext": {
                "accountId": ACCOUNT_ID,
                "apiId": route.api_id.lower(),
                "resourceId": route.path,
                "resourcePath": route.path,
                "httpMethod": request.method,
                "path": f"/{STAGE}{request.path}",
                "stage": STAGE,
                "protocol": request.environ.get("SERVER_PROTOCOL", "HTTP/1.1"),
                "requestId": request.environ[_REQUEST_ID],
                "extendedRequestId": str(uuid.uuid4()),
                "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
                "requestTimeEpoch": int(now * 1000),
                "domainName": request.host,
                "identity": {"sourceIp": request.remote_addr or "127.0.0.1", "userAgent": request.user_agent.string},
            },
            "body": (base64.b64encode(body).decode() if binary else body.decode("utf-8", "replace")) if body else None,
            "isBase64Encoded": binary,
        }

    def admit(self, event: dict[str, Any], route: RouteSpec, api: ApiSpec, request: Request) -> Response | None:
        """What API Gateway checks before the integration: the authorizer, then the usage plans (THROTTLE)."""
        denied = self.authorize(event, route, api, request) if route.authorizer_id else None
        if denied is None and route.api_key_required:
            denied = self.meter(event, api, request)
        return denied

    def authorize(self, event: dict[str, Any], route: RouteSpec, api: ApiSpec, request: Request) -> Response | None:
        """Run the REQUEST authorizer (or reuse its cached answer); on Allow, put its context where API Gateway
        puts it."""
        method_arn = f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:{event['requestContext']['apiId']}/{STAGE}/{route.method}{event['path']}"
        spec = api.authorizer_specs.get(route.authorizer_name or "")
        cache_key = None
        if spec is not None and spec.ttl > 0:
            identity = _identity(spec, request)
            if identity is None:  # API Gateway's own 401: the authorizer is not run
                return self.gateway_response(api, "UNAUTHORIZED", request)
            cache_key = (api.logical_id, spec.function_id, spec.headers, identity)
        cached = self.authorizations.get(cache_key) if cache_key else None
        if cached is not None and self.clock() < cached[1]:
            result = cached[0]
        else:
            auth_event = {
                "type": "REQUEST",
                "methodArn": method_arn,
                **{k: v for k, v in event.items() if k not in {"body", "isBase64Encoded"}},
            }
            try:
                result = self.functions.invoke(route.authorizer_id or "", auth_event)
            except FunctionError as err:
                kind = "UNAUTHORIZED" if err.message == "Unauthorized" else "AUTHORIZER_FAILURE"
                return self.gateway_response(api, kind, request)
            if not isinstance(result, dict) or "policyDocument" not in result:
                return self.gateway_response(api, "AUTHORIZER_FAILURE", request)
            if cache_key is not None and spec is not None:
                self.authorizations[cache_key] = (result, self.clock() + spec.ttl)
        if not _allows(result["policyDocument"], method_arn):
            return self.gateway_response(api, "ACCESS_DENIED", request)
        context = {k: str(v) for k, v in (result.get("context") or {}).items()}
        event["requestContext"]["authorizer"] = {"principalId": str(result.get("principalId", "")), **context}
        request.environ[_USAGE_KEY] = result.get("usageIdentifierKey")  # THROTTLE: for meter()
        return None

    def meter(self, event: dict[str, Any], api: ApiSpec, request: Request) -> Response | None:
        """THROTTLE: a method that needs an API key: the key (the authorizer's usageIdentifierKey, or x-api-key with
        the source HEADER) passes the usage plans of the stage (medialib_local.metering), else API Gateway answers
        INVALID_API_KEY, THROTTLED or QUOTA_EXCEEDED. A key that passes is in the event, where API Gateway puts it."""
        from_authorizer = api.api_key_source == "AUTHORIZER"
        value = request.environ.get(_USAGE_KEY) if from_authorizer else request.headers.get("x-api-key")
        if self.usage_plans is None:
            return self.gateway_response(api, "INVALID_API_KEY", request)
        admission = self.usage_plans.admit(api.logical_id, str(value) if value else None)
        if admission.refusal is not None:
            return self.gateway_response(api, admission.refusal, request)
        event["requestContext"]["identity"].update({"apiKey": str(value), "apiKeyId": admission.key_id})
        return None

    def gateway_response(self, api: ApiSpec, kind: str, request: Request) -> Response:
        """An answer API Gateway makes itself: the template's gateway response of that type (or its
        DEFAULT_4XX/5XX), else API Gateway's default body."""
        status, message = _DEFAULT_MESSAGES[kind]
        configured = api.gateway_responses.get(kind) or api.gateway_responses.get(_DEFAULT_OF[status // 100]) or {}
        status = int(configured.get("StatusCode", status))
        template = (configured.get("ResponseTemplates") or {}).get("application/json")
        body = (
            template.replace("$context.error.messageString", json.dumps(message)).replace(
                "$context.requestId", request.environ[_REQUEST_ID]
            )
            if template
            else json.dumps({"message": message})
        )
        headers = Headers({"Content-Type": "application/json"})
        for name, value in ((configured.get("ResponseParameters") or {}).get("Headers") or {}).items():
            headers[name] = _mapped(str(value), request)
        return Response(body, status=status, headers=headers)


def _identity(spec: AuthorizerSpec, request: Request) -> tuple[str, ...] | None:
    """The values of the authorizer's identity headers, or None when one is missing or empty."""
    values = tuple(request.headers.get(name, "") for name in spec.headers)
    return values if all(values) else None


def deployed_gateway_responses(spec: AppSpec, properties: Mapping[str, Mapping[str, Any]]) -> AppSpec:
    """``spec`` with each API's gateway responses as API Gateway gets them: from the OpenAPI body SAM made of the
    template, as the stack provisioned it (its intrinsic functions evaluated: X-RateLimit-Limit is the
    AccountRateLimit parameter), in the template's own form."""
    apis = dict(spec.apis)
    for logical_id, api in spec.apis.items():
        body = properties.get(logical_id, {}).get("Body") or {}
        deployed = body.get("x-amazon-apigateway-gateway-responses")
        if deployed:
            apis[logical_id] = dataclasses.replace(api, gateway_responses=_sam_form(deployed))
    return dataclasses.replace(spec, apis=apis)


def _sam_form(deployed: Mapping[str, Any]) -> dict[str, Any]:
    """OpenAPI's ``x-amazon-apigateway-gateway-responses`` back in SAM's ``GatewayResponses`` form."""
    prefix = "gatewayresponse.header."
    responses: dict[str, Any] = {}
    for kind, answer in deployed.items():
        parameters = answer.get("responseParameters") or {}
        headers = {name.removeprefix(prefix): value for name, value in parameters.items() if name.startswith(prefix)}
        converted: dict[str, Any] = {"ResponseParameters": {"Headers": headers}}
        if "statusCode" in answer:
            converted["StatusCode"] = str(answer["statusCode"])
        if answer.get("responseTemplates"):
            converted["ResponseTemplates"] = dict(answer["responseTemplates"])
        responses[kind] = converted
    return responses


def _mapped(expression: str, request: Request) -> str:
    """A header mapping of a gateway or mock integration response: ``'static'``, ``context.requestId`` or
    ``method.request.header.NAME``; anything else is refused, so that nothing passes here that AWS would
    evaluate differently."""
    if len(expression) >= 2 and expression[0] == expression[-1] == "'":
        return expression[1:-1]
    if expression == "context.requestId":
        return str(request.environ[_REQUEST_ID])
    if expression.startswith("method.request.header."):
        return request.headers.get(expression.removeprefix("method.request.header."), "")
    raise ValueError(f"the local gateway does not evaluate the mapping expression {expression!r}")


def _lambda_refused(request: Request) -> Response:
    """Lambda refuses an event over 6 MB (RequestEntityTooLargeException) and API Gateway answers 413."""
    headers = Headers({"Content-Type": "application/json", "x-should-retry": "false"})
    headers["x-ik-requestId"] = str(request.environ[_REQUEST_ID])
    return Response(json.dumps(_LAMBDA_TOO_LARGE), status=413, headers=headers)


DOCS = "/docs"  # served by the local stack only (not a route of the template): the API reference
_SWAGGER_ASSETS = {
    "/docs/swagger-ui.css": ("swagger-ui.min.css", "text/css"),
    "/docs/swagger-ui-bundle.js": ("swagger-ui-bundle.min.js", "application/javascript"),
}
_DOCS_PAGE = """<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>medialib API reference</title>
<link rel="stylesheet" href="/docs/swagger-ui.css"></head>
<body><div id="swagger-ui"><noscript>The reference is docs/openapi.json.</noscript></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script>window.ui = SwaggerUIBundle({url: "/docs/openapi.json", dom_id: "#swagger-ui", deepLinking: true});</script>
</body>
</html>
"""


def docs(root: Path, path: str, request: Request) -> Response:
    """Swagger UI of the committed docs/openapi.json, with no asset from the internet: its script and style
    are the copies Powertools ships. The document's first server becomes this stack's own URL."""
    if path in {DOCS, DOCS + "/"}:
        return Response(_DOCS_PAGE, status=200, content_type="text/html; charset=utf-8")
    if path == DOCS + "/openapi.json":
        document = json.loads((root / "docs" / "openapi.json").read_text())
        document["servers"][0]["url"] = request.host_url.rstrip("/")
        return Response(json.dumps(document), status=200, content_type="application/json")
    if path in _SWAGGER_ASSETS:
        from aws_lambda_powertools.event_handler.openapi import swagger_ui  # noqa: PLC0415

        name, media = _SWAGGER_ASSETS[path]
        return Response((Path(swagger_ui.__file__).parent / name).read_bytes(), status=200, content_type=media)
    body = {"message": "The requested resource does not exist.", "help": "The API reference is at /docs."}
    return Response(json.dumps(body), status=404, content_type="application/json")


def _raw_path(request: Request) -> str:
    """The path as sent (still percent-encoded), so that path parameters are decoded exactly once."""
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI") or quote(request.path)
    return str(raw).split("?", 1)[0]


def _allows(policy: dict[str, Any], method_arn: str) -> bool:
    def matches(statement: dict[str, Any]) -> bool:
        resources = statement.get("Resource", [])
        resources = [resources] if isinstance(resources, str) else resources
        return any(fnmatch.fnmatchcase(method_arn, pattern) for pattern in resources)

    statements = policy.get("Statement", [])
    if any(s.get("Effect") == "Deny" and matches(s) for s in statements):
        return False
    return any(s.get("Effect") == "Allow" and matches(s) for s in statements)


def _is_binary(content_type: str, api: ApiSpec) -> bool:
    media = content_type.split(";", maxsplit=1)[0].strip().lower() or "application/json"
    return any(fnmatch.fnmatchcase(media, pattern) for pattern in api.binary_media_types)


def _to_http(result: dict[str, Any], request: Request, api: ApiSpec) -> Response:
    headers = Headers()
    for name, value in (result.get("headers") or {}).items():
        headers[name] = str(value)
    for name, values in (result.get("multiValueHeaders") or {}).items():
        headers.remove(name)
        for value in values:
            headers.add(name, str(value))
    body = result.get("body") or ""
    accept = request.headers.get("Accept", "").split(",")[0]
    if result.get("isBase64Encoded") and _is_binary(accept, api):
        payload: bytes = base64.b64decode(body)
    else:
        payload = body.encode()
    return Response(payload, status=int(result["statusCode"]), headers=headers)


def query_parameters(raw: str) -> dict[str, list[str]]:
    """A query string as API Gateway's REST proxy hands it to a function (``multiValueQueryStringParameters``;
    ``queryStringParameters`` keeps each name's last value): decoded once as a form, so ``+`` is a space and
    ``%2B`` a literal ``+`` (aws/aws-cdk issue #19827 shows a ``+`` arriving as a space; the Python SDK encodes
    spaces as ``+``, the Node SDK as ``%20``)."""
    found: dict[str, list[str]] = {}
    for pair in raw.split("&"):
        if pair:
            key, _, value = pair.partition("=")
            found.setdefault(unquote_plus(key), []).append(unquote_plus(value))
    return found
