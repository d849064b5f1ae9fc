"""Cold-start benchmark: import-and-init time of every function's handler module in a fresh process.

What is ours: every ``AWS::Serverless::Function`` of ``template.yaml`` is imported the way the Lambda runtime does
it (its ``CodeUri`` first on ``sys.path`` and as the working directory, then the ``python/`` dir of each of its
layers, in the template's order: SharedLayer, and ImageLayer for upload and deliver), in a fresh interpreter, with
the environment the template declares (every variable set to a plausible dummy) plus what Lambda itself sets.
Beside them, a bare baseline (``baseline/app.py``: boto3 with an S3 and a DynamoDB client created at import), and
``import PIL.Image`` from ImageLayer alone: what upload and deliver will pay when they import Pillow at init.

What pyperf does: spawning worker processes, the number of values, the statistics, the JSON it can save (``-o``)
for ``python -m pyperf compare_to``. Each value it records is one fresh child interpreter, whose import is timed
inside the child, from just before ``import app`` to just after it (interpreter start-up, identical for every
subject, is left out; the child leaves with ``os._exit``: Lambda never tears an interpreter down). pyperf runs
the subjects one after the other (not interleaved) and spreads each over many worker processes; what it records
is the import's CPU time (see ``time_imports``).

    .venv/bin/python bench/coldstart/run.py                  # measure, rewrite the coldstart section of README.md
    .venv/bin/python bench/coldstart/run.py --built          # `sam build` into a temporary dir, measure what it
                                                             # built with no bytecode written (as on Lambda),
                                                             # rewrite the coldstart-built section
    .venv/bin/python bench/coldstart/run.py --no-write --only FilesFunction --set MEDIALIB_TRACING=true
    .venv/bin/python bench/coldstart/run.py --importtime FilesFunction   # what dominates one import
    .venv/bin/python bench/coldstart/run.py --fast           # any pyperf option: --fast, --rigorous, -o out.json
    .venv/bin/python bench/coldstart/run.py --runtimes       # the layers built for python3.11 and python3.13, each
                                                             # with its shipped bytecode and without any, imported
                                                             # by that Python: rewrite the coldstart-runtimes section

``--built`` needs SAM CLI (``--sam``, else ``sam`` on PATH, else ``.tools/sam/bin/sam`` from ``make bootstrap``) and
``--built`` and ``--runtimes`` a Python 3.13 (``tools/python313.py`` finds or fetches one; the layers are built for
the python3.13 runtime); ``--runtimes`` also a Python 3.11 (this one, ``python3.11`` on PATH, or pyenv's), else it
measures 3.13 alone. What the Lambda runtime provides (boto3 and its dependencies, at the versions development runs)
is installed for each Python in a scratch dir, with its bytecode, and those children run without ``site`` (``-S``)
so that nothing of the development venv is imported.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyperf

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # bench/: the README writer every benchmark shares
from readme import README, write_section  # noqa: E402

ROOT = HERE.parents[1]
TEMPLATE = ROOT / "template.yaml"
SAM_IN_REPO = ROOT / ".tools" / "sam" / "bin" / "sam"
BASELINE, PILLOW = "Baseline", "Pillow"
TARGET_RATIO = 1.5
REGION, ACCOUNT = "us-east-1", "123456789012"
# The functions that may import Pillow at init; every other must not (FilesFunction carries ImageLayer for file
# metadata, and imports Pillow on the first metadata request only, never at init).
IMAGE_FUNCTIONS = frozenset({"UploadFunction", "DeliverFunction"})

# Runs in the child as ``python -c CHILD <code dir>:<layer dirs> <module> <attribute>``; only built-ins before the
# clock but importlib, which the import statement uses anyway.
CHILD = """\
import importlib, sys, time
t0, c0 = time.perf_counter_ns(), time.process_time_ns()
sys.path[0:0] = sys.argv[1].split(":")
handler = getattr(importlib.import_module(sys.argv[2]), sys.argv[3])
t1, c1 = time.perf_counter_ns(), time.process_time_ns()
assert callable(handler), "the handler is not callable"
print("COLDSTART", (t1 - t0) / 1e9, (c1 - c0) / 1e9, int("PIL" in sys.modules), int("aws_xray_sdk" in sys.modules))
sys.stdout.flush()
import os
os._exit(0)
"""

Json = Any


@dataclass(frozen=True)
class Subject:
    """One thing to import in a fresh interpreter: a function of the template, the baseline, or Pillow."""

    name: str
    code_dir: str
    layers: dict[str, str]  # layer logical id -> the directory Lambda would put on sys.path (/opt/python)
    module: str
    attribute: str
    env: dict[str, str]
    python: str = ""  # the interpreter (default: this one)
    runtime: str = ""  # what the Lambda runtime provides (boto3), on sys.path after the layers
    flags: list[str] = field(default_factory=list)  # the interpreter's own (-S: no site, -B: no bytecode written)

    def argv(self, *flags: str) -> list[str]:
        sys_path = ":".join([self.code_dir, *self.layers.values(), *([self.runtime] if self.runtime else [])])
        python = self.python or sys.executable
        return [python, *self.flags, *flags, "-c", CHILD, sys_path, self.module, self.attribute]


# ------------------------------------------------------------------ the subjects, from the template


def _dummy_ref(name: str, kind: str) -> str:
    by_kind = {
        "AWS::S3::Bucket": f"medialib-{name.lower()}-1a2b3c4d5e6f",
        "AWS::CloudFront::Distribution": "E1A2B3C4D5E6F7",
        "AWS::Serverless::StateMachine": f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{name}-1A2B3C4D5E6F",
    }
    return by_kind.get(kind, f"medialib-{name}-1A2B3C4D5E6F")


def _resolver(document: dict[str, Json]) -> Callable[[Json], str]:
    """Template values (intrinsics included) as strings: the local stack's own evaluator, with parameter
    defaults and a plausible dummy value for each resource and attribute."""
    from medialib_local.provision import Provisioner, Stack

    stack = Stack("medialib", REGION, ACCOUNT, {})
    for name, resource in (document.get("Resources") or {}).items():
        ref = stack.refs[name] = _dummy_ref(name, resource.get("Type", ""))
        stack.attributes[name] = {
            "DomainName": "d111111abcdef8.cloudfront.net",
            "RegionalDomainName": f"{ref}.s3.{REGION}.amazonaws.com",
            "Arn": f"arn:aws:bench:{REGION}:{ACCOUNT}:{ref}",
            "Name": ref.rsplit(":", 1)[-1],
        }
    evaluator = Provisioner(stack, client=lambda _: None)
    evaluator.prepare(document)

    def text(value: Json) -> str:
        resolved = evaluator.resolve(value)
        return ("true" if resolved else "false") if isinstance(resolved, bool) else str(resolved)

    return text


def lambda_env(name: str, code_dir: Path, handler: str, memory: int, declared: dict[str, str]) -> dict[str, str]:
    """What the Lambda runtime sets, dummy credentials, and the variables the template declares."""
    absent = str(HERE / "no-such-aws-file")
    return {
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
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
        "AWS_LAMBDA_FUNCTION_NAME": f"medialib-{name}-1A2B3C4D5E6F",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(memory),
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "LAMBDA_TASK_ROOT": str(code_dir),
        "_HANDLER": handler,
        **declared,
    }


def _layer_dirs(refs: list[Json], resources: dict[str, Json], root: Path) -> dict[str, str]:
    """What each layer puts on ``sys.path``: Lambda mounts a layer's content on /opt and imports from /opt/python.
    A ``ContentUri`` with a python/ dir is a layer's content (the built layer of ``.aws-sam/build/template.yaml``,
    or a source dir whose Makefile builds it); one without is itself that python/ dir."""
    dirs = {}
    for ref in refs:
        name = ref.get("Ref", "") if isinstance(ref, dict) else ""
        uri = (resources.get(name) or {}).get("Properties", {}).get("ContentUri")
        if isinstance(uri, str):
            content = (root / uri).resolve()
            dirs[name] = str(content / "python" if (content / "python").is_dir() else content)
    return dirs


def load_subjects(template: Path, overrides: dict[str, str]) -> list[Subject]:
    """The baseline, every function of the template in template order, then Pillow from ImageLayer."""
    from samtranslator.yaml_helper import yaml_parse

    document: dict[str, Json] = yaml_parse(template.read_text())
    value = _resolver(document)
    resources: dict[str, Json] = document["Resources"]
    defaults: dict[str, Json] = (document.get("Globals") or {}).get("Function") or {}
    global_vars: dict[str, Json] = (defaults.get("Environment") or {}).get("Variables") or {}
    common = {name: value(raw) for name, raw in global_vars.items()} | overrides
    memory = int(defaults.get("MemorySize", 128))
    baseline_env = lambda_env(BASELINE, HERE / "baseline", "app.lambda_handler", memory, common)
    subjects = [Subject(BASELINE, str(HERE / "baseline"), {}, "app", "lambda_handler", baseline_env)]
    image_layer: dict[str, str] = {}
    for name, resource in resources.items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        props: dict[str, Json] = defaults | resource["Properties"]
        own: dict[str, Json] = ((resource["Properties"].get("Environment") or {}).get("Variables")) or {}
        declared = common | {key: value(raw) for key, raw in own.items()} | overrides
        code_dir = (template.parent / props["CodeUri"]).resolve()
        # SAM appends a function's own Layers to the global ones
        layer_refs = [*(defaults.get("Layers") or []), *(resource["Properties"].get("Layers") or [])]
        layers = _layer_dirs(layer_refs, resources, template.parent)
        image_layer |= {lid: path for lid, path in layers.items() if lid == "ImageLayer"}
        module, _, function = str(props["Handler"]).rpartition(".")
        env = lambda_env(name, code_dir, str(props["Handler"]), int(props.get("MemorySize", memory)), declared)
        subjects.append(Subject(name, str(code_dir), layers, module, function, env))
    if image_layer:
        subjects.append(Subject(PILLOW, str(HERE / "baseline"), image_layer, "PIL.Image", "open", baseline_env))
    return subjects


# ------------------------------------------------------------------ `sam build` (--built)


@dataclass(frozen=True)
class Layer:
    name: str
    unzipped: int
    zipped: int
    sources: int
    bytecode: int


def _layer(directory: Path) -> Layer:
    files = [path for path in sorted(directory.rglob("*")) if path.is_file()]
    with tempfile.TemporaryFile() as file:
        with zipfile.ZipFile(file, "w", zipfile.ZIP_DEFLATED) as archive:  # as `sam package` uploads it
            for path in files:
                archive.write(path, path.relative_to(directory))
        zipped = file.tell()
    sources, bytecode = sum(p.suffix == ".py" for p in files), sum(p.suffix == ".pyc" for p in files)
    return Layer(directory.name, sum(p.stat().st_size for p in files), zipped, sources, bytecode)


@contextlib.contextmanager
def sam_build(template: Path, sam: str) -> Iterator[tuple[Path, float, list[Layer]]]:
    """``sam build`` of ``template`` (no Docker) into a temporary dir, removed on the way out: the built template,
    the seconds it took, and what each layer holds."""
    with tempfile.TemporaryDirectory(prefix="coldstart-built-") as scratch:
        build_dir = Path(scratch) / "build"
        command = [sam, "build", "--template", str(template), "--build-dir", str(build_dir)]
        started = time.perf_counter()
        done = subprocess.run(
            [*command, "--cache-dir", f"{scratch}/cache"],
            cwd=scratch,
            env={**os.environ, "SAM_CLI_TELEMETRY": "0"},
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise SystemExit(f"sam build failed (exit {done.returncode}):\n{done.stdout}{done.stderr}")
        seconds = time.perf_counter() - started
        layers = [_layer(path) for path in sorted(build_dir.glob("*Layer")) if path.is_dir()]
        yield build_dir / "template.yaml", seconds, layers


# ------------------------------------------------------------------ Python versions (--built, --runtimes)

TOOL = ROOT / "tools" / "python313.py"
LAYER_DIRS = {"SharedLayer": "shared", "ImageLayer": "image"}
RUNTIME_PROVIDED = ["boto3", "botocore", "s3transfer", "jmespath", "python-dateutil", "six", "urllib3"]
# Each runtime's glibc minor: python3.11 runs on Amazon Linux 2 (2.26), python3.13 on Amazon Linux 2023 (2.34).
GLIBC_MINOR = {"3.11": 26, "3.13": 34}
VERSIONS = ("3.11", "3.13")


def _version_of(python: str) -> str | None:
    try:
        done = subprocess.run(
            [python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except OSError:
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def python_for(version: str) -> str | None:
    """A Python of ``version``: 3.13 from tools/python313.py (found or fetched), 3.11 this one or one on PATH/pyenv."""
    if version == "3.13":
        done = subprocess.run([sys.executable, str(TOOL)], capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise SystemExit(f"no Python 3.13 for the layers' bytecode:\n{done.stderr}")
        return done.stdout.strip()
    pyenv = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")
    candidates = [
        sys.executable,
        shutil.which(f"python{version}"),
        *sorted(pyenv.glob(f"versions/{version}*/bin/python{version}")),
    ]
    return next((str(c) for c in candidates if c and _version_of(str(c)) == version), None)


def _pins() -> dict[str, str]:
    lock = (ROOT / "requirements" / "dev.txt").read_text()
    return {name.lower(): version for name, version in re.findall(r"^([A-Za-z0-9._-]+)==(\S+)", lock, re.MULTILINE)}


def runtime_provided(version: str, python: str, target: Path) -> Path:
    """boto3 and its dependencies for ``version`` (pure Python wheels) in ``target``, compiled by ``python``."""
    pins = _pins()
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-input", "--no-deps",
         "--no-compile", "--target", str(target), "--only-binary=:all:", "--implementation", "cp",
         "--python-version", version, *(f"{name}=={pins[name]}" for name in RUNTIME_PROVIDED)],
        check=True, capture_output=True,
    )  # fmt: skip
    subprocess.run([python, "-m", "compileall", "-q", "-j", "0", str(target)], check=True, capture_output=True)
    return target


def build_layers(version: str, python: str, target: Path) -> dict[str, Path]:
    """Each layer built by its Makefile for the ``version`` runtime, bytecode compiled by ``python``: python/ dirs."""
    built = {}
    minors = " ".join(str(minor) for minor in range(GLIBC_MINOR[version], 16, -1))
    for layer_id, name in LAYER_DIRS.items():
        artifacts = target / layer_id
        done = subprocess.run(
            ["make", "--no-print-directory", "-f", str(ROOT / "layers" / name / "Makefile"), f"build-{layer_id}",
             f"ARTIFACTS_DIR={artifacts}", f"RUNTIME_VERSION={version}", f"RUNTIME_PYTHON={python}",
             f"GLIBC_MINORS={minors}"],
            capture_output=True, text=True, check=False,
            env={k: v for k, v in os.environ.items() if not k.startswith(("MAKE", "MFLAGS"))},
        )  # fmt: skip
        if done.returncode != 0:
            raise SystemExit(f"the {version} build of {layer_id} failed:\n{done.stdout}{done.stderr}")
        built[layer_id] = artifacts / "python"
    return built


def without_bytecode(directory: Path, target: Path) -> Path:
    """A copy of ``directory`` without any ``__pycache__``: what SAM's own python build method ships."""
    return Path(shutil.copytree(directory, target, ignore=shutil.ignore_patterns("__pycache__")))


