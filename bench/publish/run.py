"""Bulk publish benchmark: a 100-file job end to end on the local stack, and the AWS calls it makes per file.

Setup (not timed): the local stack built in this process (as tests/conftest.py's ``stack`` fixture and
``bench/upload/run.py --profile`` build it: moto's server on a loopback port, the template's resources, the
functions loaded in-process, the gateway), and 100 small PNGs uploaded through it.

A job is ``POST /v1/files/publish`` of the 100 files (Basic auth, through the gateway, werkzeug's test client: no
socket on the API side), then ``GET /v1/bulkJobs/{jobId}`` every ``--poll-ms`` (20) until it reads Completed. The
figure is that span: from the POST to the first poll that reads Completed. The job is also timed exactly: the publish
worker's ``finish`` step is wrapped, so the instant the job's record was written is known, and the poll's lateness is
reported. A first job (a publish of files already published: every file a read, no write) warms the functions'
execution environments and is reported apart, as the cold job. Then each round runs one job as the local stack runs
it and one of each variant (the same job with one of moto's own costs changed: its rollback copy of the table in
``TransactWriteItems`` made once per transaction or not at all, the boto3 client its interpreter makes for each
Lambda task made once), interleaved, the order reversed every other round; each job is the opposite of the one
before it (unpublish, publish, ...), over the same files.

Every botocore API call in the process is counted (``BaseClient._make_api_call`` wrapped), by service and operation
and by who made it: the POST's request (API function, authorizer), each step of the publish worker (start, file,
purge, finish: ``medialib.publish.service.run_task`` wrapped to tag its thread), the polls (left out of the figures),
and moto's Step Functions interpreter, whose Lambda tasks are botocore ``Invoke`` calls to the moto server (which runs
the worker in-process). (a) is every call our code makes, against the target of 3 per file; (b) is Step Functions'
own, the Lambda invocations.

    .venv/bin/python bench/publish/run.py                # measure, rewrite the publish section of bench/README.md
    .venv/bin/python bench/publish/run.py --no-write     # print only
    .venv/bin/python bench/publish/run.py --profile      # cProfile of one unpublish job (every thread), printed
    .venv/bin/python bench/publish/run.py --profile --variant 3   # the same, with moto's two costs cut
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import json
import os
import platform
import pstats
import shlex
import statistics
import sys
import threading
import time
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
from PIL import Image

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # bench/: the README writer every benchmark shares
from readme import README, write_section  # noqa: E402

ROOT = HERE.parents[1]
ACCOUNT_ID, PUBLIC_KEY, PRIVATE_KEY = "bench", "public_bench_key_0001", "private_bench_key_0001"
UPLOAD_PATH = "/api/v1/files/upload"
TARGET_SECONDS = 3.0
TARGET_CALLS_PER_FILE = 3.0
DEFAULT_ROUNDS = 6
DEFAULT_FILES = 100
DEFAULT_POLL_MS = 20.0
JOB_TIMEOUT_SECONDS = 120


# ------------------------------------------------------------------ who made each AWS call


@dataclass
class Call:
    tag: str  # request, poll, step:<action>, stepfunctions, other
    service: str
    operation: str
    started: float
    ms: float


@dataclass
class Step:
    action: str
    started: float
    ms: float


@dataclass
class Recorder:
    """Every botocore API call and every publish worker step, with the thread's tag and timings; the time moto
    spends inside each DynamoDB operation (serialised by the local stack's lock) and the time moto's interpreter
    spends creating a Lambda client for each task (these two in CPU time of their thread, so that the other
    threads' turns at the GIL are not counted in them)."""

    calls: list[Call] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    moto_dynamodb: list[tuple[str, float]] = field(default_factory=list)
    lambda_clients: list[float] = field(default_factory=list)
    finished_at: list[float] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    local: threading.local = field(default_factory=threading.local)

    def tag(self) -> str:
        return str(getattr(self.local, "tag", ""))

    @contextlib.contextmanager
    def tagged(self, tag: str) -> Iterator[None]:
        before = self.tag()
        self.local.tag = tag
        try:
            yield
        finally:
            self.local.tag = before

    def clear(self) -> None:
        with self.lock:
            self.calls.clear()
            self.steps.clear()
            self.moto_dynamodb.clear()
            self.lambda_clients.clear()
            self.finished_at.clear()
            self.max_in_flight = self.in_flight


@contextlib.contextmanager
def patched(owner: Any, name: str, replacement: Any) -> Iterator[None]:
    """``owner.name`` replaced for the block (the original callable is what the replacement calls)."""
    original = getattr(owner, name)
    setattr(owner, name, replacement)
    try:
        yield
    finally:
        setattr(owner, name, original)


def _counted_api_call(recorder: Recorder, make_api_call: Any) -> Any:
    def counted(self: Any, operation: str, params: Any) -> Any:
        service_name = self.meta.service_model.service_name
        tag = recorder.tag() or ("stepfunctions" if service_name == "lambda" else "other")
        started = time.perf_counter()
        try:
            return make_api_call(self, operation, params)
        finally:
            ms = (time.perf_counter() - started) * 1000
            with recorder.lock:
                recorder.calls.append(Call(tag, service_name, operation, started, ms))

    return counted


def _timed_step(recorder: Recorder, run_task: Any) -> Any:
    def timed_step(task: Any) -> Any:
        file_step = task.action == "file"
        with recorder.lock:
            recorder.in_flight += file_step
            recorder.max_in_flight = max(recorder.max_in_flight, recorder.in_flight)
        started = time.perf_counter()
        try:
            with recorder.tagged(f"step:{task.action}"):
                return run_task(task)
        finally:
            ended = time.perf_counter()
            with recorder.lock:
                recorder.in_flight -= file_step
                recorder.steps.append(Step(task.action, started, (ended - started) * 1000))
                if task.action == "finish":
                    recorder.finished_at.append(ended)

    return timed_step


def _inside_moto(recorder: Recorder, call_action: Any) -> Any:
    def timed(self: Any) -> Any:
        started = time.thread_time()  # CPU time of this thread: the GIL's waits left out
        try:
            return call_action(self)  # the operation, then its response's serialisation
        finally:
            with recorder.lock:
                recorder.moto_dynamodb.append((self._get_action(), (time.thread_time() - started) * 1000))

    return timed


def _timed_client(recorder: Recorder, boto_client_for: Any) -> Any:
    def timed_client(*args: Any, **kwargs: Any) -> Any:
        started = time.thread_time()
        try:
            return boto_client_for(*args, **kwargs)
        finally:
            with recorder.lock:
                recorder.lambda_clients.append((time.thread_time() - started) * 1000)

    return timed_client


@contextlib.contextmanager
def recording(recorder: Recorder) -> Iterator[None]:
    """Wrap botocore's ``BaseClient._make_api_call`` (every API call of every client passes there), the publish
    worker's ``run_task`` (worker.py looks it up at each call: each step, tagged by its action), moto's DynamoDB
    operations (``DynamoHandler.call_action``: the operation and its response's serialisation), and the function that makes moto's interpreter a Lambda client for each task. Counting and timing
    only: every call goes through."""
    from botocore.client import BaseClient
    from moto.dynamodb.responses import DynamoHandler
    from moto.stepfunctions.parser.asl.component.state.exec.state_task import lambda_eval_utils

    from medialib.publish import service

    client_class: Any = BaseClient  # its private _make_api_call is where every AWS call passes
    with contextlib.ExitStack() as stack:
        stack.enter_context(
            patched(client_class, "_make_api_call", _counted_api_call(recorder, client_class._make_api_call))
        )
        stack.enter_context(patched(service, "run_task", _timed_step(recorder, service.run_task)))
        stack.enter_context(patched(DynamoHandler, "call_action", _inside_moto(recorder, DynamoHandler.call_action)))
        make_client = getattr(lambda_eval_utils, "boto_client_for")  # noqa: B009 - moto does not export it
        stack.enter_context(patched(lambda_eval_utils, "boto_client_for", _timed_client(recorder, make_client)))
        yield


# ------------------------------------------------------------------ the stack and the files


def png(index: int) -> bytes:
    """A small PNG (16 x 16), a different colour for each file."""
    out = io.BytesIO()
    Image.new("RGB", (16, 16), (index % 256, (index * 7) % 256, (index * 13) % 256)).save(out, "PNG")
    return out.getvalue()


def _multipart(content: bytes, name: str) -> tuple[bytes, str]:
    request = httpx.Request(
        "POST",
        "http://bench/",
        files={"file": (name, content, "image/png")},
        data={"fileName": name, "folder": "/bench-publish", "useUniqueFileName": "false"},
    )
    return request.read(), request.headers["Content-Type"]


@dataclass
class Job:
    kind: str  # publish, unpublish
    total_ms: float  # POST to the poll that read Completed
    exact_ms: float  # POST to the finish step's return (the job's record written)
    accepted_ms: float  # POST to its 202
    cpu_ms: float  # the process's CPU time from the POST to the last poll (every thread; the GIL lets one run Python)
    polls: int
    poll_ms: list[float]  # each poll's own duration
    calls: list[Call]
    steps: list[Step]
    moto_dynamodb: list[tuple[str, float]]
    lambda_clients: list[float]
    max_in_flight: int
    status: dict[str, Any]


class Bench:
    """The local stack in this process and a client of its gateway."""

    def __init__(self) -> None:
        from werkzeug.test import Client

        from medialib_local.stack import DevAccount, LocalStack, find_template

        self.stack = LocalStack(
            find_template(ROOT), "http://127.0.0.1:3000", DevAccount(ACCOUNT_ID, PUBLIC_KEY, PRIVATE_KEY)
        )
        self.client = Client(self.stack.start(schedules=False))
        self.auth = {"Authorization": httpx.BasicAuth(PRIVATE_KEY, "")._auth_header}

    def stop(self) -> None:
        self.stack.stop()

    def upload(self, count: int) -> list[str]:
        file_ids = []
        for index in range(count):
            body, content_type = _multipart(png(index), f"file-{index:03}.png")
            answer = self.client.post(UPLOAD_PATH, data=body, headers={**self.auth, "Content-Type": content_type})
            if answer.status_code != 200:
                raise RuntimeError(f"upload answered {answer.status_code}: {answer.get_data(as_text=True)[:300]}")
            file_ids.append(json.loads(answer.get_data())["fileId"])
        return file_ids

    def job(self, recorder: Recorder, file_ids: list[str], published: bool, poll_ms: float) -> Job:
        recorder.clear()
        body = json.dumps({"fileIds": file_ids, "isPublished": published})
        headers = {**self.auth, "Content-Type": "application/json"}
        started, started_cpu = time.perf_counter(), time.process_time()
        with recorder.tagged("request"):
            answer = self.client.post("/v1/files/publish", data=body, headers=headers)
        accepted = time.perf_counter()
        if answer.status_code != 202:
            raise RuntimeError(f"publish answered {answer.status_code}: {answer.get_data(as_text=True)[:300]}")
        job_id = json.loads(answer.get_data())["jobId"]
        polls: list[float] = []
        deadline = started + JOB_TIMEOUT_SECONDS
        while True:
            time.sleep(poll_ms / 1000)
            poll_started = time.perf_counter()
            with recorder.tagged("poll"):
                read = self.client.get(f"/v1/bulkJobs/{job_id}", headers=self.auth)
            done = time.perf_counter()
            polls.append((done - poll_started) * 1000)
            status = json.loads(read.get_data())
            if status.get("status") != "Pending":
                cpu = time.process_time()
                break
            if done > deadline:
                raise TimeoutError(f"job {job_id} still Pending after {JOB_TIMEOUT_SECONDS} s")
        if (status["status"], status["succeededFiles"]) != ("Completed", len(file_ids)):
            raise RuntimeError(f"job {job_id} ended {status}")
        time.sleep(0.05)  # the execution's last bookkeeping (its FinishJob result) lands in the counts too
        with recorder.lock:
            calls, steps = list(recorder.calls), list(recorder.steps)
            moto_dynamodb, lambda_clients = list(recorder.moto_dynamodb), list(recorder.lambda_clients)
            finished = recorder.finished_at[-1] if recorder.finished_at else done
            concurrency = recorder.max_in_flight
        return Job(
            kind="publish" if published else "unpublish",
            total_ms=(done - started) * 1000,
            exact_ms=(finished - started) * 1000,
            accepted_ms=(accepted - started) * 1000,
            cpu_ms=(cpu - started_cpu) * 1000,
            polls=len(polls),
            poll_ms=polls,
            calls=calls,
            steps=steps,
            moto_dynamodb=moto_dynamodb,
            lambda_clients=lambda_clients,
            max_in_flight=concurrency,
            status=status,
        )


@contextlib.contextmanager
def table_copy(mode: str) -> Iterator[None]:
    """moto's TransactWriteItems takes a rollback snapshot, a deep copy of the whole table, once for each write of
    the transaction, all before the first write. ``once``: one copy per table and transaction (the later copies are
    identical, so nothing changes but the time). ``none``: no copy, what the job costs once that copy is out of the
    way; only for jobs whose transactions all succeed (a failed one would no longer be rolled back), which the bench
    checks. ``moto``: as moto does it."""
    import copy

    from moto.dynamodb import models
    from moto.dynamodb.models.table import Table

    copied: dict[int, Any] = {}  # one transaction at a time: the local stack serialises DynamoDB requests

    def deepcopy(value: Any, memo: Any = None) -> Any:
        if not isinstance(value, Table):
            return copy.deepcopy(value, memo)
        if mode == "none":
            return value
        if id(value) not in copied:
            copied[id(value)] = copy.deepcopy(value, memo)
        return copied[id(value)]

    def transact_write_items(self: Any, transact_items: Any) -> Any:
        copied.clear()
        try:
            return transact(self, transact_items)
        finally:
            copied.clear()

    if mode == "moto":
        yield
        return
    module: Any = models
    transact = module.DynamoDBBackend.transact_write_items
    with (
        patched(module, "copy", SimpleNamespace(deepcopy=deepcopy)),
        patched(module.DynamoDBBackend, "transact_write_items", transact_write_items),
    ):
        yield


@contextlib.contextmanager
def lambda_client(cached: bool) -> Iterator[None]:
    """moto's interpreter makes a new boto3 Lambda client for each Lambda task; ``cached``: one per region and
    service, made once (what an interpreter that kept its clients would cost; the state machine names no
    credentials, so every task's client is alike)."""
    from moto.stepfunctions.parser.asl.component.state.exec.state_task import lambda_eval_utils

    if not cached:
        yield
        return
    make_client = getattr(lambda_eval_utils, "boto_client_for")  # noqa: B009 - moto does not export it
    clients: dict[tuple[str, str], Any] = {}
    lock = threading.Lock()

    def client_for(region: str, service: str, state_credentials: Any = None) -> Any:
        with lock:
            if (region, service) not in clients:
                clients[(region, service)] = make_client(
                    region=region, service=service, state_credentials=state_credentials
                )
            return clients[(region, service)]

    with patched(lambda_eval_utils, "boto_client_for", client_for):
        yield


@dataclass(frozen=True)
class Variant:
    """The same jobs on the same stack with one of moto's costs changed (never our code): how much of the job's
    time that cost is."""

    label: str
    table_copy: str  # moto, once, none
    cached_lambda_client: bool = False


VARIANTS = [
    Variant("moto's table copy made once per transaction, not once per write", "once"),
    Variant("moto's table copy left out", "none"),
    Variant("moto's table copy left out, and its Lambda client made once", "none", cached_lambda_client=True),
]


@dataclass
class Run:
    cold: Job  # the first job: a publish of published files, every execution environment new
    jobs: list[Job]  # unpublish, publish, ... alternating
    variants: list[tuple[Variant, list[Job]]]  # the same with one of moto's costs changed
    items: int  # the table's items at the end


def measure(files: int, rounds: int, poll_ms: float) -> Run:
    """The stack, the files, the cold job, then ``rounds`` rounds of one job as moto runs it and one of each
    variant, interleaved (the order reversed every other round, so that each alternates unpublish and publish)."""
    recorder = Recorder()
    subjects: list[Variant | None] = [None, *VARIANTS]
    done: dict[Variant | None, list[Job]] = {subject: [] for subject in subjects}
    # stdout: the gateway's access log and the functions' logs and metrics
    with contextlib.redirect_stdout(io.StringIO()):
        bench = Bench()
        try:
            file_ids = bench.upload(files)
            with recording(recorder):
                cold = bench.job(recorder, file_ids, True, poll_ms)
                published = True
                for index in range(rounds):
                    for subject in subjects if index % 2 == 0 else reversed(subjects):
                        published = not published  # unpublish when published, and the other way round
                        copy_mode, cached = (
                            (subject.table_copy, subject.cached_lambda_client) if subject else ("moto", False)
                        )
                        with table_copy(copy_mode), lambda_client(cached):
                            done[subject].append(bench.job(recorder, file_ids, published, poll_ms))
            items = _table_items(bench)
        finally:
            bench.stop()
    return Run(cold, done[None], [(variant, done[variant]) for variant in VARIANTS], items)


def _table_items(bench: Bench) -> int:
    import boto3

    assert bench.stack.provisioned is not None
    table = bench.stack.provisioned.physical["MediaTable"]
    return int(boto3.client("dynamodb").scan(TableName=table, Select="COUNT")["Count"])


def profile(files: int, poll_ms: float, top: int, dump: Path | None, variant: Variant | None) -> str:
    """cProfile of one warm unpublish job (as moto runs it, or in a variant), in CPU time, every thread: each thread
    started during the job gets its own profiler (``threading.setprofile``): moto's request threads (which run the
    worker), the interpreter's, and this one."""
    recorder = Recorder()
    profilers: list[cProfile.Profile] = []
    copy_mode, cached = (variant.table_copy, variant.cached_lambda_client) if variant else ("moto", False)
    with contextlib.redirect_stdout(io.StringIO()):
        bench = Bench()
        try:
            file_ids = bench.upload(files)
            with recording(recorder), table_copy(copy_mode), lambda_client(cached):
                bench.job(recorder, file_ids, True, poll_ms)  # warm the execution environments
                bench.job(recorder, file_ids, False, poll_ms)
                bench.job(recorder, file_ids, True, poll_ms)

                def enable(*_: Any) -> None:  # the first event of a new thread: its own profiler, CPU time
                    sys.setprofile(None)
                    thread_profiler = cProfile.Profile(time.thread_time)
                    profilers.append(thread_profiler)
                    thread_profiler.enable()

                threading.setprofile(enable)  # every thread started from now: moto's request threads, the Map's
                enable()
                started_cpu = time.process_time()
                job = bench.job(recorder, file_ids, False, poll_ms)
                cpu = time.process_time() - started_cpu
                threading.setprofile(None)
                profilers[0].disable()
        finally:
            bench.stop()
    out = io.StringIO()
    label = f" ({variant.label})" if variant else ""
    out.write(f"unpublish job of {files} files{label}: {job.total_ms:.0f} ms, {cpu * 1000:.0f} ms CPU (profiled)\n")
    for thread_profiler in profilers:
        thread_profiler.create_stats()
    stats = pstats.Stats(*profilers, stream=out)
    if dump is not None:
        stats.dump_stats(dump)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    return out.getvalue()


# ------------------------------------------------------------------ the figures


def ours(tag: str) -> bool:
    """A call our code made: the POST's request (API function, authorizer) or a step of the publish worker."""
    return tag == "request" or tag.startswith("step:")


def call_counts(job: Job) -> Counter[tuple[str, str]]:
    """(who, service.operation) -> calls in the job; the polls left out."""
    return Counter((call.tag, f"{call.service}.{call.operation}") for call in job.calls if call.tag != "poll")


def ours_per_file(job: Job, files: int) -> float:
    return sum(n for (tag, _), n in call_counts(job).items() if ours(tag)) / files


def lambda_per_file(job: Job, files: int) -> float:
    return sum(n for (tag, name), n in call_counts(job).items() if name == "lambda.Invoke") / files


def moto_ms(job: Job, operation: str | None = None) -> float:
    return sum(ms for name, ms in job.moto_dynamodb if operation is None or name == operation)


def _s(values: list[float]) -> tuple[str, str]:
    median = statistics.median(values) / 1000
    return f"{median:.2f}", f"{min(values) / 1000:.2f}-{max(values) / 1000:.2f}"


def _med(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


WHO = {
    "request": "`POST /v1/files/publish` (authorizer, API function)",
    "step:start": "worker step *start* (job Running)",
    "step:file": "worker step *file* (one per file)",
    "step:purge": "worker step *purge* (one CloudFront invalidation for the job)",
    "step:finish": "worker step *finish* (job Completed)",
    "stepfunctions": "moto's Step Functions interpreter (a Lambda task each)",
    "other": "anything else in the process",
}


def render(run: Run, files: int, poll_ms: float, command: str) -> str:
    unpublish = [job for job in run.jobs if job.kind == "unpublish"]
    publish = [job for job in run.jobs if job.kind == "publish"] or unpublish
    load = " / ".join(f"{value:.2f}" for value in os.getloadavg())
    total = statistics.median(job.total_ms for job in run.jobs) / 1000
    exact = statistics.median(job.exact_ms for job in run.jobs) / 1000
    met = "yes" if total <= TARGET_SECONDS else "**no**"
    polls = [ms for job in run.jobs for ms in job.poll_ms]
    late = [job.total_ms - job.exact_ms for job in run.jobs]
    lines = [
        "<!-- publish:start -->",
        f"## Bulk publish: a {files}-file job on the local stack",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC with Python {platform.python_version()} ({platform.system()}"
        f" {platform.machine()}, {os.cpu_count()} shared CPUs, load average {load} when it finished) by:",
        "",
        "```sh",
        command,
        "```",
        "",
        "(`make bench` runs it too; `--no-write` prints without touching this file, `--profile` prints cProfile's"
        " view of one job, every thread, in CPU time.)",
        "",
        "The local stack in the bench's process (moto's server on a loopback port, the template's resources, the"
        " functions in-process, the gateway driven by werkzeug's test client), so that the AWS calls of every function"
        f" are visible; {files} small PNGs uploaded through it (setup, not timed). A job is `POST /v1/files/publish`"
        f" of those {files} files, then `GET /v1/bulkJobs/{{jobId}}` every {poll_ms:g} ms until it reads Completed;"
        " *time* is from the POST to that poll, *exact* from the POST to the return of the publish worker's *finish*"
        " step (the job's record written, known in-process), *CPU* the process's CPU time over the job. The *cold*"
        " job publishes files already published (a read per file, no write) with every execution environment new"
        f" (the worker's module loaded once for each concurrent invocation). Then {len(run.jobs)} rounds, each of one"
        " job as the local stack runs it and one of each *variant* (the same job with one of moto's own costs"
        " changed, never our code, to size that cost), interleaved, the order reversed every other round, every job"
        " the opposite of the one before it (unpublish, publish, ...) over the same files. In seconds.",
        "",
        f"| Job | Jobs | Time, median s | min-max s | Exact, median s | CPU, median s | Within {TARGET_SECONDS:g} s |",
        "|---|---:|---:|---:|---:|---:|:---:|",
        _time_row("cold: publish of published files (a read per file), new environments", [run.cold], False),
        _time_row(f"unpublish {files} files", unpublish),
        _time_row(f"publish {files} files", publish),
        _time_row("**all timed jobs**", run.jobs),
        *(_time_row(f"variant {n}: {variant.label}", jobs, False) for n, (variant, jobs) in enumerate(run.variants, 1)),
        "",
        f"Target {TARGET_SECONDS:g} s on the local stack met: {met} (median of the timed jobs {total:.2f} s, exact"
        f" {exact:.2f} s). Resolution: a poll every {poll_ms:g} ms, and each poll's GET itself took {_med(polls):.0f}"
        f" ms (median; {min(polls):.0f}-{max(polls):.0f}), since its `GetItem` waits for the local stack's DynamoDB"
        " lock and for the process's one GIL like every call of the job; the poll read Completed"
        f" {_med(late):.0f} ms (median; up to {max(late):.0f}) after the job's record was written. The *exact* column"
        " is the job itself; *time* is what a client polling at this rate sees.",
        "",
        *_calls_table(run, files, unpublish[0], publish[0]),
        "",
        *_budget_table(run, unpublish, publish),
        *analysis(run, unpublish + publish),
        "<!-- publish:end -->",
    ]
    return "\n".join(lines) + "\n"


def _time_row(label: str, jobs: list[Job], target: bool = True) -> str:
    median, spread = _s([job.total_ms for job in jobs])
    exact, _ = _s([job.exact_ms for job in jobs])
    cpu, _ = _s([job.cpu_ms for job in jobs])
    within = "-" if not target else ("yes" if float(median) <= TARGET_SECONDS else "**no**")
    return f"| {label} | {len(jobs)} | {median} | {spread} | {exact} | {cpu} | {within} |"


def _calls_table(run: Run, files: int, unpublish: Job, publish: Job) -> list[str]:
    kinds = {"unpublish": unpublish, "publish": publish, "no-op": run.cold}
    counted = {kind: call_counts(job) for kind, job in kinds.items()}
    steady = all(call_counts(job) == counted[job.kind] for job in run.jobs)
    names = sorted(
        {key for counts in counted.values() for key in counts},
        key=lambda key: (list(WHO).index(key[0]) if key[0] in WHO else len(WHO), key[1]),
    )
    lines = [
        "### AWS calls per file",
        "",
        "Every botocore API call in the process during the job (`BaseClient._make_api_call` wrapped), by who made it;"
        " the polls' `GetItem`s are left out. (a) is our code: the request and the worker's steps. (b) is Step"
        " Functions itself: its Lambda tasks, which moto's interpreter makes as botocore `Invoke` calls to the moto"
        " server (which runs the worker in-process).",
        "",
        "| Made by | Call | Unpublish job | Publish job | Cold no-op job |",
        "|---|---|---:|---:|---:|",
    ]
    for tag, name in names:
        row = " | ".join(str(counted[kind][(tag, name)]) for kind in kinds)
        lines.append(f"| {WHO.get(tag, tag)} | `{name}` | {row} |")
    ours_row = " | ".join(f"**{ours_per_file(job, files):.2f}**" for job in kinds.values())
    lambda_row = " | ".join(f"{lambda_per_file(job, files):.2f}" for job in kinds.values())
    worst = max(ours_per_file(job, files) for job in [run.cold, *run.jobs])
    verdict = "within" if worst <= TARGET_CALLS_PER_FILE else "**over**"
    return [
        *lines,
        f"| **(a) our code, per file** (target <= {TARGET_CALLS_PER_FILE:g}) | all but the interpreter's | {ours_row} |",
        f"| (b) Step Functions: Lambda invocations per file | `lambda.Invoke` | {lambda_row} |",
        "",
        f"(a) is {worst:.2f} calls per file at most: {verdict} the target of {TARGET_CALLS_PER_FILE:g}. Per file, the"
        " *file* step reads the file's record (`GetItem`) and, when its state changes, writes the record and its"
        " current version's in one `TransactWriteItems` (2 writes); a file already in the asked state costs the read"
        " alone. The rest is per job, whatever its size: the job's record (`PutItem`), `StartExecution`, *start* and"
        " *finish* (an `UpdateItem` each) and, for an unpublish, the one purge (the account, the request's"
        " idempotency read, the quota, `CreateInvalidation`, its record). (b) is one Lambda task per file plus"
        " *start*, *purge* and *finish*: 1 + 3/n per file."
        + ("" if steady else " **The counts differed between jobs of one kind (retries): see the printed detail.**"),
    ]


def _one_transaction(job: Job) -> float:
    return _med([ms for name, ms in job.moto_dynamodb if name == "TransactWriteItems"])


def _budget_table(run: Run, unpublish: list[Job], publish: list[Job]) -> list[str]:
    groups = [unpublish, publish, *(jobs for _, jobs in run.variants)]

    def budget(label: str, value: Callable[[Job], float], fmt: str = "{:.0f}") -> str:
        return f"| {label} | " + " | ".join(fmt.format(_med([value(job) for job in group])) for group in groups) + " |"

    return [
        "### Where the time goes",
        "",
        "Median over each column's jobs, ms. The DynamoDB time is measured inside moto (`DynamoHandler.call_action`"
        " wrapped: the operation and the serialisation of its answer) and the Lambda clients' inside the function that makes them, both in CPU time of their"
        " thread (`time.thread_time`: the other threads' turns at the GIL left out, so they add up to no more than the"
        " process's CPU time). The local stack runs DynamoDB requests one at a time (its lock: DynamoDB's per-item"
        " atomicity), so these add up in the job's time whatever the Map's concurrency.",
        "",
        "| | Unpublish | Publish | " + " | ".join(f"Variant {n}" for n in range(1, len(run.variants) + 1)) + " |",
        "|---|---:|---:|" + "---:|" * len(run.variants),
        budget("job, POST to the *finish* step's return", lambda job: job.exact_ms),
        budget("CPU time of the process over the job", lambda job: job.cpu_ms),
        budget("CPU inside moto: `TransactWriteItems`, all", lambda job: moto_ms(job, "TransactWriteItems")),
        budget("CPU inside moto: one `TransactWriteItems` (median)", _one_transaction, "{:.1f}"),
        budget(
            "CPU inside moto: the other DynamoDB operations",
            lambda job: moto_ms(job) - moto_ms(job, "TransactWriteItems"),
        ),
        budget(
            "CPU of moto's interpreter making a boto3 Lambda client, all tasks", lambda job: sum(job.lambda_clients)
        ),
        budget(
            "the rest of the CPU: the interpreter, HTTP, Lambda's emulation, our functions, botocore, the polls",
            lambda job: job.cpu_ms - moto_ms(job) - sum(job.lambda_clients),
        ),
        budget(
            "one *file* step, wall (median)",
            lambda job: _med([step.ms for step in job.steps if step.action == "file"]),
            "{:.1f}",
        ),
        budget("*file* steps in flight at once, at most", lambda job: float(job.max_in_flight)),
        "",
        "Variants: " + "; ".join(f"{n}. {variant.label}" for n, (variant, _) in enumerate(run.variants, 1)) + ".",
        f"The table held {run.items} items at the end (the files' records, versions and paths, the jobs, the purges).",
    ]


def analysis(run: Run, timed: list[Job]) -> list[str]:
    """What the figures say, with the run's own numbers."""
    exact = _med([job.exact_ms for job in timed])
    cpu = _med([job.cpu_ms for job in timed])
    transact = _med([moto_ms(job, "TransactWriteItems") for job in timed])
    dynamodb = _med([moto_ms(job) for job in timed])
    clients = _med([sum(job.lambda_clients) for job in timed])
    in_flight = max(job.max_in_flight for job in timed)
    floor = {variant.label: _med([job.exact_ms for job in jobs]) for variant, jobs in run.variants}
    once, none, cached = (floor.get(variant.label, 0.0) for variant in VARIANTS)
    return [
        "",
        f"What this says. The job is CPU-bound in one process: {cpu / 1000:.1f} s of CPU for {exact / 1000:.1f} s"
        f" (exact; medians of the timed jobs). {dynamodb / 1000:.1f} s of that CPU is moto's DynamoDB,"
        f" {transact / 1000:.1f} s of it the file steps' `TransactWriteItems`: moto deep-copies the whole table (its"
        " rollback snapshot) once for each write of a transaction, the *file* step's transaction has 2 writes, and"
        " the copies grow with the table (see the upload section); they run one at a time under the local stack's"
        " DynamoDB lock. Copying once per transaction (variant 1, the same result) brings the job to"
        f" {once / 1000:.1f} s; no copy at all (variant 2) to {none / 1000:.1f} s. Most of what is left is the"
        " emulation of Step Functions and Lambda: moto's interpreter makes a new boto3 client for each Lambda task"
        f" ({clients / 1000:.1f} s of CPU for {len(timed[0].lambda_clients)} tasks), each task is an HTTP request to"
        " the moto server, moto serialises every answer through its botocore-model serialiser, and every function"
        f" runs in this one process; with the client made once as well (variant 3) the job takes {cached / 1000:.1f}"
        " s. Our own code (the worker's steps, pydantic, Powertools' decorators, botocore on the client side) is a"
        " part of that rest: `--profile --variant 3` shows it.",
        "",
        "moto's interpreter runs an inline Map's iterations in MaxConcurrency threads (here 10:"
        " `inline_iteration_component.py` starts that many workers on one job pool; without MaxConcurrency, one per"
        f" item), not one after the other: {in_flight} *file* steps were in flight at once. On the local stack they"
        " share one GIL and the DynamoDB lock, so the concurrency overlaps only the waits. In AWS the Map also runs"
        " 10 at a time, each Lambda in its own environment, and a transaction's latency does not depend on the"
        " table's size; these local figures are no forecast of AWS's.",
    ]


def detail(run: Run, files: int) -> str:
    """Each job, one line, and its calls by who made them: printed, not written."""
    out = []
    labelled = [("", [run.cold, *run.jobs]), *((f"{variant.label}: ", jobs) for variant, jobs in run.variants)]
    for label, jobs in labelled:
        for job in jobs:
            out.append(
                f"{label}{job.kind}: {job.total_ms:.0f} ms to Completed (exact {job.exact_ms:.0f}, CPU"
                f" {job.cpu_ms:.0f}, 202 after {job.accepted_ms:.0f}), {job.polls} polls,"
                f" (a) {ours_per_file(job, files):.2f}/file, (b) {lambda_per_file(job, files):.2f}/file,"
                f" TransactWriteItems inside moto {moto_ms(job, 'TransactWriteItems'):.0f} ms, all DynamoDB inside"
                f" moto {moto_ms(job):.0f} ms, Lambda clients {sum(job.lambda_clients):.0f} ms, max in flight"
                f" {job.max_in_flight}"
            )
            for (tag, name), n in sorted(call_counts(job).items()):
                out.append(f"    {tag:<14} {name:<36} {n}")
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--files", type=int, default=DEFAULT_FILES, help="files per job (default 100, the most)")
    parser.add_argument(
        "--rounds", type=int, default=DEFAULT_ROUNDS, help="rounds of a job and one of each variant (default 6)"
    )
    parser.add_argument("--poll-ms", type=float, default=DEFAULT_POLL_MS, help="poll interval (default 20)")
    parser.add_argument("--no-write", action="store_true", help=f"print the section, leave {README.name} alone")
    parser.add_argument("--profile", action="store_true", help="cProfile one unpublish job instead of measuring")
    parser.add_argument(
        "--variant", type=int, default=0, choices=range(len(VARIANTS) + 1), help="with --profile: 1-3, a variant"
    )
    parser.add_argument("--top", type=int, default=40, help="functions the profile lists (default 40)")
    parser.add_argument("--profile-out", type=Path, metavar="FILE", help="with --profile: also save the stats")
    args = parser.parse_args()
    # Powertools warns when an invocation records no business metric (as pytest's configuration silences it)
    warnings.filterwarnings("ignore", "No application metrics to publish", UserWarning)
    if args.profile:
        variant = VARIANTS[args.variant - 1] if args.variant else None
        print(profile(args.files, args.poll_ms, args.top, args.profile_out, variant))
        return 0
    run = measure(args.files, args.rounds, args.poll_ms)
    print(detail(run, args.files), file=sys.stderr)
    command = shlex.join([".venv/bin/python", "bench/publish/run.py", *sys.argv[1:]])
    section = render(run, args.files, args.poll_ms, command)
    print(section)
    chosen = (args.files, args.rounds, args.poll_ms)
    defaults = chosen == (DEFAULT_FILES, DEFAULT_ROUNDS, DEFAULT_POLL_MS)
    if not args.no_write and defaults:
        write_section(section)
        print(f"wrote {README.relative_to(ROOT)}", file=sys.stderr)
    elif not args.no_write:
        print(
            f"only the default files, rounds and poll interval are recorded: {README.name} left alone", file=sys.stderr
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
