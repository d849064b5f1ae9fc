"""CloudFront in front of the delivery API, as the local stack serves it on the same port as the APIs.

A request for a path of the API behind the distribution's default origin goes through what CloudFront does on
its way to the origin, from the template's own settings:

1. the behaviour's viewer-request function (the template's ``AcceptFunction``, whose JavaScript this module
   mirrors in :func:`normalise_accept`; ``tests/unit/test_cdn_accept.py`` runs both over the same table);
2. the cache key of the behaviour's cache policy (:meth:`Edge.cache_key`, for the tests to compare): no response
   is kept here, so every request reaches the origin, as a cache miss would;
3. what the origin receives: the query string as sent when the origin request policy forwards all of it, the
   headers of the cache key and of the origin request policy (the viewer's other headers are dropped, as
   CloudFront drops them), and the origin's custom headers (the origin secret). ``If-None-Match`` and
   ``If-Modified-Since`` pass too: CloudFront answers them from its cache, which this edge does not have;
4. the behaviour's response headers policy on every answer (:func:`response_headers_of`): its security and
   custom headers added, replacing the origin's where the policy overrides, and its removed headers dropped.

Other paths (the management API, /docs) pass through untouched: in AWS they are other hosts. The distribution's
origins are read back from the local AWS; the cache behaviour's policies and function associations, which moto
5.2.5 does not keep, from the template's resolved properties (``Provisioned.properties``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from medialib_local.gateway import Gateway

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
CacheKey = tuple[tuple[str, Any], ...]

# The normalised Accept values (docs/cdn.md): which of the two formats f-auto picks from the viewer lists.
ACCEPT_AVIF_WEBP = "image/avif,image/webp"
ACCEPT_AVIF = "image/avif"
ACCEPT_WEBP = "image/webp"
ACCEPT_OTHER = "*/*"
_ZERO_Q = re.compile(r"0(\.0{0,3})?")
_OWS = " \t"
# CloudFront answers conditional requests from its cache; with no cache here the origin answers them.
_CONDITIONAL = ("if-none-match", "if-modified-since")


def _listed(accept: str, media_type: str) -> bool:
    """Whether ``accept`` lists ``media_type`` (case-insensitive) with a q other than zero."""
    for media_range in accept.split(","):
        kind, *params = media_range.split(";")
        if kind.strip(_OWS).lower() != media_type:
            continue
        refused = any(
            name.strip(_OWS).lower() == "q" and _ZERO_Q.fullmatch(value.strip(_OWS))
            for name, _, value in (param.partition("=") for param in params)
        )
        if not refused:
            return True
    return False


def normalise_accept(accept: str | None) -> str:
    """The template's AcceptFunction in Python: the Accept header reduced to the formats f-auto chooses between."""
    text = accept or ""
    avif, webp = _listed(text, "image/avif"), _listed(text, "image/webp")
    if avif and webp:
        return ACCEPT_AVIF_WEBP
    return ACCEPT_AVIF if avif else ACCEPT_WEBP if webp else ACCEPT_OTHER


def _accept_function(environ: dict[str, Any]) -> None:
    environ["HTTP_ACCEPT"] = normalise_accept(environ.get("HTTP_ACCEPT"))


# The viewer-request functions of the template the edge knows, by logical id. An associated function that is not
# here stops the stack: the edge would otherwise silently skip what CloudFront runs.
VIEWER_REQUEST_FUNCTIONS: dict[str, Callable[[dict[str, Any]], None]] = {"AcceptFunction": _accept_function}


@dataclass(frozen=True)
class Selection:
    """A cache or origin request policy's choice of query strings, headers or cookies: ``none``, ``whitelist``,
    ``allExcept`` or ``all`` (names lower-cased for headers, as sent for query strings)."""

    behaviour: str = "none"
    names: tuple[str, ...] = ()

    def picks(self, name: str) -> bool:
        if self.behaviour in {"all", "allViewer"}:
            return True
        if self.behaviour == "allExcept":
            return name not in self.names
        return self.behaviour in {"whitelist", "allViewerAndWhitelistCloudFront"} and name in self.names


