"""The caller's account settings: ``GET`` and ``PATCH /v1/accounts/settings`` (medialib's own routes; ImageKit
groups account things under /v1/accounts/...). See docs/settings.md."""

from __future__ import annotations

from medialib.accounts import service
from medialib.accounts.models import AccountSettingsResponse, UpdateAccountSettingsRequest
from medialib.api import caller_account_id, new_router
from medialib.api.contract import answers

router = new_router()


@router.get(
    "/v1/accounts/settings",
    summary="Get the account's settings",
    tags=["Account"],
    responses=answers(503, success=(200, AccountSettingsResponse, "The account's settings")),
)
def get_account_settings() -> AccountSettingsResponse:
    return service.account_settings(caller_account_id(router))


@router.patch(
    "/v1/accounts/settings",
    summary="Change the account's settings (uploadAsDraft, namedTransformations)",
    tags=["Account"],
    responses=answers(400, 415, 503, success=(200, AccountSettingsResponse, "The account's settings after the change")),
)
def update_account_settings(request: UpdateAccountSettingsRequest) -> AccountSettingsResponse:
    return service.update_account_settings(caller_account_id(router), request)
