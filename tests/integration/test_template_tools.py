"""template.yaml passes the tools that deploy it: cfn-lint, `sam validate --lint` and a Docker-free `sam build`
whose layers carry medialib (SharedLayer) and Pillow (ImageLayer) with their compiled dependencies for the Lambda
target (python3.13, x86_64), with the bytecode of every module, so that a cold start on Lambda's read-only /opt
compiles nothing. What each layer may hold is tested in test_layer_builds.py."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from cfnlint.api import lint_file
from cfnlint.decode.cfn_yaml import load

from tests.conftest import TEMPLATE
from tests.python313 import PYC_TAG, RECORD_COMPILES, bytecode_problems, python313

LAYER_ID = "SharedLayer"
IMAGE_LAYER_ID = "ImageLayer"
LAYER_IDS = [LAYER_ID, IMAGE_LAYER_ID]
# The python3.13 Lambda runtime runs on Amazon Linux 2023: a compiled wheel must not need a newer glibc.
LAMBDA_GLIBC = (2, 34)
# Lambda's limit on a function's unzipped code plus all its layers.
LAMBDA_UNZIPPED_LIMIT = 250 * 1024 * 1024
LEGACY_MANYLINUX = {"manylinux1": (2, 5), "manylinux2010": (2, 12), "manylinux2014": (2, 17)}
# What a Lambda environment finds after unzipping a SAM-built artifact: every file dated 1980-01-01.
ZIP_EPOCH = 315532800
REPO_MARKERS = {"template.yaml", "pyproject.toml", "Makefile", "layers", "functions", "tests", ".git", ".venv"}


def _sam() -> str:
    sam = shutil.which("sam")
    if sam is None:
        pytest.skip("SAM CLI is not on PATH; `make test` puts .tools/sam/bin there (`make bootstrap` installs it)")
    return sam


def _tool_env() -> dict[str, str]:
    """The test process's environment, minus what would make SAM CLI look for a profile, and no telemetry."""
    env = {k: v for k, v in os.environ.items() if k not in {"AWS_PROFILE", "AWS_ENDPOINT_URL"}}
    env["SAM_CLI_TELEMETRY"] = "0"
    return env


def _run_sam(*args: str, cwd: Path, timeout: int) -> subprocess.CompletedProcess[str]:
    """Run SAM CLI on template.yaml from ``cwd`` (so nothing it writes lands in the repository)."""
    return subprocess.run(
        [_sam(), *args, "--template", str(TEMPLATE)],
        cwd=cwd,
        env=_tool_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _functions() -> dict[str, dict[str, Any]]:
    """Every AWS::Serverless::Function of the template, by logical id, with its Globals applied to Handler and
    Layers (SAM appends a function's own Layers to the global ones)."""
    template: dict[str, Any] = load(str(TEMPLATE))
    function_globals: dict[str, Any] = (template.get("Globals") or {}).get("Function") or {}
    return {
        logical_id: {
            "Handler": function_globals.get("Handler"),
            **resource["Properties"],
            "Layers": [*function_globals.get("Layers", []), *resource["Properties"].get("Layers", [])],
        }
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] == "AWS::Serverless::Function"
    }


def _required_glibc(wheel_tag: str) -> tuple[int, int]:
    """The glibc a wheel platform tag asks for: manylinux2014_x86_64 -> (2, 17), manylinux_2_28_x86_64 -> (2, 28)."""
    platform_tag = wheel_tag.rsplit("-", maxsplit=1)[-1]
    match = re.fullmatch(r"manylinux_(\d+)_(\d+)_x86_64", platform_tag)
    if match:
        return int(match[1]), int(match[2])
    legacy = re.fullmatch(r"(manylinux\w+?)_x86_64", platform_tag)
    assert legacy and legacy[1] in LEGACY_MANYLINUX, f"{wheel_tag} is not a manylinux x86_64 wheel"
    return LEGACY_MANYLINUX[legacy[1]]


def _pyc_of(source: Path) -> Path:
    return source.parent / "__pycache__" / f"{source.stem}.{PYC_TAG}.pyc"


def _pyc_problem(source: Path) -> str | None:
    """Why ``source``'s bytecode would not be used on Lambda, or None: missing, not from CPython 3.13, not an
    unchecked hash (flags 0b01: a .pyc used whatever its source's timestamp, which matters because SAM zips every
    file with a 1980 timestamp, aws-lambda-builders issue 924), or compiled from another version of the source."""
    if not _pyc_of(source).is_file():
        return "no .pyc"
    return bytecode_problems(source.parent).get(str(source))


def _tree_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


# ---------------------------------------------------------------- cfn-lint


def test_cfn_lint_reports_nothing_on_the_template() -> None:
    """Given template.yaml, When cfn-lint's Python API lints it, Then there is no error and no warning
    (the same gate as `cfn-lint template.yaml` in `make lint`, which fails on either)."""
    matches = lint_file(TEMPLATE)
    problems = [m for m in matches if m.rule.severity in {"error", "warning"}]
    assert problems == [], "\n".join(f"{m.rule.id} line {m.linenumber}: {m.message}" for m in problems)


