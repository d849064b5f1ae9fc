"""Accounts: the URL endpoint id, the public key and the (secret) private key, and their settings."""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator

from medialib.accounts.rules import RESERVED_ACCOUNT_IDS
from medialib.models import ItemModel


class AccountSettings(ItemModel):
    upload_as_draft: bool = Field(default=False, description="Uploads are unpublished unless isPublished says so.")
    purge_monthly_quota: int | None = Field(
        default=None, ge=1, description="Per-account override of the purge quota; None means the default."
    )


class Account(ItemModel):
    """An account as the domain sees it. ``private_key`` is a SecretStr so it never prints or logs."""

    account_id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{1,62}$")
    public_key: str = Field(min_length=8)
    private_key: SecretStr = Field(min_length=8)
    settings: AccountSettings = Field(default_factory=AccountSettings)

    @field_validator("account_id")
    @classmethod
    def _not_reserved(cls, account_id: str) -> str:
        if account_id in RESERVED_ACCOUNT_IDS:
            raise ValueError(f"{account_id!r} is reserved: it names API routes or a storage prefix")
        return account_id
