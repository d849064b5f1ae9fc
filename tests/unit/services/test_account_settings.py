"""The account's own settings (``GET``/``PATCH /v1/accounts/settings``): the request's rules, and the service
against an in-memory account store."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from medialib.accounts import service as accounts
from medialib.accounts.models import (
    MAX_NAMED_TRANSFORMATIONS,
    Account,
    AccountSettings,
    AccountSettingsResponse,
    UpdateAccountSettingsRequest,
)
from medialib.errors import UnauthorizedError
from tests.unit.services.fakes import FakeAccountStore

ACME = Account(
    account_id="acme",
    public_key="public_acme_key",
    private_key="private_acme_key",
    settings=AccountSettings(named_transformations={"card": "w-400,h-300"}),
)


@pytest.fixture
def seeded(account_store: FakeAccountStore, monkeypatch: pytest.MonkeyPatch) -> FakeAccountStore:
    monkeypatch.setenv("DISTRIBUTION_ID", "E2EXAMPLE")  # the files function's CdnSettings: the default quota
    monkeypatch.setenv("PURGE_MONTHLY_QUOTA", "1000")
    accounts.seed_account(ACME)
    return account_store


@pytest.mark.parametrize(
    ("body", "changes"),
    [
        pytest.param({"uploadAsDraft": True}, {"upload_as_draft": True}, id="upload-as-draft-true"),
        pytest.param({"uploadAsDraft": False}, {"upload_as_draft": False}, id="upload-as-draft-false"),
        pytest.param({"namedTransformations": {}}, {"named_transformations": {}}, id="empty-map-removes-all-names"),
        pytest.param({"namedTransformations": {"thumb.v2": "w-100"}}, {"named_transformations": {"thumb.v2": "w-100"}}, id="a-named-transformation"),
        pytest.param({"uploadAsDraft": True, "namedTransformations": {}}, {"upload_as_draft": True, "named_transformations": {}}, id="both-fields"),
        pytest.param({"upload_as_draft": True}, {"upload_as_draft": True}, id="snake-case-names-as-everywhere-in-the-api"),
        pytest.param({"namedTransformations": {f"n{i}": "w-1" for i in range(MAX_NAMED_TRANSFORMATIONS)}}, {"named_transformations": {f"n{i}": "w-1" for i in range(MAX_NAMED_TRANSFORMATIONS)}}, id="the-most-names"),
    ],
)  # fmt: skip
def test_a_patch_changes_only_what_it_sends(body: dict[str, Any], changes: dict[str, Any]) -> None:
    """Given a PATCH body, When parsed, Then its changes are exactly the fields sent (by AccountSettings name)."""
    assert UpdateAccountSettingsRequest.model_validate(body).changes() == changes


@pytest.mark.parametrize(
    ("body", "said"),
    [
        pytest.param({}, "Nothing to change", id="empty-object-is-refused"),
        pytest.param({"purgeMonthlyQuota": 5000}, "purgeMonthlyQuota is read-only", id="quota-is-read-only"),
        pytest.param({"uploadAsDraft": True, "purge_monthly_quota": None}, "purge_monthly_quota is read-only", id="quota-is-read-only-even-null-and-snake-case"),
        pytest.param({"colour": "red"}, "Extra inputs are not permitted", id="unknown-field"),
        pytest.param({"uploadAsDraft": True, "isPublished": False}, "Extra inputs", id="unknown-field-next-to-a-known-one"),
        pytest.param({"uploadAsDraft": "true"}, "valid boolean", id="bool-as-text"),
        pytest.param({"uploadAsDraft": 1}, "valid boolean", id="bool-as-number"),
        pytest.param({"uploadAsDraft": None}, "null is not a value", id="null-bool"),
        pytest.param({"namedTransformations": None}, "null is not a value", id="null-map"),
        pytest.param({"namedTransformations": ["w-100"]}, "valid dictionary", id="map-as-list"),
        pytest.param({"namedTransformations": {"card": 5}}, "valid string", id="definition-not-text"),
        pytest.param({"namedTransformations": {"a b": "w-1"}}, "a name is letters", id="name-with-space"),
        pytest.param({"namedTransformations": {"x" * 101: "w-1"}}, "a name is letters", id="name-too-long"),
        pytest.param({"namedTransformations": {"card": ""}}, "1 to 1024 characters", id="empty-definition"),
        pytest.param({"namedTransformations": {"card": "w-1," * 300}}, "1 to 1024 characters", id="definition-too-long"),
        pytest.param({"namedTransformations": {f"n{i}": "w-1" for i in range(MAX_NAMED_TRANSFORMATIONS + 1)}}, "at most 100 named transformations, not 101", id="too-many-names"),
    ],
)  # fmt: skip
def test_a_patch_a_careless_client_sends_is_refused(body: dict[str, Any], said: str) -> None:
    """Given a PATCH body that is not a valid change, When parsed, Then refused saying why (a 400 at the API)."""
    with pytest.raises(ValidationError, match=said):
        UpdateAccountSettingsRequest.model_validate(body)


def test_the_settings_answer_the_effective_quota(seeded: FakeAccountStore, monkeypatch: pytest.MonkeyPatch) -> None:
    """Given an account without a quota override and one with, When their settings are read, Then the quota is
    the stack's default for the first and the override for the second."""
    seeded.save(ACME.model_copy(update={"account_id": "big", "settings": AccountSettings(purge_monthly_quota=5000)}))
    assert accounts.account_settings("acme") == AccountSettingsResponse(
        upload_as_draft=False, purge_monthly_quota=1000, named_transformations={"card": "w-400,h-300"}
    )
    assert accounts.account_settings("big").purge_monthly_quota == 5000


def test_a_patch_keeps_the_settings_it_does_not_send(seeded: FakeAccountStore) -> None:
    """Given an account with a named transformation and a quota override, When uploadAsDraft is patched, Then the
    answer and the stored account have it, and the named transformation and the override are kept."""
    seeded.save(ACME.model_copy(update={"settings": ACME.settings.model_copy(update={"purge_monthly_quota": 7})}))
    answer = accounts.update_account_settings("acme", UpdateAccountSettingsRequest(upload_as_draft=True))
    assert answer == AccountSettingsResponse(
        upload_as_draft=True, purge_monthly_quota=7, named_transformations={"card": "w-400,h-300"}
    )
    assert seeded.accounts["acme"].settings == AccountSettings(
        upload_as_draft=True, purge_monthly_quota=7, named_transformations={"card": "w-400,h-300"}
    )


def test_a_patch_is_seen_at_once_by_this_process(seeded: FakeAccountStore) -> None:
    """Given an account this process authenticated (and remembers for the TTL), When its settings are patched,
    Then the next authentication answers the new settings, not the remembered ones."""
    assert accounts.authenticate("private_acme_key").settings.upload_as_draft is False
    accounts.update_account_settings("acme", UpdateAccountSettingsRequest(upload_as_draft=True))
    assert accounts.authenticate("private_acme_key").settings.upload_as_draft is True


def test_an_account_that_went_away_is_unauthorized(account_store: FakeAccountStore) -> None:
    """Given no account "gone" (deleted after the authorizer let its request in), When its settings are read or
    patched, Then 401, and nothing is created."""
    with pytest.raises(UnauthorizedError):
        accounts.account_settings("gone")
    with pytest.raises(UnauthorizedError):
        accounts.update_account_settings("gone", UpdateAccountSettingsRequest(upload_as_draft=True))
    assert account_store.accounts == {}