def test_cfn_lint_api_does_catch_a_broken_template(tmp_path: Path) -> None:
    """Given a SAM function whose MemorySize is not a number, When linted the same way, Then cfn-lint reports an error
    (so the clean result above is not a linter that silently checked nothing)."""
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        "Transform: AWS::Serverless-2016-10-31\n"
        "Resources:\n"
        "  Fn:\n"
        "    Type: AWS::Serverless::Function\n"
        "    Properties: {CodeUri: ., Handler: app.handler, Runtime: python3.13, MemorySize: lots}\n"
    )
    matches = lint_file(broken)
    assert [m.rule.id for m in matches if m.rule.severity == "error"] == ["E3012"], matches


# ---------------------------------------------------------------- sam validate


@pytest.mark.slow
def test_sam_validate_lint_passes_without_credentials(tmp_path: Path) -> None:
    """Given template.yaml and no AWS profile, When `sam validate --lint` runs, Then it exits 0 and calls the
    template valid."""
    result = _run_sam("validate", "--lint", "--region", "us-east-1", cwd=tmp_path, timeout=180)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "is a valid SAM Template" in result.stdout + result.stderr


# ---------------------------------------------------------------- sam build


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`sam build` of template.yaml without Docker, into a temporary build dir (nothing lands in the repo)."""
    work = tmp_path_factory.mktemp("sam")
    build_dir = work / "build"
    result = _run_sam("build", "--build-dir", str(build_dir), "--cache-dir", str(work / "cache"), cwd=work, timeout=240)
    assert result.returncode == 0, result.stdout + result.stderr
    return build_dir


@pytest.mark.slow
def test_the_built_layer_unpacks_medialib_and_its_deps_onto_the_lambda_path(built: Path) -> None:
    """Given the built template, When its layers are read, Then their python/ dirs (what Lambda puts on sys.path
    as /opt/python) hold medialib, pydantic_core (SharedLayer) and PIL (ImageLayer) directly, not under
    python/python."""
    python = built / LAYER_ID / "python"
    assert (python / "medialib" / "__init__.py").is_file()
    assert (python / "pydantic_core" / "__init__.py").is_file()
    assert (python / "pydantic" / "__init__.py").is_file()
    assert (python / "aws_lambda_powertools" / "__init__.py").is_file()
    assert (built / IMAGE_LAYER_ID / "python" / "PIL" / "__init__.py").is_file()
    for layer_id in LAYER_IDS:
        assert not (built / layer_id / "python" / "python").exists(), f"{layer_id} would unpack in /opt/python/python"


@pytest.mark.slow
@pytest.mark.parametrize(("layer_id", "package"), [(IMAGE_LAYER_ID, "pillow"), (LAYER_ID, "pydantic_core")])
def test_the_layer_compiled_deps_are_manylinux_wheels_the_runtime_can_load(
    built: Path, layer_id: str, package: str
) -> None:
    """Given a built layer, When a compiled dependency's wheel tags are read, Then it is a cp313 manylinux
    x86_64 wheel needing no newer glibc than the python3.13 runtime has, and its extensions are x86_64."""
    python = built / layer_id / "python"
    [dist_info] = python.glob(f"{package}-*.dist-info")
    tags = [
        line.split(":", 1)[1].strip()
        for line in (dist_info / "WHEEL").read_text().splitlines()
        if line.startswith("Tag:")
    ]
    assert tags, f"{dist_info.name}/WHEEL has no Tag"
    assert all(tag.startswith("cp313-cp313-") for tag in tags), tags
    assert min(_required_glibc(tag) for tag in tags) <= LAMBDA_GLIBC, tags
    record = [line.split(",", 1)[0] for line in (dist_info / "RECORD").read_text().splitlines()]
    extensions = [path for path in record if re.search(r"\.cpython-[^/]*\.so$", path)]
    assert extensions, f"{package} has no extension module"
    assert all(path.endswith(".cpython-313-x86_64-linux-gnu.so") for path in extensions), extensions


@pytest.mark.slow
def test_every_function_is_built_with_its_handler_and_only_its_own_code(built: Path) -> None:
    """Given the template's functions, When the build dir is read, Then each has its handler module, and none
    carries the repository or a medialib or Pillow copy that would shadow the layers', and with its layers it
    unzips within Lambda's limit."""
    functions = _functions()
    assert functions
    for logical_id, props in functions.items():
        function_dir = built / logical_id
        module = props["Handler"].rsplit(".", 1)[0].replace(".", "/") + ".py"
        assert (function_dir / module).is_file(), f"{logical_id}: {module} missing from {function_dir}"
        names = {p.name for p in function_dir.iterdir()}
        assert not names & REPO_MARKERS, f"{logical_id} contains repository files: {sorted(names & REPO_MARKERS)}"
        assert not names & {"medialib", "PIL"}, f"{logical_id} bundles {names & {'medialib', 'PIL'}}, as its layers do"
        layers = [layer["Ref"] for layer in props["Layers"]]
        size = _tree_size(function_dir) + sum(_tree_size(built / layer) for layer in layers)
        assert size < LAMBDA_UNZIPPED_LIMIT, f"{logical_id} and its layers {layers} unzip to {size} bytes"


