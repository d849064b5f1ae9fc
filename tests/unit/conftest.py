"""Fixtures of the unit tests that read template.yaml: as written (``sam``) and as CloudFormation deploys it
(``cfn``). Module-scoped, as each module had them: a test that changes one changes it for its module only."""

from __future__ import annotations

from typing import Any

import pytest

from medialib_local.template import describe, load_sam, to_cloudformation
from tests.conftest import TEMPLATE


@pytest.fixture(scope="module")
def sam() -> dict[str, Any]:
    found: dict[str, Any] = load_sam(TEMPLATE)
    return found


@pytest.fixture(scope="module")
def cfn() -> dict[str, Any]:
    """The template as CloudFormation deploys it (SAM transform)."""
    found: dict[str, Any] = to_cloudformation(describe(TEMPLATE), "us-east-1")
    return found
