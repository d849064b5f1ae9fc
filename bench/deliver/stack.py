"""Delivery benchmark, part (b): the whole delivery request through the local stack, cache miss and cache hit, and
the handler time of a hit (which must decode no image).

The file: part (a)'s photo-like 12 MP JPEG (bench/deliver/engine.py ``original("12 MP")``: 4000 x 3000, quality
90, about 3.6 MB, under the ~4.4 MB a direct upload carries, so it is uploaded directly with
``POST /api/v1/files/upload``). The rendition: ``w-300`` WebP.

Whole request (wall time per request from this process, one kept-alive connection, to ``medialib local
start-api`` in a subprocess started as bench/upload/run.py starts it; each round interleaves the three):

- *miss*: a transformation the renditions cache has never seen (``q`` differs every round, 60 to 99 but 80; then
  ``w`` grows by one), so the original is read, decoded and transformed and the rendition stored;
- *hit*: one URL fetched again (its rendition is in the renditions bucket);
- *304*: that URL again with ``If-None-Match`` of its ETag.

Handler time of a hit (the local stack built in this process, as tests/conftest.py's ``stack`` fixture does): the
API Gateway event of the hit URL, captured from a request through the stack, given to
``stack.functions.invoke("DeliverFunction", event)``; wall time and CPU time (``time.process_time``, which also
counts the in-process moto server's threads answering the handler's calls, and ``time.thread_time``, the
handler's thread alone). ``PIL.Image.open``, ``PIL.ImageFile.ImageFile.load`` and
``medialib.transform.engine.render`` are counted during the hit rounds: a hit must call none of them (and the
miss that precedes them must, or the counting proves nothing).

    .venv/bin/python bench/deliver/stack.py [--rounds 20]     # prints the figures

``measure(rounds)`` is what bench/deliver/run.py imports: a list of (case, median ms, note).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
from PIL import Image

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # bench/: the upload benchmark's start_api, shared
from deliver.engine import original  # noqa: E402 - part (a)'s photo-like originals: both parts measure one file
from upload.run import ACCOUNT_ID, PRIVATE_KEY, PUBLIC_KEY, start_api  # noqa: E402

ROOT = HERE.parents[1]
UPLOAD_PATH = "/api/v1/files/upload"
RENDITION = "w-300,f-webp"
HIT_TARGET_MS = 5.0
DIRECT_UPLOAD_LIMIT = 4_400_000
MISS_QUALITIES = [q for q in range(60, 100) if q != 80]  # the hit's q-80 is the default: its key is the hit's


# ------------------------------------------------------------------ the upload


def _upload_form(content: bytes) -> tuple[bytes, str]:
    request = httpx.Request(
        "POST",
        "http://bench/",
        files={"file": ("photo.jpg", content, "image/jpeg")},
        data={"fileName": "photo.jpg", "folder": "/bench-deliver"},
    )
    return request.read(), request.headers["Content-Type"]


def _checked_upload(status: int, body: str) -> str:
    if status != 200:
        raise RuntimeError(f"upload answered {status}: {body[:500]}")
    return str(json.loads(body)["filePath"])


# ------------------------------------------------------------------ whole requests through start-api


def _timed(run: Callable[[], object]) -> float:
    started = time.perf_counter()
    run()
    return (time.perf_counter() - started) * 1000


def _get(client: httpx.Client, url: str, expect: int = 200, headers: dict[str, str] | None = None) -> httpx.Response:
    answer = client.get(url, headers=headers)
    if answer.status_code != expect:
        raise RuntimeError(f"GET {url} answered {answer.status_code}, not {expect}: {answer.text[:300]}")
    if expect == 200 and answer.headers.get("content-type") != "image/webp":
        raise RuntimeError(f"GET {url} answered {answer.headers.get('content-type')}, not image/webp")
    return answer


def whole_requests(content: bytes, rounds: int, warmup: int = 2) -> dict[str, list[float]]:
    """Miss, hit and 304 through ``medialib local start-api`` in a subprocess, interleaved in each round."""
    with tempfile.TemporaryDirectory(prefix="bench-deliver-") as scratch, start_api(Path(scratch) / "api.log") as stack:
        with httpx.Client(base_url=stack.base_url, auth=(PRIVATE_KEY, ""), timeout=60) as api:
            body, content_type = _upload_form(content)
            answer = api.post(UPLOAD_PATH, content=body, headers={"Content-Type": content_type})
            path = quote(_checked_upload(answer.status_code, answer.text))
        qualities = iter(range(10_000))

        def miss_url() -> str:  # a new q each time (never the hit's 80): a key never stored; w grows after q-99
            n = next(qualities)
            return f"/{ACCOUNT_ID}/tr:w-{300 + n // len(MISS_QUALITIES)},f-webp,q-{MISS_QUALITIES[n % len(MISS_QUALITIES)]}{path}"

        hit_url = f"/{ACCOUNT_ID}/tr:{RENDITION},q-80{path}"
        with httpx.Client(base_url=stack.base_url, timeout=60) as client:
            etag = _get(client, hit_url).headers.get("etag")  # the first request stores the rendition
            if not etag:
                raise RuntimeError(f"GET {hit_url} answered no ETag")
            variants: dict[str, Callable[[], object]] = {
                "miss": lambda: _get(client, miss_url()),
                "hit": lambda: _get(client, hit_url),
                "304": lambda: _get(client, hit_url, 304, {"If-None-Match": etag}),
            }
            for _ in range(warmup):
                for run in variants.values():
                    run()
            times: dict[str, list[float]] = {name: [] for name in variants}
            for index in range(rounds):
                order = list(variants) if index % 2 == 0 else list(reversed(variants))
                for name in order:
                    times[name].append(_timed(variants[name]))
    return times


# ------------------------------------------------------------------ the handler of a hit, in-process


@contextlib.contextmanager
def counting_decodes() -> Iterator[Counter[str]]:
    """Count calls of PIL.Image.open, ImageFile.load (where pixels are decoded) and the engine's render."""
    from PIL import ImageFile

    counts: Counter[str] = Counter()
    patched: list[tuple[Any, str, Any]] = []

    def wrap(owner: Any, name: str, label: str) -> None:
        original = getattr(owner, name)

        def counted(*args: Any, **kwargs: Any) -> Any:
            counts[label] += 1
            return original(*args, **kwargs)

        setattr(owner, name, counted)
        patched.append((owner, name, original))

    wrap(Image, "open", "PIL.Image.open")
    wrap(ImageFile.ImageFile, "load", "ImageFile.load")
    try:
        from medialib.transform import engine

        wrap(engine, "render", "engine.render")
    except ImportError:  # before the engine exists, PIL's own entry points are what counts
        pass
    try:
        yield counts
    finally:
        for owner, name, original in reversed(patched):
            setattr(owner, name, original)


