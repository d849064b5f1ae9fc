"""Cost benchmark: the measured duration and memory of each function on the real paths, the AWS requests each path
makes, and what 1,000 uploads, 1 M deliveries and a 100-file bulk job cost at AWS list prices, beside ImageKit.

The local stack is built in this process (as bench/publish/run.py builds it: moto's server on a loopback port, the
template's resources, the functions in-process with their real code, the gateway and the CDN edge driven by
werkzeug's test client). Every function invocation is wrapped (``LocalFunctions.invoke``): its wall time, the CPU
time of the thread that runs it (``time.thread_time``: the handler and botocore's client side, not moto's server
threads) and the growth of the process's peak RSS while it runs (``/proc/self/clear_refs`` resets the peak, then
``VmHWM`` is read; only when no other invocation overlaps). Every botocore call is wrapped
(``BaseClient._make_api_call``) and billed: DynamoDB request units from the sizes of the items read and written
(the before and after images read from moto's tables), S3 requests by class and the bytes stored, KMS requests,
CloudFront invalidation paths; Step Functions transitions are counted from the execution's history.

Paths (each warmed first, so that its figures are of warm environments; cold starts are bench/coldstart's):
*upload* (a ~1 MB photo-like JPEG, ``POST /api/v1/files/upload``), *API call* (``GET /v1/files/{id}/details``:
the authorizer and the files function), *delivery miss* (a transformation never rendered: deliver reads the
original, renders WebP with Pillow, stores the rendition), *delivery origin hit* (the CDN misses, the rendition is
in the bucket), *CDN hit* (CloudFront answers: no request reaches AWS's regional services; priced, not measured),
and a *100-file bulk publish job* (the POST, the state machine, the worker's steps).

    .venv/bin/python bench/cost/run.py              # measure, print, rewrite the cost section of bench/README.md
    .venv/bin/python bench/cost/run.py --no-write   # print only
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import io
import json
import os
import platform
import re
import shlex
import statistics
import subprocess
import sys
import threading
import time
import warnings
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from PIL import Image

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # bench/: the README writer and the photo-like image every benchmark shares
from cost.pricing import (  # noqa: E402
    CHECKED,
    FULL_VCPU_MB,
    GB,
    IMAGEKIT_PLANS,
    IMAGEKIT_SOURCE,
    MONTHLY,
    PRICES,
    Usage,
    cost,
    cpu_share,
    gb_seconds,
    imagekit_monthly,
    item_size,
    lambda_duration_ms,
    read_units,
    write_units,
)
from deliver.engine import photo  # noqa: E402
from readme import README, write_section  # noqa: E402

ROOT = HERE.parents[1]
ACCOUNT_ID, PUBLIC_KEY, PRIVATE_KEY = "bench", "public_bench_key_0001", "private_bench_key_0001"
AUTH = {"Authorization": "Basic " + base64.b64encode(f"{PRIVATE_KEY}:".encode()).decode()}
PHOTO = (2048, 1536, 90)  # width, height, JPEG quality: a photo-like JPEG of about 1 MB
RENDITION = "w-{width},f-webp"  # the delivered transformation: a web-sized WebP (default quality 80)
RENDITION_WIDTH = 800
SESSIONS = "/api/v1/files/upload/sessions"
DEFAULT_ROUNDS, BULK_FILES, POLL_MS, WARMUP = 10, 100, 20.0, 2
# Assumed wait per AWS call from a Lambda function in the same region (ms): the local moto's own times are not
# AWS's. DynamoDB's single-digit milliseconds, S3's first byte in tens; bodies at ~100 MB/s (S3_MB_PER_S).
LATENCY_MS = {
    "dynamodb": 5.0,
    "dynamodb.TransactWriteItems": 10.0,
    "s3": 20.0,
    "s3.PutObject": 25.0,
    "kms": 5.0,
    "stepfunctions": 20.0,
    "cloudfront": 150.0,
}
DEFAULT_LATENCY_MS = 10.0
WAIT_RANGE = (0.5, 2.0)  # the cost table's range: every AWS call twice as fast, and twice as slow, as assumed
S3_MB_PER_S = 100.0
LOG_LINES_PER_INVOCATION = 300  # bytes: Lambda's own START, END and REPORT lines, which this process never prints
ACCESS_LOG_BYTES = 500  # bytes: one API Gateway access log line in the template's JSON format, per API request
S3_PUT_CLASS = {"PutObject", "CopyObject", "PostObject", "CreateMultipartUpload", "UploadPart", "UploadPartCopy",
                "CompleteMultipartUpload", "ListObjects", "ListObjectsV2", "ListObjectVersions", "ListBuckets"}  # fmt: skip
S3_FREE = {"DeleteObject", "DeleteObjects", "AbortMultipartUpload"}
# glibc serves allocations above this from mmap and unmaps them when freed. Fixed (glibc's threshold otherwise grows
# after the first large free, and later large blocks come from a heap that keeps them resident), so that each
# invocation's image buffers and bodies raise the peak RSS anew, even in an environment warmed by earlier ones.
MMAP_THRESHOLD = "131072"
DYNAMODB_WRITES = {"PutItem", "UpdateItem", "DeleteItem"}


def rss_kb(field_name: str = "VmRSS") -> int:
    match = re.search(rf"{field_name}:\s+(\d+)", Path("/proc/self/status").read_text())
    return int(match.group(1)) if match else 0


def reset_peak() -> bool:
    """Reset the process's peak RSS (VmHWM) to its current RSS (Linux 4.0+); False where that is not possible."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def latency_ms(service: str, operation: str, body_bytes: int) -> float:
    base = LATENCY_MS.get(f"{service}.{operation}", LATENCY_MS.get(service, DEFAULT_LATENCY_MS))
    return base + body_bytes / (S3_MB_PER_S * 1e6) * 1000


