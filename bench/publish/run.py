"""Bulk publish benchmark: a 100-file job end to end on the local stack, and the AWS calls it makes per file.

Setup (not timed): the local stack built in this process (moto's server on a loopback port, the template's
resources, the functions in-process, the gateway driven by werkzeug's test client: no socket on the API side), and
100 small PNGs uploaded through it.

A job is ``POST /v1/files/publish`` of the 100 files, then ``GET /v1/bulkJobs/{jobId}`` every ``--poll-ms`` until it
reads Completed; its time is that span. It is also timed exactly, to the return of the publish worker's ``finish``
step (the job's record written). The first job, a publish of files already published (a read per file, no write)
with every execution environment new, is the cold one, reported apart; then ``--rounds`` rounds of an unpublish and
a publish of the same files.

Every botocore API call in the process is counted (``BaseClient._make_api_call`` wrapped) by who made it: the POST
(authorizer, API function), each step of the publish worker (``medialib.publish.service.run_task`` wrapped to tag
its thread), the polls (left out), and moto's Step Functions interpreter, whose Lambda tasks are ``Invoke`` calls to
the moto server. (a) is our code's calls per file, against the target of 3; (b) is Step Functions' own.

    .venv/bin/python bench/publish/run.py                # measure, rewrite the publish section of bench/README.md
    .venv/bin/python bench/publish/run.py --no-write     # print only
    .venv/bin/python bench/publish/run.py --profile      # cProfile of one unpublish job (every thread), printed
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import cProfile
import io
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
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from PIL import Image

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # bench/: the README writer every benchmark shares
from readme import README, write_section  # noqa: E402

ROOT = HERE.parents[1]
ACCOUNT_ID, PUBLIC_KEY, PRIVATE_KEY = "bench", "public_bench_key_0001", "private_bench_key_0001"
AUTH = {"Authorization": "Basic " + base64.b64encode(f"{PRIVATE_KEY}:".encode()).decode()}
TARGET_SECONDS, TARGET_CALLS_PER_FILE = 3.0, 3.0
DEFAULT_FILES, DEFAULT_ROUNDS, DEFAULT_POLL_MS = 100, 5, 20.0
BEFORE = "10.2 s (median of 6 jobs, 2026-12-01 22:10 UTC)"  # this bench's last run before the local stack's fixes
JOB_TIMEOUT_SECONDS = 120
WHO = {
    "request": "`POST /v1/files/publish` (authorizer, API function)",
    "step:start": "worker step *start* (job Running)",
    "step:file": "worker step *file* (one per file)",
    "step:purge": "worker step *purge* (one CloudFront invalidation for the job)",
    "step:finish": "worker step *finish* (job Completed)",
    "stepfunctions": "moto's Step Functions interpreter (a Lambda task each)",
    "other": "anything else in the process",
}


class Recorder:
    """Counts every botocore API call by (who, service.operation); ``tagged`` names who, for the calling thread."""

    def __init__(self) -> None:
        self.calls: Counter[tuple[str, str]] = Counter()
        self.finished = 0.0  # perf_counter when the worker's last finish step returned
        self.lock = threading.Lock()
        self.local = threading.local()

    @contextlib.contextmanager
    def tagged(self, tag: str) -> Iterator[None]:
        before = getattr(self.local, "tag", "")
        self.local.tag = tag
        try:
            yield
        finally:
            self.local.tag = before

    @contextlib.contextmanager
    def installed(self) -> Iterator[None]:
        """Wrap ``BaseClient._make_api_call`` (every call of every boto3 client passes there) and the worker's
        ``run_task`` (worker.py looks it up at each call). Counting and timing only: every call goes through."""
        from botocore.client import BaseClient

        from medialib.publish import service

        client: Any = BaseClient  # its private _make_api_call is where every AWS call passes
        make_api_call, run_task = client._make_api_call, service.run_task

        def counted(client_self: Any, operation: str, params: Any) -> Any:
            service_name = client_self.meta.service_model.service_name
            tag = getattr(self.local, "tag", "") or ("stepfunctions" if service_name == "lambda" else "other")
            with self.lock:
                self.calls[(tag, f"{service_name}.{operation}")] += 1
            return make_api_call(client_self, operation, params)

        def step(task: Any) -> Any:
            with self.tagged(f"step:{task.action}"):
                result = run_task(task)
            if task.action == "finish":
                self.finished = time.perf_counter()
            return result

        client._make_api_call, service.run_task = counted, step
        try:
            yield
        finally:
            client._make_api_call, service.run_task = make_api_call, run_task


@dataclass
class Job:
    kind: str  # publish, unpublish
    total_ms: float  # POST to the poll that read Completed
    exact_ms: float  # POST to the finish step's return
    cpu_ms: float  # the process's CPU time, every thread, POST to that poll
    calls: Counter[tuple[str, str]]  # the polls' left out

    def ours_per_file(self, files: int) -> float:
        """(a): the calls our code makes (the POST's functions and the worker's steps), per file."""
        return sum(n for (tag, _), n in self.calls.items() if tag == "request" or tag.startswith("step:")) / files

    def invokes_per_file(self, files: int) -> float:
        """(b): Step Functions' Lambda invocations, per file."""
        return sum(n for (_, name), n in self.calls.items() if name == "lambda.Invoke") / files


