"""Accounts: the URL endpoint id, the public key and the (secret) private key, and their settings."""

from __future__ import annotations

import re

from pydantic import Field, SecretStr, field_validator

from medialib.accounts.rules import RESERVED_ACCOUNT_IDS
from medialib.models import ItemModel

# The grammar of n-<name> (medialib.transform.parse). A definition is checked against the transformation grammar when
# a URL or an upload uses it (medialib.delivery.rules.named_definition): every function reads accounts, and each
# read would otherwise parse every definition.
_TRANSFORMATION_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$")
_MAX_DEFINITION = 1024


class AccountSettings(ItemModel):
    upload_as_draft: bool = Field(default=False, description="Uploads are unpublished unless isPublished says so.")
    purge_monthly_quota: int | None = Field(
        default=None, ge=1, description="Per-account override of the purge quota; None means the default."
    )
    named_transformations: dict[str, str] = Field(
        default_factory=dict,
        description="The account's named transformations: `n-<name>` in a delivery URL stands for its "
        "transformation text (e.g. {'product_card': 'w-400,h-300,c-at_max'}). Built-in names win; a definition "
        "that does not parse is a 400 naming it when a URL uses it.",
    )

    @field_validator("named_transformations")
    @classmethod
    def _valid_names(cls, named: dict[str, str]) -> dict[str, str]:
        for name, text in named.items():
            if not _TRANSFORMATION_NAME.match(name):
                raise ValueError(f"named transformation {name!r}: a name is letters, digits, _ . - (at most 100)")
            if not text or len(text) > _MAX_DEFINITION:
                raise ValueError(f"named transformation {name!r}: its text must be 1 to {_MAX_DEFINITION} characters")
        return named


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