def _body_size(body: Any) -> int:
    if isinstance(body, bytes | bytearray | str):
        return len(body)
    with contextlib.suppress(AttributeError, OSError):
        here = int(body.tell())
        body.seek(0, 2)
        size = int(body.tell())
        body.seek(here)
        return size - here
    return 0


# ------------------------------------------------------------------ what is recorded


@dataclass
class Invocation:
    function_id: str
    memory_mb: int
    wall_ms: float = 0.0
    cpu_ms: float = 0.0
    peak_growth_kb: int | None = None  # None: another invocation overlapped it
    waits_ms: float = 0.0  # assumed AWS latency of its calls (LATENCY_MS)
    calls: Counter[str] = field(default_factory=Counter)
    entry: str = ""  # what the tables call it, when not its function id

    @property
    def lambda_ms(self) -> float:
        return lambda_duration_ms(self.cpu_ms, self.memory_mb, self.waits_ms)

    def lambda_gb_s(self, wait_factor: float = 1.0) -> float:
        return gb_seconds(self.memory_mb, lambda_duration_ms(self.cpu_ms, self.memory_mb, self.waits_ms * wait_factor))


@dataclass
class Call:
    service: str
    operation: str
    params: Any
    before: list[dict[str, Any] | None]  # the DynamoDB items it writes, as they were
    sent: int = 0  # S3: the body's bytes
    result: Any = None
    failed: bool = False


@dataclass
class Capture:
    invocations: list[Invocation] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)  # AWS-side: DynamoDB, S3, KMS, invalidations
    calls: Counter[str] = field(default_factory=Counter)  # by service.operation, in invocations
    outside: Counter[str] = field(default_factory=Counter)  # not in an invocation (moto's interpreter's Invoke)
    executions: list[str] = field(default_factory=list)
    log_bytes: int = 0


