"""One set of versions everywhere: requirements/dev.txt (what `make` installs for development and CI) pins every
package, the layer locks (what `sam build` ships to AWS) pin the same versions, and both follow pyproject.toml.
`make lock` regenerates them; these tests fail when someone edits one side and not the other."""

from __future__ import annotations

import re
import subprocess
import tomllib
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.conftest import ROOT

REQUIREMENTS = ROOT / "requirements"
DEV_LOCK = REQUIREMENTS / "dev.txt"
LAYER_LOCKS = {"SharedLayer": REQUIREMENTS / "shared-layer.txt", "ImageLayer": REQUIREMENTS / "image-layer.txt"}
# The python3.13 Lambda runtime, for the markers of the universal development lock.
LAMBDA = {
    "python_version": "3.13",
    "python_full_version": "3.13.9",
    "sys_platform": "linux",
    "platform_system": "Linux",
    "platform_machine": "x86_64",
    "os_name": "posix",
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
}
# The Lambda runtime provides boto3 (and what it needs): no layer ships it.
RUNTIME_PROVIDED = {"boto3", "botocore", "s3transfer"}


def pins(lock: Path) -> dict[str, str]:
    """name -> version of every line of ``lock`` that applies on the python3.13 Lambda runtime."""
    found: dict[str, str] = {}
    for line in lock.read_text().splitlines():
        match = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+?)\s*(?:;\s*(.+))?", line.strip())
        if match is None:
            continue
        name, version, marker = match.groups()
        if marker is None or Marker(marker).evaluate(dict(LAMBDA)):
            found[canonicalize_name(name)] = version
    return found


def _project() -> dict[str, list[str]]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras: dict[str, list[str]] = project["optional-dependencies"]
    return {"runtime": project["dependencies"], **extras}


def test_the_pin_reader_applies_the_markers_of_the_lambda_runtime(tmp_path: Path) -> None:
    """Given a lock with a plain pin, two marker-split pins and a Windows-only pin, When read for the python3.13
    Lambda runtime, Then the plain pin, the 3.13 branch and no Windows package are found."""
    lock = tmp_path / "lock.txt"
    lock.write_text(
        "Pydantic_Core==2.1.0\n    # via pydantic\n"
        "networkx==3.6.1 ; python_full_version < '3.12'\nnetworkx==3.7 ; python_full_version >= '3.12'\n"
        "colorama==0.4.6 ; sys_platform == 'win32'\n"
    )
    assert pins(lock) == {"pydantic-core": "2.1.0", "networkx": "3.7"}


@pytest.mark.parametrize("layer", LAYER_LOCKS, ids=[f"{layer}-pins-the-development-versions" for layer in LAYER_LOCKS])
def test_a_layer_lock_pins_the_versions_development_and_ci_run(layer: str) -> None:
    """Given a layer's lock and the development lock, When their pins are compared, Then every package the layer
    ships is pinned for development at the same version (what passes the tests is what AWS runs)."""
    shipped, developed = pins(LAYER_LOCKS[layer]), pins(DEV_LOCK)
    assert shipped, f"{LAYER_LOCKS[layer].name} pins nothing"
    assert {name: developed.get(name) for name in shipped} == shipped


@pytest.mark.parametrize("layer", LAYER_LOCKS, ids=[f"{layer}-leaves-boto3-to-the-runtime" for layer in LAYER_LOCKS])
def test_no_layer_lock_ships_what_the_lambda_runtime_provides(layer: str) -> None:
    """Given a layer's lock, When read, Then boto3 and its dependencies are not in it (the runtime has them)."""
    assert not pins(LAYER_LOCKS[layer]).keys() & RUNTIME_PROVIDED


def test_the_layers_ship_every_runtime_dependency_of_the_project_but_boto3() -> None:
    """Given pyproject.toml's runtime dependencies, When the layer locks are read, Then each one but boto3 is shipped
    by one layer, and ImageLayer ships Pillow alone (SharedLayer goes to every function, Pillow to two)."""
    shipped = {name for lock in LAYER_LOCKS.values() for name in pins(lock)}
    needed = {canonicalize_name(Requirement(dep).name) for dep in _project()["runtime"]} - RUNTIME_PROVIDED
    assert needed <= shipped, f"{sorted(needed - shipped)} ship in no layer"
    assert set(pins(LAYER_LOCKS["ImageLayer"])) == {"pillow"}
    assert "pillow" not in pins(LAYER_LOCKS["SharedLayer"])