class Bench:
    """The local stack in this process, a client of its gateway, and the files."""

    def __init__(self, files: int, poll_ms: float) -> None:
        from werkzeug.test import Client

        from medialib_local.stack import UNTHROTTLED, DevAccount, LocalStack, find_template

        self.stack = LocalStack(  # THROTTLE: the per-account throttle lifted, as in the test session
            find_template(ROOT), "http://127.0.0.1:3000", DevAccount(ACCOUNT_ID, PUBLIC_KEY, PRIVATE_KEY), UNTHROTTLED
        )
        self.client = Client(self.stack.start(schedules=False))
        self.poll_ms = poll_ms
        self.recorder = Recorder()
        self.file_ids = [self._upload(index) for index in range(files)]

    def _upload(self, index: int) -> str:
        content = io.BytesIO()  # a 16 x 16 PNG, a different colour for each file
        Image.new("RGB", (16, 16), (index % 256, index * 7 % 256, index * 13 % 256)).save(content, "PNG")
        content.seek(0)
        name = f"file-{index:03}.png"
        form = {"file": (content, name, "image/png"), "fileName": name, "folder": "/bench-publish"}
        answer = self.client.post("/api/v1/files/upload", data={**form, "useUniqueFileName": "false"}, headers=AUTH)
        if answer.status_code != 200:
            raise RuntimeError(f"upload answered {answer.status_code}: {answer.get_data(as_text=True)[:300]}")
        return str(answer.json["fileId"])  # type: ignore[index]

    def job(self, published: bool) -> Job:
        recorder = self.recorder
        body = {"fileIds": self.file_ids, "isPublished": published}
        with recorder.lock:
            recorder.calls.clear()
            recorder.finished = 0.0
        started, started_cpu = time.perf_counter(), time.process_time()
        with recorder.tagged("request"):
            answer = self.client.post("/v1/files/publish", json=body, headers=AUTH)
        if answer.status_code != 202:
            raise RuntimeError(f"publish answered {answer.status_code}: {answer.get_data(as_text=True)[:300]}")
        job_id = answer.json["jobId"]  # type: ignore[index]
        while True:
            time.sleep(self.poll_ms / 1000)
            with recorder.tagged("poll"):
                status = self.client.get(f"/v1/bulkJobs/{job_id}", headers=AUTH).json or {}
            done, cpu = time.perf_counter(), time.process_time()
            if status.get("status") != "Pending":
                break
            if done - started > JOB_TIMEOUT_SECONDS:
                raise TimeoutError(f"job {job_id} still Pending after {JOB_TIMEOUT_SECONDS} s")
        if (status["status"], status["succeededFiles"]) != ("Completed", len(self.file_ids)):
            raise RuntimeError(f"job {job_id} ended {status}")
        time.sleep(0.05)  # the execution's last bookkeeping lands in the counts too
        with recorder.lock:
            calls = Counter({key: n for key, n in recorder.calls.items() if key[0] != "poll"})
        return Job(
            kind="publish" if published else "unpublish",
            total_ms=(done - started) * 1000,
            exact_ms=((recorder.finished or done) - started) * 1000,
            cpu_ms=(cpu - started_cpu) * 1000,
            calls=calls,
        )


