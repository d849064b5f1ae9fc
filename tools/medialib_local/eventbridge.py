"""S3 -> EventBridge -> Lambda, which moto does not deliver.

moto 5.2.5 knows a bucket's ``EventBridgeConfiguration`` and, on every object created, hands the event to its own
EventBridge, whose rules support no Lambda target: nothing reaches a function. Here the local stack takes that
hand-off (moto's ``s3.notifications._send_event_bridge_message``, its one seam for it, as ``functions.py`` takes
``LambdaFunction._invoke_lambda``): for an object created (PUT, browser POST, copy, completed multipart upload) in
a bucket whose ``NotificationConfiguration`` has ``EventBridgeEnabled`` (``fixups.py`` applies it to moto), it
builds S3's EventBridge "Object Created" event and invokes every function whose ``EventBridgeRule`` pattern of
the template matches it, asynchronously (one thread per invocation), as EventBridge invokes Lambda: through
:mod:`medialib_local.asynchronous`, which applies the target's retry policy and dead-letter queue and the
function's ``EventInvokeConfig`` (retries, on-failure destination).

:func:`matches` evaluates an EventBridge pattern: exact values, ``prefix``, ``suffix``, ``anything-but``,
``exists``, ``equals-ignore-case``, ``numeric`` and ``wildcard``; any other operator stops the stack at start
(``check_pattern``) rather than being guessed. Not emulated: event buses other than the default one, and S3 events
other than "Object Created".
"""

from __future__ import annotations

import fnmatch
import sys
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from medialib_local import ACCOUNT_ID

# moto's event names -> S3's ``detail.reason`` of an "Object Created" event
_REASONS = {
    "s3:ObjectCreated:Put": "PutObject",
    "s3:ObjectCreated:Post": "POST Object",
    "s3:ObjectCreated:Copy": "CopyObject",
    "s3:ObjectCreated:CompleteMultipartUpload": "CompleteMultipartUpload",
}
_OPERATORS = frozenset({"prefix", "suffix", "anything-but", "exists", "equals-ignore-case", "numeric", "wildcard"})
_COMPARE: dict[str, Callable[[float, float], bool]] = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    "=": lambda a, b: a == b,
    ">=": lambda a, b: a >= b,
    ">": lambda a, b: a > b,
}


@dataclass(frozen=True)
class EventRule:
    """An ``EventBridgeRule`` event of a function, its pattern's references resolved to physical names."""

    function_id: str
    name: str
    pattern: dict[str, Any]


# ------------------------------------------------------------------ patterns


def check_pattern(pattern: Any, where: str = "pattern") -> None:
    """ValueError naming what this matcher cannot evaluate (so that nothing is silently never delivered)."""
    if not isinstance(pattern, dict):
        raise ValueError(f"{where}: an event pattern is a JSON object")
    for name, value in pattern.items():
        if name.startswith("$"):
            raise ValueError(f"{where}: {name} is not evaluated by the local stack")
        if isinstance(value, dict):
            check_pattern(value, f"{where}.{name}")
        elif isinstance(value, list):
            for matcher in value:
                if isinstance(matcher, dict) and (len(matcher) != 1 or next(iter(matcher)) not in _OPERATORS):
                    raise ValueError(f"{where}.{name}: the matcher {matcher} is not evaluated by the local stack")
        else:
            raise ValueError(f"{where}.{name}: a pattern's values are lists or objects")


def matches(pattern: dict[str, Any], event: dict[str, Any]) -> bool:
    """Whether ``event`` matches the EventBridge ``pattern``: every field of the pattern must match (an object
    descends into the event's object; a list matches when any of its matchers matches the event's value, or
    any element of it when the value is a list)."""
    for name, wanted in pattern.items():
        present = name in event
        value = event.get(name)
        if isinstance(wanted, dict):
            if not isinstance(value, dict) or not matches(wanted, value):
                return False
            continue
        if not any(_matches_one(matcher, present, value) for matcher in wanted):
            return False
    return True


def _matches_one(matcher: Any, present: bool, value: Any) -> bool:
    if isinstance(matcher, dict) and "exists" in matcher:
        return present == bool(matcher["exists"])
    if not present:
        return False
    values = value if isinstance(value, list) else [value]
    return any(_scalar(matcher, v) for v in values)


def _scalar(matcher: Any, value: Any) -> bool:
    if not isinstance(matcher, dict):
        return _same(matcher, value)
    ((operator, operand),) = matcher.items()
    if operator == "anything-but":
        return not _anything_but_hit(operand, value)
    if operator == "numeric":
        return _numeric(operand, value)
    if not isinstance(value, str):
        return False
    if operator == "prefix":
        return _affix(operand, value, str.startswith)
    if operator == "suffix":
        return _affix(operand, value, str.endswith)
    if operator == "equals-ignore-case":
        return isinstance(operand, str) and value.casefold() == operand.casefold()
    return isinstance(operand, str) and fnmatch.fnmatchcase(value, operand.replace("[", "[[]"))  # wildcard


def _same(expected: Any, value: Any) -> bool:
    """Exact match: strings with strings, numbers with numbers (5 == 5.0), booleans and null by identity."""
    if isinstance(expected, bool) or isinstance(value, bool) or expected is None or value is None:
        return expected is value
    if isinstance(expected, int | float) and isinstance(value, int | float):
        return float(expected) == float(value)
    return type(expected) is type(value) and bool(expected == value)


def _affix(operand: Any, value: str, test: Callable[[str, str], bool]) -> bool:
    if isinstance(operand, dict) and "equals-ignore-case" in operand:
        return test(value.casefold(), str(operand["equals-ignore-case"]).casefold())
    return isinstance(operand, str) and test(value, operand)


