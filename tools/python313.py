"""Print the path of a Python 3.13 interpreter, the python3.13 Lambda runtime's version, for the layer builds (which
compile the layers' bytecode with it) and ``make test-py313``; obtain one from Debian's archive when there is none.

    python3 tools/python313.py            # find one (below), else fetch it; print its path
    python3 tools/python313.py --find     # find one, never fetch (exit 1 when there is none)
    python3 tools/python313.py --archive  # the one from Debian's archive, whatever else is installed

Where it looks, in this order: ``$PYTHON313``; ``python3.13`` on PATH (a pyenv shim that is not active does not
count); ``uv python find 3.13`` (uv on PATH or the repository's ``.tools/uv``); pyenv's versions (``$PYENV_ROOT``
or ``~/.pyenv``); the copy an earlier run fetched (``.tools/python3.13``).

When there is none, on Linux x86_64 it fetches CPython 3.13 as Debian 13 (trixie) packages it: the suite's
``InRelease`` is checked with ``gpgv`` against Debian's archive keyring (the ``Signed-By`` of the apt source it reads
the mirror from, else ``/usr/share/keyrings/debian-archive-keyring.gpg``; ``$DEBIAN_KEYRING`` overrides), the
``Packages`` index against the SHA-256 the signed ``InRelease`` gives, and each ``.deb`` against the SHA-256 the
index gives. The mirror is apt's own (``/etc/apt/sources.list{,.d}``), or ``$DEBIAN_MIRROR``. The packages are
python3.13-minimal, libpython3.13-stdlib and everything they depend on, trixie's glibc included (its python3.13 needs
a newer glibc than older systems have): they are unpacked under ``.tools/python3.13/root`` and
``.tools/python3.13/bin/python3.13`` runs the interpreter through trixie's own dynamic loader, so nothing is installed
on the system and nothing runs as root. The downloads are cached in ``.tools/python3.13/debs``.

Where Debian's archive cannot serve (no Debian apt source, macOS, arm64), it asks uv for one instead (``uv python
install 3.13``, which downloads a standalone CPython build); when that fails too it stops with what to install.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import lzma
import os
import platform
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import urllib.request
from collections.abc import Iterator
from pathlib import Path

# ruff: noqa: S603, S607 - this tool runs the interpreters it finds, uv, gpgv and zstd by name: that is its job.

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / ".tools" / "python3.13"
VERSION = (3, 13)
SUITE = "trixie"
WANTED = ["python3.13-minimal", "libpython3.13-minimal", "libpython3.13-stdlib"]
DEFAULT_KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg"
APT_SOURCES = [Path("/etc/apt/sources.list"), *sorted(Path("/etc/apt/sources.list.d").glob("*"))]
MULTIARCH = "x86_64-linux-gnu"


class NoPython(Exception):
    """No Python 3.13 could be found or fetched; the message says what to do."""


# ------------------------------------------------------------------ finding one


def is_313(python: str) -> bool:
    """Whether ``python`` runs and is CPython 3.13."""
    try:
        done = subprocess.run(
            [python, "-c", "import sys; print(sys.implementation.name, *sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except OSError:
        return False
    return done.returncode == 0 and done.stdout.split() == ["cpython", *map(str, VERSION)]


def _candidates() -> Iterator[str]:
    if on_path := shutil.which("python3.13"):
        yield on_path
    for uv in (shutil.which("uv"), str(ROOT / ".tools" / "uv" / "bin" / "uv")):
        if uv and Path(uv).is_file():
            found = subprocess.run(
                [uv, "python", "find", "--no-project", "3.13"], capture_output=True, text=True, check=False
            )
            if found.returncode == 0 and found.stdout.strip():
                yield found.stdout.strip()
    pyenv_root = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")
    yield from (str(p) for p in sorted((pyenv_root / "versions").glob("3.13*/bin/python3.13"), reverse=True))
    yield str(CACHE / "bin" / "python3.13")


def find() -> str | None:
    """A Python 3.13 already on this machine, or None. ``$PYTHON313``, when set, must be one."""
    if chosen := os.environ.get("PYTHON313"):
        if not is_313(chosen):
            raise NoPython(f"PYTHON313={chosen} is not a CPython 3.13 that runs")
        return chosen
    return next((python for python in _candidates() if Path(python).is_file() and is_313(python)), None)


# ------------------------------------------------------------------ fetching one from Debian's archive


def apt_source() -> tuple[str, str]:
    """The Debian mirror apt uses here and its keyring: ``$DEBIAN_MIRROR`` / ``$DEBIAN_KEYRING`` override."""
    mirror, keyring = os.environ.get("DEBIAN_MIRROR"), os.environ.get("DEBIAN_KEYRING")
    for source in [] if mirror else [p for p in APT_SOURCES if p.is_file() and p.suffix in {"", ".list", ".sources"}]:
        text = source.read_text(errors="replace")
        for stanza in re.split(r"\n\s*\n", text):  # deb822 .sources
            uris = re.search(r"^URIs:\s*(\S+/debian)/?\s*$", stanza, flags=re.MULTILINE)
            if uris:
                signed = re.search(r"^Signed-By:\s*(/\S+)\s*$", stanza, flags=re.MULTILINE)
                mirror, keyring = uris.group(1), keyring or (signed.group(1) if signed else None)
                break
        one_line = re.search(r"^deb\s+(?:\[([^\]]*)\]\s+)?(\S+/debian)/?\s", text, flags=re.MULTILINE)
        if mirror is None and one_line:
            mirror = one_line.group(2)
            signed = re.search(r"signed-by=(\S+)", one_line.group(1) or "")
            keyring = keyring or (signed.group(1) if signed else None)
        if mirror:
            break
    if mirror is None:
        raise NoPython("no Debian mirror: set DEBIAN_MIRROR to one (its URL ends in /debian), or install Python 3.13")
    return mirror.rstrip("/"), keyring or DEFAULT_KEYRING


def download(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=120) as answer:  # noqa: S310 (the mirror apt uses: http or https)
        data: bytes = answer.read()
    return data


def signed_release(mirror: str, keyring: str) -> str:
    """The suite's Release text, from an InRelease whose signature gpgv checked against ``keyring``."""
    if not shutil.which("gpgv"):
        raise NoPython("gpgv is needed to check Debian's signature (package gpgv), or install Python 3.13")
    if not Path(keyring).is_file():
        raise NoPython(f"no keyring {keyring}: install debian-archive-keyring or set DEBIAN_KEYRING")
    with tempfile.TemporaryDirectory() as scratch:
        signed = Path(scratch) / "InRelease"
        signed.write_bytes(download(f"{mirror}/dists/{SUITE}/InRelease"))
        checked = subprocess.run(
            ["gpgv", "--keyring", keyring, "--output", "-", str(signed)], capture_output=True, check=False
        )
    if checked.returncode != 0:
        raise NoPython(f"the signature of {SUITE}'s InRelease does not verify:\n{checked.stderr.decode()}")
    return checked.stdout.decode()


