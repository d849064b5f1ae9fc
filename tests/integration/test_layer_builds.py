"""What each Lambda layer ships, built by its Makefile exactly as `sam build` runs it: the layer's directory copied
to a scratch dir, `make --makefile <the repository's Makefile> build-<LogicalId>` run there with ARTIFACTS_DIR set.
SharedLayer holds the product (medialib) and its dependencies, ImageLayer holds Pillow; neither holds the local
stack or what only development needs, and each holds exactly the versions its lock pins."""

from __future__ import annotations

import copy
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from medialib_local.template import _transform, load_sam
from tests.conftest import ROOT, TEMPLATE
from tests.python313 import PYC_TAG, RECORD_COMPILES, bytecode_problems, install_runtime_provided, python313

LAYERS = {"SharedLayer": "shared", "ImageLayer": "image"}
# Nothing of the local stack, and none of what it runs on (moto, werkzeug, the SAM translator, PyYAML); boto3 comes
# with the Lambda runtime.
NEVER_SHIPPED = ["medialib_local", "moto", "werkzeug", "samtranslator", "yaml", "boto3", "botocore"]
# Lambda's own variables and dummy credentials (nothing is called at import: STYLE.md section 5).
LAMBDA_ENV = {
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "AKIALAYERTESTDUMMY00",
    "AWS_SECRET_ACCESS_KEY": "layer/test/dummy/secret/access/key/00000",
    "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
    "PYTHONDONTWRITEBYTECODE": "1",  # /var/task and /opt are read-only
}
# What the Lambda epoch of SAM's zips makes of every file's date (bytecode must not depend on it).
ZIP_EPOCH = 315532800