def runtime_subjects(subjects: list[Subject], work: Path) -> tuple[list[Subject], dict[str, str]]:
    """For each Python version found, each subject with the layers built for it, with their bytecode and without:
    named ``<name> <version> shipped`` / ``<name> <version> none`` (the baseline has no layer: shipped only)."""
    found: dict[str, str] = {}
    measured = []
    for version in VERSIONS:
        python = python_for(version)
        if python is None:
            print(f"no Python {version} found: its columns stay empty", file=sys.stderr)
            continue
        shown = Path(python).relative_to(ROOT) if Path(python).is_relative_to(ROOT) else python
        found[version] = f"Python {_full_version(python)} (`{shown}`)"
        base = work / version
        layers = build_layers(version, python, base / "layers")
        bare = {layer_id: without_bytecode(path, base / "bare" / layer_id) for layer_id, path in layers.items()}
        runtime = runtime_provided(version, python, base / "runtime")
        for variant, dirs in (("shipped", layers), ("none", bare)):
            for subject in subjects:
                if subject.name == PILLOW or (subject.name == BASELINE and variant == "none"):
                    continue
                code = without_bytecode(Path(subject.code_dir), base / "code" / variant / subject.name)
                measured.append(
                    replace(
                        subject,
                        name=f"{subject.name} {version} {variant}",
                        code_dir=str(code),
                        layers={layer_id: str(dirs[layer_id]) for layer_id in subject.layers},
                        env=subject.env
                        | {"AWS_EXECUTION_ENV": f"AWS_Lambda_python{version}", "LAMBDA_TASK_ROOT": str(code)},
                        python=python,
                        runtime=str(runtime),
                        flags=["-S", "-B"],
                    )
                )
    return measured, found


