"""What each Lambda layer may import, read from the sources: the shared layer ships the product only (never the
local stack or its development dependencies), and only the functions that carry ImageLayer may reach Pillow.

The built layers themselves are listed in tests/integration/test_layer_builds.py (slow: it runs their Makefiles)."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from medialib_local.template import load_sam
from tests.conftest import ROOT, TEMPLATE

LAYER_SOURCES = ROOT / "layers" / "shared" / "python"
PRODUCT = LAYER_SOURCES / "medialib"
# Development-only packages: the local stack and what it runs on. None of them is in the shared layer's lock.
DEVELOPMENT_ONLY = ["medialib_local", "moto", "werkzeug", "samtranslator", "yaml"]
IMAGE_LAYER = "ImageLayer"


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _runtime_nodes(tree: ast.AST) -> Iterator[ast.AST]:
    """Every node that can run: the bodies of ``if TYPE_CHECKING:`` (read by type checkers only) are left out."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and _is_type_checking(node):
            yield from (n for child in node.orelse for n in (child, *_runtime_nodes(child)))
            continue
        yield node
        yield from _runtime_nodes(node)


def _package_of(path: Path) -> str:
    """The dotted name a module is imported by: .../python/medialib/files/service.py -> medialib.files.service."""
    parts = path.with_suffix("").parts
    parts = parts[parts.index("medialib") :] if "medialib" in parts else parts[-1:]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def imports_of(path: Path) -> frozenset[str]:
    """The absolute module names ``path`` imports at run time, at module level or in a function body
    (``from a.b import c`` gives a.b and a.b.c: c may be a module)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in _runtime_nodes(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = _package_of(path).split(".")
                package = package if path.name == "__init__.py" else package[:-1]
                anchor = package[: len(package) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return frozenset(names)


def _module_file(name: str, root: Path) -> Path | None:
    """The file under ``root`` that defines module ``name``, if it is one of medialib's."""
    if name.split(".", maxsplit=1)[0] != "medialib":
        return None
    base = root.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def reachable_imports(entry: Path, root: Path = LAYER_SOURCES) -> dict[str, Path]:
    """Every module name that importing ``entry`` can import, through medialib's modules under ``root``, with the
    file that imports it (importing medialib.a.b also runs medialib/__init__.py and medialib/a/__init__.py)."""
    seen: dict[str, Path] = {}
    pending = [entry]
    visited: set[Path] = set()
    while pending:
        path = pending.pop()
        if path in visited:
            continue
        visited.add(path)
        for name in imports_of(path):
            parts = name.split(".")
            for depth in range(1, len(parts) + 1):
                prefix = ".".join(parts[:depth])
                seen.setdefault(prefix, path)
                module = _module_file(prefix, root)
                if module is not None:
                    pending.append(module)
    return seen


def _imports_package(names: frozenset[str] | dict[str, Path], package: str) -> list[str]:
    return sorted(name for name in names if name == package or name.startswith(f"{package}."))


def _functions() -> dict[str, dict[str, Any]]:
    template: dict[str, Any] = load_sam(TEMPLATE)
    defaults: dict[str, Any] = (template.get("Globals") or {}).get("Function") or {}
    return {
        logical_id: {**defaults, **resource["Properties"], "OwnLayers": resource["Properties"].get("Layers") or []}
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] == "AWS::Serverless::Function"
    }


def _handler_file(props: dict[str, Any]) -> Path:
    module = str(props["Handler"]).rsplit(".", 1)[0]
    return ROOT / str(props["CodeUri"]) / f"{module}.py"


def _has_layer(props: dict[str, Any], layer: str) -> bool:
    return any(isinstance(ref, dict) and ref.get("Ref") == layer for ref in props["OwnLayers"])


PRODUCT_MODULES = sorted(PRODUCT.rglob("*.py"))
FUNCTIONS = _functions()


