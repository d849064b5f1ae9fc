"""Upload benchmark: a 1 MB JPEG uploaded through the local API against the bare minimum on the same moto.

The subject is the real route as a user drives it: ``medialib local start-api`` in a subprocess (API Gateway
emulation, the upload function's handler, the upload pipeline, moto), and ``POST /api/v1/files/upload`` with a
multipart body and Basic auth from this process over one kept-alive HTTP connection. The baseline is the least
any upload must do, on the same moto server of the same stack in the same run: one S3 ``PutObject`` of the same
bytes into the originals bucket and one DynamoDB ``PutItem`` of a small record into the table, with plain boto3
clients from this process. The two alternate in every round (which goes first alternates too), after warm-up
requests that leave the cold start (the handler's import) out; the figure is the median of the rounds.

    .venv/bin/python bench/upload/run.py                 # measure, rewrite the upload section of README.md
    .venv/bin/python bench/upload/run.py --no-write      # print only
    .venv/bin/python bench/upload/run.py --profile       # cProfile of uploads in-process, and the AWS calls
                                                         # each one makes; README.md left alone
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import os
import platform
import pstats
import random
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import httpx
from PIL import Image

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # bench/: the README writer every benchmark shares
from readme import README, write_section  # noqa: E402

ROOT = HERE.parents[1]
TARGET_RATIO = 1.5
ACCOUNT_ID, PUBLIC_KEY, PRIVATE_KEY = "bench", "public_bench_key_0001", "private_bench_key_0001"
UPLOAD_PATH = "/api/v1/files/upload"
REGION = "us-east-1"


# ------------------------------------------------------------------ the file


def jpeg(target_bytes: int = 1_000_000, seed: int = 7) -> tuple[bytes, tuple[int, int]]:
    """A JPEG of about ``target_bytes`` (seeded noise, which JPEG cannot shrink much; quality 90), and its size."""
    rng = random.Random(seed)
    side = 600
    while True:
        pixels = rng.randbytes(side * side * 3)
        out = io.BytesIO()
        Image.frombytes("RGB", (side, side), pixels).save(out, "JPEG", quality=90)
        if out.tell() >= target_bytes:
            return out.getvalue(), (side, side)
        side = int(side * (target_bytes / out.tell()) ** 0.5) + 8


# ------------------------------------------------------------------ the stack


@dataclass(frozen=True)
class Stack:
    base_url: str
    moto_endpoint: str
    table: str
    bucket: str


def _banner_value(banner: str, label: str, logical_id: str | None = None) -> str:
    pattern = rf"^\s+{re.escape(label)}\s+(\S+)" + (rf"\s+\({re.escape(logical_id)}\)" if logical_id else "")
    found = re.search(pattern, banner, re.MULTILINE)
    if found is None:
        raise RuntimeError(f"start-api's banner has no {label} {logical_id or ''}:\n{banner}")
    return found.group(1)


@contextmanager
def start_api(log: Path) -> Iterator[Stack]:
    """``medialib local start-api`` on a free port, as a user runs it; what its banner says."""
    from medialib_local.aws import free_port

    port = free_port()
    env = {
        **os.environ,
        "MEDIALIB_ACCOUNT_ID": ACCOUNT_ID,
        "MEDIALIB_PUBLIC_KEY": PUBLIC_KEY,
        "MEDIALIB_PRIVATE_KEY": PRIVATE_KEY,
    }
    env.pop("AWS_ENDPOINT_URL", None)
    medialib = Path(sys.executable).parent / "medialib"
    with log.open("w") as out:
        process = subprocess.Popen(
            [str(medialib), "local", "start-api", "--port", str(port)], cwd=ROOT, env=env, stdout=out, stderr=out
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while "Endpoint URL" not in log.read_text() or not _serving(base_url):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"start-api did not come up:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        banner = log.read_text()
        yield Stack(
            base_url,
            _banner_value(banner, "Endpoint URL"),
            _banner_value(banner, "Table", "MediaTable"),
            _banner_value(banner, "Bucket", "OriginalsBucket"),
        )
    finally:
        process.terminate()
        process.wait(timeout=20)


def _serving(base_url: str) -> bool:
    try:
        httpx.get(f"{base_url}/v1/files", timeout=1)
    except httpx.TransportError:
        return False
    return True


# ------------------------------------------------------------------ the two variants


def upload_once(client: httpx.Client, content: bytes) -> Callable[[], None]:
    """One direct upload, as the SDKs send it: multipart, Basic auth with the private key, a unique name."""

    def run() -> None:
        answer = client.post(
            UPLOAD_PATH,
            files={"file": ("bench.jpg", content, "image/jpeg")},
            data={"fileName": "bench.jpg", "folder": "/bench"},
        )
        if answer.status_code != 200:
            raise RuntimeError(f"upload answered {answer.status_code}: {answer.text[:500]}")

    return run


def baseline_once(stack: Stack, content: bytes) -> Callable[[], None]:
    """The bare minimum of an upload: the bytes to S3, one record to DynamoDB, plain boto3."""
    session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION)
    s3 = session.client("s3", endpoint_url=stack.moto_endpoint)
    dynamodb = session.client("dynamodb", endpoint_url=stack.moto_endpoint)

    def run() -> None:
        key = uuid.uuid4().hex
        s3.put_object(Bucket=stack.bucket, Key=f"bench/{key}", Body=content, ContentType="image/jpeg")
        dynamodb.put_item(
            TableName=stack.table,
            Item={
                "PK": {"S": f"ACCOUNT#{ACCOUNT_ID}#BENCH#{key}"},
                "SK": {"S": "FILE"},
                "name": {"S": "bench.jpg"},
                "size": {"N": str(len(content))},
                "mime": {"S": "image/jpeg"},
            },
        )

    return run


def floor_once(stack: Stack, content: bytes) -> Callable[[], None]:
    """The AWS calls the upload itself makes, bare: the S3 put, and the records in one transaction of four writes
    shaped like the upload's (path claim, file, first version, folder upsert). What moto makes these cost is the
    floor of the upload on moto, whatever the code around them."""
    session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION)
    s3 = session.client("s3", endpoint_url=stack.moto_endpoint)
    dynamodb = session.client("dynamodb", endpoint_url=stack.moto_endpoint)

    def put(pk: str, sk: str, **attributes: str) -> Any:
        item = {"PK": {"S": pk}, "SK": {"S": sk}, **{k: {"S": v} for k, v in attributes.items()}}
        return {"Put": {"TableName": stack.table, "Item": item, "ConditionExpression": "attribute_not_exists(PK)"}}

    def run() -> None:
        file_id = uuid.uuid4().hex
        s3.put_object(Bucket=stack.bucket, Key=f"floor/{file_id}", Body=content, ContentType="image/jpeg")
        record = {"name": f"floor-{file_id}.jpg", "mime": "image/jpeg", "size": str(len(content)), "url": "x" * 80}
        dynamodb.transact_write_items(
            TransactItems=[
                put(f"ACCOUNT#{ACCOUNT_ID}#PATH#/floor/{file_id}.jpg", "PATH", fileId=file_id),
                put(f"ACCOUNT#{ACCOUNT_ID}#FILE#{file_id}", "FILE", **record),
                put(f"ACCOUNT#{ACCOUNT_ID}#FILE#{file_id}", f"VERSION#{file_id}", **record),
                {
                    "Update": {
                        "TableName": stack.table,
                        "Key": {"PK": {"S": f"ACCOUNT#{ACCOUNT_ID}#FOLDER#/floor"}, "SK": {"S": "FOLDER"}},
                        "UpdateExpression": "SET #n = if_not_exists(#n, :n)",
                        "ExpressionAttributeNames": {"#n": "name"},
                        "ExpressionAttributeValues": {":n": {"S": "floor"}},
                    }
                },
            ]
        )

    return run


def _timed(run: Callable[[], None]) -> float:
    started = time.perf_counter()
    run()
    return (time.perf_counter() - started) * 1000


def measure(stack: Stack, content: bytes, rounds: int, warmup: int) -> dict[str, list[float]]:
    """Interleaved rounds: each round times one of each variant, the order reversed every other round."""
    with httpx.Client(base_url=stack.base_url, auth=(PRIVATE_KEY, ""), timeout=30) as client:
        variants = {
            "baseline": baseline_once(stack, content),
            "floor": floor_once(stack, content),
            "upload": upload_once(client, content),
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


def table_items(stack: Stack) -> int:
    """How many items the table holds: moto's TransactWriteItems copies the whole table for each of its writes."""
    session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION)
    dynamodb = session.client("dynamodb", endpoint_url=stack.moto_endpoint)
    return int(dynamodb.scan(TableName=stack.table, Select="COUNT")["Count"])


