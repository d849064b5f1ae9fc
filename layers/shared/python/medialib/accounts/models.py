"""Accounts: the URL endpoint id, the public key and the (secret) private key, and their settings."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    ConfigDict,
    Field,
    SecretStr,
    StrictBool,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from medialib.accounts.rules import RESERVED_ACCOUNT_IDS, accepted_digests, digest_accepted, key_digest
from medialib.models import ItemModel, WireModel

# The grammar of n-<name> (medialib.transform.parse). A definition is checked against the transformation grammar when
# a URL or an upload uses it (medialib.delivery.rules.named_definition): every function reads accounts, and each
# read would otherwise parse every definition.
_TRANSFORMATION_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$")
_MAX_DEFINITION = 1024
MAX_NAMED_TRANSFORMATIONS = 100  # what PATCH /v1/accounts/settings accepts (the account row stays far below 400 KB)


def _valid_named_transformations(named: dict[str, str]) -> dict[str, str]:
    for name, text in named.items():
        if not _TRANSFORMATION_NAME.match(name):
            raise ValueError(f"named transformation {name!r}: a name is letters, digits, _ . - (at most 100)")
        if not text or len(text) > _MAX_DEFINITION:
            raise ValueError(f"named transformation {name!r}: its text must be 1 to {_MAX_DEFINITION} characters")
    return named


NamedTransformations = Annotated[
    dict[str, str],
    AfterValidator(_valid_named_transformations),
    WithJsonSchema(
        {
            "type": "object",
            "propertyNames": {"pattern": _TRANSFORMATION_NAME.pattern},
            "additionalProperties": {"type": "string", "minLength": 1, "maxLength": _MAX_DEFINITION},
        }
    ),
]


class AccountSettings(ItemModel):
    upload_as_draft: bool = Field(default=False, description="Uploads are unpublished unless isPublished says so.")
    purge_monthly_quota: int | None = Field(
        default=None, ge=1, description="Per-account override of the purge quota; None means the default."
    )
    named_transformations: NamedTransformations = Field(
        default_factory=dict,
        description="The account's named transformations: `n-<name>` in a delivery URL stands for its "
        "transformation text (e.g. {'product_card': 'w-400,h-300,c-at_max'}). Built-in names win; a definition "
        "that does not parse is a 400 naming it when a URL uses it.",
    )


class Account(ItemModel):
    """An account as the domain sees it. ``key_digest`` (sha256 of the private key) is what authenticates; the
    private key itself is carried only by an account being written (``seed_account``): an account read from the
    table never has it, and the functions that sign with it read it with ``accounts.service.signing_keys``
    (docs/keys.md). A SecretStr, so it never prints or logs."""

    account_id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{1,62}$")
    public_key: str = Field(min_length=8)
    private_key: SecretStr | None = Field(default=None, min_length=8)
    key_digest: str = Field(default="", pattern=r"^([0-9a-f]{64})?$")
    settings: AccountSettings = Field(default_factory=AccountSettings)
    previous_key_digest: str = Field(
        default="", pattern=r"^([0-9a-f]{64})?$", description="The digest of the key a rotation replaced."
    )
    previous_key_until: int | None = Field(
        default=None, description="Unix seconds at which the previous key stops working (its grace period's end)."
    )
    disabled: bool = Field(default=False, description="A disabled account is refused everywhere (docs/keys.md).")
    created_at: int | None = Field(default=None, description="Unix seconds of `medialib accounts create`.")
    key_rotated_at: int | None = Field(default=None, description="Unix seconds of the last rotation.")

    def accepted_digests(self, now: float) -> tuple[str, ...]:
        """The digests of the keys that authenticate this account at ``now`` (Unix seconds)."""
        return accepted_digests(self.key_digest, self.previous_key_digest, self.previous_key_until, now)

    def accepts(self, digest: str, now: float) -> bool:
        """Whether a key of this digest authenticates the account at ``now``: it is enabled, and the digest is its
        current key's, or its previous key's during the grace period (constant-time comparisons)."""
        return not self.disabled and digest_accepted(self.accepted_digests(now), digest)

    def in_grace(self, now: float) -> bool:
        """Whether the previous key of a rotation still works at ``now``."""
        return len(self.accepted_digests(now)) > 1

    @model_validator(mode="after")
    def _digest_of_the_key(self) -> Account:
        if self.private_key is not None:
            digest = key_digest(self.private_key.get_secret_value())
            if self.key_digest and self.key_digest != digest:
                raise ValueError("key_digest is not the digest of private_key")
            self.key_digest = digest
        if not self.key_digest:
            raise ValueError("an account has a private key or its digest")
        return self

    def without_key(self) -> Account:
        """The account as the table gives it back: its key's digest (of the key it carries, when it does), not
        the key."""
        if self.private_key is None:
            return self
        return self.model_copy(
            update={"private_key": None, "key_digest": key_digest(self.private_key.get_secret_value())}
        )

    @field_validator("account_id")
    @classmethod
    def _not_reserved(cls, account_id: str) -> str:
        if account_id in RESERVED_ACCOUNT_IDS:
            raise ValueError(f"{account_id!r} is reserved: it names API routes or a storage prefix")
        return account_id


# ------------------------------------------------------------------ GET / PATCH /v1/accounts/settings

_READ_ONLY = {"purgeMonthlyQuota", "purge_monthly_quota"}


def _sent_values_only(schema: dict[str, Any]) -> None:
    """The JSON schema of an optional field whose null is refused: its type without ``null``, and no default."""
    kinds = [kind for kind in schema.pop("anyOf", []) if kind != {"type": "null"}]
    if len(kinds) == 1:
        schema.update(kinds[0])
    elif kinds:
        schema["anyOf"] = kinds
    schema.pop("default", None)


class AccountSettingsResponse(WireModel):
    """The caller's account settings, as ``GET`` and ``PATCH /v1/accounts/settings`` answer them."""

    upload_as_draft: bool = Field(
        description="Uploads that do not send isPublished are unpublished (drafts). isPublished in an upload wins."
    )
    purge_monthly_quota: int = Field(
        description="Read-only. The purge requests this account may make per calendar month (UTC): its own "
        "override, else the stack's PURGE_MONTHLY_QUOTA. Only an operator changes it."
    )
    named_transformations: dict[str, str] = Field(
        description="`n-<name>` in a delivery URL stands for the transformation text of `<name>`."
    )


