"""Authentication of the upload route, server-side (Basic) and client-side (signed form fields), against
in-memory stores: every way a request presents credentials, and what it is answered."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest

from medialib.accounts import service as accounts
from medialib.accounts.models import Account
from medialib.adapters.errors import ConditionFailedError
from medialib.api import error_response
from medialib.errors import MedialibError
from medialib.upload.auth import authenticate_upload
from medialib.upload.signing import sign
from tests.unit.services.fakes import FakeAccountStore, FakeUploadTokenStore

NOW = datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)  # Unix time 1700000000
ACME = Account(account_id="acme", public_key="public_acme_key", private_key="private_acme_key")
OTHER = Account(account_id="other", public_key="public_other_key", private_key="private_other_key")
SECRETS = ("private_acme_key", "private_other_key")


@pytest.fixture
def seeded(account_store: FakeAccountStore, upload_tokens: FakeUploadTokenStore) -> FakeUploadTokenStore:
    accounts.seed_account(ACME)
    accounts.seed_account(OTHER)
    return upload_tokens


def basic(key: str, password: str = "do_not_set") -> str:
    return "Basic " + base64.b64encode(f"{key}:{password}".encode()).decode()


def signed(
    *, key: str = "private_acme_key", public_key: str = "public_acme_key", token: str = "tok-1", expire: str = ""
) -> dict[str, str]:
    """The four fields a browser SDK sends, signed with ``key`` (default: valid for 30 minutes)."""
    expire = expire or str(int(NOW.timestamp()) + 1800)
    return {"publicKey": public_key, "token": token, "expire": expire, "signature": sign(key, token, expire)}


@dataclass(frozen=True)
class Case:
    authorization: str | None = None
    fields: dict[str, str] = field(default_factory=dict)
    status: int = 200  # 200: authenticated as acme
    reason: str | None = None


CASES = [
    pytest.param(Case(fields=signed()), id="valid-signed-fields-authenticate-the-public-keys-account"),
    pytest.param(
        Case(fields={**signed(), "signature": "0" * 40}, status=401, reason="INVALID_SIGNATURE"),
        id="wrong-signature-is-401",
    ),
    pytest.param(
        Case(
            fields={**signed(), "signature": sign("private_acme_key", "tok-1", "1700001800").upper()},
            status=401,
            reason="INVALID_SIGNATURE",
        ),
        id="signature-in-uppercase-hex-is-401",
    ),
    pytest.param(
        Case(fields=signed(key="private_other_key"), status=401, reason="INVALID_SIGNATURE"),
        id="signature-of-another-accounts-key-is-401",
    ),
    pytest.param(
        Case(fields=signed(expire=str(int(NOW.timestamp()) - 1)), status=400, reason="INVALID_EXPIRE"),
        id="expired-is-400",
    ),
    pytest.param(
        Case(fields=signed(expire=str(int(NOW.timestamp()) + 3601)), status=400, reason="INVALID_EXPIRE"),
        id="expire-over-one-hour-ahead-is-400",
    ),
    pytest.param(
        Case(fields={**signed(), "expire": "tomorrow"}, status=400, reason="INVALID_EXPIRE"),
        id="expire-not-a-number-is-400",
    ),
    pytest.param(
        Case(fields=signed(public_key="public_nobody_key"), status=401, reason="UNKNOWN_PUBLIC_KEY"),
        id="unknown-public-key-is-401",
    ),
    pytest.param(
        Case(
            fields={k: v for k, v in signed().items() if k != "token"},
            status=400,
            reason="MISSING_AUTHENTICATION_PARAMETER",
        ),
        id="signature-without-token-is-400",
    ),
    pytest.param(
        Case(fields={"publicKey": "public_acme_key"}, status=400, reason="MISSING_AUTHENTICATION_PARAMETER"),
        id="public-key-alone-is-400-naming-the-rest",
    ),
    pytest.param(Case(authorization=basic("private_acme_key")), id="basic-private-key-authenticates"),
    pytest.param(Case(authorization=basic("private_acme_key", "")), id="basic-with-empty-password-authenticates"),
    pytest.param(Case(authorization=basic("private_wrong_key"), status=401), id="basic-wrong-key-is-401"),
    pytest.param(Case(authorization="Bearer private_acme_key", status=401), id="authorization-not-basic-is-401"),
    pytest.param(Case(status=401), id="nothing-at-all-is-401"),
    pytest.param(Case(authorization="", fields={"fileName": "a.jpg"}, status=401), id="empty-header-is-401"),
    pytest.param(
        Case(authorization=basic("private_acme_key"), fields={"publicKey": "public_acme_key"}),
        id="basic-with-its-own-public-key-authenticates",
    ),
    pytest.param(
        Case(
            authorization=basic("private_acme_key"),
            fields={"publicKey": "public_other_key"},
            status=400,
            reason="MIXED_CREDENTIALS",
        ),
        id="basic-with-another-accounts-public-key-is-400",
    ),
    pytest.param(Case(authorization=basic("private_acme_key"), fields=signed()), id="basic-and-valid-signature"),
    pytest.param(
        Case(
            authorization=basic("private_acme_key"),
            fields=signed(key="private_other_key"),
            status=401,
            reason="INVALID_SIGNATURE",
        ),
        id="basic-with-a-signature-that-does-not-verify-is-401",
    ),
    pytest.param(
        Case(authorization=basic("private_wrong_key"), fields=signed(), status=401),
        id="wrong-basic-is-401-even-with-valid-signed-fields",
    ),
]


@pytest.mark.parametrize("case", CASES)
def test_upload_authentication(seeded: FakeUploadTokenStore, case: Case) -> None:
    """Given two seeded accounts, When an upload presents these credentials, Then it authenticates acme, or is
    refused with ImageKit's body, the status and reason of the table, x-should-retry false, and no key,
    signature or token in the answer; a refused request uses up no token."""
    if case.status == 200:
        assert authenticate_upload(case.authorization, case.fields, NOW).account_id == "acme"
        return
    with pytest.raises(MedialibError) as caught:
        authenticate_upload(case.authorization, case.fields, NOW)
    response = error_response(caught.value)
    assert (response.status_code, caught.value.reason) == (case.status, case.reason)
    assert response.headers["x-should-retry"] == "false"
    answer = str(response.body)
    assert set(json.loads(answer)) <= {"message", "help", "reason"}
    for secret in (*SECRETS, case.fields.get("signature"), case.fields.get("token")):
        assert not secret or secret not in answer
    assert seeded.used == {}


def test_a_token_is_usable_once(seeded: FakeUploadTokenStore) -> None:
    """Given a valid signed upload, When the same fields are sent again (a replay, or an SDK retry after a
    failure), Then the first is authenticated and the second is 400 TOKEN_REUSED, never retried."""
    fields = signed(token="once")
    assert authenticate_upload(None, fields, NOW).account_id == "acme"
    with pytest.raises(MedialibError) as caught:
        authenticate_upload(None, fields, NOW)
    assert (caught.value.status, caught.value.reason, caught.value.retryable) == (400, "TOKEN_REUSED", False)
    assert "once" not in caught.value.message


def test_a_used_token_is_recorded_until_an_hour_after_its_expire(seeded: FakeUploadTokenStore) -> None:
    """Given a valid signed upload expiring at T, When authenticated, Then its token is recorded for acme with
    the TTL T + 3600 (so it cannot be used again while it could be accepted)."""
    fields = signed(token="ttl")
    authenticate_upload(None, fields, NOW)
    (key, (_claimant, expires_at)) = next(iter(seeded.used.items()))
    assert (key, expires_at) == (("acme", "ttl"), int(fields["expire"]) + 3600)


def test_a_token_is_once_per_account(seeded: FakeUploadTokenStore) -> None:
    """Given acme used a token, When another account signs the same token text with its own key, Then that
    upload is authenticated: a token is scoped to the account whose key signed it."""
    authenticate_upload(None, signed(token="shared"), NOW)
    other = signed(key="private_other_key", public_key="public_other_key", token="shared")
    assert authenticate_upload(None, other, NOW).account_id == "other"


def test_a_refused_signature_does_not_burn_the_token(seeded: FakeUploadTokenStore) -> None:
    """Given a token sent first with a wrong signature, When it is sent again correctly signed, Then the
    second is authenticated: only a verified request uses a token up."""
    with pytest.raises(MedialibError):
        authenticate_upload(None, {**signed(token="t2"), "signature": "f" * 40}, NOW)
    assert authenticate_upload(None, signed(token="t2"), NOW).account_id == "acme"


class LostAnswerTokenStore(FakeUploadTokenStore):
    """DynamoDB applied the write but its answer was lost, and the retried write found the item: the claim
    raises ConditionFailedError although this very request made it."""

    def claim(self, account_id: str, token: str, *, claimant: str, expires_at: int) -> None:
        super().claim(account_id, token, claimant=claimant, expires_at=expires_at)
        raise ConditionFailedError()


def test_a_claim_whose_answer_was_lost_is_not_a_replay(
    account_store: FakeAccountStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given a store whose claim lands but answers "condition failed" (a retried write that found its own
    item), When a fresh token is used, Then the request is authenticated, because the claim found is its own."""
    from medialib.upload import auth

    monkeypatch.setattr(auth, "tokens", LostAnswerTokenStore())
    accounts.seed_account(ACME)
    assert authenticate_upload(None, signed(token="lost"), NOW).account_id == "acme"


def test_a_changed_public_key_no_longer_finds_the_account(seeded: FakeUploadTokenStore) -> None:
    """Given acme re-seeded with a new public key (its old key's index row stays), When an upload signs with
    the old public key, Then 401 UNKNOWN_PUBLIC_KEY; with the new one it is authenticated."""
    accounts.seed_account(ACME.model_copy(update={"public_key": "public_acme_rotated"}))
    with pytest.raises(MedialibError) as caught:
        authenticate_upload(None, signed(token="old"), NOW)
    assert caught.value.reason == "UNKNOWN_PUBLIC_KEY"
    assert authenticate_upload(None, signed(public_key="public_acme_rotated"), NOW).account_id == "acme"