# ------------------------------------------------------------------ profile (in-process)


def profile(content: bytes, uploads: int, top: int, dump: Path | None = None) -> str:
    """The local stack in this process, ``uploads`` uploads through its gateway (werkzeug's test client, no
    socket on the API side) under cProfile, and the AWS calls each upload makes, by operation."""
    from botocore.client import BaseClient
    from werkzeug.test import Client

    from medialib_local.stack import DevAccount, LocalStack, find_template

    stack = LocalStack(find_template(ROOT), "http://127.0.0.1:3000", DevAccount(ACCOUNT_ID, PUBLIC_KEY, PRIVATE_KEY))
    gateway = stack.start(schedules=False)
    calls: Counter[str] = Counter()
    client_class: Any = BaseClient  # its private _make_api_call is where every AWS call passes
    make_api_call = client_class._make_api_call

    def counted(self: Any, operation: str, params: Any) -> Any:
        calls[f"{self.meta.service_model.service_name}.{operation}"] += 1
        return make_api_call(self, operation, params)

    body, content_type = _multipart(content)
    headers = {"Content-Type": content_type, "Authorization": httpx.BasicAuth(PRIVATE_KEY, "")._auth_header}
    client = Client(gateway)

    def run() -> None:
        answer = client.post(UPLOAD_PATH, data=body, headers=headers)
        if answer.status_code != 200:
            raise RuntimeError(f"upload answered {answer.status_code}: {answer.get_data(as_text=True)[:500]}")

    try:
        with contextlib.redirect_stdout(io.StringIO()):  # the gateway's access log and the functions' metrics
            for _ in range(3):
                run()
            client_class._make_api_call = counted  # counting only: every call goes through
            profiler = cProfile.Profile()
            started = time.perf_counter()
            profiler.enable()
            for _ in range(uploads):
                run()
            profiler.disable()
            elapsed = (time.perf_counter() - started) * 1000 / uploads
    finally:
        client_class._make_api_call = make_api_call
        stack.stop()
    out = io.StringIO()
    per_upload = ", ".join(f"{name} x{count / uploads:g}" for name, count in sorted(calls.items()))
    out.write(f"{uploads} uploads in-process, {elapsed:.1f} ms each (profiled); AWS calls per upload: {per_upload}\n")
    stats = pstats.Stats(profiler, stream=out)
    if dump is not None:
        stats.dump_stats(dump)  # for `python -m pstats` or snakeviz
    stats.sort_stats("cumulative").print_stats(top)
    return out.getvalue()


