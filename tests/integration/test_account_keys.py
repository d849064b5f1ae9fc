"""The accounts' private keys on the local stack (moto, KMS for real; docs/keys.md): the table holds no key in
plain text, authentication reads only the digest, the key is encrypted in an item of its own that decrypts only
for its account, signed delivery URLs and client-side uploads still verify, and rows written before keys were
encrypted keep working until seeded again."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from werkzeug.test import Client

from medialib.accounts import service as accounts
from medialib.accounts.models import Account
from medialib.accounts.rules import key_digest
from medialib.adapters import table
from medialib.errors import UnauthorizedError
from medialib.upload.auth import authenticate_upload
from medialib.upload.signing import sign
from tests.integration.delivery_helpers import halves, sdk_path, upload


def _rows(stack: Any) -> list[dict[str, Any]]:
    name = stack.provisioned.physical["MediaTable"]
    pages = boto3.client("dynamodb").get_paginator("scan").paginate(TableName=name)  # tests may scan
    return [item for page in pages for item in page["Items"]]


def _seeded(suffix: str) -> tuple[Account, str]:
    private_key = f"private_{suffix}_{uuid.uuid4().hex}"
    account = Account(
        account_id=f"keys{suffix}", public_key=f"public_{suffix}_{uuid.uuid4().hex}", private_key=private_key
    )
    accounts.seed_account(account)
    return account, private_key


def test_no_row_of_the_table_holds_a_key_in_plain_text(stack: Any, other_account: Any) -> None:
    """Given the dev account and another one seeded, When every row of the table is read (indexes included: they
    project the table's attributes), Then neither private key appears anywhere, and no row has privateKey."""
    rows = _rows(stack)
    assert rows
    text = repr(rows)
    for private_key in (stack.account.private_key, other_account.private_key):
        assert private_key not in text
        assert private_key.encode() not in b"".join(v["B"] for row in rows for v in row.values() if "B" in v)
    assert not [row for row in rows if "privateKey" in row]


def test_the_accounts_listing_and_the_account_item_hold_the_digest(stack: Any) -> None:
    """Given the seeded dev account, When the GSI1 ACCOUNTS listing and the account item are read, Then each holds
    the key's digest and no key."""
    name = stack.provisioned.physical["MediaTable"]
    listing = boto3.client("dynamodb").query(
        TableName=name,
        IndexName="GSI1",
        KeyConditionExpression="GSI1PK = :all AND GSI1SK = :acc",
        ExpressionAttributeValues={":all": {"S": "ACCOUNTS"}, ":acc": {"S": stack.account.account_id}},
    )["Items"]
    item = table.get(f"ACCOUNT#{stack.account.account_id}", "ACCOUNT")
    assert item is not None and len(listing) == 1
    for row in (listing[0], item):
        digest = row["keyDigest"]
        assert (digest["S"] if isinstance(digest, dict) else digest) == key_digest(stack.account.private_key)
        assert "privateKey" not in row


def test_the_secret_is_in_no_index_and_decrypts_only_for_its_account(stack: Any) -> None:
    """Given the seeded dev account, When its SECRET item is read, Then it has no index attribute, its
    ciphertext decrypts with the stack's KMS key to the private key for its account, and not for another one."""
    account_id = stack.account.account_id
    secret = table.get(f"ACCOUNT#{account_id}", "SECRET")
    assert secret is not None and not [name for name in secret if name.startswith("GSI")]
    kms = boto3.client("kms")
    ciphertext = bytes(secret["encryptedKey"])
    plain = kms.decrypt(CiphertextBlob=ciphertext, EncryptionContext={"medialib:accountId": account_id})
    assert plain["Plaintext"].decode() == stack.account.private_key
    assert plain["KeyId"] == stack.provisioned.outputs["AccountKeysKeyArn"]
    with pytest.raises(kms.exceptions.InvalidCiphertextException):
        kms.decrypt(CiphertextBlob=ciphertext, EncryptionContext={"medialib:accountId": "other"})


def test_the_local_key_rotates_and_has_its_alias(stack: Any) -> None:
    """Given the local stack, Then the template's KMS key exists with rotation on and its alias names it."""
    kms = boto3.client("kms")
    key_id = stack.provisioned.physical["AccountKeysKey"]
    assert kms.get_key_rotation_status(KeyId=key_id)["KeyRotationEnabled"] is True
    aliases = {a["AliasName"]: a.get("TargetKeyId") for a in kms.list_aliases(KeyId=key_id)["Aliases"]}
    assert aliases == {"alias/medialib-local-account-keys": key_id}


def test_a_key_authenticates_on_its_digest_and_signs_after_decryption(stack: Any) -> None:
    """Given an account seeded on the table, When its key authenticates, Then the account read carries the digest
    and not the key; its signing key, decrypted with KMS, is the key; a re-seeded key replaces both at once."""
    account, private_key = _seeded("auth")
    found = accounts.authenticate(private_key)
    assert found.account_id == account.account_id and found.private_key is None
    assert accounts.signing_keys(found)[0] == private_key
    accounts.forget_authenticated()
    rotated = f"private_rotated_{uuid.uuid4().hex}"
    accounts.seed_account(Account(account_id=account.account_id, public_key=account.public_key, private_key=rotated))
    assert accounts.signing_keys(accounts.authenticate(rotated))[0] == rotated
    with pytest.raises(UnauthorizedError):
        accounts.authenticate(private_key)  # its index row is left, but the account holds another digest


def test_a_client_side_upload_and_a_signed_url_verify(stack: Any) -> None:
    """Given the dev account (its key only encrypted in the table) and a private file of it, When a client-side
    upload's fields signed with the key are checked and the file is asked by a signed URL, Then both verify, and
    the same URL unsigned is 401."""
    accounts.forget_authenticated()
    now = datetime.now(UTC)
    token, expire = uuid.uuid4().hex, str(int(now.timestamp()) + 600)
    fields = {
        "publicKey": stack.account.public_key,
        "token": token,
        "expire": expire,
        "signature": sign(stack.account.private_key, token, expire),
    }
    assert authenticate_upload(None, fields, now).account_id == stack.account.account_id
    client = Client(stack.app)
    private = upload(client, stack.account.private_key, halves(40, 20), isPrivateFile="true")
    accounts.forget_authenticated()
    assert client.get(sdk_path(stack, stack.account, private.file_path, signed=True)).status_code == 200
    assert client.get(sdk_path(stack, stack.account, private.file_path)).status_code == 401


def test_an_account_written_before_keys_were_encrypted_keeps_working(stack: Any) -> None:
    """Given an account item as it was written before (privateKey in it, no keyDigest, no SECRET item) and its key
    index, When its key is presented and its signing key asked for, Then it authenticates and signs; seeding it
    again rewrites it: privateKey gone, the secret written."""
    suffix = uuid.uuid4().hex[:8]
    account_id, private_key, public_key = f"legacy{suffix}", f"private_legacy_{uuid.uuid4().hex}", f"public_{suffix}x"
    table.put({"PK": f"ACCOUNT#{account_id}", "SK": "ACCOUNT", "GSI1PK": "ACCOUNTS", "GSI1SK": account_id,
               "accountId": account_id, "publicKey": public_key, "privateKey": private_key, "settings": {}})  # fmt: skip
    table.put({"PK": f"APIKEY#{key_digest(private_key)}", "SK": "APIKEY", "accountId": account_id})
    found = accounts.authenticate(private_key)
    assert found.account_id == account_id and accounts.signing_keys(found)[0] == private_key

    accounts.seed_account(Account(account_id=account_id, public_key=public_key, private_key=private_key))
    item = table.get(f"ACCOUNT#{account_id}", "ACCOUNT")
    assert item is not None and "privateKey" not in item and item["keyDigest"] == key_digest(private_key)
    assert table.get(f"ACCOUNT#{account_id}", "SECRET") is not None
    assert accounts.signing_keys(accounts.authenticate(private_key))[0] == private_key