def _full_version(python: str) -> str:
    done = subprocess.run(
        [python, "-c", "import platform; print(platform.python_version())"], capture_output=True, text=True, check=False
    )
    return done.stdout.strip()


# ------------------------------------------------------------------ one fresh process


def run_child(subject: Subject, *flags: str) -> tuple[float, float, bool, bool, str]:
    """Import ``subject`` in a fresh interpreter: wall and CPU seconds, whether Pillow and the X-Ray SDK got
    imported, its stderr."""
    done = subprocess.run(
        subject.argv(*flags), cwd=subject.code_dir, env=subject.env, capture_output=True, text=True, check=False
    )
    lines = [line.split() for line in done.stdout.splitlines() if line.startswith("COLDSTART ")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"{subject.name}: the import failed (exit {done.returncode})\n{done.stderr}")
    _, seconds, cpu, pillow, xray = lines[-1]
    return float(seconds), float(cpu), pillow == "1", xray == "1", done.stderr


def time_imports(loops: int, subject: Subject) -> float:
    """pyperf's time function: the CPU time of ``loops`` cold imports, each in its own fresh interpreter.

    CPU time, not wall time: an import is CPU-bound (on an idle machine the two agree within a few ms), and pyperf
    measures the subjects one after the other, so on a shared machine whose load changes during the run the wall
    time of each subject would measure the neighbours as much as the import; its CPU time does not."""
    return sum(run_child(subject)[1] for _ in range(loops))