def sha256_of(release: str, path: str) -> tuple[str, int]:
    """The SHA-256 and size the Release text gives for ``path``."""
    block = release.split("\nSHA256:\n", 1)[1]
    match = re.search(rf"^ ([0-9a-f]{{64}})\s+(\d+) {re.escape(path)}$", block, flags=re.MULTILINE)
    if match is None:
        raise NoPython(f"{SUITE}'s Release lists no {path}")
    return match.group(1), int(match.group(2))


def verified(data: bytes, sha256: str, size: int, what: str) -> bytes:
    if len(data) != size or hashlib.sha256(data).hexdigest() != sha256:
        raise NoPython(f"{what}: its SHA-256 or size is not the one the signed index gives")
    return data


def parse_packages(text: str) -> dict[str, dict[str, str]]:
    packages = {}
    for stanza in text.split("\n\n"):
        fields = dict(re.findall(r"^([A-Za-z0-9-]+):[ \t]*(.*)$", stanza, flags=re.MULTILINE))
        if "Package" in fields:
            packages[fields["Package"]] = fields
    return packages


def closure(packages: dict[str, dict[str, str]], wanted: list[str]) -> list[str]:
    """``wanted`` and what they depend on (Pre-Depends and Depends, the first of each set of alternatives)."""
    seen: set[str] = set()
    todo = list(wanted)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        if name not in packages:
            raise NoPython(f"{SUITE} has no package {name}")
        seen.add(name)
        fields = packages[name]
        for relation in ",".join(fields.get(f, "") for f in ("Pre-Depends", "Depends")).split(","):
            if first := relation.split("|")[0].strip():
                todo.append(re.split(r"[\s(:]", first, maxsplit=1)[0])
    return sorted(seen)


def deb_data(deb: bytes) -> tarfile.TarFile:
    """The data.tar.* member of a .deb (an ar archive) as an open tar file."""
    if not deb.startswith(b"!<arch>\n"):
        raise NoPython("not a .deb")
    offset = 8
    while offset < len(deb):
        header = deb[offset : offset + 60]
        name, size = header[:16].decode().strip().rstrip("/"), int(header[48:58].decode().strip())
        body = deb[offset + 60 : offset + 60 + size]
        offset += 60 + size + size % 2
        if name.startswith("data.tar"):
            if name.endswith(".zst"):
                body = subprocess.run(["zstd", "-dc"], input=body, capture_output=True, check=True).stdout
                return tarfile.open(fileobj=io.BytesIO(body), mode="r:")
            return tarfile.open(fileobj=io.BytesIO(body), mode="r:*")
    raise NoPython("a .deb without data")