class Recorder:
    """Wraps the stack's function invocations and every botocore call; ``capture()`` collects one path's."""

    def __init__(self, stack: Any) -> None:
        from moto.dynamodb.models import dynamodb_backends

        from medialib_local import ACCOUNT_ID as AWS_ACCOUNT
        from medialib_local import REGION

        self.stack = stack
        self.backend = dynamodb_backends[AWS_ACCOUNT][REGION]
        self.local = threading.local()
        self.lock = threading.Lock()
        self.current = Capture()
        self.in_flight = 0
        self.started = 0
        self.indexes: dict[str, list[tuple[str, ...]]] = {}  # table -> each GSI's key attributes
        self.keys: dict[str, tuple[str, ...]] = {}
        self._invoke: Any = None  # the wrapped originals, while installed()
        self._make_api_call: Any = None

    # -------------------------------------------------------------- setup

    def describe_tables(self) -> None:
        for name, table in self.backend.tables.items():
            self.keys[name] = tuple(k["AttributeName"] for k in table.schema)
            self.indexes[name] = [tuple(k["AttributeName"] for k in index.schema) for index in table.global_indexes]

    @contextlib.contextmanager
    def tagged(self, tag: str) -> Iterator[None]:
        before = getattr(self.local, "tag", "")
        self.local.tag = tag
        try:
            yield
        finally:
            self.local.tag = before

    @contextlib.contextmanager
    def capture(self, log: io.StringIO) -> Iterator[Capture]:
        with self.lock:
            self.current = captured = Capture()
        start = log.tell()
        yield captured
        time.sleep(0.05)  # a Step Functions execution's last bookkeeping lands too
        with self.lock:
            self.current = Capture()
        captured.log_bytes = log.tell() - start

    # -------------------------------------------------------------- the wrappers

    @contextlib.contextmanager
    def installed(self) -> Iterator[None]:
        """Wrap the stack's ``functions.invoke`` (the gateway and moto's Lambda look it up at each call) and
        ``BaseClient._make_api_call`` (every call of every boto3 client passes there)."""
        from botocore.client import BaseClient

        functions = self.stack.functions
        self._invoke = functions.invoke
        client: Any = BaseClient  # its private _make_api_call is where every AWS call passes
        self._make_api_call = client._make_api_call
        recorder = self

        def counted(client_self: Any, operation: str, params: Any) -> Any:
            return recorder.counted(client_self, operation, params)

        lambdas = self.stack.lambdas  # asynchronous invocations (EventBridge -> the session finaliser)
        asynchronous = lambdas.invoke
        functions.invoke = lambdas.invoke = self.measured
        client._make_api_call = counted
        try:
            yield
        finally:
            functions.invoke, lambdas.invoke = self._invoke, asynchronous
            client._make_api_call = self._make_api_call

    def measured(self, function_id: str, event: Any) -> Any:
        if getattr(self.local, "tag", "") in ("setup", "poll"):  # a job's status polls, the bench's setup
            return self._invoke(function_id, event)
        record = Invocation(function_id, self.stack.functions.context(function_id).memory_limit_in_mb)
        if isinstance(event, dict) and event.get("source") == "aws.s3":  # the upload function's second entry point
            record.entry = f"{function_id} (session finaliser, S3 -> EventBridge)"
        with self.lock:
            self.in_flight += 1
            self.started += 1
            alone, generation = self.in_flight == 1, self.started
        peak_known = alone and reset_peak()
        base = rss_kb()
        outer = getattr(self.local, "invocation", None)
        self.local.invocation = record
        wall, cpu = time.perf_counter(), time.thread_time()
        try:
            return self._invoke(function_id, event)
        finally:
            record.cpu_ms = (time.thread_time() - cpu) * 1000
            record.wall_ms = (time.perf_counter() - wall) * 1000
            self.local.invocation = outer
            with self.lock:
                self.in_flight -= 1
                if peak_known and self.started == generation:  # no other invocation began meanwhile
                    record.peak_growth_kb = max(0, rss_kb("VmHWM") - base)
                self.current.invocations.append(record)

    def counted(self, client_self: Any, operation: str, params: Any) -> Any:
        service = client_self.meta.service_model.service_name
        if getattr(self.local, "tag", "") in ("setup", "poll"):
            return self._make_api_call(client_self, operation, params)
        call = Call(service, operation, params, before=self.snapshots(service, operation, params))
        if service == "s3":
            call.sent = _body_size(params.get("Body"))  # before botocore turns it into a stream it reads
        try:
            call.result = self._make_api_call(client_self, operation, params)
            return call.result
        except Exception:
            call.failed = True
            raise
        finally:
            self.account(call)

    # -------------------------------------------------------------- billing what a call did

    def _item(self, table: str, key: dict[str, Any]) -> dict[str, Any] | None:
        with contextlib.suppress(Exception):  # a missing table or key: nothing there
            found = self.backend.get_item(table, key)
            return dict(found.to_json()["Attributes"]) if found is not None else None
        return None

    def _key_of(self, table: str, item: dict[str, Any]) -> dict[str, Any]:
        return {name: item[name] for name in self.keys.get(table, ()) if name in item}

    def _writes(self, operation: str, params: dict[str, Any]) -> list[tuple[str, dict[str, Any], str]]:
        """(table, key, kind) of each item a write call touches."""
        if operation in DYNAMODB_WRITES:
            key = params.get("Key") or self._key_of(params["TableName"], params.get("Item", {}))
            return [(params["TableName"], key, operation)]
        if operation == "TransactWriteItems":
            writes = []
            for each in params.get("TransactItems", []):
                ((kind, body),) = each.items()
                key = body.get("Key") or self._key_of(body["TableName"], body.get("Item", {}))
                writes.append((body["TableName"], key, kind))
            return writes
        if operation == "BatchWriteItem":
            writes = []
            for table, requests in params.get("RequestItems", {}).items():
                for request in requests:
                    if "PutRequest" in request:
                        writes.append((table, self._key_of(table, request["PutRequest"]["Item"]), "PutItem"))
                    else:
                        writes.append((table, request["DeleteRequest"]["Key"], "DeleteItem"))
            return writes
        return []

    def snapshots(self, service: str, operation: str, params: dict[str, Any]) -> list[dict[str, Any] | None]:
        if service != "dynamodb":
            return []
        return [self._item(table, key) for table, key, _ in self._writes(operation, params)]

    def _index_units(self, table: str, before: dict[str, Any] | None, after: dict[str, Any] | None) -> int:
        """Writes to the GSIs (all project every attribute): one where the item enters, leaves or stays in an
        index, two where its index key changes (a delete and a put); none when the write changed nothing."""
        if before == after:
            return 0
        units = 0
        for key in self.indexes.get(table, []):
            was = before is not None and all(name in before for name in key)
            now = after is not None and all(name in after for name in key)
            size = max(item_size(before) if was else 0, item_size(after) if now else 0)
            if was and now and any(before[name] != after[name] for name in key):  # type: ignore[index]
                units += write_units(item_size(before)) + write_units(item_size(after))
            elif was or now:
                units += write_units(size)
        return units

    def _dynamodb(self, operation: str, params: dict[str, Any], result: Any, before: list[Any], failed: bool) -> None:
        usage = self.current.usage
        consistent = bool(params.get("ConsistentRead")) and not params.get("IndexName")
        if operation == "GetItem":
            usage.dynamodb_rru += read_units(item_size((result or {}).get("Item")), consistent=consistent)
        elif operation in ("Query", "Scan"):
            size = sum(item_size(item) for item in (result or {}).get("Items", []))
            usage.dynamodb_rru += read_units(size, consistent=consistent)
        elif operation == "BatchGetItem":
            for table, request in params.get("RequestItems", {}).items():
                found = (result or {}).get("Responses", {}).get(table, [])
                strong = bool(request.get("ConsistentRead"))
                usage.dynamodb_rru += sum(read_units(item_size(item), consistent=strong) for item in found)
                usage.dynamodb_rru += read_units(0, consistent=strong) * max(0, len(request["Keys"]) - len(found))
        elif operation == "TransactGetItems":
            for response in (result or {}).get("Responses", []) or [{}] * len(params.get("TransactItems", [])):
                usage.dynamodb_rru += read_units(item_size(response.get("Item")), consistent=True, transactional=True)
        writes = self._writes(operation, params)
        transactional = operation == "TransactWriteItems"
        for (table, key, kind), old in zip(writes, before, strict=True):
            new = old if failed or kind == "ConditionCheck" else self._item(table, key)
            usage.dynamodb_wru += write_units(max(item_size(old), item_size(new)), transactional=transactional)
            if not failed and kind != "ConditionCheck":
                usage.dynamodb_wru += self._index_units(table, old, new)

    def account(self, call: Call) -> None:
        service, operation, params, result, failed = call.service, call.operation, call.params, call.result, call.failed
        invocation: Invocation | None = getattr(self.local, "invocation", None)
        name = f"{service}.{operation}"
        with self.lock:
            captured = self.current
            if invocation is None:
                captured.outside[name] += 1
                return
            captured.calls[name] += 1
            invocation.calls[name] += 1
            usage = captured.usage
            body = 0
            if service == "dynamodb":
                self._dynamodb(operation, params, result, call.before, failed)
            elif service == "s3" and operation not in S3_FREE:
                if operation in S3_PUT_CLASS:
                    usage.s3_put += 1
                    if operation == "PutObject" and not failed:
                        body = call.sent
                        usage.s3_gb_month += body / GB
                else:
                    usage.s3_get += 1
                    if operation == "GetObject" and result is not None:
                        body = int(result.get("ContentLength") or 0)
            elif service == "kms":
                usage.kms_request += 1
            elif service == "cloudfront" and operation == "CreateInvalidation":
                usage.cloudfront_invalidation += len(params["InvalidationBatch"]["Paths"].get("Items", []))
            elif service == "stepfunctions" and operation == "StartExecution" and result is not None:
                captured.executions.append(result["executionArn"])
            invocation.waits_ms += latency_ms(service, operation, body)