def _anything_but_hit(operand: Any, value: Any) -> bool:
    if isinstance(operand, list):
        return any(_same(o, value) for o in operand)
    if isinstance(operand, dict):
        return _scalar(operand, value)
    return _same(operand, value)


def _numeric(operand: Any, value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float) or not isinstance(operand, list):
        return False
    pairs = zip(operand[::2], operand[1::2], strict=False)
    return all(op in _COMPARE and _COMPARE[op](float(value), float(bound)) for op, bound in pairs)


# ------------------------------------------------------------------ the template's rules


def resolve_refs(node: Any, physical: dict[str, str]) -> Any:
    """``{"Ref": LogicalId}`` -> the resource's physical name; other intrinsics are not evaluated here."""
    if isinstance(node, dict):
        if set(node) == {"Ref"}:
            return physical.get(node["Ref"], node["Ref"])
        intrinsic = next((key for key in node if key.startswith("Fn::")), None)
        if intrinsic:
            raise ValueError(f"{intrinsic} in an event pattern is not evaluated by the local stack")
        return {key: resolve_refs(value, physical) for key, value in node.items()}
    if isinstance(node, list):
        return [resolve_refs(item, physical) for item in node]
    return node


def event_rules(sam: dict[str, Any], physical: dict[str, str]) -> list[EventRule]:
    """Every enabled ``EventBridgeRule`` event of the template's functions on the default bus."""
    rules = []
    for function_id, resource in sam["Resources"].items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        for name, event in (resource["Properties"].get("Events") or {}).items():
            props = event.get("Properties") or {}
            if event.get("Type") != "EventBridgeRule" or props.get("State", "ENABLED") != "ENABLED":
                continue
            if props.get("EventBusName", "default") != "default":
                continue
            pattern = resolve_refs(props["Pattern"], physical)
            check_pattern(pattern, f"{function_id}.{name}")
            rules.append(EventRule(function_id, name, pattern))
    return rules


# ------------------------------------------------------------------ S3's event


def object_created_event(  # noqa: PLR0913 - the fields S3 puts in the event
    *, bucket: str, key: str, size: int, etag: str, version_id: str | None, reason: str, region: str
) -> dict[str, Any]:
    """S3's EventBridge "Object Created" event, as S3 sends it to the default bus."""
    detail_object: dict[str, Any] = {"key": key, "size": size, "etag": etag.strip('"')}
    if version_id and version_id != "null":
        detail_object["version-id"] = version_id
    detail_object["sequencer"] = uuid.uuid4().hex[:18].upper()
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Object Created",
        "source": "aws.s3",
        "account": ACCOUNT_ID,
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [f"arn:aws:s3:::{bucket}"],
        "detail": {
            "version": "0",
            "bucket": {"name": bucket},
            "object": detail_object,
            "request-id": uuid.uuid4().hex[:16].upper(),
            "requester": ACCOUNT_ID,
            "source-ip-address": "127.0.0.1",
            "reason": reason,
        },
    }


class S3EventBridge:
    """Delivers S3 events to the functions whose rules match, each invocation on its own thread."""

    def __init__(self, rules: list[EventRule], invoke: Callable[[EventRule, dict[str, Any]], Any]) -> None:
        self.rules = rules
        self.invoke = invoke
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    def deliver(self, event: dict[str, Any]) -> list[str]:
        """Invoke (asynchronously) every function whose rule matches ``event``; the functions' logical ids."""
        targets = [rule for rule in self.rules if matches(rule.pattern, event)]
        for rule in targets:
            thread = threading.Thread(target=self._run, args=(rule, event), name="eventbridge", daemon=True)
            with self._lock:
                self._threads = [t for t in self._threads if t.is_alive()] + [thread]
            thread.start()
        return [rule.function_id for rule in targets]

    def wait(self, timeout: float = 30.0) -> None:
        """Wait for the invocations in flight (tests, shutdown)."""
        with self._lock:
            threads = list(self._threads)
        for thread in threads:
            thread.join(timeout)

    def _run(self, rule: EventRule, event: dict[str, Any]) -> None:
        try:
            self.invoke(rule, event)
        except Exception as err:  # a fault of the local delivery itself: the caller's S3 request must not see it
            print(f"EventBridge -> {rule.function_id}: local delivery failed: {err!r}", file=sys.stderr, flush=True)

    def install(self) -> None:
        """Take moto's S3 -> EventBridge hand-off for this process."""
        from moto.s3 import notifications  # noqa: PLC0415 - local-only dependency

        global _ACTIVE  # noqa: PLW0603 - moto's hand-off is process-wide; one stack owns it at a time
        _ACTIVE = self
        notifications._send_event_bridge_message = _from_moto  # moto's seam

    def uninstall(self) -> None:
        global _ACTIVE  # noqa: PLW0603
        if _ACTIVE is self:
            _ACTIVE = None


_ACTIVE: S3EventBridge | None = None


def _from_moto(account_id: str, bucket: Any, event_name: str, key: Any) -> None:
    """moto's ``_send_event_bridge_message(account_id, bucket, event_name, key)``, called inside the S3 request
    once the object is stored, for buckets with an EventBridge configuration."""
    reason = _REASONS.get(str(getattr(event_name, "value", event_name)))
    if _ACTIVE is None or reason is None:
        return
    event = object_created_event(
        bucket=bucket.name,
        key=key.name,
        size=int(key.size),
        etag=str(key.etag),
        version_id=getattr(key, "version_id", None),
        reason=reason,
        region=bucket.region_name,
    )
    _ACTIVE.deliver(event)
