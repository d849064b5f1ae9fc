"""What template.yaml deploys for the accounts' private keys (docs/keys.md): a KMS key of the stack with rotation,
administered by the account's root, and kms:Decrypt for the two functions that verify signatures, no one else."""

from __future__ import annotations

from typing import Any

import pytest

from medialib_local.template import load_sam
from tests.conftest import TEMPLATE

KEY = "AccountKeysKey"
DECRYPTERS = {"DeliverFunction", "UploadFunction"}  # ik-s signed URLs; client-side upload signatures


@pytest.fixture(scope="module")
def resources() -> dict[str, Any]:
    found: dict[str, Any] = load_sam(TEMPLATE)["Resources"]
    return found


def _actions(statement: dict[str, Any]) -> list[str]:
    action = statement.get("Action", [])
    return [action] if isinstance(action, str) else list(action)


def _kms_statements(resource: dict[str, Any]) -> list[dict[str, Any]]:
    """The statements of a function's or state machine's Policies that grant a KMS action."""
    found = []
    for policy in resource.get("Properties", {}).get("Policies", []) or []:
        if isinstance(policy, dict) and any("KMS" in name for name in policy):
            found.append({"Action": [f"SAM policy template {next(iter(policy))}"]})
        statements = policy.get("Statement", []) if isinstance(policy, dict) else []
        found += [s for s in statements if any(a.lower().startswith("kms:") for a in _actions(s))]
    return found


def test_the_key_rotates_and_the_accounts_root_administers_it(resources: dict[str, Any]) -> None:
    """Given the template, Then the key is a symmetric KMS key with rotation, retained with the table, whose
    policy's only statement lets the account's root administer it (IAM policies then grant its use), with an
    alias of the stack."""
    key = resources[KEY]
    assert key["Type"] == "AWS::KMS::Key"
    assert key["DeletionPolicy"] == "Retain" and key["Properties"]["EnableKeyRotation"] is True
    [statement] = key["Properties"]["KeyPolicy"]["Statement"]
    assert statement["Effect"] == "Allow" and statement["Principal"] == {
        "AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}
    }
    aliases = [r for r in resources.values() if r["Type"] == "AWS::KMS::Alias"]
    assert [a["Properties"]["TargetKeyId"] for a in aliases] == [{"Ref": KEY}]
    assert aliases[0]["Properties"]["AliasName"]["Fn::Sub"].startswith("alias/")


def test_only_deliver_and_upload_may_decrypt_a_key(resources: dict[str, Any]) -> None:
    """Given every function and state machine of the template, Then only deliver and upload have a KMS
    permission, and it is kms:Decrypt on the stack's key alone (no function encrypts: whoever writes keys does it
    with their own identity)."""
    granted = {
        name: _kms_statements(resource)
        for name, resource in resources.items()
        if resource["Type"] in {"AWS::Serverless::Function", "AWS::Serverless::StateMachine"}
    }
    assert {name for name, statements in granted.items() if statements} == DECRYPTERS
    for name in DECRYPTERS:
        [statement] = granted[name]
        assert statement["Effect"] == "Allow" and _actions(statement) == ["kms:Decrypt"], name
        assert statement["Resource"] == {"Fn::GetAtt": [KEY, "Arn"]}, name


def test_the_functions_that_decrypt_know_the_key(resources: dict[str, Any]) -> None:
    """Given the template, Then deliver and upload are told the key's ARN (ACCOUNT_KEYS_KMS_KEY, the key a
    ciphertext must be of), and the stack outputs it for whoever writes keys."""
    for name in DECRYPTERS:
        variables = resources[name]["Properties"]["Environment"]["Variables"]
        assert variables["ACCOUNT_KEYS_KMS_KEY"] == {"Fn::GetAtt": [KEY, "Arn"]}, name
    outputs = load_sam(TEMPLATE)["Outputs"]
    assert outputs["AccountKeysKeyArn"]["Value"] == {"Fn::GetAtt": [KEY, "Arn"]}