def _capture_hit_event(functions: Any, client: Any, url: str) -> tuple[dict[str, Any], dict[str, int]]:
    """GET ``url`` through the stack (a miss: the rendition is made and stored) and keep the API Gateway event
    the gateway gave DeliverFunction; what the miss decoded, counted."""
    events: list[dict[str, Any]] = []
    invoke = functions.invoke

    def recording(function_id: str, event: Any) -> Any:
        if function_id == "DeliverFunction":
            events.append(event)
        return invoke(function_id, event)

    functions.invoke = recording  # capture the gateway's event, then restore
    try:
        with counting_decodes() as decodes:
            answer = client.get(url)
    finally:
        functions.invoke = invoke
    if answer.status_code != 200 or not events:
        raise RuntimeError(f"the miss answered {answer.status_code}: {answer.get_data(as_text=True)[:300]}")
    return events[-1], dict(decodes)


@contextlib.contextmanager
def counting_aws_calls() -> Iterator[dict[str, Any]]:
    """Count the AWS SDK calls (by operation) and the CPU time this thread spends inside them (botocore's own
    work: signing, serialising, parsing; the moto server's threads not included)."""
    from botocore.client import BaseClient

    client_class: Any = BaseClient  # its private _make_api_call is where every AWS call passes
    make_api_call = client_class._make_api_call
    seen: dict[str, Any] = {"calls": Counter(), "cpu_ms": 0.0}

    def counted(self: Any, operation: str, params: Any) -> Any:
        started = time.thread_time()
        try:
            return make_api_call(self, operation, params)
        finally:
            seen["cpu_ms"] += (time.thread_time() - started) * 1000
            seen["calls"][operation] += 1

    client_class._make_api_call = counted
    try:
        yield seen
    finally:
        client_class._make_api_call = make_api_call


