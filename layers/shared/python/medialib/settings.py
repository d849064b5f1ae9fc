"""Settings of each function, read lazily from the environment that template.yaml declares.

One settings model per function, composed from mixins; ``get_settings(Model)`` builds it once and caches it.
Nothing here runs at import time.
"""

from __future__ import annotations

import os
from functools import cache
from typing import TypeVar, cast

from pydantic import BaseModel, ConfigDict, Field, SecretStr


class _EnvModel(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True, extra="ignore", hide_input_in_errors=True)


class TableSettings(_EnvModel):
    table_name: str = Field(alias="TABLE_NAME", description="The single DynamoDB table.")


class BlobSettings(_EnvModel):
    originals_bucket: str = Field(alias="ORIGINALS_BUCKET", description="One immutable object per version.")
    renditions_bucket: str = Field(alias="RENDITIONS_BUCKET", description="Cached transformation outputs.")


class DeliverySettings(_EnvModel):
    delivery_base_url: str = Field(
        alias="DELIVERY_BASE_URL", description="Public delivery base URL; the account id follows it."
    )


class CdnSettings(_EnvModel):
    distribution_id: str = Field(alias="DISTRIBUTION_ID", description="CloudFront distribution to purge.")
    purge_monthly_quota: int = Field(
        default=1000, ge=1, alias="PURGE_MONTHLY_QUOTA", description="Default purges per account per month."
    )


class AccountKeySettings(_EnvModel):
    """The KMS key of the accounts' private keys (docs/keys.md)."""

    account_keys_kms_key: str = Field(
        alias="ACCOUNT_KEYS_KMS_KEY",
        min_length=1,
        description="ARN of the stack's KMS key (AccountKeysKey) that encrypts each account's private key; the "
        "functions that verify signatures (deliver, upload) decrypt with it, the code that writes keys encrypts.",
    )


class JobLimitSettings(_EnvModel):
    """The per-account limit on bulk jobs in flight (docs/jobs-limits.md), read where a job starts."""

    max_jobs_in_flight_per_account: int = Field(
        default=10,
        ge=1,
        le=99,
        alias="MAX_JOBS_IN_FLIGHT_PER_ACCOUNT",
        description="Bulk jobs (bulk publish, folder copy/move/rename/delete) one account may have Pending at once; "
        "one more is refused with 429 until one of them ends (template parameter MaxJobsInFlightPerAccount).",
    )


class JobSettings(_EnvModel):
    state_machine_arn: str = Field(alias="STATE_MACHINE_ARN", description="Bulk publish state machine.")


ALLOW_LOOPBACK_URLS = "MEDIALIB_LOCAL_ALLOW_LOOPBACK_URLS"


class UrlFetchSettings(_EnvModel):
    """The fetch of an upload's ``file`` given as a URL (medialib.upload.fetch).

    Never declared in template.yaml: a deployed function always refuses loopback URLs.
    """

    allow_loopback_urls: bool = Field(
        default=False,
        alias=ALLOW_LOOPBACK_URLS,
        description="Local stack only (`medialib local start-api --allow-loopback-urls`): also fetch from "
        "loopback addresses (127.0.0.0/8, ::1). Private, link-local and metadata addresses stay refused.",
    )


class ApiSettings(TableSettings, BlobSettings):
    """What every API function needs."""


class UploadSettings(ApiSettings, DeliverySettings):
    """Upload API and upload-session finalisation."""


class FilesSettings(ApiSettings, DeliverySettings, CdnSettings):
    """Media library API (rename with purgeCache purges)."""


class PublishSettings(ApiSettings, DeliverySettings, JobSettings, CdnSettings):
    """Bulk publish API and img-processing.com routes."""


class WorkerSettings(ApiSettings, CdnSettings):
    """The publish state machine's task."""


class PurgeSettings(ApiSettings, CdnSettings, DeliverySettings):
    """Purge API and the monthly reset."""

    distribution_domain: str = Field(
        default="",
        alias="DISTRIBUTION_DOMAIN",
        description="The distribution's own domain (d123.cloudfront.net): its URLs are purgeable too.",
    )


class SweepSettings(TableSettings, BlobSettings):
    """The scheduled sweep of orphan blobs."""


class DeliverSettings(TableSettings, BlobSettings):
    """Delivery behind the CDN: files and versions (table), originals, renditions, and the CDN's origin secret."""

    delivery_origin_secret: SecretStr = Field(
        alias="DELIVERY_ORIGIN_SECRET",
        min_length=1,
        description="The x-medialib-origin-secret header value the CDN sends; a request without it is refused.",
    )


S = TypeVar("S", bound=_EnvModel)


@cache
def _load(model: type[_EnvModel]) -> _EnvModel:
    return model.model_validate(dict(os.environ))


def get_settings(model: type[S]) -> S:
    """Build ``model`` from the environment once per process (``clear_settings()`` forgets them)."""
    return cast(S, _load(model))


def clear_settings() -> None:
    _load.cache_clear()


# ------------------------------------------------------------------ folders: the folder jobs' state machine


class FolderJobSettings(_EnvModel):
    """What starts a folder job (the files function's folder routes)."""

    folders_state_machine_arn: str = Field(
        alias="FOLDERS_STATE_MACHINE_ARN", description="Folder jobs (copy, move, rename, delete) state machine."
    )