# ------------------------------------------------------------------ the paths


@dataclass
class FunctionFigures:
    function_id: str
    memory_mb: int
    per_op: float  # invocations per operation
    wall_ms: float  # medians
    cpu_ms: float
    lambda_ms: float
    peak_growth_mb: float | None
    init_mb: float = 0.0
    function: str = ""  # the template's function id (function_id may name an entry point of it)

    @property
    def max_memory_mb(self) -> float | None:
        return None if self.peak_growth_mb is None else self.init_mb + self.peak_growth_mb


@dataclass
class PathFigures:
    name: str
    ops: int
    functions: list[FunctionFigures]
    usage: Usage  # per operation, everything (Lambda, API Gateway, CloudFront, logs too)
    calls: Counter[str]  # per operation x ops
    transitions: float = 0.0
    output_bytes: float = 0.0  # delivered bytes per operation
    stored_bytes: float = 0.0
    lambda_gb_s_range: tuple[float, float] = (0.0, 0.0)  # per operation, AWS calls' waits halved and doubled


def _figures(invocations: list[Invocation], ops: int, peaks: dict[str, float]) -> list[FunctionFigures]:
    by_function: dict[str, list[Invocation]] = defaultdict(list)
    for each in invocations:
        by_function[each.entry or each.function_id].append(each)
    figures = []
    for function_id, runs in by_function.items():
        growths = [run.peak_growth_kb for run in runs if run.peak_growth_kb is not None]
        growth = max(growths) / 1024 if growths else peaks.get(function_id)
        if growths:
            peaks[function_id] = max(peaks.get(function_id, 0.0), growth or 0.0)
        figures.append(
            FunctionFigures(
                function_id,
                runs[0].memory_mb,
                len(runs) / ops,
                statistics.median(run.wall_ms for run in runs),
                statistics.median(run.cpu_ms for run in runs),
                statistics.median(run.lambda_ms for run in runs),
                growth,
                function=runs[0].function_id,
            )
        )
    return figures


def _path(name: str, captured: Capture, ops: int, peaks: dict[str, float], api_calls: int = 0) -> PathFigures:
    usage = captured.usage.times(1 / ops)
    for each in captured.invocations:
        usage.lambda_request += 1 / ops
        usage.lambda_gb_s += each.lambda_gb_s() / ops
    gb_s_range = tuple(sum(each.lambda_gb_s(f) for each in captured.invocations) / ops for f in WAIT_RANGE)
    usage.api_rest += api_calls / ops
    logged = captured.log_bytes + LOG_LINES_PER_INVOCATION * len(captured.invocations) + ACCESS_LOG_BYTES * api_calls
    usage.logs_gb += logged / GB / ops
    return PathFigures(
        name,
        ops,
        _figures(captured.invocations, ops, peaks),
        usage,
        captured.calls,
        stored_bytes=usage.s3_gb_month * GB,
        lambda_gb_s_range=(gb_s_range[0], gb_s_range[1]),
    )