@contextlib.contextmanager
def bench(files: int, poll_ms: float) -> Iterator[Bench]:
    """The stack and the files, its logs silenced (the gateway's access log, the functions' logs and metrics)."""
    # Powertools warns when an invocation records no business metric (as pytest's configuration silences it)
    warnings.filterwarnings("ignore", "No application metrics to publish", UserWarning)
    with contextlib.redirect_stdout(io.StringIO()):
        subject = Bench(files, poll_ms)
        try:
            with subject.recorder.installed():
                yield subject
        finally:
            subject.stack.stop()


def measure(files: int, rounds: int, poll_ms: float) -> tuple[Job, list[Job]]:
    """The cold job (a publish of the published files), then ``rounds`` of an unpublish and a publish."""
    with bench(files, poll_ms) as subject:
        cold = subject.job(True)
        return cold, [subject.job(published) for _ in range(rounds) for published in (False, True)]


def profile(files: int, poll_ms: float, top: int, dump: Path | None) -> str:
    """cProfile of one warm unpublish job in CPU time, every thread: each thread started during the job gets its own
    profiler (``threading.setprofile``): moto's request threads (which run the worker), the interpreter's, this one."""
    profilers: list[cProfile.Profile] = []

    def enable(*_: Any) -> None:  # the first event of a new thread: its own profiler, in its CPU time
        sys.setprofile(None)
        profilers.append(cProfile.Profile(time.thread_time))
        profilers[-1].enable()

    with bench(files, poll_ms) as subject:
        for published in (True, False, True):  # warm every execution environment the job uses
            subject.job(published)
        threading.setprofile(enable)
        enable()
        job = subject.job(False)
        threading.setprofile(None)
        profilers[0].disable()
    out = io.StringIO()
    out.write(f"unpublish job of {files} files: {job.total_ms:.0f} ms, {job.cpu_ms:.0f} ms CPU (profiled)\n")
    for each in profilers:
        each.create_stats()
    stats = pstats.Stats(*profilers, stream=out)
    if dump is not None:
        stats.dump_stats(dump)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    return out.getvalue()


def _seconds(jobs: list[Job], label: str, target: bool = True) -> str:
    def median(values: list[float]) -> float:
        return statistics.median(values) / 1000

    total = [job.total_ms for job in jobs]
    within = ("yes" if median(total) <= TARGET_SECONDS else "**no**") if target else "-"
    spread = f"{min(total) / 1000:.2f}-{max(total) / 1000:.2f}"
    exact, cpu = median([job.exact_ms for job in jobs]), median([job.cpu_ms for job in jobs])
    return f"| {label} | {len(jobs)} | {median(total):.2f} | {spread} | {exact:.2f} | {cpu:.2f} | {within} |"


