"""One runtime everywhere: template.yaml's python3.13, the layers' wheels and bytecode (layers/python-layer.mk), the
layer locks (the Makefile's LAYER_TARGET) and the tests that load the layers agree; and tools/python313.py, which
finds a Python 3.13 or fetches Debian's, trusts nothing its signed index does not vouch for."""

from __future__ import annotations

import hashlib
import importlib.util
import io
import lzma
import re
import sys
import tarfile
from pathlib import Path
from types import ModuleType

import pytest

from medialib_local.template import load_sam
from tests.conftest import ROOT, TEMPLATE
from tests.python313 import PYC_TAG, RUNTIME


def _load_tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("python313_tool", ROOT / "tools" / "python313.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


tool = _load_tool()
VERSION = ".".join(map(str, RUNTIME))


# ---------------------------------------------------------------- one runtime everywhere


def test_every_function_and_layer_of_the_template_is_on_the_runtime_the_layers_are_built_for() -> None:
    """Given template.yaml, When the functions' runtimes and the layers' compatible runtimes are read, Then they are
    all python3.13: Globals set it and no function overrides it."""
    sam = load_sam(TEMPLATE)
    assert sam["Globals"]["Function"]["Runtime"] == f"python{VERSION}"
    resources = sam["Resources"].values()
    assert [r for r in resources if r["Type"] == "AWS::Serverless::Function" and "Runtime" in r["Properties"]] == []
    layers = [r["Properties"] for r in resources if r["Type"] == "AWS::Serverless::LayerVersion"]
    assert layers and all(props["CompatibleRuntimes"] == [f"python{VERSION}"] for props in layers)


def test_the_layer_build_and_the_layer_locks_target_that_runtime_and_amazon_linux_2023() -> None:
    """Given layers/python-layer.mk and the Makefile's lock target, When their targets are read, Then the layers'
    wheels and bytecode are for CPython 3.13 and the locks resolve for 3.13 on glibc 2.34 (Amazon Linux 2023)."""
    build = (ROOT / "layers" / "python-layer.mk").read_text()
    assert _assigned(build, "RUNTIME_VERSION") == VERSION
    assert _assigned(build, "GLIBC_MINORS").split()[0] == "34"
    lock_target = _assigned((ROOT / "Makefile").read_text(), "LAYER_TARGET")
    assert f"--python-version {VERSION}" in lock_target
    assert "--python-platform x86_64-manylinux_2_34" in lock_target
    assert f"cpython-{VERSION.replace('.', '')}" == PYC_TAG


def _assigned(makefile: str, name: str) -> str:
    """The value a Makefile gives ``name`` (``:=`` or ``?=``)."""
    found = re.search(rf"^{name} [:?]= (.+)$", makefile, flags=re.MULTILINE)
    assert found is not None, f"no {name} :="
    return found[1]


# ---------------------------------------------------------------- finding a Python 3.13


def _fake_python(tmp_path: Path, answer: str, status: int = 0) -> str:
    fake = tmp_path / "python"
    fake.write_text(f"#!/bin/sh\necho '{answer}'\nexit {status}\n")
    fake.chmod(0o755)
    return str(fake)


@pytest.mark.parametrize(
    ("answer", "status", "is_313"),
    [("cpython 3 13", 0, True), ("cpython 3 11", 0, False), ("pypy 3 13", 0, False), ("", 127, False)],
    ids=["cpython-3.13", "another-version", "another-implementation", "an-inactive-pyenv-shim"],
)
def test_only_a_cpython_3_13_that_runs_counts(tmp_path: Path, answer: str, status: int, is_313: bool) -> None:
    """Given an interpreter answering its implementation and version (or failing, as an inactive pyenv shim does),
    When checked, Then only a CPython 3.13 that runs counts."""
    assert tool.is_313(_fake_python(tmp_path, answer, status)) is is_313


def test_python313_names_the_interpreter_to_use_and_must_be_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given PYTHON313 set, When a Python 3.13 is looked for, Then it is the answer if it is one, an error naming it
    if not (never silently another one)."""
    monkeypatch.setenv("PYTHON313", _fake_python(tmp_path, "cpython 3 13"))
    assert tool.find() == str(tmp_path / "python")
    monkeypatch.setenv("PYTHON313", sys.executable if sys.version_info[:2] != RUNTIME else "/nonexistent/python")
    with pytest.raises(tool.NoPython, match="PYTHON313="):
        tool.find()


def test_a_host_that_cannot_run_debians_python_is_told_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    """Given a macOS host with no Python 3.13, When one is fetched, Then it stops with what to install."""
    monkeypatch.setattr(tool.platform, "system", lambda: "Darwin")
    with pytest.raises(tool.NoPython, match=r"uv python install 3\.13"):
        tool.fetch()


def test_where_debians_archive_cannot_serve_uv_is_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    """Given a host without a Debian apt source, When a Python 3.13 is obtained, Then uv installs one; when uv
    fails too, the error names both ways and what to install."""
    monkeypatch.setattr(tool, "fetch", lambda: (_ for _ in ()).throw(tool.NoPython("no Debian mirror")))
    monkeypatch.setattr(tool, "uv_install", lambda: "/home/me/.local/share/uv/python/cpython-3.13/bin/python3.13")
    assert tool.obtain() == "/home/me/.local/share/uv/python/cpython-3.13/bin/python3.13"

    monkeypatch.setattr(tool, "uv_install", lambda: (_ for _ in ()).throw(tool.NoPython("uv failed")))
    with pytest.raises(tool.NoPython, match="no Debian mirror; and uv failed"):
        tool.obtain()


# ---------------------------------------------------------------- Debian's archive, verified


def test_the_mirror_and_keyring_are_apts_own(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Given apt sources in deb822 and one-line form, When the mirror is read, Then it is the Debian one with its
    Signed-By keyring; DEBIAN_MIRROR overrides; with none, an error says what to set."""
    monkeypatch.delenv("DEBIAN_MIRROR", raising=False)
    monkeypatch.delenv("DEBIAN_KEYRING", raising=False)
    deb822, one_line = tmp_path / "debian.sources", tmp_path / "sources.list"
    deb822.write_text(
        "Types: deb\nURIs: http://mirror.example/debian-security\nSuites: bookworm-security\n\n"
        "Types: deb\nURIs: http://mirror.example/debian\nSuites: bookworm\nSigned-By: /keys/debian.gpg\n"
    )
    one_line.write_text("deb [signed-by=/keys/other.gpg] https://other.example/debian bookworm main\n")
    monkeypatch.setattr(tool, "APT_SOURCES", [deb822])
    assert tool.apt_source() == ("http://mirror.example/debian", "/keys/debian.gpg")
    monkeypatch.setattr(tool, "APT_SOURCES", [one_line])
    assert tool.apt_source() == ("https://other.example/debian", "/keys/other.gpg")
    monkeypatch.setenv("DEBIAN_MIRROR", "http://chosen.example/debian/")
    assert tool.apt_source() == ("http://chosen.example/debian", tool.DEFAULT_KEYRING)
    monkeypatch.delenv("DEBIAN_MIRROR")
    monkeypatch.setattr(tool, "APT_SOURCES", [tmp_path / "absent.list"])
    with pytest.raises(tool.NoPython, match="DEBIAN_MIRROR"):
        tool.apt_source()


RELEASE = """\
Origin: Debian
MD5Sum:
 0123456789abcdef0123456789abcdef  9 main/binary-amd64/Packages.xz
SHA256:
 {sha}  9 main/binary-amd64/Packages.xz
 {other}  7 main/binary-arm64/Packages.xz
"""


def test_the_index_is_trusted_only_with_the_sha256_and_size_the_signed_release_gives() -> None:
    """Given a Release text with MD5 and SHA-256 lists, When the index's checksum is read and a body checked, Then
    the SHA-256 is used, and a body of another content or size is refused."""
    body = b"packages!"
    release = RELEASE.format(sha=hashlib.sha256(body).hexdigest(), other="f" * 64)
    sha256, size = tool.sha256_of(release, "main/binary-amd64/Packages.xz")
    assert (sha256, size) == (hashlib.sha256(body).hexdigest(), 9)
    assert tool.verified(body, sha256, size, "index") == body
    with pytest.raises(tool.NoPython, match="SHA-256"):
        tool.verified(b"packages?", sha256, size, "index")
    with pytest.raises(tool.NoPython, match="SHA-256"):
        tool.verified(body + b"\n", sha256, size, "index")
    with pytest.raises(tool.NoPython, match="lists no"):
        tool.sha256_of(release, "main/binary-i386/Packages.xz")


PACKAGES = """\
Package: python3.13-minimal
Version: 3.13.5-2
Pre-Depends: libc6 (>= 2.38)
Depends: libpython3.13-minimal (= 3.13.5-2), libexpat1 (>= 2.6.0), zlib1g:any | zlib-ng
Description: a minimal subset
 of the Python language

Package: libpython3.13-minimal
Depends: libssl3t64 (>= 3.0.0)

Package: libc6
Depends: libgcc-s1

Package: libgcc-s1

Package: libexpat1

Package: zlib1g

Package: libssl3t64

Package: unrelated
"""


def test_the_packages_are_the_wanted_ones_and_what_they_depend_on() -> None:
    """Given a Packages index, When the closure of python3.13-minimal is taken, Then it holds what it depends on
    (Pre-Depends included, version constraints and architecture qualifiers dropped, the first alternative) and
    nothing else; a dependency the suite lacks is an error."""
    packages = tool.parse_packages(PACKAGES)
    assert packages["python3.13-minimal"]["Version"] == "3.13.5-2"
    assert tool.closure(packages, ["python3.13-minimal"]) == sorted(
        ["python3.13-minimal", "libpython3.13-minimal", "libc6", "libgcc-s1", "libexpat1", "zlib1g", "libssl3t64"]
    )
    with pytest.raises(tool.NoPython, match="no package libmissing"):
        tool.closure(packages, ["libmissing"])


def _ar_member(name: str, body: bytes) -> bytes:
    header = f"{name:<16}{0:<12}{0:<6}{0:<6}{100644:<8}{len(body):<10}`\n".encode()
    return header + body + (b"\n" if len(body) % 2 else b"")


def test_a_debs_data_archive_is_read_without_dpkg() -> None:
    """Given a .deb (an ar archive of debian-binary, control.tar.xz and data.tar.xz), When its data is opened,
    Then the files it installs are there."""
    data = io.BytesIO()
    with tarfile.open(fileobj=data, mode="w:xz") as archive:
        content = b"print('hello')\n"
        member = tarfile.TarInfo("./usr/lib/python3.13/hello.py")
        member.size = len(content)
        archive.addfile(member, io.BytesIO(content))
    deb = b"!<arch>\n" + b"".join(
        _ar_member(name, body)
        for name, body in [
            ("debian-binary", b"2.0\n"),
            ("control.tar.xz", lzma.compress(b"")),
            ("data.tar.xz", data.getvalue()),
        ]
    )
    with tool.deb_data(deb) as archive:
        assert archive.extractfile("./usr/lib/python3.13/hello.py").read() == content
    with pytest.raises(tool.NoPython, match=r"not a \.deb"):
        tool.deb_data(b"PK\x03\x04")