@pytest.mark.slow
@pytest.mark.parametrize("package", ["medialib", "pydantic", "aws_lambda_powertools"])
def test_the_layer_ships_unchecked_hash_bytecode_for_medialib_and_its_deps(built: Path, package: str) -> None:
    """Given the built layer, When a package's __init__ bytecode is read, Then it is there, CPython 3.13's, an
    unchecked hash (flags 0b01: valid whatever the 1980 timestamps of SAM's zip) of the source it sits next to."""
    source = built / LAYER_ID / "python" / package / "__init__.py"
    assert source.is_file()
    assert _pyc_of(source).is_file(), f"{_pyc_of(source)} missing: a cold start would compile {package}"
    assert _pyc_problem(source) is None, f"{package}: {_pyc_problem(source)}"


@pytest.mark.slow
@pytest.mark.parametrize("layer_id", LAYER_IDS)
def test_every_module_of_the_layer_has_its_bytecode(built: Path, layer_id: str) -> None:
    """Given a built layer, When every .py in it is checked, Then each has its unchecked-hash .pyc (Lambda's
    /opt is read-only: a module without one is compiled again on every cold start), and no stale one is left."""
    python = built / layer_id / "python"
    sources = sorted(python.rglob("*.py"))
    assert len(sources) > 50, "the layer holds fewer modules than its packages have"
    missing = {str(source.relative_to(python)): "no .pyc" for source in sources if not _pyc_of(source).is_file()}
    problems = missing | {str(Path(name).relative_to(python)): why for name, why in bytecode_problems(python).items()}
    bad = [f"{name} ({problem})" for name, problem in problems.items()]
    assert not bad, f"{len(bad)} of {len(sources)} modules: {', '.join(bad[:10])}"
    orphans = [p for p in python.rglob("*.pyc") if not (p.parent.parent / f"{p.name.split('.')[0]}.py").is_file()]
    assert not orphans, f"bytecode without a source: {orphans[:10]}"


COLD_IMPORT = (
    RECORD_COMPILES
    + """\
sys.path[0:0] = sys.argv[1:]
import medialib, medialib.settings, medialib.errors, pydantic, pydantic_core, aws_lambda_powertools, PIL.Image
from aws_lambda_powertools import Logger
files = {m: sys.modules[m].__file__ for m in ("medialib", "pydantic", "aws_lambda_powertools", "PIL")}
print(json.dumps({"compiled": compiled, "files": files}))
"""
)


@pytest.mark.slow
def test_a_cold_import_from_the_unzipped_layer_compiles_nothing(built: Path, tmp_path: Path) -> None:
    """Given the built layers as Lambda unzips them (every file dated 1980) and no bytecode written (read-only
    /opt), When a fresh Python 3.13 (the runtime's) imports medialib, pydantic, powertools and Pillow from them, Then
    they come from the layers and not one of their modules is compiled from source."""
    opt_python = tmp_path / "opt" / "python"
    for layer_id in LAYER_IDS:  # Lambda extracts every layer of a function into the same /opt
        shutil.copytree(built / layer_id / "python", opt_python, dirs_exist_ok=True)
    for path in opt_python.rglob("*"):
        os.utime(path, (ZIP_EPOCH, ZIP_EPOCH))
    result = subprocess.run(
        [python313(), "-c", COLD_IMPORT, str(opt_python)],
        cwd=tmp_path,
        env={**_tool_env(), "PYTHONDONTWRITEBYTECODE": "1"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.splitlines()[-1])
    for module, file in report["files"].items():
        assert Path(file).is_relative_to(opt_python), f"{module} was imported from {file}, not from the layer"
    from_layer = [path for path in report["compiled"] if Path(path).is_relative_to(opt_python)]
    assert from_layer == [], f"{len(from_layer)} modules of the layer compiled at import: {from_layer[:10]}"


@pytest.mark.slow
def test_the_layer_shared_objects_need_no_newer_glibc_than_the_runtime(built: Path) -> None:
    """Given the built layers, When the glibc symbol versions their shared objects (Pillow's, its bundled libraries,
    pydantic_core's) require are read, Then none is newer than the python3.13 runtime's glibc 2.34."""
    python = built
    objects = [
        path
        for layer_id in LAYER_IDS
        for path in (built / layer_id / "python").rglob("*.so*")
        if path.is_file() and path.read_bytes()[:4] == b"\x7fELF"
    ]
    assert any(path.parent.name == "PIL" for path in objects), "no Pillow extension in the layer"
    assert any(path.parent.name == "pydantic_core" for path in objects), "no pydantic_core extension in the layer"
    needs = {
        str(path.relative_to(python)): max(
            ((int(major), int(minor)) for major, minor in re.findall(rb"GLIBC_(\d+)\.(\d+)", path.read_bytes())),
            default=(0, 0),
        )
        for path in objects
    }
    too_new = {name: need for name, need in needs.items() if need > LAMBDA_GLIBC}
    assert not too_new, f"these need a glibc newer than {LAMBDA_GLIBC}: {too_new}"
