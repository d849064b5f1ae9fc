"""The local stack's EventBridge: the pattern matcher (EventBridge's rules for exact values, prefix, suffix,
anything-but, exists, equals-ignore-case, numeric and wildcard), the template's rules read with their
references resolved, S3's "Object Created" event, and delivery to every matching function."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from medialib_local.eventbridge import (
    EventRule,
    S3EventBridge,
    check_pattern,
    event_rules,
    matches,
    object_created_event,
)
from medialib_local.template import load_sam
from tests.conftest import TEMPLATE

BUCKET = "medialib-local-originalsbucket-abc"


def s3_event(key: str = "incoming/dev/s1", bucket: str = BUCKET, size: int = 10) -> dict[str, Any]:
    return object_created_event(
        bucket=bucket, key=key, size=size, etag='"abc"', version_id="v1", reason="POST Object", region="us-east-1"
    )


@pytest.mark.parametrize(
    ("pattern", "event", "expected"),
    [
        ({"source": ["aws.s3"]}, {"source": "aws.s3"}, True),
        ({"source": ["aws.s3"]}, {"source": "aws.s3x"}, False),
        ({"source": ["aws.s3"]}, {}, False),
        ({"a": ["x", "y"]}, {"a": "y"}, True),
        ({"a": [5]}, {"a": 5.0}, True),
        ({"a": ["5"]}, {"a": 5}, False),
        ({"a": [True]}, {"a": 1}, False),
        ({"a": [None]}, {"a": None}, True),
        ({"a": ["x"]}, {"a": ["z", "x"]}, True),
        ({"d": {"k": [{"prefix": "incoming/"}]}}, {"d": {"k": "incoming/a"}}, True),
        ({"d": {"k": [{"prefix": "incoming/"}]}}, {"d": {"k": "outgoing/a"}}, False),
        ({"d": {"k": [{"prefix": "incoming/"}]}}, {"d": "incoming/a"}, False),
        ({"k": [{"prefix": {"equals-ignore-case": "IN/"}}]}, {"k": "in/a"}, True),
        ({"k": [{"suffix": ".png"}]}, {"k": "a.png"}, True),
        ({"k": [{"suffix": ".png"}]}, {"k": "a.jpg"}, False),
        ({"k": [{"anything-but": ["a", "b"]}]}, {"k": "c"}, True),
        ({"k": [{"anything-but": "a"}]}, {"k": "a"}, False),
        ({"k": [{"anything-but": {"prefix": "tmp/"}}]}, {"k": "tmp/x"}, False),
        ({"k": [{"exists": True}]}, {"k": None}, True),
        ({"k": [{"exists": False}]}, {}, True),
        ({"k": [{"exists": False}]}, {"k": 1}, False),
        ({"k": [{"equals-ignore-case": "Object Created"}]}, {"k": "object created"}, True),
        ({"n": [{"numeric": [">", 0, "<=", 10]}]}, {"n": 10}, True),
        ({"n": [{"numeric": [">", 0, "<=", 10]}]}, {"n": 11}, False),
        ({"n": [{"numeric": [">", 0]}]}, {"n": "5"}, False),
        ({"k": [{"wildcard": "incoming/*/s?"}]}, {"k": "incoming/dev/s1"}, True),
        ({"k": [{"wildcard": "incoming/*.png"}]}, {"k": "incoming/a.jpg"}, False),
        ({"a": ["x"], "b": ["y"]}, {"a": "x", "b": "z"}, False),
    ],
    ids=[
        "exact-string", "exact-string-differs", "field-absent", "any-of-the-list", "numbers-compare-as-numbers",
        "a-string-is-not-a-number", "true-is-not-1", "null-matches-null", "an-array-matches-by-any-element",
        "prefix-in-a-nested-object", "prefix-differs", "nested-pattern-on-a-scalar", "prefix-ignoring-case",
        "suffix", "suffix-differs", "anything-but-a-list", "anything-but-the-value", "anything-but-a-prefix",
        "exists-even-when-null", "absent-when-exists-false", "present-when-exists-false", "equals-ignore-case",
        "numeric-range-inclusive", "numeric-range-outside", "numeric-on-a-string", "wildcard", "wildcard-differs",
        "every-field-must-match",
    ],
)  # fmt: skip
def test_pattern_matching(pattern: dict[str, Any], event: dict[str, Any], expected: bool) -> None:
    """Given an EventBridge pattern and an event, When matched, Then EventBridge's answer."""
    assert matches(pattern, event) is expected


