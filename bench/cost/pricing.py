"""The prices bench/cost/run.py uses, in one place, and the arithmetic that turns measured usage into dollars.

AWS: list prices of us-east-1 (US East, N. Virginia), on demand, the first volume tier of each service, no free
tier, no Savings Plans, checked on ``CHECKED``. ImageKit: its public plans, checked the same day. docs/cost.md
cites where each figure was read. Everything here is pure (no I/O, no clock): tests/unit/test_cost_pricing.py
checks the arithmetic.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any

CHECKED = "2026-12-02"
KB, GB = 1024, 1024**3  # AWS bills GB as 2^30 bytes (S3 storage, CloudFront and Lambda "GB" of memory)


@dataclass(frozen=True)
class Price:
    dollars: float  # for `per` units
    per: float
    unit: str
    source: str

    @property
    def each(self) -> float:
        return self.dollars / self.per


LAMBDA_PRICING = "https://aws.amazon.com/lambda/pricing/"
PRICES: dict[str, Price] = {
    "lambda_gb_s": Price(0.0000166667, 1, "GB-second (x86, first 6 billion GB-s a month)", LAMBDA_PRICING),
    "lambda_request": Price(0.20, 1_000_000, "request", LAMBDA_PRICING),
    "api_rest": Price(
        3.50, 1_000_000, "REST API call (first 333 million a month)", "https://aws.amazon.com/api-gateway/pricing/"
    ),
    "dynamodb_wru": Price(
        0.625,
        1_000_000,
        "write request unit (on-demand, Standard table class)",
        "https://aws.amazon.com/dynamodb/pricing/on-demand/",
    ),
    "dynamodb_rru": Price(
        0.125,
        1_000_000,
        "read request unit (on-demand, Standard table class)",
        "https://aws.amazon.com/dynamodb/pricing/on-demand/",
    ),
    "s3_put": Price(0.005, 1000, "PUT, COPY, POST, LIST request (S3 Standard)", "https://aws.amazon.com/s3/pricing/"),
    "s3_get": Price(0.0004, 1000, "GET, HEAD and other request (S3 Standard)", "https://aws.amazon.com/s3/pricing/"),
    "s3_gb_month": Price(0.023, 1, "GB-month stored (S3 Standard, first 50 TB)", "https://aws.amazon.com/s3/pricing/"),
    "sfn_transition": Price(
        0.025, 1000, "state transition (Standard workflows)", "https://aws.amazon.com/step-functions/pricing/"
    ),
    "cloudfront_gb": Price(
        0.085,
        1,
        "GB out to the internet (United States, Mexico, Canada; first 10 TB)",
        "https://aws.amazon.com/cloudfront/pricing/",
    ),
    "cloudfront_https": Price(
        0.0100, 10_000, "HTTPS request (United States, Mexico, Canada)", "https://aws.amazon.com/cloudfront/pricing/"
    ),
    "cloudfront_function": Price(
        0.10, 1_000_000, "CloudFront Functions invocation", "https://aws.amazon.com/cloudfront/pricing/"
    ),
    "cloudfront_invalidation": Price(
        0.005, 1, "invalidation path beyond the first 1,000 a month", "https://aws.amazon.com/cloudfront/pricing/"
    ),
    "kms_request": Price(0.03, 10_000, "KMS API request (symmetric key)", "https://aws.amazon.com/kms/pricing/"),
    "logs_gb": Price(
        0.50,
        1,
        "GB of logs ingested (CloudWatch Logs Standard, Lambda and API Gateway logs, first 10 TB)",
        "https://aws.amazon.com/cloudwatch/pricing/",
    ),
}
# Fixed monthly costs of the stack, whatever the traffic (docs/cost.md lists them beside the table).
MONTHLY: dict[str, Price] = {
    "kms_key": Price(1.00, 1, "customer managed KMS key, a month", "https://aws.amazon.com/kms/pricing/"),
    "alarm": Price(
        0.10, 1, "standard-resolution CloudWatch alarm metric, a month", "https://aws.amazon.com/cloudwatch/pricing/"
    ),
}
FULL_VCPU_MB = 1769  # Lambda: "at 1,769 MB, a function has the equivalent of one vCPU"; CPU is proportional below
FREE_INVALIDATION_PATHS = 1000  # a month, per account


@dataclass(frozen=True)
class Plan:
    name: str
    dollars_a_month: float | None  # None: custom (Enterprise)
    bandwidth_gb: float | None
    storage_gb: float | None
    bandwidth_overage_per_gb: float | None
    storage_overage_per_gb: float | None
    note: str


IMAGEKIT_SOURCE = "https://imagekit.io/plans/"
IMAGEKIT_PLANS = [
    Plan("Free", 0, 20, 3, None, None, "hard limits, no overage; 2 users; imagekit.io URLs only"),
    Plan("Lite", 9, 40, 10, 0.50, 0.10, "3 users; email support; no custom domain"),
    Plan("Pro", 89, 225, 225, 0.45, 0.09, "5 users; 1 custom domain; unlimited AI operations"),
    Plan("Enterprise", None, None, None, None, None, "custom limits and price; SSO, dedicated support"),
]


def imagekit_monthly(plan: Plan, bandwidth_gb: float, storage_gb: float) -> float | None:
    """What a month costs on a plan: its price plus the overage of bandwidth and storage beyond what it includes.
    None when the plan cannot carry it (Free beyond its limits, Enterprise: priced on request)."""
    if plan.dollars_a_month is None or plan.bandwidth_gb is None or plan.storage_gb is None:
        return None
    over_bandwidth, over_storage = max(0.0, bandwidth_gb - plan.bandwidth_gb), max(0.0, storage_gb - plan.storage_gb)
    if plan.bandwidth_overage_per_gb is None or plan.storage_overage_per_gb is None:
        return plan.dollars_a_month if over_bandwidth == 0 and over_storage == 0 else None
    return (
        plan.dollars_a_month
        + over_bandwidth * plan.bandwidth_overage_per_gb
        + over_storage * plan.storage_overage_per_gb
    )


# ------------------------------------------------------------------ Lambda


def billed_ms(duration_ms: float) -> int:
    """Lambda bills duration rounded up to the next millisecond (at least 1 ms)."""
    return max(1, math.ceil(round(duration_ms, 6)))


def gb_seconds(memory_mb: int, duration_ms: float) -> float:
    """The GB-seconds of one invocation: configured memory (MB / 1024) times its billed duration."""
    return memory_mb / 1024 * billed_ms(duration_ms) / 1000


def cpu_share(memory_mb: int) -> float:
    """The vCPU share Lambda gives a function of that memory (one vCPU at 1,769 MB; a single-threaded handler gains
    nothing above it)."""
    return min(1.0, memory_mb / FULL_VCPU_MB)


def lambda_duration_ms(cpu_ms: float, memory_mb: int, waits_ms: float) -> float:
    """An invocation's duration on Lambda, estimated: its CPU time measured here stretched by the function's CPU
    share, plus the time it waits on AWS calls (an assumption per call: run.py's LATENCY_MS)."""
    return cpu_ms / cpu_share(memory_mb) + waits_ms


# ------------------------------------------------------------------ DynamoDB request units


def _number_size(raw: Any) -> int:
    digits = str(raw).lstrip("-").replace(".", "").lstrip("0") or "0"
    return math.ceil(len(digits) / 2) + 1


def _binary_size(raw: Any) -> int:
    return len(raw) if isinstance(raw, bytes | bytearray) else math.floor(len(str(raw)) * 3 / 4)  # base64 on the wire


_SIZES: dict[str, Callable[[Any], int]] = {
    "S": lambda raw: len(str(raw).encode()),
    "N": _number_size,
    "B": _binary_size,
    "BOOL": lambda raw: 1,
    "NULL": lambda raw: 1,
    "SS": lambda raw: sum(len(str(each).encode()) for each in raw),
    "NS": lambda raw: sum(_number_size(each) for each in raw),
    "BS": lambda raw: sum(_binary_size(each) for each in raw),
    "L": lambda raw: 3 + sum(1 + attribute_size(each) for each in raw),
    "M": lambda raw: 3 + sum(1 + len(name.encode()) + attribute_size(each) for name, each in raw.items()),
}


def attribute_size(value: dict[str, Any]) -> int:
    """The bytes DynamoDB counts for one typed attribute value ({"S": ...}, {"N": ...}, {"M": {...}} ...): strings
    and binaries by length in UTF-8 / bytes, numbers about one byte per two significant digits plus one, booleans
    and nulls one byte, lists and maps 3 bytes plus one per element plus their contents."""
    ((kind, raw),) = value.items()
    if kind not in _SIZES:
        raise ValueError(f"not a DynamoDB attribute type: {kind}")
    return _SIZES[kind](raw)


def item_size(item: dict[str, dict[str, Any]] | None) -> int:
    """An item's size as DynamoDB bills it: the sum of its attribute names' and values' sizes."""
    return sum(len(name.encode()) + attribute_size(value) for name, value in (item or {}).items())


def read_units(size: int, *, consistent: bool, transactional: bool = False) -> float:
    """Read request units of one read of ``size`` bytes (an item, or a query's items together): 4 KB steps, at
    least one; half for an eventually consistent read, twice for a transactional one."""
    steps = max(1, math.ceil(size / (4 * KB)))
    return steps * (2.0 if transactional else 1.0 if consistent else 0.5)


def write_units(size: int, *, transactional: bool = False) -> int:
    """Write request units of one write of an item of ``size`` bytes (the larger of before and after): 1 KB steps,
    at least one; twice in a transaction."""
    return max(1, math.ceil(size / KB)) * (2 if transactional else 1)


# ------------------------------------------------------------------ usage and its cost


@dataclass
class Usage:
    """What one run of a path consumes, billed by AWS; fields named after the prices they multiply."""

    lambda_gb_s: float = 0.0
    lambda_request: float = 0.0
    api_rest: float = 0.0
    dynamodb_wru: float = 0.0
    dynamodb_rru: float = 0.0
    s3_put: float = 0.0
    s3_get: float = 0.0
    s3_gb_month: float = 0.0  # one month of what the path stores
    sfn_transition: float = 0.0
    cloudfront_gb: float = 0.0
    cloudfront_https: float = 0.0
    cloudfront_function: float = 0.0
    cloudfront_invalidation: float = 0.0  # paths; the first FREE_INVALIDATION_PATHS a month cost nothing
    kms_request: float = 0.0
    logs_gb: float = 0.0
    notes: list[str] = field(default_factory=list)

    def times(self, n: float) -> Usage:
        scaled = Usage(notes=list(self.notes))
        for each in fields(self):
            if each.name != "notes":
                setattr(scaled, each.name, getattr(self, each.name) * n)
        return scaled


def cost(usage: Usage, *, free_invalidation_paths: float = FREE_INVALIDATION_PATHS) -> dict[str, float]:
    """Dollars per line item (PRICES' keys) of the usage; invalidation paths beyond the month's free ones."""
    dollars = {}
    for each in fields(usage):
        if each.name == "notes":
            continue
        quantity = getattr(usage, each.name)
        if each.name == "cloudfront_invalidation":
            quantity = max(0.0, quantity - free_invalidation_paths)
        dollars[each.name] = quantity * PRICES[each.name].each
    return dollars