class Bench:
    def __init__(self, log: io.StringIO) -> None:
        from werkzeug.test import Client

        from medialib_local.stack import DevAccount, LocalStack, find_template

        self.log = log
        self.stack = LocalStack(
            find_template(ROOT), "http://127.0.0.1:3000", DevAccount(ACCOUNT_ID, PUBLIC_KEY, PRIVATE_KEY)
        )
        self.client = Client(self.stack.start(schedules=False))
        self.recorder = Recorder(self.stack)
        self.recorder.describe_tables()
        self.peaks: dict[str, float] = {}
        out = io.BytesIO()
        photo(PHOTO[0], PHOTO[1]).save(out, "JPEG", quality=PHOTO[2])
        self.photo = out.getvalue()
        self.widths = iter(range(RENDITION_WIDTH + 1, RENDITION_WIDTH + 10_000))

    # -------------------------------------------------------------- single requests

    def upload(self, content: bytes, name: str, mime: str, folder: str = "/bench-cost") -> dict[str, Any]:
        form = {"file": (io.BytesIO(content), name, mime), "fileName": name, "folder": folder}
        answer = self.client.post("/api/v1/files/upload", data=form, headers=AUTH)
        if answer.status_code != 200:
            raise RuntimeError(f"upload answered {answer.status_code}: {answer.get_data(as_text=True)[:300]}")
        return dict(answer.json or {})

    def session_upload(self, content: bytes, name: str, captured: Capture) -> None:
        """An upload session: opened through the API, the file posted to its presigned S3 POST (an S3 request no
        function makes: added to the path's usage here), S3 -> EventBridge -> the finaliser, polled until done
        (the polls left out)."""
        import httpx

        body = {"fileName": name, "fileSize": len(content), "contentType": "image/jpeg", "folder": "/bench-cost"}
        opened = self.client.post(SESSIONS, json=body, headers=AUTH)
        if opened.status_code != 201:
            raise RuntimeError(f"session answered {opened.status_code}: {opened.get_data(as_text=True)[:300]}")
        session = dict(opened.json or {})
        sent = httpx.post(
            session["upload"]["url"], data=session["upload"]["fields"], files={"file": (name, content, "image/jpeg")}
        )
        if sent.status_code != 204:
            raise RuntimeError(f"the S3 POST answered {sent.status_code}: {sent.text[:300]}")
        captured.usage.s3_put += 1
        started = time.perf_counter()
        while True:
            with self.recorder.tagged("poll"):
                state = self.client.get(f"{SESSIONS}/{session['sessionId']}", headers=AUTH).json or {}
            if state.get("status") != "PENDING":
                break
            if time.perf_counter() - started > 60:
                raise TimeoutError(f"session {session['sessionId']} still PENDING after 60 s")
            time.sleep(POLL_MS / 1000)
        if state.get("status") != "COMPLETED":
            raise RuntimeError(f"session ended {state}")

    def deliver(self, file_path: str, width: int) -> int:
        url = f"/{ACCOUNT_ID}/tr:{RENDITION.format(width=width)}{quote(file_path)}"
        answer = self.client.get(url, headers={"Accept": "image/avif,image/webp,*/*"})
        if answer.status_code != 200 or answer.headers.get("Content-Type") != "image/webp":
            raise RuntimeError(f"GET {url} answered {answer.status_code} {answer.headers.get('Content-Type')}")
        return len(answer.get_data())

    def details(self, file_id: str) -> None:
        answer = self.client.get(f"/v1/files/{file_id}/details", headers=AUTH)
        if answer.status_code != 200:
            raise RuntimeError(f"details answered {answer.status_code}: {answer.get_data(as_text=True)[:300]}")

    def job(self, file_ids: list[str], published: bool) -> None:
        answer = self.client.post(
            "/v1/files/publish", json={"fileIds": file_ids, "isPublished": published}, headers=AUTH
        )
        if answer.status_code != 202:
            raise RuntimeError(f"publish answered {answer.status_code}: {answer.get_data(as_text=True)[:300]}")
        job_id, started = (answer.json or {})["jobId"], time.perf_counter()
        while True:
            time.sleep(POLL_MS / 1000)
            with self.recorder.tagged("poll"):
                status = self.client.get(f"/v1/bulkJobs/{job_id}", headers=AUTH).json or {}
            if status.get("status") != "Pending":
                break
            if time.perf_counter() - started > 120:
                raise TimeoutError(f"job {job_id} still Pending after 120 s")
        if (status.get("status"), status.get("succeededFiles")) != ("Completed", len(file_ids)):
            raise RuntimeError(f"job {job_id} ended {status}")

    def transitions(self, executions: list[str]) -> int:
        """State transitions of the executions: the states entered, as their history records them."""
        import boto3

        client = boto3.client("stepfunctions", endpoint_url=self.stack.moto.endpoint, region_name="us-east-1")
        entered = 0
        with self.recorder.tagged("setup"):
            for arn in executions:
                for _ in range(200):
                    if client.describe_execution(executionArn=arn)["status"] != "RUNNING":
                        break
                    time.sleep(0.05)
                for page in client.get_paginator("get_execution_history").paginate(executionArn=arn):
                    entered += sum(1 for event in page["events"] if event["type"].endswith("StateEntered"))
        return entered

    # -------------------------------------------------------------- the paths

    def measure(self, rounds: int) -> list[PathFigures]:
        recorder, paths = self.recorder, []
        with recorder.installed():
            for index in range(WARMUP):
                self.upload(self.photo, f"warm-{index}.jpg", "image/jpeg")
            with recorder.capture(self.log) as captured:
                files = [self.upload(self.photo, f"photo-{index}.jpg", "image/jpeg") for index in range(rounds)]
            paths.append(_path("upload", captured, rounds, self.peaks, api_calls=rounds))
            file_path, file_id = files[0]["filePath"], files[0]["fileId"]

            with recorder.capture(self.log) as captured:
                self.session_upload(self.photo, "warm-session.jpg", captured)
            with recorder.capture(self.log) as captured:
                for index in range(rounds):
                    self.session_upload(self.photo, f"session-{index}.jpg", captured)
            paths.append(_path("upload session", captured, rounds, self.peaks, api_calls=rounds))

            for _ in range(WARMUP):
                self.details(file_id)
            with recorder.capture(self.log) as captured:
                for _ in range(rounds):
                    self.details(file_id)
            paths.append(_path("api call", captured, rounds, self.peaks, api_calls=rounds))

            for index in range(WARMUP):
                self.deliver(files[1 + index % (len(files) - 1)]["filePath"], RENDITION_WIDTH)
            with recorder.capture(self.log) as captured:
                sizes = [self.deliver(file_path, next(self.widths)) for _ in range(rounds)]
            miss = _path("delivery miss", captured, rounds, self.peaks, api_calls=rounds)
            miss.output_bytes = statistics.mean(sizes)
            paths.append(miss)

            self.deliver(file_path, RENDITION_WIDTH)  # rendered once: every request below finds it
            with recorder.capture(self.log) as captured:
                sizes = [self.deliver(file_path, RENDITION_WIDTH) for _ in range(rounds)]
            hit = _path("delivery origin hit", captured, rounds, self.peaks, api_calls=rounds)
            hit.output_bytes = statistics.mean(sizes)
            paths.append(hit)
            paths.extend(self._bulk())
        for path in paths:
            for figures in path.functions:
                figures.init_mb = init_rss_mb(self.stack, figures.function or figures.function_id)
            if path.name.startswith("delivery"):
                _add_cdn(path.usage, path.output_bytes)
        paths.append(cdn_hit(hit.output_bytes))
        return paths

    def _bulk(self) -> list[PathFigures]:
        recorder = self.recorder
        with recorder.tagged("setup"):
            ids = [self.upload(_png(index), f"file-{index:03}.png", "image/png", "/bench-cost-bulk")["fileId"]
                   for index in range(BULK_FILES)]  # fmt: skip
        self.job(ids, True)  # warm: every file already published (a read each)
        paths = []
        for published, name in ((False, "bulk unpublish job"), (True, "bulk publish job")):
            with recorder.capture(self.log) as captured:
                self.job(ids, published)
            path = _path(name, captured, 1, self.peaks, api_calls=1)
            path.transitions = self.transitions(captured.executions)
            path.usage.sfn_transition += path.transitions
            paths.append(path)
        return paths