def importtime(subject: Subject, top: int) -> str:
    """The modules that dominate one subject's import, by cumulative time, from ``python -X importtime``."""
    run_child(subject)
    seconds, _, _, _, stderr = run_child(subject, "-X", "importtime")
    rows = re.findall(r"import time:\s+(\d+) \|\s+(\d+) \| (\s*\S+)", stderr)
    lines = [f"{subject.name}: import + init {seconds * 1000:.0f} ms under -X importtime (which adds overhead)"]
    for own, cumulative, name in sorted(rows, key=lambda row: -int(row[1]))[:top]:
        lines.append(f"  {int(cumulative) / 1000:8.1f} ms cumulative {int(own) / 1000:7.1f} ms self  {name}")
    return "\n".join(lines)


# ------------------------------------------------------------------ the report


@dataclass(frozen=True)
class Row:
    subject: Subject
    median_ms: float
    low_ms: float
    high_ms: float
    ratio: float
    pillow: bool
    xray: bool


def _flag(imported: bool, allowed: bool) -> str:
    return ("yes" if allowed else "**yes (must not)**") if imported else "no"


def _cells(row: Row, shown: Callable[[str], str]) -> list[str]:
    name = row.subject.name
    if name == BASELINE:
        cells = ["**baseline** (boto3 + S3 + DynamoDB clients)", "-", "`bench/coldstart/baseline/app.py`"]
    elif name == PILLOW:
        cells = ["*Pillow* (`import PIL.Image`, alone)", "ImageLayer", "-"]
    else:
        module = f"`{shown(row.subject.code_dir)}/{row.subject.module}.py`"
        cells = [name, " + ".join(row.subject.layers), module]
    tracing = row.subject.env.get("MEDIALIB_TRACING", "false").lower() == "true"
    within = "-" if name in {BASELINE, PILLOW} else ("yes" if row.ratio <= TARGET_RATIO else "**no**")
    return [
        *cells,
        f"{row.median_ms:.0f}",
        f"{row.low_ms:.0f}-{row.high_ms:.0f}",
        f"{row.ratio:.2f}x",
        _flag(row.pillow, name in IMAGE_FUNCTIONS | {PILLOW}),
        _flag(row.xray, tracing),
        within,
    ]