def _time_hits(functions: Any, event: dict[str, Any], rounds: int, warmup: int) -> dict[str, Any]:
    def hit() -> None:
        result = functions.invoke("DeliverFunction", event)
        if result.get("statusCode") != 200:
            raise RuntimeError(f"the hit answered {result.get('statusCode')}: {str(result.get('body'))[:300]}")

    for _ in range(warmup):
        hit()
    times: dict[str, Any] = {"wall": [], "cpu": [], "thread_cpu": [], "sdk_cpu": []}
    with counting_decodes() as decodes, counting_aws_calls() as aws:
        for _ in range(rounds):
            sdk_before = aws["cpu_ms"]
            w0, c0, t0 = time.perf_counter(), time.process_time(), time.thread_time()
            hit()
            t1, c1, w1 = time.thread_time(), time.process_time(), time.perf_counter()
            times["wall"].append((w1 - w0) * 1000)
            times["cpu"].append((c1 - c0) * 1000)
            times["thread_cpu"].append((t1 - t0) * 1000)
            times["sdk_cpu"].append(aws["cpu_ms"] - sdk_before)
    calls = {operation: count / rounds for operation, count in aws["calls"].items()}
    return times | {"hit_decodes": dict(decodes), "aws_calls": calls}


def _time_misses(functions: Any, event: dict[str, Any], rounds: int) -> dict[str, list[float]]:
    """The hit's event with a new q (then w) each round: a rendition key never stored, so each invocation reads,
    decodes, transforms and stores."""
    text = json.dumps(event)
    times: dict[str, list[float]] = {"wall": [], "thread_cpu": [], "sdk_cpu": []}
    with counting_aws_calls() as aws:
        for n in range(rounds):
            quality, width = MISS_QUALITIES[n % len(MISS_QUALITIES)], 300 + n // len(MISS_QUALITIES)
            miss = json.loads(text.replace(f"tr:{RENDITION},q-80", f"tr:w-{width},f-webp,q-{quality}"))
            sdk_before = aws["cpu_ms"]
            w0, t0 = time.perf_counter(), time.thread_time()
            result = functions.invoke("DeliverFunction", miss)
            t1, w1 = time.thread_time(), time.perf_counter()
            if result.get("statusCode") != 200:
                raise RuntimeError(f"the miss answered {result.get('statusCode')}: {str(result.get('body'))[:300]}")
            times["wall"].append((w1 - w0) * 1000)
            times["thread_cpu"].append((t1 - t0) * 1000)
            times["sdk_cpu"].append(aws["cpu_ms"] - sdk_before)
    return times


def handler_hit(content: bytes, rounds: int, warmup: int = 3) -> dict[str, Any]:
    """The local stack in this process; the hit URL's event captured from a request through it; then ``rounds``
    invocations of DeliverFunction with that event, timed, with the decodes counted."""
    from werkzeug.test import Client

    from medialib_local.stack import DevAccount, LocalStack, find_template

    stack = LocalStack(find_template(ROOT), "http://127.0.0.1:3000", DevAccount(ACCOUNT_ID, PUBLIC_KEY, PRIVATE_KEY))
    # stdout: the gateway's access log and the functions' metrics
    with contextlib.redirect_stdout(io.StringIO()):
        stack.start(schedules=False)
        try:
            assert stack.app is not None
            client = Client(stack.app)
            body, content_type = _upload_form(content)
            auth = httpx.BasicAuth(PRIVATE_KEY, "")._auth_header
            uploaded = client.post(
                UPLOAD_PATH, data=body, headers={"Content-Type": content_type, "Authorization": auth}
            )
            path = quote(_checked_upload(uploaded.status_code, uploaded.get_data(as_text=True)))
            event, miss_decodes = _capture_hit_event(
                stack.functions, client, f"/{ACCOUNT_ID}/tr:{RENDITION},q-80{path}"
            )
            misses = _time_misses(stack.functions, event, rounds)
            hits = _time_hits(stack.functions, event, rounds, warmup)
            return hits | {"miss_decodes": miss_decodes, "misses": misses}
        finally:
            stack.stop()