def _png(index: int) -> bytes:
    out = io.BytesIO()  # a 16 x 16 PNG, a different colour for each file (as bench/publish uploads)
    Image.new("RGB", (16, 16), (index % 256, index * 7 % 256, index * 13 % 256)).save(out, "PNG")
    return out.getvalue()


def _add_cdn(usage: Usage, output_bytes: float) -> None:
    usage.cloudfront_https += 1
    usage.cloudfront_function += 1  # AcceptFunction, viewer-request, on every request
    usage.cloudfront_gb += output_bytes / GB


def cdn_hit(output_bytes: float) -> PathFigures:
    """CloudFront answers from its cache: its request, its viewer-request function and the bytes out; nothing
    reaches API Gateway, Lambda, S3 or DynamoDB (priced, not measured: there is no CDN cache here)."""
    usage = Usage()
    _add_cdn(usage, output_bytes)
    return PathFigures("delivery CDN hit", 1, [], usage, Counter(), output_bytes=output_bytes)


_INIT = """
import importlib.util, re, sys
code_dir, module = sys.argv[1], sys.argv[2]
sys.path.insert(0, code_dir)
spec = importlib.util.spec_from_file_location("handler", f"{code_dir}/{module.replace('.', '/')}.py")
handler = importlib.util.module_from_spec(spec)
spec.loader.exec_module(handler)
print(re.search(r"VmRSS:\\s+(\\d+)", open("/proc/self/status").read()).group(1))
"""


def init_rss_mb(stack: Any, function_id: str, _seen: dict[str, float] = {}) -> float:  # noqa: B006 - a cache
    """The RSS of a fresh interpreter once the function's handler module is imported (its init), in MB."""
    if function_id not in _seen:
        fn = stack.spec.functions[function_id]
        env = {**os.environ, "AWS_DEFAULT_REGION": "us-east-1"}
        out = subprocess.run(
            [sys.executable, "-c", _INIT, str(fn.code_dir.resolve()), fn.module],
            check=True, capture_output=True, text=True, env=env, cwd=ROOT,
        )  # fmt: skip
        _seen[function_id] = int(out.stdout.split()[-1]) / 1024
    return _seen[function_id]


@contextlib.contextmanager
def bench() -> Iterator[Bench]:
    warnings.filterwarnings("ignore", "No application metrics to publish", UserWarning)
    log = io.StringIO()
    with contextlib.redirect_stdout(log):
        subject = Bench(log)
        try:
            yield subject
        finally:
            subject.stack.stop()


# ------------------------------------------------------------------ the scenarios and the figures

SCENARIOS: list[tuple[str, str, float]] = [  # label, path, how many
    ("1,000 uploads (~1 MB JPEG each)", "upload", 1000),
    ("1,000 uploads through upload sessions (same file)", "upload session", 1000),
    ("1 M deliveries, all CDN hits", "delivery CDN hit", 1_000_000),
    ("1 M deliveries, CDN misses, rendition stored", "delivery origin hit", 1_000_000),
    ("1 M deliveries, all misses (rendered)", "delivery miss", 1_000_000),
    ("one 100-file bulk publish job", "bulk publish job", 1),
    ("one 100-file bulk unpublish job", "bulk unpublish job", 1),
    ("1 M management API calls (file details)", "api call", 1_000_000),
]
GROUPS = {  # column -> the Usage fields it sums
    "Lambda": ("lambda_gb_s", "lambda_request"),
    "API Gateway": ("api_rest",),
    "DynamoDB": ("dynamodb_wru", "dynamodb_rru"),
    "S3 requests": ("s3_put", "s3_get"),
    "S3 storage, 1 month": ("s3_gb_month",),
    "Step Functions": ("sfn_transition",),
    "CloudFront": ("cloudfront_gb", "cloudfront_https", "cloudfront_function", "cloudfront_invalidation"),
    "KMS": ("kms_request",),
    "Logs": ("logs_gb",),
}


def _dollars(value: float) -> str:
    if value == 0:
        return "0"
    return f"{value:,.2f}" if value >= 0.995 else f"{value:.3f}" if value >= 0.00095 else f"{value:.1e}"