@pytest.mark.parametrize(
    "pattern",
    [{"$or": [{"a": ["x"]}]}, {"a": [{"cidr": "10.0.0.0/24"}]}, {"a": "x"}, {"a": [{"prefix": "x", "suffix": "y"}]}],
    ids=["or-operator", "cidr-matcher", "a-bare-value", "two-operators-in-one-matcher"],
)
def test_what_the_matcher_cannot_evaluate_stops_the_stack(pattern: dict[str, Any]) -> None:
    """Given a pattern with something the local matcher does not evaluate, When checked, Then ValueError (never a
    rule silently never delivered)."""
    with pytest.raises(ValueError, match=r"pattern|evaluated"):
        check_pattern(pattern)


def test_the_templates_rule_routes_incoming_objects_of_the_originals_bucket_to_upload() -> None:
    """Given template.yaml's rules with the originals bucket's physical name, When S3 events are matched, Then an
    object created under incoming/ of that bucket goes to UploadFunction, and one elsewhere, in another bucket
    or of another detail-type goes nowhere."""
    rules = event_rules(load_sam(TEMPLATE), {"OriginalsBucket": BUCKET})
    deleted = {**s3_event(), "detail-type": "Object Deleted"}

    def targets(event: dict[str, Any]) -> list[str]:
        return [r.function_id for r in rules if matches(r.pattern, event)]

    assert targets(s3_event()) == ["UploadFunction"]
    assert targets(s3_event(key="dev/file/version")) == []
    assert targets(s3_event(bucket="another-bucket")) == []
    assert targets(deleted) == []


def test_s3s_object_created_event_has_eventbridges_shape() -> None:
    """Given an object posted to a versioned bucket, When its event is built, Then it carries what S3 sends to
    EventBridge: source aws.s3, detail-type Object Created, the bucket ARN, the key, size, unquoted etag,
    version id and reason."""
    event = s3_event()
    assert (event["source"], event["detail-type"], event["resources"]) == (
        "aws.s3", "Object Created", [f"arn:aws:s3:::{BUCKET}"],
    )  # fmt: skip
    detail = event["detail"]
    assert detail["bucket"] == {"name": BUCKET}
    assert {k: detail["object"][k] for k in ("key", "size", "etag", "version-id")} == {
        "key": "incoming/dev/s1", "size": 10, "etag": "abc", "version-id": "v1",
    }  # fmt: skip
    assert detail["reason"] == "POST Object"


def test_delivery_invokes_each_matching_function_on_its_own_thread() -> None:
    """Given the template's rules, When an incoming/ object's event is delivered, Then UploadFunction is invoked
    with the event on another thread than the caller's (asynchronously, as EventBridge invokes Lambda), and a
    failing delivery does not reach the caller."""
    calls: list[tuple[str, str, str]] = []

    def invoke(rule: EventRule, event: dict[str, Any]) -> None:
        calls.append((rule.function_id, event["detail"]["object"]["key"], threading.current_thread().name))
        raise RuntimeError("the function failed")

    bridge = S3EventBridge(event_rules(load_sam(TEMPLATE), {"OriginalsBucket": BUCKET}), invoke)

    assert bridge.deliver(s3_event()) == ["UploadFunction"]
    assert bridge.deliver(s3_event(key="elsewhere/x")) == []
    bridge.wait()
    assert calls == [("UploadFunction", "incoming/dev/s1", "eventbridge")]