@dataclass(frozen=True)
class ResponseHeader:
    """A header a response headers policy adds; ``override``: it replaces the origin's header of that name."""

    name: str
    value: str
    override: bool


@dataclass(frozen=True)
class ResponsePolicy:
    """A response headers policy as the edge applies it to every answer of its behaviour."""

    added: tuple[ResponseHeader, ...] = ()
    removed: tuple[str, ...] = ()  # lower-cased names

    def apply(self, headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
        present = {name.lower() for name, _ in headers}
        replaced = {h.name.lower() for h in self.added if h.override} | set(self.removed)
        kept = [(name, value) for name, value in headers if name.lower() not in replaced]
        return kept + [(h.name, h.value) for h in self.added if h.override or h.name.lower() not in present]


@dataclass(frozen=True)
class Behaviour:
    """What the edge applies to a delivery request: the cache key's parts, what the origin receives beyond them,
    and the viewer-request functions."""

    key_query: Selection
    key_headers: Selection
    accept_encoding: tuple[str, ...]  # "br", "gzip": the encodings the cache policy keys by
    origin_query: Selection
    origin_headers: Selection
    viewer_request: tuple[Callable[[dict[str, Any]], None], ...] = ()
    response: ResponsePolicy = ResponsePolicy()


class Edge:
    def __init__(
        self, gateway: Gateway, origin_api: str, origin_headers: dict[str, str], behaviour: Behaviour | None = None
    ) -> None:
        self.gateway = gateway
        self.origin_api = origin_api
        self.origin_headers = origin_headers
        self.behaviour = behaviour

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = str(environ.get("PATH_INFO") or "/")
        if self.gateway.api_of(path) == self.origin_api:
            self._to_origin(environ)
            if self.behaviour is not None:
                start_response = _with_policy(start_response, self.behaviour.response)
        answer: Iterable[bytes] = self.gateway(environ, start_response)
        return answer

    def cache_key(self, environ: dict[str, Any]) -> CacheKey:
        """The cache key CloudFront computes for this request (after its viewer-request functions): the path, the
        query strings, headers and encodings of the cache policy. Two requests with equal keys share one cached
        answer."""
        viewed = dict(environ)
        behaviour = self._viewer_request(viewed)
        query = tuple(
            (name, value)
            for name, value in _query_pairs(viewed)
            if behaviour is None or behaviour.key_query.picks(name)
        )
        headers = tuple(
            (name, value)
            for name, value in _headers(viewed)
            if behaviour is not None and behaviour.key_headers.picks(name)
        )
        encodings = _encodings(viewed, behaviour.accept_encoding) if behaviour else ()
        return (
            ("path", str(viewed.get("PATH_INFO") or "/")),
            ("query", query),
            ("headers", tuple(sorted(headers))),
            ("accept-encoding", encodings),
        )

    def _viewer_request(self, environ: dict[str, Any]) -> Behaviour | None:
        if self.behaviour is not None:
            for function in self.behaviour.viewer_request:
                function(environ)
        return self.behaviour

    def _to_origin(self, environ: dict[str, Any]) -> None:
        behaviour = self._viewer_request(environ)
        if behaviour is not None:
            kept = {
                name
                for name, _ in _headers(environ)
                if behaviour.key_headers.picks(name) or behaviour.origin_headers.picks(name) or name in _CONDITIONAL
            }
            for key in [k for k in environ if k.startswith("HTTP_") and k != "HTTP_HOST"]:
                if _header_name(key) not in kept:
                    del environ[key]
            if behaviour.accept_encoding:
                environ["HTTP_ACCEPT_ENCODING"] = ",".join(_encodings(environ, behaviour.accept_encoding))
            environ["QUERY_STRING"] = _forwarded_query(environ, behaviour)
            environ["HTTP_USER_AGENT"] = "Amazon CloudFront"
        for name, value in self.origin_headers.items():
            environ["HTTP_" + name.upper().replace("-", "_")] = value


def _with_policy(start_response: Callable[..., Any], policy: ResponsePolicy) -> Callable[..., Any]:
    def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        return start_response(status, policy.apply(headers), exc_info)

    return start


def _header_name(key: str) -> str:
    return key.removeprefix("HTTP_").replace("_", "-").lower()


def _headers(environ: dict[str, Any]) -> list[tuple[str, str]]:
    return [(_header_name(k), str(v)) for k, v in environ.items() if k.startswith("HTTP_") and k != "HTTP_HOST"]


def _query_pairs(environ: dict[str, Any]) -> list[tuple[str, str]]:
    """The query string's name=value pairs in the order sent, still percent-encoded (CloudFront keys by them so)."""
    pairs = []
    for pair in str(environ.get("QUERY_STRING") or "").split("&"):
        if pair:
            name, _, value = pair.partition("=")
            pairs.append((name, value))
    return pairs


def _forwarded_query(environ: dict[str, Any], behaviour: Behaviour) -> str:
    raw = str(environ.get("QUERY_STRING") or "")
    if behaviour.origin_query.behaviour == "all":
        return raw  # byte for byte: a signature over the whole query string must still verify
    kept = [
        pair
        for pair in raw.split("&")
        if pair
        and (behaviour.key_query.picks(pair.partition("=")[0]) or behaviour.origin_query.picks(pair.partition("=")[0]))
    ]
    return "&".join(kept)


def _encodings(environ: dict[str, Any], keyed: tuple[str, ...]) -> tuple[str, ...]:
    """Accept-Encoding as CloudFront normalises it for the key: which of the keyed encodings the viewer lists."""
    listed = {
        part.split(";")[0].strip(_OWS).lower() for part in str(environ.get("HTTP_ACCEPT_ENCODING") or "").split(",")
    }
    return tuple(encoding for encoding in sorted(keyed) if encoding in listed)


def origin_of(distribution: dict[str, Any], physical: dict[str, str]) -> tuple[str, dict[str, str]]:
    """The logical id of the API behind the default behaviour's origin, and that origin's custom headers.
    ``distribution`` is GetDistributionConfig's ``DistributionConfig``."""
    target = distribution["DefaultCacheBehavior"]["TargetOriginId"]
    origin = next(o for o in distribution["Origins"]["Items"] if o["Id"] == target)
    api = next(lid for lid, pid in physical.items() if origin["DomainName"].startswith(f"{pid}.execute-api."))
    headers = {h["HeaderName"]: h["HeaderValue"] for h in (origin.get("CustomHeaders") or {}).get("Items", [])}
    return api, headers


def _selection(config: dict[str, Any] | None, behaviour_key: str, names_key: str, *, lower: bool) -> Selection:
    config = config or {}
    names = tuple(str(n).lower() if lower else str(n) for n in config.get(names_key) or ())
    return Selection(str(config.get(behaviour_key, "none")), names)


def _strict_transport_security(config: dict[str, Any]) -> str:
    value = f"max-age={int(config['AccessControlMaxAgeSec'])}"
    value += "; includeSubDomains" if config.get("IncludeSubdomains") else ""
    return value + ("; preload" if config.get("Preload") else "")


def _xss_protection(config: dict[str, Any]) -> str:
    if not config.get("Protection"):
        return "0"
    value = "1" + ("; mode=block" if config.get("ModeBlock") else "")
    return value + (f"; report={config['ReportUri']}" if config.get("ReportUri") else "")


# SecurityHeadersConfig's entries: the header each one sends and how its value is written.
_SECURITY_HEADERS: dict[str, tuple[str, Callable[[dict[str, Any]], str]]] = {
    "ContentTypeOptions": ("X-Content-Type-Options", lambda c: "nosniff"),
    "ContentSecurityPolicy": ("Content-Security-Policy", lambda c: str(c["ContentSecurityPolicy"])),
    "StrictTransportSecurity": ("Strict-Transport-Security", _strict_transport_security),
    "FrameOptions": ("X-Frame-Options", lambda c: str(c["FrameOption"])),
    "ReferrerPolicy": ("Referrer-Policy", lambda c: str(c["ReferrerPolicy"])),
    "XSSProtection": ("X-XSS-Protection", _xss_protection),
}


def response_headers_of(config: dict[str, Any]) -> ResponsePolicy:
    """A ResponseHeadersPolicyConfig of the template as the edge applies it. CORS and Server-Timing settings are
    not emulated: the edge refuses them rather than skip what CloudFront would do."""
    for unsupported in ("CorsConfig", "ServerTimingHeadersConfig"):
        if unsupported in config:
            raise NotImplementedError(f"the local edge does not apply a response headers policy's {unsupported}")
    added = [
        ResponseHeader(name, render(settings), bool(settings["Override"]))
        for key, settings in (config.get("SecurityHeadersConfig") or {}).items()
        for name, render in [_SECURITY_HEADERS[key]]
    ]
    added += [
        ResponseHeader(str(h["Header"]), str(h["Value"]), bool(h["Override"]))
        for h in (config.get("CustomHeadersConfig") or {}).get("Items") or []
    ]
    removed = tuple(str(h["Header"]).lower() for h in (config.get("RemoveHeadersConfig") or {}).get("Items") or [])
    return ResponsePolicy(tuple(added), removed)


def behaviour_of(properties: dict[str, dict[str, Any]], physical: dict[str, str]) -> Behaviour:
    """The default cache behaviour of the template's distribution as the edge applies it. ``properties`` are the
    resolved properties of every resource by logical id, ``physical`` their Ref values."""
    logical = {ref: lid for lid, ref in physical.items()}
    [config] = [p["DistributionConfig"] for p in properties.values() if "DistributionConfig" in p]
    default = config["DefaultCacheBehavior"]
    cache = properties[logical[default["CachePolicyId"]]]["CachePolicyConfig"][
        "ParametersInCacheKeyAndForwardedToOrigin"
    ]
    origin: dict[str, Any] = {}
    if "OriginRequestPolicyId" in default:
        origin = properties[logical[default["OriginRequestPolicyId"]]]["OriginRequestPolicyConfig"]
    if cache.get("CookiesConfig", {}).get("CookieBehavior", "none") != "none" or (
        origin.get("CookiesConfig", {}).get("CookieBehavior", "none") != "none"
    ):
        raise NotImplementedError(
            "the local edge does not forward or key by cookies; the template's policies send none"
        )
    functions = []
    for association in default.get("FunctionAssociations") or []:
        if association["EventType"] != "viewer-request":
            raise NotImplementedError(
                f"the local edge runs viewer-request functions only, not {association['EventType']}"
            )
        function_id = logical[association["FunctionARN"]]
        if function_id not in VIEWER_REQUEST_FUNCTIONS:
            raise NotImplementedError(f"{function_id}: the local edge has no Python counterpart of this function")
        functions.append(VIEWER_REQUEST_FUNCTIONS[function_id])
    encodings = tuple(
        name
        for name, flag in (("br", "EnableAcceptEncodingBrotli"), ("gzip", "EnableAcceptEncodingGzip"))
        if cache.get(flag)
    )
    response = ResponsePolicy()
    if "ResponseHeadersPolicyId" in default:
        policy = properties[logical[default["ResponseHeadersPolicyId"]]]["ResponseHeadersPolicyConfig"]
        response = response_headers_of(policy)
    return Behaviour(
        key_query=_selection(cache["QueryStringsConfig"], "QueryStringBehavior", "QueryStrings", lower=False),
        key_headers=_selection(cache["HeadersConfig"], "HeaderBehavior", "Headers", lower=True),
        accept_encoding=encodings,
        origin_query=_selection(origin.get("QueryStringsConfig"), "QueryStringBehavior", "QueryStrings", lower=False),
        origin_headers=_selection(origin.get("HeadersConfig"), "HeaderBehavior", "Headers", lower=True),
        viewer_request=tuple(functions),
        response=response,
    )