WRAPPER = """\
#!/bin/sh
# CPython {version} of Debian {suite} run by {suite}'s own loader and libraries (tools/python313.py wrote this).
# --argv0: the interpreter sees this script as its executable, so sys.executable re-runs it, and a venv made from it
# (its pyvenv.cfg, next to the symlink that ran this script) is found.
exec "{root}/usr/lib/{multiarch}/ld-linux-x86-64.so.2" --argv0 "$0" \\
    --library-path "{root}/usr/lib/{multiarch}" "{root}/usr/bin/python3.13" "$@"
"""


def fetch() -> str:
    """Fetch, verify and unpack Debian's CPython 3.13 into .tools/python3.13; return its interpreter."""
    if platform.system() != "Linux" or platform.machine() != "x86_64":
        raise NoPython(
            "no Python 3.13 found, and only Linux x86_64 can fetch one from Debian's archive: install Python 3.13"
            " (`uv python install 3.13`, pyenv, or the system's package manager), or set PYTHON313 to one"
        )
    mirror, keyring = apt_source()
    release = signed_release(mirror, keyring)
    index = "main/binary-amd64/Packages.xz"
    sha256, size = sha256_of(release, index)
    raw = verified(download(f"{mirror}/dists/{SUITE}/{index}"), sha256, size, index)
    packages = parse_packages(lzma.decompress(raw).decode())
    debs, root = CACHE / "debs", CACHE / "root"
    debs.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir()
    for name in closure(packages, WANTED):
        fields = packages[name]
        cached = debs / Path(fields["Filename"]).name
        data = cached.read_bytes() if cached.is_file() else download(f"{mirror}/{fields['Filename']}")
        data = verified(data, fields["SHA256"], int(fields["Size"]), cached.name)
        cached.write_bytes(data)
        with deb_data(data) as archive:
            archive.extractall(root, filter="tar")
        print(f"  {name} {fields['Version']}", file=sys.stderr)
    for merged in ("lib", "lib64", "bin"):  # trixie is merged-/usr: /lib is usr/lib, as on a trixie system
        if not (root / merged).exists():
            (root / merged).symlink_to(f"usr/{merged}")
    python = CACHE / "bin" / "python3.13"
    python.parent.mkdir(exist_ok=True)
    # The interpreter finds its standard library from its executable (this wrapper): <prefix>/lib/python3.13.
    (CACHE / "lib").unlink(missing_ok=True)
    (CACHE / "lib").symlink_to("root/usr/lib")
    python.write_text(WRAPPER.format(version="3.13", suite=SUITE, root=root, multiarch=MULTIARCH))
    python.chmod(0o755)
    if not is_313(str(python)):
        raise NoPython(f"the Python 3.13 unpacked in {root} does not run")
    return str(python)


# ------------------------------------------------------------------ or from uv


def uv_install() -> str:
    """``uv python install 3.13`` with the uv on PATH or the repository's; the interpreter it installed."""
    uv = shutil.which("uv") or str(ROOT / ".tools" / "uv" / "bin" / "uv")
    if not Path(uv).is_file():
        raise NoPython("no uv to install Python 3.13 with (`make bootstrap` installs one in .tools/uv)")
    installed = subprocess.run(
        [uv, "python", "install", "3.13"], capture_output=True, text=True, timeout=600, check=False
    )
    found = subprocess.run([uv, "python", "find", "--no-project", "3.13"], capture_output=True, text=True, check=False)
    python = found.stdout.strip()
    if installed.returncode != 0 or found.returncode != 0 or not is_313(python):
        reason = (installed.stderr.strip().splitlines() or ["no answer"])[-1]
        raise NoPython(f"`uv python install 3.13` failed ({reason})")
    return python


def obtain() -> str:
    """Fetch a Python 3.13: Debian's archive on a Debian-like Linux x86_64, else uv's."""
    try:
        return fetch()
    except NoPython as debian:
        try:
            return uv_install()
        except NoPython as uv:
            raise NoPython(f"{debian}; and {uv}") from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--find", action="store_true", help="find one, never fetch")
    mode.add_argument("--archive", action="store_true", help="Debian's, fetched unless already cached")
    args = parser.parse_args(argv)
    python: str | None
    try:
        if args.archive:
            cached = CACHE / "bin" / "python3.13"
            python = str(cached) if cached.is_file() and is_313(str(cached)) else fetch()
        else:
            python = find() or (None if args.find else obtain())
    except (NoPython, OSError) as error:
        print(f"tools/python313.py: {error}", file=sys.stderr)
        return 2
    if python is None:
        print("tools/python313.py: no Python 3.13 on this machine", file=sys.stderr)
        return 1
    print(python)
    return 0


if __name__ == "__main__":
    sys.exit(main())
