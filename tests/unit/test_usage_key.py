"""The account's usage key (docs/limits.md): one rule gives the value of its API key in the usage plan, and the
authorizer names it for every request it allows, so that API Gateway meters the request as that account's."""

from __future__ import annotations

import importlib.util
import re
from types import ModuleType

import pytest

from medialib.accounts.rules import usage_key
from tests.conftest import ROOT

ARN = "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/v1/files"


@pytest.fixture(scope="module")
def authorizer() -> ModuleType:
    """functions/authorizer/app.py, imported as Lambda imports it (its own file, the layer on the path)."""
    spec = importlib.util.spec_from_file_location("authorizer_app", ROOT / "functions" / "authorizer" / "app.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("account_id", ["ab", "dev", "acme-prod_2", "a" * 63])
def test_a_usage_key_is_what_api_gateway_accepts_as_a_key_value(account_id: str) -> None:
    """Given any valid account id (2 to 63 characters), When its usage key is made, Then it is 20 to 128
    alphanumeric characters, API Gateway's rule for an API key's value."""
    assert re.fullmatch(r"[A-Za-z0-9]{20,128}", usage_key(account_id))


def test_each_account_has_its_own_usage_key_and_always_the_same() -> None:
    """Given two accounts, When their usage keys are made twice, Then each account gets one value, not the other's."""
    assert usage_key("acme") == usage_key("acme")
    assert usage_key("acme") != usage_key("acme2")


def test_the_authorizer_names_the_accounts_usage_key_when_it_allows(authorizer: ModuleType) -> None:
    """Given an authenticated account, When the authorizer allows the request, Then its answer carries the account's
    usage key as usageIdentifierKey, beside the policy and the account id in the context."""
    answer = authorizer._allow(ARN, "acme")
    assert answer["usageIdentifierKey"] == usage_key("acme")
    assert answer["principalId"] == "acme"
    assert answer["context"] == {"accountId": "acme"}
