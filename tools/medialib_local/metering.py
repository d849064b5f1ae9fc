"""API Gateway's usage plans on the local stack: on a method that requires an API key, the key (the authorizer's
``usageIdentifierKey`` with the source AUTHORIZER, else the ``x-api-key`` header) must be the value of an enabled API
key in a usage plan of the method's stage, else API Gateway answers INVALID_API_KEY (403). The plan then meters the
key: its throttle is a token bucket per key (``burstLimit`` tokens, refilled at ``rateLimit`` per second; a request
without a token is THROTTLED, 429) and its quota counts the key's requests per UTC day, week (ISO, from Monday) or
month (QUOTA_EXCEEDED, 429, once ``limit`` is reached; ``offset`` is not emulated).

Plans, keys and their attachments live in the local moto (the template's ``AWS::ApiGateway::UsagePlan``, the keys
that :mod:`medialib_local.usage_plans` attaches) and are read on every request, so a key disabled or attached while
the stack runs counts at once. They are read from moto's API Gateway backend in this process (:class:`MotoPlans`),
in the shapes its API answers: two calls through its HTTP server cost about 20 ms a request on a loaded machine,
as much as the request itself, which would show in every benchmark of the stack. Not emulated: a plan's per-method throttles and the stage's own ``MethodSettings``
throttling (docs/limits.md). ``clock`` is the seam tests move the time with.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from medialib_local import ACCOUNT_ID, REGION

INVALID_API_KEY = "INVALID_API_KEY"
THROTTLED = "THROTTLED"
QUOTA_EXCEEDED = "QUOTA_EXCEEDED"


@dataclass
class TokenBucket:
    """API Gateway's throttle: ``capacity`` requests at once, ``rate`` more per second, full at first."""

    rate: float
    capacity: float
    tokens: float
    updated: float

    @classmethod
    def full(cls, rate: float, capacity: float, now: float) -> TokenBucket:
        return cls(rate, capacity, capacity, now)

    def take(self, now: float) -> bool:
        """Whether a request may pass at ``now``; it takes a token if so."""
        self.tokens = min(self.capacity, self.tokens + max(0.0, now - self.updated) * self.rate)
        self.updated = max(self.updated, now)
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


@dataclass(frozen=True)
class Admission:
    """What the usage plans say of one request: ``refusal`` is the gateway response type, None when it passes."""

    refusal: str | None
    key_id: str = ""


def quota_period(period: str, now: float) -> str:
    """The UTC period ``now`` falls in: ``2026-12-02``, ``2026-W49`` or ``2026-12``."""
    moment = datetime.fromtimestamp(now, UTC)
    if period == "DAY":
        return moment.strftime("%Y-%m-%d")
    if period == "WEEK":
        year, week, _ = moment.isocalendar()
        return f"{year}-W{week:02d}"
    return moment.strftime("%Y-%m")


class MotoPlans:
    """API keys and usage plans as the local moto holds them, read in this process (the moto server of the local
    stack runs here), as GetApiKeys (with values) and GetUsagePlans (by key) answer them."""

    def __init__(self, account_id: str = ACCOUNT_ID, region: str = REGION) -> None:
        self.account_id, self.region = account_id, region

    def _backend(self) -> Any:
        from moto.apigateway.models import apigateway_backends  # noqa: PLC0415 - the local stack's own dependency

        return apigateway_backends[self.account_id][self.region]

    def api_keys(self) -> list[dict[str, Any]]:
        return [key.to_json() for key in _settled(lambda: list(self._backend().get_api_keys()))]

    def plans_of(self, key_id: str) -> list[dict[str, Any]]:
        return [plan.to_json() for plan in _settled(lambda: list(self._backend().get_usage_plans(api_key_id=key_id)))]


def _settled(read: Callable[[], list[Any]]) -> list[Any]:
    """``read()``, again if moto's dicts changed under it (a key created by another thread while it iterated)."""
    for _ in range(9):
        try:
            return read()
        except RuntimeError:  # dictionary changed size during iteration
            continue
    return read()


class UsagePlans:
    """The usage plans of the local moto, applied to the requests of the local gateway."""

    def __init__(
        self, source: MotoPlans, stages: Mapping[str, tuple[str, str]], clock: Callable[[], float] = time.time
    ) -> None:
        self.source = source
        self.stages = dict(stages)  # API logical id -> (its REST API id, its stage's id) as the plans name them
        self.clock = clock
        self._buckets: dict[tuple[str, str], TokenBucket] = {}
        self._counts: dict[tuple[str, str, str], int] = {}
        self._lock = threading.Lock()

    def admit(self, api_id: str, value: str | None) -> Admission:
        """Whether a request of the API ``api_id`` (logical id) that carries the API key ``value`` passes."""
        key = self._enabled_key(value) if value else None
        plan = self._plan(api_id, str(key["id"])) if key else None
        if key is None or plan is None:
            return Admission(INVALID_API_KEY)
        key_id = str(key["id"])
        with self._lock:
            return Admission(self._meter(plan, key_id), key_id)

    def _enabled_key(self, value: str) -> dict[str, Any] | None:
        return next((k for k in self.source.api_keys() if k.get("value") == value and k.get("enabled")), None)

    def _plan(self, api_id: str, key_id: str) -> dict[str, Any] | None:
        stage = self.stages.get(api_id)
        for plan in self.source.plans_of(key_id):
            if any((s.get("apiId"), s.get("stage")) == stage for s in plan.get("apiStages", [])):
                return dict(plan)
        return None

    def _meter(self, plan: Mapping[str, Any], key_id: str) -> str | None:
        now = self.clock()
        quota = plan.get("quota") or {}
        counted = (str(plan["id"]), key_id, quota_period(str(quota.get("period", "MONTH")), now))
        if quota and self._counts.get(counted, 0) >= int(quota["limit"]):
            return QUOTA_EXCEEDED
        throttle = plan.get("throttle") or {}
        if throttle and not self._bucket(str(plan["id"]), key_id, throttle, now).take(now):
            return THROTTLED
        if quota:
            self._counts[counted] = self._counts.get(counted, 0) + 1
        return None

    def _bucket(self, plan_id: str, key_id: str, throttle: Mapping[str, Any], now: float) -> TokenBucket:
        rate, capacity = float(throttle.get("rateLimit", 0)), float(throttle.get("burstLimit", 0))
        bucket = self._buckets.get((plan_id, key_id))
        if bucket is None or (bucket.rate, bucket.capacity) != (rate, capacity):  # new, or the plan changed
            bucket = self._buckets[(plan_id, key_id)] = TokenBucket.full(rate, capacity, now)
        return bucket


def stages_of(
    types: Mapping[str, str], properties: Mapping[str, Mapping[str, Any]], physical: Mapping[str, str]
) -> dict[str, tuple[str, str]]:
    """Each REST API's (id, stage id) as the provisioned stack names them (``ApiStages`` of a usage plan), by the API's
    logical id."""
    apis = {physical[lid]: lid for lid, kind in types.items() if kind == "AWS::ApiGateway::RestApi" and lid in physical}
    stages: dict[str, tuple[str, str]] = {}
    for lid, kind in types.items():
        rest_api = str(properties.get(lid, {}).get("RestApiId", ""))
        if kind == "AWS::ApiGateway::Stage" and rest_api in apis and lid in physical:
            stages[apis[rest_api]] = (rest_api, physical[lid])
    return stages
