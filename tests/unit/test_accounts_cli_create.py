"""`medialib accounts create` when the account is written but its API key cannot be attached to the usage plan
(the operator's identity lacks apigateway:POST, a throttled call, a wrong plan id): the account exists, with a
private key that only this command ever shows."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from pydantic import SecretStr

from medialib.accounts import service
from medialib.accounts.models import Account
from medialib_local import accounts_cli
from medialib_local.cli import _parser

PRIVATE = "private_" + "k" * 43


def test_a_failed_usage_plan_attach_still_shows_the_new_private_key(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Given create writes the account, When attaching its API key to the usage plan is refused, Then the private
    key of the account just made is still printed (once), and the command fails naming how to attach it."""
    account = Account(account_id="acme", public_key="public_" + "p" * 43, private_key=SecretStr(PRIVATE))
    monkeypatch.setattr(
        service, "create_account", lambda _id=None: service.IssuedKey(account.without_key(), SecretStr(PRIVATE))
    )
    monkeypatch.setattr(accounts_cli, "use", lambda target: None)

    def refused(target: Any, account_id: str) -> None:
        raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "not allowed"}}, "CreateApiKey")

    monkeypatch.setattr(accounts_cli, "_attach", refused)
    args = _parser().parse_args(
        [
            "accounts",
            "create",
            "--account-id",
            "acme",
            "--table-name",
            "t",
            "--kms-key-arn",
            "k",
            "--usage-plan-id",
            "p",
        ]
    )

    code = accounts_cli.run(args)

    out, err = capsys.readouterr()
    assert code == 1, (out, err)
    assert PRIVATE in out, "the account exists; its key must not be lost"
    assert "enable acme" in err


def test_a_rotation_without_grace_does_not_claim_the_old_key_works_until_1970(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Given rotate-key --grace-period 0, When it prints, Then it says the previous key stopped at once (no date of
    1970, which the end of a grace period of 0 is stored as), in text and JSON."""
    rotated = Account(
        account_id="acme", public_key="public_" + "p" * 43, key_digest="a" * 64, previous_key_digest="b" * 64,
        previous_key_until=0, key_rotated_at=1_800_000_000,
    )  # fmt: skip
    monkeypatch.setattr(service, "rotate_key", lambda _id, _grace: service.IssuedKey(rotated, SecretStr(PRIVATE)))
    monkeypatch.setattr(accounts_cli, "use", lambda target: None)
    for extra in ([], ["--json"]):
        args = _parser().parse_args(
            ["accounts", "rotate-key", "acme", "--grace-period", "0", "--table-name", "t", "--kms-key-arn", "k", *extra]
        )
        assert accounts_cli.run(args) == 0
        out = capsys.readouterr().out
        assert "1970" not in out, out
        assert PRIVATE in out