class UpdateAccountSettingsRequest(WireModel):
    """``PATCH /v1/accounts/settings``: the fields sent are changed, the others kept. At least one field; a field
    this route does not know is a 400, and so is a read-only one (purgeMonthlyQuota)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"minProperties": 1})

    # None stands for "not sent" only: a null sent is refused, so the document shows the types without null.
    upload_as_draft: StrictBool | None = Field(
        default=None,
        description="true: uploads without isPublished are drafts; false: they are published.",
        json_schema_extra=_sent_values_only,
    )
    named_transformations: NamedTransformations | None = Field(
        default=None,
        description="Replaces the account's named transformations as a whole ({} removes them all): at most "
        f"{MAX_NAMED_TRANSFORMATIONS} names of letters, digits, _ . - (at most 100 characters), each standing for "
        f"1 to {_MAX_DEFINITION} characters of transformation text.",
        json_schema_extra=_sent_values_only,
    )

    @model_validator(mode="before")
    @classmethod
    def _writable_fields_only(cls, data: Any) -> Any:
        read_only = sorted(_READ_ONLY & set(data)) if isinstance(data, dict) else []
        if read_only:
            raise ValueError(f"{read_only[0]} is read-only: an account cannot change its own purge quota")
        return data

    @field_validator("upload_as_draft", "named_transformations", mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("null is not a value of this field; leave the field out to keep its value")
        return value

    @field_validator("named_transformations")
    @classmethod
    def _not_too_many(cls, named: dict[str, str] | None) -> dict[str, str] | None:
        if named is not None and len(named) > MAX_NAMED_TRANSFORMATIONS:
            raise ValueError(f"at most {MAX_NAMED_TRANSFORMATIONS} named transformations, not {len(named)}")
        return named

    @model_validator(mode="after")
    def _something_to_change(self) -> UpdateAccountSettingsRequest:
        if not self.model_fields_set:
            raise ValueError("Nothing to change: send uploadAsDraft, namedTransformations or both.")
        return self

    def changes(self) -> dict[str, Any]:
        """The settings to change, by AccountSettings field name."""
        return self.model_dump(exclude_unset=True)