def _present(paths: dict[str, PathFigures]) -> list[tuple[str, str, float]]:
    return [scenario for scenario in SCENARIOS if scenario[1] in paths]


def scenario_costs(paths: dict[str, PathFigures]) -> list[tuple[str, dict[str, float], float, tuple[float, float]]]:
    """Each scenario: its cost by column, its total, and the total's range with every AWS call's wait halved and
    doubled (Lambda's duration is the only part that moves)."""
    rows = []
    for label, name, n in _present(paths):
        usage = paths[name].usage.times(n)
        items = cost(usage, free_invalidation_paths=0)  # priced as if the month's free 1,000 paths were used up
        columns = {column: sum(items[key] for key in keys) for column, keys in GROUPS.items()}
        total = sum(columns.values())
        low, high = (
            total + (gb_s * n - usage.lambda_gb_s) * PRICES["lambda_gb_s"].each
            for gb_s in paths[name].lambda_gb_s_range
        )
        rows.append((label, columns, total, (low, high)))
    return rows


def render(paths: list[PathFigures], rounds: int, command: str) -> str:
    by_name = {path.name: path for path in paths}
    load = " / ".join(f"{value:.2f}" for value in os.getloadavg())
    measured = [path for path in paths if path.functions]
    function_rows = []
    for path in measured:
        for fig in sorted(path.functions, key=lambda figures: figures.function_id):
            memory = "-" if fig.max_memory_mb is None else f"{fig.max_memory_mb:.0f}"
            growth = "-" if fig.peak_growth_mb is None else f"{fig.peak_growth_mb:.0f}"
            function_rows.append(
                f"| {path.name} | {fig.function_id} | {fig.memory_mb} | {fig.per_op:g} | {fig.wall_ms:.1f} |"
                f" {fig.cpu_ms:.1f} | {fig.lambda_ms:.0f} | {fig.init_mb:.0f} + {growth} = {memory} |"
            )
    request_rows = []
    for path in paths:
        u = path.usage
        request_rows.append(
            f"| {path.name} | {u.api_rest:g} | {u.lambda_request:g} | {u.dynamodb_rru:.2f} | {u.dynamodb_wru:.2f} |"
            f" {u.s3_get:g} | {u.s3_put:g} | {path.stored_bytes / 1024:.0f} | {path.transitions:g} | {u.kms_request:g} |"
            f" {u.cloudfront_https:g} | {path.output_bytes / 1024:.1f} | {u.logs_gb * GB:.0f} |"
        )
    cost_rows = [
        f"| {label} | " + " | ".join(_dollars(columns[c]) for c in GROUPS) + f" | **{_dollars(total)}** |"
        f" {_dollars(low)}-{_dollars(high)} |"
        for label, columns, total, (low, high) in scenario_costs(by_name)
    ]
    calls = []
    for path in measured:
        per_op = ", ".join(f"`{name}` {n / path.ops:g}" for name, n in sorted(path.calls.items()))
        calls.append(f"- *{path.name}*: {per_op or 'none'}")
    month = imagekit_rows(by_name)
    lines = [
        "<!-- cost:start -->",
        "## Cost: measured duration and memory, priced at AWS list prices",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC with Python {platform.python_version()} ({platform.system()}"
        f" {platform.machine()}, {os.cpu_count()} shared CPUs of {cpu_model()}, load average {load} when it finished)"
        " by:",
        "",
        "```sh",
        command,
        "```",
        "",
        "(`make bench` runs it too; `--no-write` prints without touching this file.) Method, assumptions and the"
        f" comparison with ImageKit: [docs/cost.md](../docs/cost.md). Prices checked {CHECKED}"
        " (`bench/cost/pricing.py`).",
        "",
        f"### Each function on each path (warm; medians of {rounds} operations, one job each for the bulk jobs)",
        "",
        "*Local wall* and *CPU* are measured here, around the handler (CPU: the thread that runs it, botocore's"
        f" client side included, moto's server not). *Lambda ms* is the estimate billed: CPU / the CPU share of the"
        f" memory setting (memory / {FULL_VCPU_MB} MB, at most one vCPU) + an assumed wait per AWS call"
        " (`LATENCY_MS` in the script). *Max memory* = the RSS of a fresh interpreter after the handler's imports"
        " (its init) + the growth of this process's peak RSS during the invocation (the largest seen; `-` where"
        " invocations overlapped): an approximation of Lambda's *Max Memory Used*.",
        "",
        "| Path | Function | Memory setting, MB | Invocations per op | Local wall, ms | CPU, ms | Lambda ms (est.) |"
        " Max memory, MB (init + growth) |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
        *function_rows,
        "",
        "### AWS requests per operation",
        "",
        "DynamoDB request units from the sizes of the items each call read or wrote (the before and after images of"
        " every write, its GSI writes, transactions doubled); S3 by request class; *stored* is what the path adds"
        " to S3; logs are the bytes the functions and the gateway print, plus Lambda's own START/END/REPORT lines.",
        "",
        "| Path | API GW | Lambda | DynamoDB RRU | DynamoDB WRU | S3 GET | S3 PUT | Stored, KB | SFN transitions |"
        " KMS | CloudFront req | Out, KB | Logs, bytes |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        *request_rows,
        "",
        "AWS calls per operation (every function of the path together; a bulk job's per job):",
        "",
        *calls,
        "",
        "### What it costs, in US dollars (us-east-1, on demand, no free tier)",
        "",
        "| Scenario | " + " | ".join(GROUPS) + " | Total | Total if AWS calls wait half / twice as long |",
        "|---|" + "---:|" * (len(GROUPS) + 2),
        *cost_rows,
        "",
        "Storage is one month of what the scenario stores; invalidation paths priced beyond the month's free 1,000."
        " Fixed, whatever the traffic: " + fixed_monthly_text() + ".",
        "",
        "### Beside ImageKit",
        "",
        *month,
        "<!-- cost:end -->",
    ]
    return "\n".join(lines) + "\n"


def cpu_model() -> str:
    with contextlib.suppress(OSError):
        match = re.search(r"^model name\s*:\s*(.+)$", Path("/proc/cpuinfo").read_text(), re.M)
        if match:
            return match.group(1).strip()
    return platform.processor() or "an unknown CPU"


def fixed_monthly_text() -> str:
    kms, alarm = MONTHLY["kms_key"], MONTHLY["alarm"]
    alarms = _template_count("AWS::CloudWatch::Alarm")
    keys = _template_count("AWS::KMS::Key")
    total = keys * kms.dollars + alarms * alarm.dollars
    return f"{keys} KMS key (${kms.dollars:.2f} a month each) and {alarms} alarms (${alarm.dollars:.2f} each): ${total:.2f} a month"


def _template_count(resource_type: str) -> int:
    return len(re.findall(rf"^\s+Type: {re.escape(resource_type)}\s*$", (ROOT / "template.yaml").read_text(), re.M))


def imagekit_rows(paths: dict[str, PathFigures]) -> list[str]:
    """A month of 1,000 uploads and 1 M deliveries on ImageKit's plans and on this stack."""
    upload, hit = paths["upload"], paths["delivery CDN hit"]
    stored_gb = upload.stored_bytes * 1000 / GB
    out_gb = hit.output_bytes * 1_000_000 / GB
    totals = {
        name: total for (_, name, _), (_, _, total, _) in zip(_present(paths), scenario_costs(paths), strict=True)
    }
    ours = {
        label: totals["upload"] + totals[delivery]
        for label, delivery in (("all CDN hits", "delivery CDN hit"), ("all misses", "delivery miss"))
    }
    rows = [
        f"A month of 1,000 uploads (~{stored_gb:.2f} GB stored) and 1 M deliveries of {hit.output_bytes / 1024:.1f} KB"
        f" each ({out_gb:.1f} GB out). ImageKit bills bandwidth and storage, not requests or transformations"
        f" ([plans]({IMAGEKIT_SOURCE}), read {CHECKED}); this stack bills per request. Here: **${ours['all CDN hits']:.2f}**"
        f" if every delivery is a CDN hit, **${ours['all misses']:.2f}** if every one is rendered anew (plus the fixed"
        " costs above).",
        "",
        "| ImageKit plan | a month | includes bandwidth / storage | overage | this month on it |",
        "|---|---:|---|---|---:|",
    ]
    for plan in IMAGEKIT_PLANS:
        price = "custom" if plan.dollars_a_month is None else f"${plan.dollars_a_month:g}"
        includes = "custom" if plan.bandwidth_gb is None else f"{plan.bandwidth_gb:g} GB / {plan.storage_gb:g} GB"
        overage = (
            "none (hard limit)"
            if plan.bandwidth_overage_per_gb is None
            else f"${plan.bandwidth_overage_per_gb}/GB bandwidth, ${plan.storage_overage_per_gb}/GB storage"
        )
        if plan.dollars_a_month is None:
            overage = "custom"
        month = imagekit_monthly(plan, out_gb, stored_gb)
        rows.append(
            f"| {plan.name} ({plan.note}) | {price} | {includes} | {overage} |"
            f" {'-' if month is None else f'${month:,.2f}'} |"
        )
    return rows


def detail(paths: list[PathFigures]) -> str:
    out = []
    for path in paths:
        out.append(f"{path.name}: {path.ops} ops, transitions {path.transitions:g}, out {path.output_bytes:.0f} B")
        out.extend(f"    {name:<40} {n}" for name, n in sorted(path.calls.items()))
        out.extend(
            f"    {fig.function_id:<24} wall {fig.wall_ms:7.1f} cpu {fig.cpu_ms:7.1f} lambda {fig.lambda_ms:6.0f}"
            f" share {cpu_share(fig.memory_mb):.2f} mem {fig.init_mb:.0f}+{fig.peak_growth_mb}"
            for fig in path.functions
        )
        out.append("    " + json.dumps({k: v for k, v in vars(path.usage).items() if k != "notes" and v}))
    return "\n".join(out)


def main() -> int:
    if os.environ.get("MALLOC_MMAP_THRESHOLD_") != MMAP_THRESHOLD:  # see MMAP_THRESHOLD: run again with it set
        os.execve(sys.executable, [sys.executable, *sys.argv], {**os.environ, "MALLOC_MMAP_THRESHOLD_": MMAP_THRESHOLD})
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=DEFAULT_ROUNDS, help="operations per path (default 10)")
    parser.add_argument("--no-write", action="store_true", help=f"print the section, leave {README.name} alone")
    args = parser.parse_args()
    with bench() as subject:
        paths = subject.measure(args.rounds)
    print(detail(paths), file=sys.stderr)
    command = shlex.join([".venv/bin/python", "bench/cost/run.py", *sys.argv[1:]])
    section = render(paths, args.rounds, command)
    print(section)
    if args.no_write:
        return 0
    if args.rounds != DEFAULT_ROUNDS:
        print(f"only the default rounds are recorded: {README.name} left alone", file=sys.stderr)
        return 0
    write_section(section)
    print(f"wrote {README.relative_to(ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