def render(cold: Job, jobs: list[Job], files: int, poll_ms: float, command: str) -> str:
    unpublish = [job for job in jobs if job.kind == "unpublish"]
    publish = [job for job in jobs if job.kind == "publish"]
    load = " / ".join(f"{value:.2f}" for value in os.getloadavg())
    total = statistics.median(job.total_ms for job in jobs) / 1000
    late = [job.total_ms - job.exact_ms for job in jobs]
    kinds = {"Unpublish job": unpublish[0], "Publish job": publish[0], "Cold no-op job": cold}
    steady = all(job.calls == (unpublish if job.kind == "unpublish" else publish)[0].calls for job in jobs)
    worst = max(job.ours_per_file(files) for job in [cold, *jobs])
    names = sorted(
        {key for job in kinds.values() for key in job.calls},
        key=lambda key: (list(WHO).index(key[0]) if key[0] in WHO else len(WHO), key[1]),
    )
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
        " view of one unpublish job, every thread, in CPU time.)",
        "",
        "The local stack in the bench's process (moto's server on a loopback port, the template's resources, the"
        " functions in-process, the gateway driven by werkzeug's test client), so that the AWS calls of every function"
        f" are visible; {files} small PNGs uploaded through it (setup, not timed). A job is `POST /v1/files/publish`"
        f" of those {files} files, then `GET /v1/bulkJobs/{{jobId}}` every {poll_ms:g} ms until it reads Completed;"
        " *time* is from the POST to that poll, *exact* from the POST to the return of the publish worker's *finish*"
        " step (the job's record written, known in-process), *CPU* the process's CPU time over the job (every thread)."
        " The *cold* job publishes files already published (a read per file, no write) with every execution"
        f" environment new. Then {len(jobs) // 2} rounds of an unpublish and a publish of the same files. In seconds.",
        "",
        f"| Job | Jobs | Time, median s | min-max s | Exact, median s | CPU, median s | Within {TARGET_SECONDS:g} s |",
        "|---|---:|---:|---:|---:|---:|:---:|",
        _seconds([cold], "cold: publish of published files (a read per file), new environments", target=False),
        _seconds(unpublish, f"unpublish {files} files"),
        _seconds(publish, f"publish {files} files"),
        _seconds(jobs, "**all timed jobs**"),
        "",
        f"Target {TARGET_SECONDS:g} s on the local stack met: {'yes' if total <= TARGET_SECONDS else '**no**'} (median"
        f" of the timed jobs {total:.2f} s). The poll read Completed {statistics.median(late):.0f} ms (median; up to"
        f" {max(late):.0f}) after the job's record was written.",
        "",
        f"Before the local stack's two fixes, this bench measured {BEFORE} for the same jobs; now {total:.2f} s. Both"
        " were costs of moto, not of our code: its `TransactWriteItems` deep-copied every table a transaction names for"
        " its rollback (O(rows) per transaction: 6 of the job's 10 CPU seconds), and its Step Functions interpreter"
        " built a new boto3 Lambda client for each task (about 5 ms of CPU each). The local stack now rolls a failed"
        " transaction back by item (`tools/medialib_local/dynamodb.py`) and gives every task one Lambda client"
        " (`share_task_clients()` in `tools/medialib_local/functions.py`).",
        "",
        "### AWS calls per file",
        "",
        "Every botocore API call in the process during the job (`BaseClient._make_api_call` wrapped), by who made it;"
        " the polls' `GetItem`s are left out. (a) is our code: the request and the worker's steps. (b) is Step"
        " Functions itself: its Lambda tasks, which moto's interpreter makes as botocore `Invoke` calls to the moto"
        " server (which runs the worker in-process).",
        "",
        "| Made by | Call | " + " | ".join(kinds) + " |",
        "|---|---|---:|---:|---:|",
        *(
            f"| {WHO.get(tag, tag)} | `{name}` | "
            + " | ".join(str(job.calls[(tag, name)]) for job in kinds.values())
            + " |"
            for tag, name in names
        ),
        f"| **(a) our code, per file** (target <= {TARGET_CALLS_PER_FILE:g}) | all but the interpreter's | "
        + " | ".join(f"**{job.ours_per_file(files):.2f}**" for job in kinds.values())
        + " |",
        "| (b) Step Functions: Lambda invocations per file | `lambda.Invoke` | "
        + " | ".join(f"{job.invokes_per_file(files):.2f}" for job in kinds.values())
        + " |",
        "",
        f"(a) is {worst:.2f} calls per file at most:"
        f" {'within' if worst <= TARGET_CALLS_PER_FILE else '**over**'} the target of {TARGET_CALLS_PER_FILE:g}. Per"
        " file, the *file* step reads the file's record (`GetItem`) and, when its state changes, writes the record and"
        " its current version's in one `TransactWriteItems` (2 writes); a file already in the asked state costs the"
        " read alone. The rest is per job, whatever its size: the job's record (`PutItem`), `StartExecution`, *start*"
        " and *finish* (an `UpdateItem` each) and, for an unpublish, the one purge (the account, the request's"
        " idempotency read, the quota, `CreateInvalidation`, its record). (b) is one Lambda task per file plus"
        " *start*, *purge* and *finish*: 1 + 3/n per file."
        + ("" if steady else " **The counts differed between jobs of one kind (retries): see the printed detail.**"),
        "",
        "The job is CPU-bound in one process (its CPU time is about its time): every function, moto's server and its"
        " Step Functions interpreter share one GIL, and the local stack runs DynamoDB requests one at a time (its"
        " lock: DynamoDB's per-item atomicity). What is left is the emulation itself, spread thin: each of an"
        f" unpublish job's {sum(unpublish[0].calls.values())} AWS calls (the Lambda tasks included) goes through"
        " botocore on the client side, an HTTP request to moto's server, its dispatcher and moto's botocore-model"
        " serialiser of the answer,"
        " and DynamoDB's operations run in moto's Python; our functions' own code (handlers, Powertools, pydantic,"
        " the worker's steps) is a few per cent of the CPU (`--profile` shows it). The Map runs 10 *file* steps at a"
        " time, as in AWS, but here that overlaps only the waits; in AWS each Lambda has its own environment, so"
        " these figures are no forecast of AWS's.",
        "<!-- publish:end -->",
    ]
    return "\n".join(lines) + "\n"


