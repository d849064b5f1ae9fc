"""Cold-start benchmark: import-and-init time of every function's handler module in a fresh process.

Every ``AWS::Serverless::Function`` of ``template.yaml`` is imported the way the Lambda runtime does it (its
``CodeUri`` directory on ``sys.path`` and as the working directory, ``import app`` / ``import worker``), in a
fresh interpreter, with the environment the template declares (every variable set to a plausible dummy) plus
what Lambda itself sets. Side by side, in the same run, a bare baseline (``baseline/app.py``: boto3 and an S3 and
a DynamoDB client created at import). Rounds interleave the subjects, rotating their order, so machine noise
affects all of them alike; one warm-up round (bytecode caches, page cache) is discarded.

Two clocks per process: import-and-init, taken inside the child from just before the import to just after it
(interpreter start-up is identical for every subject, so it is left out), and the whole process as the
parent sees it (start-up included; the child leaves with ``os._exit`` because Lambda never tears an
interpreter down, and teardown of a big heap costs tens of ms). The figures are medians.

    .venv/bin/python bench/coldstart/run.py                  # measure, rewrite the coldstart section of
                                                             # bench/README.md
    .venv/bin/python bench/coldstart/run.py --no-write       # measure and print only
    .venv/bin/python bench/coldstart/run.py --importtime FilesFunction   # what dominates one import
    .venv/bin/python bench/coldstart/run.py --set MEDIALIB_TRACING=true --no-write   # an experiment
    .venv/bin/python bench/coldstart/run.py --template /tmp/copy/template.yaml      # a scratch copy
    .venv/bin/python bench/coldstart/run.py --template .aws-sam/build/template.yaml --read-only   # as deployed
    .venv/bin/python bench/coldstart/run.py --built          # `sam build` into a temporary dir, measure what it
                                                             # built with no bytecode written (as on Lambda),
                                                             # rewrite the coldstart-built section

``--built`` needs SAM CLI (``--sam``, else ``sam`` on PATH, else ``.tools/sam/bin/sam`` from ``make bootstrap``);
the build is Docker-free, like ``make sam-build``, and leaves nothing in the repository.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
TEMPLATE = ROOT / "template.yaml"
README = ROOT / "bench" / "README.md"
BASELINE = "Baseline"
TARGET_RATIO = 1.5
REGION = "us-east-1"
ACCOUNT = "123456789012"
START_MARKER = "<!-- coldstart:start -->"
END_MARKER = "<!-- coldstart:end -->"
BUILT_START_MARKER = "<!-- coldstart-built:start -->"
BUILT_END_MARKER = "<!-- coldstart-built:end -->"
LAYER_ID = "SharedLayer"
SAM_IN_REPO = ROOT / ".tools" / "sam" / "bin" / "sam"
# The functions that transform or inspect images; every other function must not import Pillow.
IMAGE_FUNCTIONS = frozenset({"UploadFunction", "DeliverFunction"})

# Runs in the child as ``python -c CHILD <code dir>:<layer dirs> <module> <handler>``: only built-ins before the clock.
CHILD = """\
import sys, time
t0, c0 = time.perf_counter_ns(), time.process_time_ns()
sys.path[0:0] = sys.argv[1].split(":")
handler = getattr(__import__(sys.argv[2]), sys.argv[3])
t1, c1 = time.perf_counter_ns(), time.process_time_ns()
assert callable(handler), "the handler is not callable"
print("COLDSTART", (t1 - t0) / 1e6, (c1 - c0) / 1e6, int("PIL" in sys.modules), int("aws_xray_sdk" in sys.modules))
sys.stdout.flush()
sys.stderr.flush()
import os
os._exit(0)  # a Lambda environment never tears its interpreter down: keep teardown out of the whole-process time
"""

Json = Any


@dataclass(frozen=True)
class Subject:
    """One thing to import: a function of the template, or the baseline."""

    name: str
    code_dir: Path
    layers: tuple[Path, ...]
    module: str
    function: str
    memory: int
    env: dict[str, str]

    @property
    def handler(self) -> str:
        return f"{self.module}.{self.function}"

    @property
    def sys_path(self) -> str:
        """What Lambda puts first on ``sys.path``: the function's code, then its layers' ``python`` dirs."""
        return ":".join(str(path) for path in (self.code_dir, *self.layers))


@dataclass
class Samples:
    import_ms: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)
    process_ms: list[float] = field(default_factory=list)
    pillow: bool = False
    xray: bool = False


@dataclass(frozen=True)
class Row:
    subject: Subject
    import_ms: float
    import_min: float
    import_max: float
    cpu_ms: float
    process_ms: float
    ratio: float
    pillow: bool
    xray: bool

    @property
    def within(self) -> bool:
        return self.ratio <= TARGET_RATIO


# ------------------------------------------------------------------ the template, with dummy values


class _DummyAttributes(dict[str, str]):
    """Plausible attribute values of a resource that the benchmark never creates."""

    def __init__(self, ref: str) -> None:
        super().__init__(
            DomainName="d111111abcdef8.cloudfront.net",
            RegionalDomainName=f"{ref}.s3.{REGION}.amazonaws.com",
            Arn=f"arn:aws:bench:{REGION}:{ACCOUNT}:{ref}",
            Name=ref.rsplit(":", 1)[-1],
        )
        self.ref = ref

    def __missing__(self, attribute: str) -> str:
        return f"{self.ref}-{attribute}"


def _dummy_ref(name: str, kind: str) -> str:
    by_kind = {
        "AWS::DynamoDB::Table": f"medialib-{name}-1A2B3C4D5E6F",
        "AWS::S3::Bucket": f"medialib-{name.lower()}-1a2b3c4d5e6f",
        "AWS::CloudFront::Distribution": "E1A2B3C4D5E6F7",
        "AWS::Serverless::StateMachine": f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{name}-1A2B3C4D5E6F",
    }
    return by_kind.get(kind, f"medialib-{name}-1A2B3C4D5E6F")


def _resolver(document: dict[str, Json]) -> Callable[[Json], str]:
    """Template values (intrinsics included) as strings: the local stack's own evaluator, with parameter
    defaults and a plausible dummy value for each resource."""
    from medialib_local.provision import Provisioner, Stack

    stack = Stack("medialib", REGION, ACCOUNT, {})
    for name, resource in (document.get("Resources") or {}).items():
        stack.refs[name] = _dummy_ref(name, resource.get("Type", ""))
        stack.attributes[name] = _DummyAttributes(stack.refs[name])
    evaluator = Provisioner(stack, client=lambda _: None)
    evaluator.prepare(document)

    def text(value: Json) -> str:
        resolved = evaluator.resolve(value)
        return ("true" if resolved else "false") if isinstance(resolved, bool) else str(resolved)

    return text


def lambda_env(name: str, code_dir: Path, handler: str, memory: int, declared: dict[str, str]) -> dict[str, str]:
    """What the Lambda runtime sets, dummy credentials, and the variables the template declares."""
    absent = str(HERE / "no-such-aws-file")
    env = {
        "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "AKIABENCHMARKDUMMY00",
        "AWS_SECRET_ACCESS_KEY": "bench/dummy/secret/access/key/0000000000",
        "AWS_SESSION_TOKEN": "bench-dummy-session-token",
        "AWS_CONFIG_FILE": absent,
        "AWS_SHARED_CREDENTIALS_FILE": absent,
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.11",
        "AWS_LAMBDA_FUNCTION_NAME": f"medialib-{name}-1A2B3C4D5E6F",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(memory),
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/medialib-{name}-1A2B3C4D5E6F",
        "AWS_LAMBDA_LOG_STREAM_NAME": "2025/01/01/[$LATEST]00000000000000000000000000000000",
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "LAMBDA_TASK_ROOT": str(code_dir),
        "_HANDLER": handler,
    }
    env.update(declared)
    return env


def _layer_dirs(layers: list[Json], resources: dict[str, Json], root: Path) -> tuple[Path, ...]:
    """What each layer puts on ``sys.path``: Lambda mounts a layer's content on /opt and imports from /opt/python.

    A ``ContentUri`` with a python/ subdirectory is a layer's content (the built layer of
    ``.aws-sam/build/template.yaml``, or the source dir that ``layers/shared/Makefile`` builds from); one
    without is itself that python/ directory (a source dir built by SAM's own Python ``BuildMethod``).
    """
    dirs = []
    for layer in layers:
        target = (resources.get(layer.get("Ref", "")) if isinstance(layer, dict) else None) or {}
        uri = target.get("Properties", {}).get("ContentUri")
        if isinstance(uri, str):
            content = (root / uri).resolve()
            dirs.append(content / "python" if (content / "python").is_dir() else content)
    return tuple(dirs)


def load_subjects(template: Path, overrides: dict[str, str]) -> list[Subject]:
    """The baseline, then every function of the template in template order."""
    from samtranslator.yaml_helper import yaml_parse

    document: dict[str, Json] = yaml_parse(template.read_text())
    value = _resolver(document)
    resources: dict[str, Json] = document["Resources"]
    defaults: dict[str, Json] = (document.get("Globals") or {}).get("Function") or {}
    global_vars: dict[str, Json] = (defaults.get("Environment") or {}).get("Variables") or {}
    common = {name: value(raw) for name, raw in global_vars.items()} | overrides
    baseline_dir, baseline_memory = HERE / "baseline", int(defaults.get("MemorySize", 128))
    baseline_env = lambda_env(BASELINE, baseline_dir, "app.lambda_handler", baseline_memory, common)
    subjects = [Subject(BASELINE, baseline_dir, (), "app", "lambda_handler", baseline_memory, baseline_env)]
    for name, resource in resources.items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        props: dict[str, Json] = defaults | resource["Properties"]
        own: dict[str, Json] = ((resource["Properties"].get("Environment") or {}).get("Variables")) or {}
        declared = common | {key: value(raw) for key, raw in own.items()} | overrides
        code_dir = (template.parent / props["CodeUri"]).resolve()
        # SAM appends a function's own Layers to the global ones
        own_layers = resource["Properties"].get("Layers") or []
        layers = _layer_dirs([*(defaults.get("Layers") or []), *own_layers], resources, template.parent)
        module, _, function = str(props["Handler"]).rpartition(".")
        memory = int(props.get("MemorySize", 128))
        env = lambda_env(name, code_dir, str(props["Handler"]), memory, declared)
        subjects.append(Subject(name, code_dir, layers, module, function, memory, env))
    return subjects


# ------------------------------------------------------------------ `sam build` (--built)


@dataclass(frozen=True)
class Build:
    """What ``sam build`` made: its template, how long it took, and what its shared layer holds."""

    source: Path
    template: Path
    seconds: float
    layer_bytes: int
    layer_zipped_bytes: int
    layer_sources: int
    layer_bytecode: int
    layer_unchecked: int

    @property
    def build_dir(self) -> Path:
        return self.template.parent


def find_sam(explicit: str | None) -> str | None:
    """``--sam``, else ``sam`` on PATH, else the SAM CLI that ``make bootstrap`` installs in the repository."""
    return explicit or shutil.which("sam") or (str(SAM_IN_REPO) if SAM_IN_REPO.is_file() else None)


def _zipped_size(directory: Path) -> int:
    """The size of ``directory`` as a deflated zip, the way ``sam package`` uploads it."""
    with tempfile.TemporaryFile() as file:
        with zipfile.ZipFile(file, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(directory.rglob("*")):
                if path.is_file():
                    archive.write(path, path.relative_to(directory))
        return file.tell()


def _unchecked_hash(pyc: Path) -> bool:
    """Flags 0b01 in a .pyc header: checked against no source timestamp, so used whatever SAM's zip dates say."""
    with pyc.open("rb") as file:
        return int.from_bytes(file.read(8)[4:8], "little") == 0b01


@contextlib.contextmanager
def sam_build(template: Path, sam: str) -> Iterator[Build]:
    """``sam build`` of ``template`` (no Docker) into a temporary build dir, removed on the way out."""
    with tempfile.TemporaryDirectory(prefix="coldstart-built-") as scratch:
        work = Path(scratch)
        build_dir = work / "build"
        command = [sam, "build", "--template", str(template), "--build-dir", str(build_dir)]
        print(f"$ {shlex.join(command)}", file=sys.stderr)
        started = time.perf_counter()
        done = subprocess.run(
            [*command, "--cache-dir", str(work / "cache")],
            cwd=work,
            env={**os.environ, "SAM_CLI_TELEMETRY": "0"},
            capture_output=True,
            text=True,
            check=False,
        )
        seconds = time.perf_counter() - started
        if done.returncode != 0:
            raise SystemExit(f"sam build failed (exit {done.returncode}):\n{done.stdout}{done.stderr}")
        layer = build_dir / LAYER_ID
        files = [path for path in layer.rglob("*") if path.is_file()]
        bytecode = [path for path in files if path.suffix == ".pyc"]
        yield Build(
            source=template,
            template=build_dir / "template.yaml",
            seconds=seconds,
            layer_bytes=sum(path.stat().st_size for path in files),
            layer_zipped_bytes=_zipped_size(layer),
            layer_sources=sum(path.suffix == ".py" for path in files),
            layer_bytecode=len(bytecode),
            layer_unchecked=sum(_unchecked_hash(path) for path in bytecode),
        )


# ------------------------------------------------------------------ measuring


@dataclass(frozen=True)
class Run:
    """One fresh process."""

    import_ms: float
    cpu_ms: float
    process_ms: float
    pillow: bool
    xray: bool
    stderr: str


def run_child(subject: Subject, extra_flags: Sequence[str] = ()) -> Run:
    """Import ``subject`` in a fresh interpreter."""
    argv = [sys.executable, *extra_flags, "-c", CHILD, subject.sys_path, subject.module, subject.function]
    started = time.perf_counter()
    done = subprocess.run(argv, cwd=subject.code_dir, env=subject.env, capture_output=True, text=True, check=False)
    process_ms = (time.perf_counter() - started) * 1000
    lines = [line for line in done.stdout.splitlines() if line.startswith("COLDSTART ")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"{subject.name}: the import failed (exit {done.returncode})\n{done.stderr}")
    _, import_ms, cpu_ms, pillow, xray = lines[-1].split()
    return Run(float(import_ms), float(cpu_ms), process_ms, pillow == "1", xray == "1", done.stderr)


def prime_runtime_bytecode(subjects: list[Subject]) -> None:
    """Import the baseline once with bytecode writing allowed. With ``--read-only`` no process writes any, and
    boto3, which the Lambda runtime provides precompiled, comes from this venv, where an installer may have
    left it without: compiled at every import it would slow the baseline and every function alike. Only the
    baseline's own directory and the venv get bytecode; the subjects' code and layers are untouched."""
    for subject in subjects:
        if subject.name == BASELINE:
            env = {name: value for name, value in subject.env.items() if name != "PYTHONDONTWRITEBYTECODE"}
            run_child(replace(subject, env=env))


def measure(subjects: list[Subject], rounds: int, progress: bool = True) -> dict[str, Samples]:
    """Warm-up round (discarded), then ``rounds`` interleaved rounds, the order rotating every round."""
    for subject in subjects:
        run_child(subject)
    samples: dict[str, Samples] = defaultdict(Samples)
    for index in range(rounds):
        shift = index % len(subjects)
        for subject in subjects[shift:] + subjects[:shift]:
            run = run_child(subject)
            sample = samples[subject.name]
            sample.import_ms.append(run.import_ms)
            sample.cpu_ms.append(run.cpu_ms)
            sample.process_ms.append(run.process_ms)
            sample.pillow |= run.pillow
            sample.xray |= run.xray
        if progress:
            print(f"round {index + 1}/{rounds} done", file=sys.stderr)
    return samples


def summarise(subjects: list[Subject], samples: dict[str, Samples]) -> list[Row]:
    baseline = statistics.median(samples[BASELINE].import_ms)
    rows = []
    for subject in subjects:
        sample = samples[subject.name]
        median = statistics.median(sample.import_ms)
        rows.append(
            Row(
                subject,
                median,
                min(sample.import_ms),
                max(sample.import_ms),
                statistics.median(sample.cpu_ms),
                statistics.median(sample.process_ms),
                median / baseline,
                sample.pillow,
                sample.xray,
            )
        )
    return rows


# ------------------------------------------------------------------ the report


def _pillow_cell(row: Row) -> str:
    if not row.pillow:
        return "no"
    return "yes" if row.subject.name in IMAGE_FUNCTIONS else "**yes (must not)**"


def _xray_cell(row: Row) -> str:
    if not row.xray:
        return "no"
    tracing = row.subject.env.get("MEDIALIB_TRACING", "false").lower() == "true"
    return "yes (tracing on)" if tracing else "**yes (must not)**"


def _shown(path: Path, build: Build | None) -> str:
    """``path`` relative to the repository, or to the temporary build dir (shown as ``build/``)."""
    if path.is_relative_to(ROOT):
        return str(path.relative_to(ROOT))
    if build is not None and path.is_relative_to(build.build_dir):
        return str(Path("build") / path.relative_to(build.build_dir))
    return str(path)


def _row_cells(row: Row, build: Build | None) -> list[str]:
    is_baseline = row.subject.name == BASELINE
    if is_baseline:
        name, handler = "**baseline** (boto3 + S3 + DynamoDB clients)", "`bench/coldstart/baseline/app.py`"
    else:
        name, handler = row.subject.name, f"`{_shown(row.subject.code_dir, build)}/{row.subject.module}.py`"
    return [
        name,
        handler,
        f"{row.import_ms:.0f}",
        f"{row.import_min:.0f}-{row.import_max:.0f}",
        f"{row.ratio:.2f}x",
        f"{row.cpu_ms:.0f}",
        f"{row.process_ms:.0f}",
        _pillow_cell(row),
        _xray_cell(row),
        "-" if is_baseline else ("yes" if row.within else "**no**"),
    ]


def _bytecode_note(read_only: bool, build: Build | None) -> list[str]:
    if build is not None:
        return [
            "No bytecode is written (`PYTHONDONTWRITEBYTECODE=1`), as on Lambda, whose `/var/task` and `/opt` are",
            "read-only: a module loads from the `.pyc` the artifact ships, or is compiled from source at every cold",
            "start (the functions' own handler modules are: SAM copies function code without bytecode). boto3 comes",
            "from the venv, with its bytecode, as the runtime's own boto3 would.",
        ]
    if read_only:
        return [
            "No bytecode is written (`PYTHONDONTWRITEBYTECODE=1`), as on Lambda's read-only `/var/task` and `/opt`:",
            "only bytecode already next to the sources is used; boto3 comes from the venv, with its bytecode.",
        ]
    return ["Bytecode is cached (the warm-up round writes `__pycache__`)."]


def _build_note(build: Build) -> list[str]:
    mib = 1024 * 1024
    return [
        f"`sam build --template {_shown(build.source, None)}` (no Docker, into a temporary `build/` dir) took"
        f" {build.seconds:.0f} s.",
        f"Its {LAYER_ID} unzips to {build.layer_bytes / mib:.1f} MiB ({build.layer_zipped_bytes / mib:.1f} MiB"
        f" zipped): {build.layer_sources} `.py` and {build.layer_bytecode} `.pyc`, {build.layer_unchecked} of them"
        " unchecked-hash (`layers/shared/Makefile` compiles them; SAM dates every file in its zips 1980, so",
        "timestamp-checked `.pyc` would be ignored).",
        "",
    ]


def render(rows: list[Row], rounds: int, command: str, read_only: bool = False, build: Build | None = None) -> str:
    header = [
        "Function",
        "Handler module",
        "Import + init, median ms",
        "min-max ms",
        "Ratio to baseline",
        "CPU time of import + init, median ms",
        "Whole process (start-up + import), median ms",
        "Pillow imported",
        "X-Ray SDK imported",
        f"Within target (<= {TARGET_RATIO}x)",
    ]
    functions = [row for row in rows if row.subject.name != BASELINE]
    missed = [row.subject.name for row in functions if not row.within]
    verdict = (
        f"All {len(functions)} functions are within {TARGET_RATIO}x of the baseline."
        if not missed
        else f"{len(missed)} of {len(functions)} functions miss the {TARGET_RATIO}x target: {', '.join(missed)}."
    )
    load = " / ".join(f"{value:.2f}" for value in os.getloadavg())
    start, end = (START_MARKER, END_MARKER) if build is None else (BUILT_START_MARKER, BUILT_END_MARKER)
    title = "Cold start: import and init"
    if build is not None:
        title = "Cold start of what `sam build` ships: import and init, no bytecode written"
    lines = [
        start,
        f"## {title}",
        "",
        *(_build_note(build) if build is not None else []),
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC with Python {platform.python_version()}"
        f" ({platform.python_implementation()}, {platform.system()} {platform.machine()},"
        f" {os.cpu_count()} CPUs, load average {load} when it finished), {rounds} interleaved rounds after one"
        " warm-up round, by:",
        "",
        "```sh",
        command,
        "```",
        "",
        "Each figure is the median over fresh processes. *Import + init* is timed inside the process from just",
        "before `import <module>` to just after it, the way the Lambda runtime loads a handler (the function's",
        "`CodeUri` first on `sys.path`); for the baseline that includes creating its two clients, for our",
        "functions only the import (their clients are created lazily, on first use). *CPU time* is the",
        "process's CPU time over the same span; close to the wall time, it says the import is CPU-bound (not",
        "waiting on the disk or for a CPU). *Whole process* adds interpreter start-up, as the parent",
        "process sees it (not teardown: the child leaves with `os._exit`, as a Lambda environment is never torn",
        "down).",
        *_bytecode_note(read_only, build),
        "Environment: every variable that template.yaml declares, with dummy values (parameter defaults, so",
        "tracing is off), plus Lambda's own variables and dummy credentials; nothing is inherited from the",
        "calling shell.",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "|".join(["---"] * 2 + ["---:"] * 5 + [":---:"] * 3) + "|",
        *("| " + " | ".join(_row_cells(row, build)) + " |" for row in rows),
        "",
        verdict,
        f"Only {', '.join(sorted(IMAGE_FUNCTIONS))} touch images and may import Pillow; no function may import",
        "the X-Ray SDK unless tracing is on (`MEDIALIB_TRACING=true`).",
        end,
    ]
    return "\n".join(lines) + "\n"


README_INTRO = """\
# Benchmarks

Each benchmark measures the variants it compares side by side, in one run on one machine (interleaved, so
that machine noise affects all of them alike), and writes its own section of this file with the figures,
the date, the Python version and the command. Absolute numbers depend on the machine; the ratios are what
the targets are about.

Run them one at a time:

```sh
.venv/bin/python bench/coldstart/run.py           # cold start: import and init of every function vs a bare baseline
.venv/bin/python bench/coldstart/run.py --built   # the same, of what `sam build` ships, no bytecode written
```

`make bench` runs the first. The second needs SAM CLI (`make bootstrap` installs it in `.tools/sam`; or pass
`--sam PATH`): it runs `sam build --template template.yaml` (no Docker) into a temporary dir, which it removes
afterwards, and measures the built functions and layer.

Experiments print without touching this file: `--set NAME=VALUE` (e.g. `--set MEDIALIB_TRACING=true`),
`--only FunctionName`, `--template path/to/a/scratch/copy/template.yaml`, `--read-only` (no bytecode is
written, as on Lambda), and `--importtime FunctionName` (the modules that dominate one function's import,
from `python -X importtime`; with `--built`, of the built function).

The `coldstart` figures use bytecode cached in the working tree. A deployed function has only the bytecode
its artifact ships, since Lambda's `/var/task` and `/opt` are read-only. SAM's Python build method copies
sources without `__pycache__` and unpacks wheels without compiling them, so the shared layer is built by
`layers/shared/Makefile` instead (`BuildMethod: makefile`), which ships an unchecked-hash `.pyc` of every
module in the layer (SAM dates every file in its zips 1980, so timestamp-checked `.pyc` would be found stale).
The `coldstart-built` figures are what a deployed cold start costs; the same measurement by hand, on the
default build dir:

```sh
make sam-build
.venv/bin/python bench/coldstart/run.py --template .aws-sam/build/template.yaml --read-only
```

Each section sits between its own `<!-- name:start -->` and `<!-- name:end -->` markers; a benchmark
rewrites only its own section.
"""


def write_section(readme: Path, section: str, markers: tuple[str, str] = (START_MARKER, END_MARKER)) -> None:
    start_marker, end_marker = markers
    text = readme.read_text() if readme.exists() else README_INTRO
    start, end = text.find(start_marker), text.find(end_marker)
    if start != -1 and end > start:
        text = text[:start] + section.rstrip("\n") + text[end + len(end_marker) :]
    else:
        text = text.rstrip("\n") + "\n\n" + section
    readme.write_text(text)


# ------------------------------------------------------------------ -X importtime


@dataclass
class _Import:
    name: str
    depth: int
    self_us: list[int] = field(default_factory=list)
    cumulative_us: list[int] = field(default_factory=list)


def _parse_importtime(stderr: str, into: dict[str, _Import]) -> None:
    for line in stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \| (\s*)(\S+)", line)
        if match is None:
            continue
        self_us, cumulative_us, indent, name = match.groups()
        entry = into.setdefault(name, _Import(name, len(indent) // 2))
        entry.self_us.append(int(self_us))
        entry.cumulative_us.append(int(cumulative_us))


def importtime(subject: Subject, runs: int, top: int) -> str:
    """The modules that dominate one subject's import: median cumulative and self time over ``runs``."""
    run_child(subject)
    imports: dict[str, _Import] = {}
    totals = []
    for _ in range(runs):
        run = run_child(subject, ["-X", "importtime"])
        totals.append(run.import_ms)
        _parse_importtime(run.stderr, imports)
    entries = list(imports.values())
    lines = [
        f"{subject.name} ({subject.handler}): import + init median {statistics.median(totals):.0f} ms"
        f" under -X importtime ({runs} runs; -X importtime itself adds overhead)",
        "",
        f"top {top} by cumulative ms (depth 0: the handler module itself, or start-up; 1: what it imports; ...):",
    ]
    for entry in sorted(entries, key=lambda e: -statistics.median(e.cumulative_us))[:top]:
        cumulative, own = statistics.median(entry.cumulative_us) / 1000, statistics.median(entry.self_us) / 1000
        lines.append(f"  {cumulative:8.1f} cum {own:7.1f} self  depth {entry.depth:2d}  {entry.name}")
    lines += ["", f"top {top} by self ms:"]
    for entry in sorted(entries, key=lambda e: -statistics.median(e.self_us))[:top]:
        cumulative, own = statistics.median(entry.cumulative_us) / 1000, statistics.median(entry.self_us) / 1000
        lines.append(f"  {own:8.1f} self {cumulative:7.1f} cum  depth {entry.depth:2d}  {entry.name}")
    return "\n".join(lines)


# ------------------------------------------------------------------ command line


def _command(argv: Sequence[str]) -> str:
    python = Path(sys.executable)
    shown = str(python.relative_to(ROOT)) if python.is_relative_to(ROOT) else str(python)
    script = Path(__file__).resolve().relative_to(ROOT)
    return shlex.join([shown, str(script), *argv])


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=10, help="fresh processes per subject (default 10)")
    parser.add_argument("--no-write", action="store_true", help=f"print the section, leave {README.name} alone")
    parser.add_argument("--template", type=Path, default=TEMPLATE, help="the SAM template (default: the repo's)")
    parser.add_argument(
        "--set", action="append", default=[], metavar="NAME=VALUE", help="override an environment variable"
    )
    parser.add_argument(
        "--read-only",
        action="store_true",
        help="write no bytecode (PYTHONDONTWRITEBYTECODE=1), as on Lambda's read-only /var/task and /opt",
    )
    parser.add_argument(
        "--built",
        action="store_true",
        help="`sam build` the template into a temporary dir and measure what it built, read-only (as deployed);"
        " rewrites the coldstart-built section",
    )
    parser.add_argument("--sam", metavar="PATH", help="SAM CLI for --built (default: sam on PATH, or .tools/sam)")
    parser.add_argument("--only", action="append", default=[], metavar="FUNCTION", help="measure these only")
    parser.add_argument("--importtime", metavar="FUNCTION", help="break one subject's import down instead")
    parser.add_argument("--top", type=int, default=30, help="rows of the --importtime breakdown (default 30)")
    return parser


def _bench(args: argparse.Namespace, subjects: list[Subject], arguments: list[str], build: Build | None) -> int:
    read_only = args.read_only or build is not None
    if read_only:
        prime_runtime_bytecode(subjects)
    if args.importtime:
        chosen = [subject for subject in subjects if subject.name == args.importtime]
        if not chosen:
            raise SystemExit(f"no subject {args.importtime!r}; one of {', '.join(s.name for s in subjects)}")
        print(importtime(chosen[0], args.rounds, args.top))
        return 0
    if args.only:
        subjects = [s for s in subjects if s.name == BASELINE or s.name in args.only]

    rows = summarise(subjects, measure(subjects, args.rounds))
    section = render(rows, args.rounds, _command(arguments), read_only, build)
    print(section)
    experiment = bool(args.set or args.only or (args.read_only and build is None))
    experiment |= args.template.resolve() != TEMPLATE
    markers = (START_MARKER, END_MARKER) if build is None else (BUILT_START_MARKER, BUILT_END_MARKER)
    if not args.no_write and not experiment:
        write_section(README, section, markers)
        print(f"wrote {README.relative_to(ROOT)}", file=sys.stderr)
    elif not args.no_write:
        print(f"--set/--only/--read-only/--template runs are experiments: {README.name} left alone", file=sys.stderr)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    arguments = list(sys.argv[1:] if argv is None else argv)

    overrides = dict(item.split("=", 1) for item in args.set)
    if args.read_only or args.built:
        overrides["PYTHONDONTWRITEBYTECODE"] = "1"
    template: Path = args.template.resolve()
    with contextlib.ExitStack() as stack:
        build = None
        if args.built:
            sam = find_sam(args.sam)
            if sam is None:
                parser.error("--built needs SAM CLI: pass --sam PATH, put sam on PATH, or run `make bootstrap`")
            build = stack.enter_context(sam_build(template, sam))
            template = build.template
        return _bench(args, load_subjects(template, overrides), arguments, build)


if __name__ == "__main__":
    sys.exit(main())