def render(
    rows: list[Row],
    runner: pyperf.Runner,
    command: str,
    built: tuple[float, list[Layer]] | None,
    python_version: str = platform.python_version(),
) -> str:
    functions = [row for row in rows if row.subject.name not in {BASELINE, PILLOW}]
    missed = [row.subject.name for row in functions if row.ratio > TARGET_RATIO]
    verdict = f"All {len(functions)} functions are within {TARGET_RATIO}x of the baseline."
    if missed:
        verdict = f"{len(missed)} of {len(functions)} functions miss the {TARGET_RATIO}x target: {', '.join(missed)}."
    marker = "coldstart" if built is None else "coldstart-built"
    title = (
        "Cold start: import and init" if built is None else "Cold start of what `sam build` ships, no bytecode written"
    )
    args = runner.args
    load = " / ".join(f"{value:.2f}" for value in os.getloadavg())
    lines = [f"<!-- {marker}:start -->", f"## {title}", ""]
    if built is not None:
        seconds, layers = built
        lines += [f"`sam build --template template.yaml` (no Docker, into a temporary dir) took {seconds:.0f} s.", ""]
        lines += ["| Layer | Unzipped MiB | Zipped MiB | `.py` | `.pyc` |", "|---|---:|---:|---:|---:|"]
        mib = 1024 * 1024
        for layer in layers:
            lines.append(
                f"| {layer.name} | {layer.unzipped / mib:.1f} | {layer.zipped / mib:.1f} | {layer.sources}"
                f" | {layer.bytecode} |"
            )
        lines.append("")
    lines += [
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC with Python {python_version} ({platform.system()}"
        f" {platform.machine()}, {os.cpu_count()} CPUs, load average {load} when it finished) by:",
        "",
        "```sh",
        command,
        "```",
        "",
        f"pyperf {pyperf.__version__}: {args.processes} worker processes x {args.values} values per subject, each value"
        " one fresh interpreter importing the handler module, with the layers on `sys.path` that the function has"
        " in AWS. The figure is the CPU time of the import, taken inside the interpreter (start-up left out): an"
        " import is CPU-bound, so on an idle machine it equals the wall time, and unlike the wall time it does not"
        " count the other processes of a busy machine. Median and min-max over the values, in ms.",
        "Bytecode is cached in the working tree (the first run writes `__pycache__`)."
        if built is None
        else "No bytecode is written (`PYTHONDONTWRITEBYTECODE=1`), as on Lambda's read-only `/var/task` and `/opt`:"
        " a module loads from the `.pyc` the build ships, or is compiled at every cold start (the functions' own"
        " modules are: SAM copies function code without bytecode), by the python3.13 runtime's version of Python"
        " (the layers are built for it) without `site` (`-S`); boto3, at the version development runs, from a"
        " scratch dir with its bytecode, as the runtime's own.",
        "Environment: every variable that template.yaml declares, with dummy values (parameter defaults, so tracing is"
        " off), plus Lambda's own variables and dummy credentials.",
        "",
        "| Function | Layers | Handler module | Import + init CPU time, median ms | min-max ms | Ratio to baseline"
        f" | Pillow imported | X-Ray SDK imported | Within target (<= {TARGET_RATIO}x) |",
        "|---|---|---|---:|---:|---:|:---:|:---:|:---:|",
        *("| " + " | ".join(_cells(row, lambda path: _shown(path, built))) + " |" for row in rows),
        "",
        verdict,
        f"Only {', '.join(sorted(IMAGE_FUNCTIONS))} may import Pillow at init (FilesFunction carries ImageLayer for file"
        " metadata and imports Pillow on a metadata request only); the *Pillow* row is what",
        "they pay when they do. No function may import the X-Ray SDK unless tracing is on (`MEDIALIB_TRACING=true`).",
        f"<!-- {marker}:end -->",
    ]
    return "\n".join(lines) + "\n"


def render_runtimes(rows: list[Row], runner: pyperf.Runner, command: str, found: dict[str, str]) -> str:
    """The coldstart-runtimes section: each function's import on each Python, with and without shipped bytecode."""
    by_name = {row.subject.name: row for row in rows}

    def cell(name: str, version: str, variant: str) -> str:
        row = by_name.get(f"{name} {version} {variant}")
        return "-" if row is None else f"{row.median_ms:.0f} ({row.low_ms:.0f}-{row.high_ms:.0f})"

    def saved(name: str, version: str) -> str:
        shipped, none = by_name.get(f"{name} {version} shipped"), by_name.get(f"{name} {version} none")
        return "-" if shipped is None or none is None else f"{none.median_ms - shipped.median_ms:.0f}"

    def change(name: str) -> str:
        old, new = by_name.get(f"{name} 3.11 shipped"), by_name.get(f"{name} 3.13 shipped")
        return "-" if old is None or new is None else f"{new.median_ms / old.median_ms:.2f}x"

    names = list(dict.fromkeys(row.subject.name.rsplit(" ", 2)[0] for row in rows))
    args = runner.args
    load = " / ".join(f"{value:.2f}" for value in os.getloadavg())
    header = ["Function"]
    for version in VERSIONS:
        header += [f"{version} with bytecode, ms", f"{version} without, ms", f"{version}: bytecode saves, ms"]
    header.append("3.13 / 3.11 with bytecode")
    lines = [
        "<!-- coldstart-runtimes:start -->",
        "## Cold start on python3.11 and python3.13, with and without the layers' bytecode",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC ({platform.system()} {platform.machine()},"
        f" {os.cpu_count()} CPUs, load average {load} when it finished) by:",
        "",
        "```sh",
        command,
        "```",
        "",
        "For each Python, "
        + " and ".join(found.values())
        + ", the layers are built by their Makefiles for that runtime (wheels for its version and glibc, bytecode"
        " compiled by that Python: `RUNTIME_VERSION`, `RUNTIME_PYTHON`), then each function's handler is imported"
        " from them as shipped and from a copy without any `__pycache__` (what SAM's own python build method would"
        " ship), by that Python with no bytecode written (`-B`: Lambda's `/opt` and `/var/task` are read-only) and"
        " no `site` (`-S`); boto3 (the runtime's) from a scratch dir with its bytecode; the function's own code"
        " without bytecode, as SAM copies it.",
        f"pyperf {pyperf.__version__}: {args.processes} worker processes x {args.values} values per cell, each value one"
        " fresh interpreter; the CPU time of the import (start-up left out). Median (min-max) in ms.",
        "",
        "| " + " | ".join(header) + " |",
        "|---" + "|---:" * (len(header) - 1) + "|",
    ]
    for name in names:
        cells = [("**baseline** (boto3 + S3 + DynamoDB clients)" if name == BASELINE else name)]
        for version in VERSIONS:
            cells += [cell(name, version, "shipped"), cell(name, version, "none"), saved(name, version)]
        cells.append(change(name))
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "<!-- coldstart-runtimes:end -->"]
    return "\n".join(lines) + "\n"


def _shown(path: str, built: object) -> str:
    """A path relative to the repository, or to the temporary build dir (shown as ``build/``)."""
    if Path(path).is_relative_to(ROOT):
        return str(Path(path).relative_to(ROOT))
    return re.sub(r"^.*/coldstart-built-[^/]+/build/", "build/", path) if built is not None else path


# ------------------------------------------------------------------ command line


def _runner() -> pyperf.Runner:
    def forward(cmd: list[str], args: Any) -> None:  # what a pyperf worker needs to find the subjects
        cmd.extend(["--subjects", args.subjects])

    # Fewer values than pyperf's default of 20 x 3: each one is a whole interpreter importing a function; fewer still
    # for --runtimes, which measures each function four times over (two Pythons, with and without bytecode).
    processes, values = (4, 2) if "--runtimes" in sys.argv else (10, 3)
    runner = pyperf.Runner(processes=processes, values=values, warmups=0, loops=1, add_cmdline_args=forward)
    parser = runner.argparser
    parser.add_argument("--subjects", help=argparse.SUPPRESS)
    parser.add_argument("--no-write", action="store_true", help=f"print the section, leave {README.name} alone")
    parser.add_argument("--template", type=Path, default=TEMPLATE, help="the SAM template (default: the repo's)")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", help="override a variable")
    parser.add_argument("--only", action="append", default=[], metavar="FUNCTION", help="measure these only")
    parser.add_argument("--built", action="store_true", help="`sam build` and measure what it built, read-only")
    parser.add_argument("--sam", metavar="PATH", help="SAM CLI for --built (default: sam on PATH, or .tools/sam)")
    parser.add_argument("--importtime", metavar="FUNCTION", help="break one subject's import down instead")
    parser.add_argument("--runtimes", action="store_true", help="python3.11 vs python3.13, with and without bytecode")
    return runner


def _benchmarks(runner: pyperf.Runner, subjects: list[Subject]) -> list[Any]:
    """One pyperf benchmark per subject: a worker runs the one its task number names, the parent gets them all."""
    return [runner.bench_time_func(subject.name, time_imports, subject) for subject in subjects]


def measure(runner: pyperf.Runner, subjects: list[Subject]) -> list[Row]:
    """A probe of each subject (it writes bytecode unless read-only and says what got imported), then pyperf."""
    baseline = subjects[0]  # boto3 gets its bytecode in the venv even when read-only, as the runtime ships it
    run_child(replace(baseline, env={k: v for k, v in baseline.env.items() if k != "PYTHONDONTWRITEBYTECODE"}))
    probes = {subject.name: run_child(subject) for subject in subjects}
    benchmarks = _benchmarks(runner, subjects)
    reference = benchmarks[0].median()
    rows = []
    for subject, bench in zip(subjects, benchmarks, strict=True):
        values = bench.get_values()
        _, _, pillow, xray, _ = probes[subject.name]
        median = bench.median()
        rows.append(
            Row(subject, median * 1000, min(values) * 1000, max(values) * 1000, median / reference, pillow, xray)
        )
    return rows


def _on_the_runtime(subjects: list[Subject], work: Path) -> tuple[list[Subject], str]:
    """``subjects`` imported as the python3.13 runtime would: its Python, without site, boto3 for it."""
    python = python_for("3.13")
    assert python is not None
    runtime = str(runtime_provided("3.13", python, work / "runtime"))
    return [replace(s, python=python, runtime=runtime, flags=["-S"]) for s in subjects], _full_version(python)


def _subjects(
    args: Any, stack: contextlib.ExitStack, work: Path
) -> tuple[list[Subject], tuple[float, list[Layer]] | None, str, dict[str, str]]:
    """What to measure (and, for --built, what the build took), the Python version measured, the Pythons found."""
    overrides = dict(item.split("=", 1) for item in args.set) | ({"PYTHONDONTWRITEBYTECODE": "1"} if args.built else {})
    template, built, version = args.template.resolve(), None, platform.python_version()
    if args.built:
        sam = args.sam or shutil.which("sam") or (str(SAM_IN_REPO) if SAM_IN_REPO.is_file() else None)
        if sam is None:
            raise SystemExit("--built needs SAM CLI: pass --sam PATH, put sam on PATH, or run `make bootstrap`")
        template, seconds, layers = stack.enter_context(sam_build(template, sam))
        built = (seconds, layers)
    subjects = load_subjects(template, overrides)
    if args.only:
        subjects = [s for s in subjects if s.name in {BASELINE, *args.only}]
    found: dict[str, str] = {}
    if args.runtimes:
        subjects, found = runtime_subjects(subjects, work)
    elif args.built:
        subjects, version = _on_the_runtime(subjects, work)
    return subjects, built, version, found


def main() -> int:
    runner = _runner()
    args = runner.parse_args()
    if args.worker:
        _benchmarks(runner, [Subject(**item) for item in json.loads(Path(args.subjects).read_text())])
        return 0
    with contextlib.ExitStack() as stack:
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="coldstart-")))
        subjects, built, version, found = _subjects(args, stack, work)
        if args.importtime:
            chosen = [s for s in subjects if s.name == args.importtime]
            if not chosen:
                raise SystemExit(f"no subject {args.importtime!r}; one of {', '.join(s.name for s in subjects)}")
            print(importtime(chosen[0], top=30))
            return 0
        listing = work / "subjects.json"
        listing.write_text(json.dumps([asdict(s) for s in subjects]))
        args.subjects = str(listing)
        rows = measure(runner, subjects)
        command = shlex.join([".venv/bin/python", "bench/coldstart/run.py", *sys.argv[1:]])
        if args.runtimes:
            section = render_runtimes(rows, runner, command, found)
        else:
            section = render(rows, runner, command, built, version)
    print(section)
    experiment = bool(args.set or args.only or args.template.resolve() != TEMPLATE)
    if not args.no_write and not experiment:
        write_section(section)
        print(f"wrote {README.relative_to(ROOT)}", file=sys.stderr)
    elif not args.no_write:
        print(f"--set/--only/--template runs are experiments: {README.name} left alone", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