def detail(cold: Job, jobs: list[Job], files: int) -> str:
    """Each job on one line, then its calls: printed, not written."""
    out = []
    for job in [cold, *jobs]:
        out.append(
            f"{job.kind}: {job.total_ms:.0f} ms to Completed (exact {job.exact_ms:.0f}, CPU {job.cpu_ms:.0f}),"
            f" (a) {job.ours_per_file(files):.2f}/file, (b) {job.invokes_per_file(files):.2f}/file"
        )
        out.extend(f"    {tag:<14} {name:<36} {n}" for (tag, name), n in sorted(job.calls.items()))
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--files", type=int, default=DEFAULT_FILES, help="files per job (default 100, the most)")
    parser.add_argument("--rounds", type=int, default=DEFAULT_ROUNDS, help="unpublish + publish rounds (default 5)")
    parser.add_argument("--poll-ms", type=float, default=DEFAULT_POLL_MS, help="poll interval (default 20)")
    parser.add_argument("--no-write", action="store_true", help=f"print the section, leave {README.name} alone")
    parser.add_argument("--profile", action="store_true", help="cProfile one unpublish job instead of measuring")
    parser.add_argument("--top", type=int, default=40, help="functions the profile lists (default 40)")
    parser.add_argument("--profile-out", type=Path, metavar="FILE", help="with --profile: also save the stats")
    args = parser.parse_args()
    if args.profile:
        print(profile(args.files, args.poll_ms, args.top, args.profile_out))
        return 0
    cold, jobs = measure(args.files, args.rounds, args.poll_ms)
    print(detail(cold, jobs, args.files), file=sys.stderr)
    command = shlex.join([".venv/bin/python", "bench/publish/run.py", *sys.argv[1:]])
    section = render(cold, jobs, args.files, args.poll_ms, command)
    print(section)
    if args.no_write:
        return 0
    if (args.files, args.rounds, args.poll_ms) != (DEFAULT_FILES, DEFAULT_ROUNDS, DEFAULT_POLL_MS):
        print(
            f"only the default files, rounds and poll interval are recorded: {README.name} left alone", file=sys.stderr
        )
        return 0
    write_section(section)
    print(f"wrote {README.relative_to(ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
