"""The arithmetic of bench/cost (bench/cost/pricing.py): Lambda's billing granularity and GB-seconds, its CPU share,
DynamoDB's request units from item sizes, the line items of a usage, ImageKit's overage. Not the measurements."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# bench/'s modules import each other as top-level modules (cost.pricing), as the benchmarks run; appended, so that
# nothing of bench/ shadows another module.
sys.path.append(str(Path(__file__).resolve().parents[2] / "bench"))
from cost.pricing import (
    IMAGEKIT_PLANS,
    PRICES,
    Usage,
    attribute_size,
    billed_ms,
    cost,
    cpu_share,
    gb_seconds,
    imagekit_monthly,
    item_size,
    lambda_duration_ms,
    read_units,
    write_units,
)


@pytest.mark.parametrize(
    ("duration_ms", "billed"),
    [
        pytest.param(0.2, 1, id="under-a-millisecond-bills-one"),
        pytest.param(1.0, 1, id="exactly-one-millisecond-bills-one"),
        pytest.param(1.0001, 2, id="a-fraction-over-rounds-up"),
        pytest.param(163.2, 164, id="rounds-up-to-the-next-millisecond"),
    ],
)
def test_lambda_bills_duration_rounded_up_to_the_millisecond(duration_ms: float, billed: int) -> None:
    """Given an invocation's duration, When billed, Then it is rounded up to the next 1 ms, at least 1 ms."""
    assert billed_ms(duration_ms) == billed


def test_gb_seconds_are_the_memory_setting_in_gb_times_the_billed_seconds() -> None:
    """Given 512 MB and 99.2 ms (billed 100 ms), When converted, Then 0.5 GB x 0.1 s = 0.05 GB-s; and 1M of them at
    the list price is $0.83 of duration."""
    assert gb_seconds(512, 99.2) == pytest.approx(0.05)
    assert gb_seconds(2048, 1000) == pytest.approx(2.0)
    assert cost(Usage(lambda_gb_s=gb_seconds(512, 99.2) * 1_000_000))["lambda_gb_s"] == pytest.approx(0.833335)


@pytest.mark.parametrize(
    ("memory_mb", "share"),
    [
        pytest.param(128, 128 / 1769, id="a-fraction-below-1769"),
        pytest.param(1769, 1.0, id="one-vcpu-at-1769"),
        pytest.param(2048, 1.0, id="a-single-thread-gains-nothing-above"),
    ],
)
def test_the_cpu_share_is_proportional_to_memory_up_to_one_vcpu(memory_mb: int, share: float) -> None:
    assert cpu_share(memory_mb) == pytest.approx(share)


def test_a_duration_estimate_stretches_cpu_by_the_share_and_adds_the_waits() -> None:
    """Given 10 ms of CPU at 512 MB (0.289 vCPU) and 15 ms of AWS waits, Then 10 / 0.289 + 15 ms."""
    assert lambda_duration_ms(10, 512, 15) == pytest.approx(10 * 1769 / 512 + 15)


@pytest.mark.parametrize(
    ("value", "size"),
    [
        pytest.param({"S": "héllo"}, 6, id="string-by-utf8-bytes"),
        pytest.param({"N": "12345"}, 4, id="number-a-byte-per-two-digits-plus-one"),
        pytest.param({"N": "-0.5"}, 2, id="number-sign-point-and-leading-zeros-free"),
        pytest.param({"BOOL": True}, 1, id="boolean-one-byte"),
        pytest.param({"NULL": True}, 1, id="null-one-byte"),
        pytest.param({"B": b"\x00\x01\x02"}, 3, id="binary-by-bytes"),
        pytest.param({"SS": ["ab", "c"]}, 3, id="string-set-sum-of-members"),
        pytest.param({"L": [{"S": "ab"}, {"N": "1"}]}, 3 + (1 + 2) + (1 + 2), id="list-3-plus-1-per-element"),
        pytest.param({"M": {"k": {"S": "v"}}}, 3 + 1 + 1 + 1, id="map-3-plus-1-per-entry-plus-names"),
    ],
)
def test_attribute_sizes_follow_dynamodb_rules(value: dict[str, object], size: int) -> None:
    assert attribute_size(value) == size