def test_the_scan_follows_every_kind_of_import_that_runs(tmp_path: Path) -> None:
    """Given a handler that imports medialib.images, whose module imports Pillow in a function body, a relative
    import of a sibling that imports moto, and samtranslator under TYPE_CHECKING, When the handler's reachable
    imports are read, Then PIL, moto and werkzeug are among them and samtranslator is not (so the scans below
    can fail)."""
    package = tmp_path / "python" / "medialib"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "images.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "from . import sibling\n"
        "if TYPE_CHECKING:\n"
        "    import samtranslator\n"
        "def resize():\n"
        "    from PIL import Image\n"
    )
    (package / "sibling.py").write_text("import moto.server\nfrom werkzeug import serving\n")
    handler = tmp_path / "app.py"
    handler.write_text("from medialib.images import resize\n")
    reached = reachable_imports(handler, tmp_path / "python")
    assert {"PIL", "PIL.Image", "moto", "moto.server", "werkzeug", "medialib.sibling"} <= reached.keys()
    assert reached["PIL"] == package / "images.py"
    assert "samtranslator" not in reached


@pytest.mark.parametrize("package", DEVELOPMENT_ONLY, ids=[f"no-{p}-in-the-shared-layer" for p in DEVELOPMENT_ONLY])
def test_no_module_of_the_product_imports_a_development_only_package(package: str) -> None:
    """Given every module under layers/shared/python/medialib (what the shared layer ships), When their imports are
    read, Then none names the local stack or a package that only development installs: on Lambda it would be a
    ModuleNotFoundError."""
    assert len(PRODUCT_MODULES) > 20, "the scan found fewer modules than medialib has"
    offenders = {
        str(path.relative_to(ROOT)): _imports_package(imports_of(path), package)
        for path in PRODUCT_MODULES
        if _imports_package(imports_of(path), package)
    }
    assert offenders == {}


@pytest.mark.parametrize("function", sorted(FUNCTIONS), ids=lambda name: f"{name}-reaches-pillow-only-with-imagelayer")
def test_only_the_functions_with_the_image_layer_can_reach_pillow(function: str) -> None:
    """Given a function of the template and everything its handler module imports through medialib, When the
    imports are read, Then PIL is among them only if the function carries ImageLayer (Pillow ships nowhere else)."""
    props = FUNCTIONS[function]
    handler = _handler_file(props)
    assert handler.is_file(), f"{function}: no handler module {handler}"
    reached = reachable_imports(handler)
    assert _imports_package(reached, "medialib"), f"{function} reaches no medialib module: the scan is broken"
    pillow = {name: str(reached[name].relative_to(ROOT)) for name in _imports_package(reached, "PIL")}
    if not _has_layer(props, IMAGE_LAYER):
        assert pillow == {}, f"{function} has no {IMAGE_LAYER} but imports Pillow"


def test_the_image_layer_is_attached_to_upload_deliver_and_files_only() -> None:
    """Given the template, When each function's own Layers are read, Then ImageLayer is on UploadFunction,
    DeliverFunction and FilesFunction (file metadata) and on no other function (the others get the global SharedLayer
    alone)."""
    with_image = sorted(name for name, props in FUNCTIONS.items() if _has_layer(props, IMAGE_LAYER))
    assert with_image == ["DeliverFunction", "FilesFunction", "UploadFunction"]


def test_the_files_function_does_not_import_pillow_at_init() -> None:
    """Given the files function's handler (it carries ImageLayer for file metadata only), When it is imported in a
    fresh interpreter as Lambda imports it, Then Pillow is not among the loaded modules: only a metadata request
    pays for it (bench/coldstart measures the same)."""
    code = (
        "import sys; sys.path[0:0] = sys.argv[1:]; import app; "
        "print(sorted(m for m in sys.modules if m == 'PIL' or m.startswith('PIL.')))"
    )
    paths = [str(ROOT / "functions" / "files"), str(ROOT / "layers" / "shared" / "python")]
    done = subprocess.run([sys.executable, "-c", code, *paths], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