def _multipart(content: bytes) -> tuple[bytes, str]:
    request = httpx.Request(
        "POST",
        "http://bench/",
        files={"file": ("bench.jpg", content, "image/jpeg")},
        data={"fileName": "bench.jpg", "folder": "/bench"},
    )
    return request.read(), request.headers["Content-Type"]


# ------------------------------------------------------------------ the report


def render(times: dict[str, list[float]], content: bytes, size: tuple[int, int], command: str, items: int) -> str:
    upload, floor, baseline = (statistics.median(times[name]) for name in ("upload", "floor", "baseline"))
    ratio = upload / baseline
    load = " / ".join(f"{value:.2f}" for value in os.getloadavg())
    rounds = len(times["upload"])

    def row(name: str, label: str) -> str:
        values = times[name]
        median = statistics.median(values)
        within = "-" if name != "upload" else ("yes" if median / baseline <= TARGET_RATIO else "**no**")
        return f"| {label} | {median:.1f} | {min(values):.1f}-{max(values):.1f} | {median / baseline:.2f}x | {within} |"

    verdict = (
        f"The upload is within {TARGET_RATIO}x of the baseline ({ratio:.2f}x)."
        if ratio <= TARGET_RATIO
        else f"The upload takes {ratio:.2f}x the baseline: it misses the {TARGET_RATIO}x target."
    )
    lines = [
        "<!-- upload:start -->",
        "## Upload: a 1 MB JPEG through the local API",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC with Python {platform.python_version()} ({platform.system()}"
        f" {platform.machine()}, {os.cpu_count()} CPUs, load average {load} when it finished) by:",
        "",
        "```sh",
        command,
        "```",
        "",
        f"A {len(content):,}-byte JPEG ({size[0]} x {size[1]}, seeded noise). *upload*: `POST {UPLOAD_PATH}` to"
        " `medialib local start-api` (gateway emulation, the upload function, the pipeline, moto), multipart with"
        " Basic auth over one kept-alive connection, a unique file name each time. *baseline*: one S3 `PutObject` of"
        " the same bytes and one DynamoDB `PutItem` with plain boto3, on the same moto server. *floor*: the AWS calls"
        " the upload makes once warm (the S3 put and one `TransactWriteItems` of four writes shaped like its own),"
        " bare, on the same server. Wall time per request from the client, the three interleaved in each of"
        f" {rounds} rounds after warm-up (the handler's import left out); median and min-max, in ms.",
        "",
        f"| Variant | Median ms | min-max ms | Ratio to baseline | Within target (<= {TARGET_RATIO}x) |",
        "|---|---:|---:|---:|:---:|",
        row("baseline", "**baseline** (S3 put + DynamoDB put, boto3)"),
        row("floor", "*floor*: the upload's own AWS calls, bare"),
        row("upload", "upload through the local API"),
        "",
        verdict,
        f"Of the upload's {upload:.1f} ms, {floor:.1f} ms are its AWS calls on moto (the floor) and {upload - floor:.1f} ms"
        " the rest: the HTTP hop to the local API, the gateway's event (base64 and JSON of the body), the handler,"
        " the form, the authentication (remembered once warm), the JPEG check, the answer. The local stack rolls"
        " `TransactWriteItems` back by item (moto copied the whole table), so the floor no longer grows with the"
        f" table, which held {items} items at the end of this run.",
        "<!-- upload:end -->",
    ]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=20, help="interleaved rounds (default 20)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed requests of each variant first (default 3)")
    parser.add_argument("--no-write", action="store_true", help=f"print the section, leave {README.name} alone")
    parser.add_argument("--profile", action="store_true", help="cProfile uploads in-process instead of measuring")
    parser.add_argument("--top", type=int, default=40, help="functions the profile lists (default 40)")
    parser.add_argument("--profile-out", type=Path, metavar="FILE", help="with --profile: also save the stats")
    args = parser.parse_args()
    content, size = jpeg()
    if args.profile:
        print(profile(content, args.rounds, args.top, args.profile_out))
        return 0
    with tempfile.TemporaryDirectory(prefix="bench-upload-") as scratch, start_api(Path(scratch) / "api.log") as stack:
        times = measure(stack, content, args.rounds, args.warmup)
        items = table_items(stack)
    command = shlex.join([".venv/bin/python", "bench/upload/run.py", *sys.argv[1:]])
    section = render(times, content, size, command, items)
    print(section)
    if not args.no_write and args.rounds == 20:
        write_section(section)
        print(f"wrote {README.relative_to(ROOT)}", file=sys.stderr)
    elif not args.no_write:
        print(f"only the default 20 rounds are recorded: {README.name} left alone", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