def _make_env(artifacts: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAKE", "MFLAGS"))}
    env["ARTIFACTS_DIR"] = str(artifacts)
    return env


def _build_like_sam(layer_id: str, work: Path) -> Path:
    """Build one layer the way aws-lambda-builders' makefile workflow does; return its python/ dir."""
    source = ROOT / "layers" / LAYERS[layer_id]
    scratch, artifacts = work / "scratch", work / "artifacts"
    shutil.copytree(source, scratch)
    artifacts.mkdir()
    result = subprocess.run(
        ["make", "--makefile", str(source / "Makefile"), f"build-{layer_id}"],
        cwd=scratch,
        env=_make_env(artifacts),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return artifacts / "python"


@pytest.fixture(scope="module")
def layers(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return {layer_id: _build_like_sam(layer_id, tmp_path_factory.mktemp(layer_id)) for layer_id in LAYERS}


def _top_level(python: Path) -> set[str]:
    """The importable names and distributions at the root of a layer's python/ dir (pydantic, pillow.libs, ...)."""
    return {path.name.removesuffix(".py") for path in python.iterdir() if path.name != "__pycache__"}


def _distributions(python: Path) -> dict[str, str]:
    """name -> version of every distribution installed in the layer, normalised as a lock spells them."""
    found = {}
    for dist_info in python.glob("*.dist-info"):
        name, version = dist_info.name.removesuffix(".dist-info").rsplit("-", 1)
        found[re.sub(r"[-_.]+", "-", name).lower()] = version
    return found


def _pins(lock: Path) -> dict[str, str]:
    pins = re.findall(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;]+)", lock.read_text(), flags=re.MULTILINE)
    return {re.sub(r"[-_.]+", "-", name).lower(): version for name, version in pins}


@pytest.mark.slow
@pytest.mark.parametrize("layer_id", LAYERS)
@pytest.mark.parametrize("package", NEVER_SHIPPED, ids=[f"no-{p}" for p in NEVER_SHIPPED])
def test_no_layer_ships_the_local_stack_or_a_development_dependency(
    layers: dict[str, Path], layer_id: str, package: str
) -> None:
    """Given a layer built as `sam build` builds it, When its python/ dir is listed, Then neither the local stack
    nor a package only development or the Lambda runtime provides is in it."""
    shipped = {name.lower() for name in _top_level(layers[layer_id])}
    assert not {name for name in shipped if name == package or name.startswith(f"{package}-")}, sorted(shipped)
    assert not list(layers[layer_id].rglob(f"{package}/__init__.py"))


@pytest.mark.slow
def test_the_shared_layer_ships_medialib_and_its_dependencies_but_not_pillow(layers: dict[str, Path]) -> None:
    """Given SharedLayer built, When listed, Then it holds medialib (exactly the modules of
    layers/shared/python/medialib: no local stack inside it), pydantic and Powertools, and no Pillow, which
    ImageLayer carries for the two functions that need it."""
    python = layers["SharedLayer"]
    shipped = _top_level(python)
    assert {"medialib", "pydantic", "pydantic_core", "aws_lambda_powertools"} <= shipped
    assert (python / "medialib" / "__init__.py").is_file()
    assert not (python / "medialib" / "local").exists(), "the local stack moved to tools/medialib_local"
    assert not {name for name in shipped if name.lower().startswith(("pil", "pillow"))}, sorted(shipped)
    source = ROOT / "layers" / "shared" / "python" / "medialib"
    shipped_modules = sorted(str(p.relative_to(python / "medialib")) for p in (python / "medialib").rglob("*.py"))
    assert shipped_modules == sorted(str(p.relative_to(source)) for p in source.rglob("*.py"))


@pytest.mark.slow
def test_the_image_layer_ships_pillow_and_its_native_libraries_only(layers: dict[str, Path]) -> None:
    """Given ImageLayer built, When listed, Then it holds Pillow, its bundled native libraries and nothing else."""
    python = layers["ImageLayer"]
    assert (python / "PIL" / "__init__.py").is_file()
    assert any(path.name.startswith("_imaging.") for path in (python / "PIL").iterdir())
    assert any((python / "pillow.libs").glob("*.so*")), "Pillow's bundled native libraries are missing"
    others = {name for name in _top_level(python) if name not in {"PIL", "pillow.libs"}}
    assert {re.sub(r"-[^-]+\.dist-info$", "", name) for name in others} == {"pillow"}


@pytest.mark.slow
@pytest.mark.parametrize("layer_id", LAYERS)
def test_a_layer_holds_exactly_the_versions_its_lock_pins(layers: dict[str, Path], layer_id: str) -> None:
    """Given a layer built, When its distributions are read, Then they are exactly requirements/<name>-layer.txt's
    packages at its versions (the versions development and CI run: tests/unit/test_lock.py)."""
    lock = ROOT / "requirements" / f"{LAYERS[layer_id]}-layer.txt"
    assert _distributions(layers[layer_id]) == _pins(lock)


@pytest.mark.slow
@pytest.mark.parametrize("layer_id", LAYERS)
def test_every_module_of_a_layer_has_its_bytecode(layers: dict[str, Path], layer_id: str) -> None:
    """Given a layer built, When every .py in it is checked, Then each has its CPython 3.13 .pyc beside it (Lambda's
    /opt is read-only: a module without one is compiled again at every cold start), one the python3.13 runtime
    loads: 3.13's magic number, an unchecked hash of the source beside it."""
    python = layers[layer_id]
    sources = sorted(python.rglob("*.py"))
    assert sources, f"{layer_id} holds no Python module"
    missing = [
        str(s.relative_to(python))
        for s in sources
        if not (s.parent / "__pycache__" / f"{s.stem}.{PYC_TAG}.pyc").is_file()
    ]
    assert missing == [], f"{len(missing)} of {len(sources)} modules have no bytecode: {missing[:10]}"
    assert bytecode_problems(python) == {}


# Run by the runtime's Python as ``python -c HANDLER_IMPORT <sys.path entries> <module> <attribute>``: the import
# of one handler, the sources compiled on the way (no bytecode, or bytecode the interpreter refused), the version.
HANDLER_IMPORT = (
    RECORD_COMPILES
    + """\
import importlib
sys.path[0:0] = sys.argv[1].split(":")
handler = getattr(importlib.import_module(sys.argv[2]), sys.argv[3])
print(json.dumps({"compiled": compiled, "callable": callable(handler), "version": sys.version_info[:2],
                  "medialib": sys.modules["medialib"].__file__}))
"""
)


def _functions() -> dict[str, tuple[Path, str, list[str]]]:
    """Each function of the template: its code dir, its handler, its layers' logical ids (Globals' first)."""
    sam = load_sam(TEMPLATE)
    global_layers = [ref["Ref"] for ref in sam["Globals"]["Function"].get("Layers", [])]
    return {
        name: (
            ROOT / resource["Properties"]["CodeUri"],
            resource["Properties"]["Handler"],
            global_layers + [ref["Ref"] for ref in resource["Properties"].get("Layers", [])],
        )
        for name, resource in sam["Resources"].items()
        if resource["Type"] == "AWS::Serverless::Function"
    }


@pytest.fixture(scope="module")
def lambda_opt(layers: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each layer as Lambda unzips it (every file dated 1980), and what the runtime itself provides (boto3)."""
    work = tmp_path_factory.mktemp("opt")
    unzipped = {}
    for layer_id, python in layers.items():
        unzipped[layer_id] = shutil.copytree(python, work / layer_id / "python")
        for path in unzipped[layer_id].rglob("*"):
            os.utime(path, (ZIP_EPOCH, ZIP_EPOCH))
    return unzipped | {"runtime": install_runtime_provided(work / "runtime")}


@pytest.mark.slow
@pytest.mark.parametrize("function", _functions())
def test_every_handler_imports_on_python_3_13_from_the_built_layers_compiling_nothing_of_them(
    lambda_opt: dict[str, Path], function: str
) -> None:
    """Given the built layers unzipped as Lambda does and no bytecode written (read-only /opt), When the runtime's
    Python 3.13 imports a function's handler with its code dir, its layers and boto3 on sys.path, Then the handler
    is callable, medialib comes from SharedLayer and not one module of the layers is compiled at import."""
    code_dir, handler, layer_ids = _functions()[function]
    module, _, attribute = handler.rpartition(".")
    sys_path = [str(code_dir), *(str(lambda_opt[layer_id]) for layer_id in layer_ids), str(lambda_opt["runtime"])]
    done = subprocess.run(
        [python313(), "-c", HANDLER_IMPORT, ":".join(sys_path), module, attribute],
        cwd=code_dir,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **LAMBDA_ENV},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.splitlines()[-1])
    assert report["callable"] and report["version"] == [3, 13]
    assert Path(report["medialib"]).is_relative_to(lambda_opt["SharedLayer"])
    from_layers = [path for path in report["compiled"] if not Path(path).is_relative_to(code_dir)]
    assert from_layers == [], f"{len(from_layers)} modules of the layers compiled at import: {from_layers[:10]}"


def _translated_layers() -> dict[str, list[str]]:
    """Each AWS::Lambda::Function's Layers after SAM's transform (Globals merged), as logical ids."""
    sam = copy.deepcopy(load_sam(TEMPLATE))
    uris = {"AWS::Serverless::Function": "CodeUri", "AWS::Serverless::LayerVersion": "ContentUri"}
    for resource in sam["Resources"].values():
        properties = resource.get("Properties", {})
        if resource["Type"] in uris:
            properties[uris[resource["Type"]]] = "s3://bucket/key"  # the transform wants packaged artifacts
        elif "DefinitionUri" in properties:
            properties["DefinitionUri"] = "s3://bucket/definition.json"
    cfn: dict[str, Any] = _transform(sam, "us-east-1")
    return {  # SAM suffixes a layer's logical id with a hash of its content: SharedLayer9703c2d523
        logical_id: [next(n for n in LAYERS if ref["Ref"].startswith(n)) for ref in resource["Properties"]["Layers"]]
        for logical_id, resource in cfn["Resources"].items()
        if resource["Type"] == "AWS::Lambda::Function"
    }


def test_sam_gives_every_function_the_shared_layer_and_the_image_layer_to_upload_deliver_and_files() -> None:
    """Given template.yaml (SharedLayer in Globals, ImageLayer on three functions), When SAM transforms it, Then
    UploadFunction, DeliverFunction and FilesFunction get SharedLayer then ImageLayer, and every other function SharedLayer alone
    (SAM appends a function's own Layers to the global ones)."""
    translated = _translated_layers()
    assert len(translated) >= 7
    image_functions = {"UploadFunction", "DeliverFunction", "FilesFunction"}
    expected = {
        name: ["SharedLayer", "ImageLayer"] if name in image_functions else ["SharedLayer"] for name in translated
    }
    assert translated == expected


@pytest.mark.slow
def test_a_layer_compiled_by_another_python_than_the_runtimes_is_refused(tmp_path: Path) -> None:
    """Given a compiling Python that is not 3.13 (RUNTIME_PYTHON, the development venv's own 3.11 say), When a layer
    is built, Then the build fails saying so, rather than ship bytecode the python3.13 runtime would ignore."""
    if sys.version_info[:2] == (3, 13):
        pytest.skip("the development venv is itself on the runtime's version")
    result = subprocess.run(
        ["make", "--makefile", str(ROOT / "layers" / "image" / "Makefile"), "build-ImageLayer",
         f"RUNTIME_PYTHON={sys.executable}"],
        cwd=tmp_path, env=_make_env(tmp_path / "artifacts"), capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 2, result.stdout + result.stderr
    assert f"{sys.executable} is not Python 3.13, the layer's runtime" in result.stderr
    assert not list((tmp_path / "artifacts").rglob("*.pyc"))