def test_an_item_size_counts_names_and_values() -> None:
    assert item_size({"PK": {"S": "ACC#1"}, "n": {"N": "7"}}) == 2 + 5 + 1 + 2
    assert item_size(None) == 0


@pytest.mark.parametrize(
    ("size", "consistent", "transactional", "units"),
    [
        pytest.param(0, True, False, 1.0, id="a-missing-item-still-costs-one"),
        pytest.param(4096, True, False, 1.0, id="4-kb-strongly-consistent-one"),
        pytest.param(4097, True, False, 2.0, id="over-4-kb-two"),
        pytest.param(100, False, False, 0.5, id="eventually-consistent-half"),
        pytest.param(8192, False, False, 1.0, id="8-kb-eventually-one"),
        pytest.param(100, True, True, 2.0, id="transactional-twice"),
    ],
)
def test_read_units_are_4_kb_steps(size: int, consistent: bool, transactional: bool, units: float) -> None:
    assert read_units(size, consistent=consistent, transactional=transactional) == units


@pytest.mark.parametrize(
    ("size", "transactional", "units"),
    [
        pytest.param(0, False, 1, id="a-delete-of-nothing-one"),
        pytest.param(1024, False, 1, id="1-kb-one"),
        pytest.param(1025, False, 2, id="over-1-kb-two"),
        pytest.param(1500, True, 4, id="transactional-twice"),
    ],
)
def test_write_units_are_1_kb_steps(size: int, transactional: bool, units: int) -> None:
    assert write_units(size, transactional=transactional) == units


def test_the_line_items_multiply_quantities_by_list_prices() -> None:
    """Given a usage, When priced, Then each line is its quantity times its price; S3 PUTs per 1,000, CloudFront
    HTTPS per 10,000, invalidation paths only beyond the month's free ones."""
    items = cost(
        Usage(
            api_rest=1_000_000,
            dynamodb_wru=2_000_000,
            s3_put=1000,
            cloudfront_https=10_000,
            cloudfront_invalidation=1002,
        )
    )
    assert items["api_rest"] == pytest.approx(PRICES["api_rest"].dollars)
    assert items["dynamodb_wru"] == pytest.approx(2 * PRICES["dynamodb_wru"].dollars)
    assert items["s3_put"] == pytest.approx(PRICES["s3_put"].dollars)
    assert items["cloudfront_https"] == pytest.approx(PRICES["cloudfront_https"].dollars)
    assert items["cloudfront_invalidation"] == pytest.approx(2 * PRICES["cloudfront_invalidation"].dollars)
    assert cost(Usage(cloudfront_invalidation=2), free_invalidation_paths=0)["cloudfront_invalidation"] == (
        pytest.approx(0.01)
    )


def test_a_usage_scales_every_quantity() -> None:
    scaled = Usage(lambda_request=2, s3_get=1.5, logs_gb=0.001).times(1000)
    assert (scaled.lambda_request, scaled.s3_get) == (2000, 1500)
    assert scaled.logs_gb == pytest.approx(1.0)


def test_imagekit_overage_is_billed_beyond_what_a_plan_includes() -> None:
    """Given 50 GB out and 12 GB stored, Then Lite costs $9 + 10 GB x $0.50 + 2 GB x $0.10; Free cannot carry it;
    within its limits Free costs nothing; Enterprise is priced on request."""
    plans = {plan.name: plan for plan in IMAGEKIT_PLANS}
    assert imagekit_monthly(plans["Lite"], 50, 12) == pytest.approx(9 + 5 + 0.2)
    assert imagekit_monthly(plans["Free"], 50, 1) is None
    assert imagekit_monthly(plans["Free"], 10, 1) == 0
    assert imagekit_monthly(plans["Enterprise"], 1, 1) is None