@pytest.mark.parametrize("group", ["runtime", "local", "dev"], ids=lambda group: f"{group}-requirements-are-locked")
def test_the_development_lock_satisfies_pyproject(group: str) -> None:
    """Given a group of pyproject.toml's requirements, When each is looked up in the development lock, Then it is
    pinned there at a version its specifier allows (else pyproject changed and `make lock` was not run)."""
    locked = pins(DEV_LOCK)
    requirements = [Requirement(dep) for dep in _project()[group]]
    outside = {
        str(req): locked.get(canonicalize_name(req.name))
        for req in requirements
        if canonicalize_name(req.name) != "medialib"
        and not req.specifier.contains(locked.get(canonicalize_name(req.name), "0.dev0"), prereleases=True)
    }
    assert outside == {}


@pytest.mark.parametrize(
    "layer_input", ["shared-layer.in", "image-layer.in"], ids=lambda name: f"{name}-ranges-match-pyproject"
)
def test_a_layer_asks_for_the_ranges_pyproject_declares(layer_input: str) -> None:
    """Given a layer's requirements input and pyproject.toml, When their specifiers are compared, Then each package
    the layer asks for is declared by the project with the same range (the Pillow cap included)."""
    declared = {canonicalize_name(Requirement(dep).name): Requirement(dep).specifier for dep in _project()["runtime"]}
    lines = [line.split("#")[0].strip() for line in (REQUIREMENTS / layer_input).read_text().splitlines()]
    asked = {canonicalize_name(Requirement(line).name): Requirement(line).specifier for line in lines if line}
    assert asked
    assert {name: declared.get(name) for name in asked} == asked


@pytest.mark.parametrize(
    ("lock", "stamp", "installs"),
    [
        ("requirements/dev.txt", ".venv/.installed", "-r requirements/dev.txt"),
        ("pyproject.toml", ".venv/.installed", "-r requirements/dev.txt"),
        ("requirements/sam.txt", ".tools/sam/.installed", "-r requirements/sam.txt"),
        ("requirements/checkov.txt", ".tools/checkov/.installed", "-r requirements/checkov.txt"),
    ],
    ids=[
        "a-new-dev-lock-rebuilds-the-venv",
        "a-new-pyproject-rebuilds-the-venv",
        "a-new-sam-lock-rebuilds-sam",
        "a-new-checkov-lock-rebuilds-checkov",
    ],
)
def test_make_rebuilds_a_venv_from_scratch_when_its_lock_changes(lock: str, stamp: str, installs: str) -> None:
    """Given a lock newer than a venv's stamp (make -W), When make is asked what it would do for the stamp, Then it
    removes the venv and installs the lock into a new one (nothing left over from the previous lock)."""
    venv = stamp.rsplit("/", 1)[0]
    dry_run = subprocess.run(
        ["make", "--no-print-directory", "-n", "-W", lock, stamp],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    ).stdout.splitlines()
    removal = next(i for i, line in enumerate(dry_run) if line.strip() == f"rm -rf {venv}")
    install = next(i for i, line in enumerate(dry_run) if installs in line)
    assert removal < install, dry_run


def test_the_bench_lock_satisfies_its_extra_and_agrees_with_development() -> None:
    """Given requirements/bench.txt (what `make bench` adds to the development venv), When compared with
    pyproject.toml's bench extra and with dev.txt, Then it pins each bench requirement in its range, and every
    package both locks pin at the same version (so installing it changes nothing the tests ran with)."""
    bench, dev = pins(REQUIREMENTS / "bench.txt"), pins(DEV_LOCK)
    wanted = [Requirement(dep) for dep in _project()["bench"]]
    assert wanted
    assert all(req.specifier.contains(bench.get(canonicalize_name(req.name), "0.dev0")) for req in wanted)
    assert {name: version for name, version in bench.items() if dev.get(name, version) != version} == {}
