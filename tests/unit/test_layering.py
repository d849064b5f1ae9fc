"""The layers hold: only medialib/adapters/ talks to AWS, and services never know the table's layout."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

MEDIALIB = Path(__file__).resolve().parents[2] / "layers" / "shared" / "python" / "medialib"
AWS_SDK = {"boto3", "botocore"}
# What only a store may write: index names, key attributes and layouts, DynamoDB expression syntax.
TABLE_LAYOUT = re.compile(
    r"\bGSI\d|\b[GL]SI\d?(PK|SK)\b|^(PK|SK)$|\b[A-Z]+#|attribute_(not_)?exists|begins_with\(|"
    r"^\s*(SET|REMOVE|ADD|DELETE)\s|[#:][A-Za-z_]\w*\s*(=|<|>|IN\b)|\bIndexName\b|Expression"
)


def _modules(pattern: str) -> list[Path]:
    return sorted(MEDIALIB.rglob(pattern))


def _imported(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize(
    "module",
    [m for m in _modules("*.py") if "adapters" not in m.relative_to(MEDIALIB).parts],
    ids=lambda m: str(m.relative_to(MEDIALIB)),
)
def test_only_adapters_import_the_aws_sdk(module: Path) -> None:
    """Given a module of the layer outside medialib/adapters/, When its imports are read, Then none is boto3
    or botocore (it reaches AWS through an adapter)."""
    assert not _imported(ast.parse(module.read_text())) & AWS_SDK


@pytest.mark.parametrize("module", _modules("service.py"), ids=lambda m: str(m.relative_to(MEDIALIB)))
def test_services_never_name_the_table_layout(module: Path) -> None:
    """Given a service module, When its names and string literals are read, Then none is an index name, a key
    attribute or layout, or a DynamoDB expression: services speak domain terms to their store."""
    tree = ast.parse(module.read_text())
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.FunctionDef | ast.ClassDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
    }
    texts = [
        n.value
        for n in ast.walk(tree)
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docstrings
    ]
    texts += [n.id for n in ast.walk(tree) if isinstance(n, ast.Name)] + [
        n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)
    ]
    found = [text for text in texts if TABLE_LAYOUT.search(text)]
    assert not found, f"{module.name} names the table's layout: {found}"
    assert "table" not in {alias.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) for alias in n.names}


@pytest.mark.parametrize(
    "text",
    [
        "GSI1",
        "GSI2PK",
        "PK",
        "ACCOUNT#",
        "attribute_not_exists(PK)",
        "SET #s = :v",
        "#s IN (:a)",
        "begins_with(#sk, :p)",
    ],
)
def test_the_layout_detector_recognises_layout(text: str) -> None:
    """Given a piece of table layout, When the detector reads it, Then it is recognised (the test above can fail)."""
    assert TABLE_LAYOUT.search(text)


@pytest.mark.parametrize("text", ["FILE_NOT_FOUND", "PUBLISH_FILES", "jobId", "The requested job does not exist."])
def test_the_layout_detector_leaves_domain_terms_alone(text: str) -> None:
    """Given a domain term, When the detector reads it, Then it is not taken for layout."""
    assert not TABLE_LAYOUT.search(text)
