"""The Python of the functions' runtime (python3.13) for the tests that load what the layer builds ship: the layers'
bytecode is 3.13's and their extensions are cp313, so only a 3.13 can import them. ``tools/python313.py`` finds
one (PYTHON313, python3.13 on PATH, uv, pyenv) or fetches Debian's, as the layer builds do."""

from __future__ import annotations

import functools
import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

RUNTIME = (3, 13)
PYC_TAG = "cpython-313"
# What the Lambda runtime provides beside the layers: boto3 and what it needs, at the versions development runs.
RUNTIME_PROVIDED = ["boto3", "botocore", "s3transfer", "jmespath", "python-dateutil", "six", "urllib3"]


@functools.cache
def python313() -> str:
    """The path of a CPython 3.13 (found, or fetched once into .tools/python3.13)."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "python313.py")], capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def install_runtime_provided(target: Path) -> Path:
    """boto3 and its dependencies (pure Python) for CPython 3.13 in ``target``: what the runtime puts on sys.path."""
    from tests.unit.test_lock import DEV_LOCK, pins

    versions = pins(DEV_LOCK)
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-input", "--no-deps",
         "--no-compile", "--target", str(target), "--only-binary=:all:", "--implementation", "cp",
         "--python-version", "3.13", *(f"{name}=={versions[name]}" for name in RUNTIME_PROVIDED)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    subprocess.run([python313(), "-m", "compileall", "-q", str(target)], capture_output=True, check=True, timeout=300)
    return target


# The start of a script that a 3.13 runs to import something: it records in ``compiled`` the path of every module
# compiled from source on the way (no bytecode, or bytecode the interpreter refused).
RECORD_COMPILES = """\
import importlib.machinery, json, sys
compiled = []
to_code = importlib.machinery.SourceFileLoader.source_to_code
def source_to_code(self, data, path, *args, **kwargs):
    compiled.append(str(path))
    return to_code(self, data, path, *args, **kwargs)
importlib.machinery.SourceFileLoader.source_to_code = source_to_code
"""


# Run by a 3.13: for every .py under argv[1], why its bytecode would not be loaded by the runtime (missing, another
# Python's, timestamp-checked, or compiled from another version of the source); {} when every module would load.
PYC_CHECK = """\
import importlib.util, json, pathlib, sys
tag = sys.implementation.cache_tag
problems = {}
for source in sorted(pathlib.Path(sys.argv[1]).rglob("*.py")):
    pyc = source.parent / "__pycache__" / f"{source.stem}.{tag}.pyc"
    if not pyc.is_file():
        problems[str(source)] = "no .pyc"
        continue
    header = pyc.read_bytes()[:16]
    flags = int.from_bytes(header[4:8], "little")
    if header[:4] != importlib.util.MAGIC_NUMBER:
        problems[str(source)] = f"magic {header[:4]!r} is not {sys.version.split()[0]}'s"
    elif flags != 0b01:
        problems[str(source)] = f"flags {flags:#04b}, not unchecked-hash"
    elif header[8:16] != importlib.util.source_hash(source.read_bytes()):
        problems[str(source)] = "compiled from another version of the source"
print(json.dumps(problems))
"""


def bytecode_problems(directory: Path) -> dict[str, str]:
    """Each module under ``directory`` whose bytecode the python3.13 runtime would not load, and why."""
    done = subprocess.run(
        [python313(), "-c", PYC_CHECK, str(directory)], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    problems: dict[str, str] = json.loads(done.stdout)
    return problems
