"""CloudFront in front of the delivery API, as the local stack serves it on the same port as the APIs.

A request for a path of the API behind the distribution's default origin reaches the gateway as CloudFront
would forward it: with the origin's custom headers (the origin secret). The distribution is read back from the
local AWS as provisioned from the template, so its settings have one source. Other paths (the management API,
/docs) pass through untouched: in AWS they are other hosts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from medialib_local.gateway import Gateway

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class Edge:
    def __init__(self, gateway: Gateway, origin_api: str, origin_headers: dict[str, str]) -> None:
        self.gateway = gateway
        self.origin_api = origin_api
        self.origin_headers = origin_headers

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = str(environ.get("PATH_INFO") or "/")
        if self.gateway.api_of(path) == self.origin_api:
            for name, value in self.origin_headers.items():
                environ["HTTP_" + name.upper().replace("-", "_")] = value
        answer: Iterable[bytes] = self.gateway(environ, start_response)
        return answer


def origin_of(distribution: dict[str, Any], physical: dict[str, str]) -> tuple[str, dict[str, str]]:
    """The logical id of the API behind the default behaviour's origin, and that origin's custom headers.
    ``distribution`` is GetDistributionConfig's ``DistributionConfig``."""
    target = distribution["DefaultCacheBehavior"]["TargetOriginId"]
    origin = next(o for o in distribution["Origins"]["Items"] if o["Id"] == target)
    api = next(lid for lid, pid in physical.items() if origin["DomainName"].startswith(f"{pid}.execute-api."))
    headers = {h["HeaderName"]: h["HeaderValue"] for h in (origin.get("CustomHeaders") or {}).get("Items", [])}
    return api, headers