# ------------------------------------------------------------------ the figures


def _describe(counts: dict[str, float]) -> str:
    return ", ".join(f"{name} x{n:g}" for name, n in sorted(counts.items())) or "no call"


def measure(rounds: int) -> list[tuple[str, float, str]]:
    """The whole delivery request (miss, hit, 304) and the handler time of a hit: (case, median ms, note)."""
    content = original("12 MP")
    if len(content) > DIRECT_UPLOAD_LIMIT:
        raise RuntimeError(f"the photo is {len(content):,} bytes: over a direct upload's {DIRECT_UPLOAD_LIMIT:,}")
    whole = whole_requests(content, rounds)
    handler = handler_hit(content, rounds)
    decoded_in_hits = sum(handler["hit_decodes"].values())
    checked = bool(handler["miss_decodes"])
    no_decode = (
        "no image decoded in the hits"
        if decoded_in_hits == 0 and checked
        else f"**decoded in the hits: {_describe(handler['hit_decodes'])}**"
        if decoded_in_hits
        else "**the miss decoded nothing either: the counting saw no call, so it proves nothing**"
    )
    hit_cpu = statistics.median(handler["thread_cpu"])
    verdict = "within" if hit_cpu < HIT_TARGET_MS and decoded_in_hits == 0 else "**over**"
    size = f"12 MP photo-like JPEG ({len(content) / 1e6:.1f} MB, uploaded directly)"
    return [
        (
            "stack: miss, 12 MP JPEG -> w-300 WebP",
            statistics.median(whole["miss"]),
            f"whole request, wall, from this process to start-api; {size}; a new q each round",
        ),
        ("stack: hit, same URL", statistics.median(whole["hit"]), "whole request, wall; the rendition from the bucket"),
        ("stack: If-None-Match -> 304", statistics.median(whole["304"]), "whole request, wall; no body"),
        (
            "handler: miss, CPU (handler thread)",
            statistics.median(handler["misses"]["thread_cpu"]),
            "DeliverFunction invoked in-process, a new q each round: time.thread_time (the original read, decoded,"
            f" rendered, stored; {statistics.median(handler['misses']['sdk_cpu']):.1f} ms of it in the AWS SDK);"
            f" wall {statistics.median(handler['misses']['wall']):.1f} ms",
        ),
        (
            "handler: hit, CPU (handler thread)",
            hit_cpu,
            f"DeliverFunction invoked in-process with the hit's event, time.thread_time; {verdict} the "
            f"{HIT_TARGET_MS:g} ms target; {no_decode}",
        ),
        (
            "handler: hit, CPU in the AWS SDK",
            statistics.median(handler["sdk_cpu"]),
            f"of the handler thread's CPU, inside botocore for its {_describe(handler['aws_calls'])} per hit "
            "(a new connection to the local moto each call: it closes them)",
        ),
        (
            "handler: hit, CPU (process)",
            statistics.median(handler["cpu"]),
            "time.process_time: also the in-process moto server's threads answering the handler's calls",
        ),
        (
            "handler: hit, wall",
            statistics.median(handler["wall"]),
            "includes the DynamoDB and S3 round trips to the in-process moto server; "
            f"the miss before the hits called {_describe(handler['miss_decodes'])}",
        ),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=20, help="timed rounds of each case (default 20)")
    args = parser.parse_args()
    rows = measure(args.rounds)
    width = max(len(name) for name, _, _ in rows)
    print(f"median of {args.rounds} rounds, ms")
    for name, median, note in rows:
        print(f"{name:<{width}}  {median:8.2f}  {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
