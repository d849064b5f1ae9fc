"""The Python 3.13 that tools/python313.py fetches from Debian's archive when a machine has none (the README's
promise: Python 3.11+, make and the package registries): it runs without touching the system, and it does what the
layer builds and `make test-py313` ask of it. Slow: the first run downloads about 15 MB (cached in .tools)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

TOOL = ROOT / "tools" / "python313.py"
PROBE = """\
import ctypes, decimal, hashlib, json, lzma, bz2, ssl, sys, zlib
print(json.dumps({"version": sys.version_info[:2], "executable": sys.executable, "prefix": sys.prefix}))
"""


def _tool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(TOOL), *args], capture_output=True, text=True, timeout=600, check=False)


@pytest.fixture(scope="module")
def debian_python() -> str:
    fetched = _tool("--archive")
    assert fetched.returncode == 0, fetched.stderr
    return fetched.stdout.strip()


@pytest.mark.slow
def test_debians_python_runs_with_its_standard_library_and_reruns_itself(debian_python: str) -> None:
    """Given the Python 3.13 fetched from Debian's archive, When it runs, Then it is 3.13, with the extension modules
    of the standard library the functions' imports need (ssl, hashlib, decimal, ctypes...), its own prefix in .tools,
    and an executable that runs again (sys.executable: what compileall's workers and venvs start)."""
    done = subprocess.run([debian_python, "-c", PROBE], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["version"] == [3, 13]
    assert Path(report["prefix"]).is_relative_to(ROOT / ".tools")
    again = subprocess.run(
        [report["executable"], "-c", "print(1)"], capture_output=True, text=True, timeout=60, check=False
    )
    assert again.stdout == "1\n", again.stderr


@pytest.mark.slow
def test_debians_python_compiles_unchecked_hash_bytecode_with_worker_processes(
    debian_python: str, tmp_path: Path
) -> None:
    """Given a package, When Debian's Python 3.13 compiles it as the layer builds do (-j 0: worker processes of its
    own executable), Then each module has a 3.13 .pyc."""
    package = tmp_path / "package"
    package.mkdir()
    for name in ("__init__", "a", "b"):
        (package / f"{name}.py").write_text(f"NAME = {name!r}\n")
    compiled = subprocess.run(
        [debian_python, "-m", "compileall", "-q", "-j", "0", "--invalidation-mode", "unchecked-hash", str(package)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert compiled.returncode == 0, compiled.stdout + compiled.stderr
    assert sorted(p.name for p in (package / "__pycache__").iterdir()) == [
        f"{name}.cpython-313.pyc" for name in ("__init__", "a", "b")
    ]


@pytest.mark.slow
def test_an_archive_whose_signature_does_not_verify_is_refused(tmp_path: Path) -> None:
    """Given a keyring without Debian's key, When the tool fetches Python 3.13 (nothing cached elsewhere), Then it
    refuses the archive's index: nothing is trusted that the keyring does not vouch for."""
    empty = tmp_path / "empty.gpg"
    empty.write_bytes(b"")
    env = {**os.environ, "DEBIAN_KEYRING": str(empty)}
    done = subprocess.run(
        [sys.executable, "-c", f"import runpy, sys; sys.argv = ['python313.py']; m = runpy.run_path({str(TOOL)!r})\n"
         "try:\n    m['fetch']()\nexcept m['NoPython'] as error:\n    print('refused:', error)\n"],
        capture_output=True, text=True, timeout=300, env=env, check=False,
    )  # fmt: skip
    assert done.stdout.startswith("refused: the signature of trixie's InRelease does not verify"), done.stderr
