"""Each account's API key in the management API's usage plan (docs/limits.md), for the operator's tools and the
local stack alike: the same boto3 calls against AWS (the stack's ``UsagePlanId`` output) or the local moto.

The key's value is ``medialib.accounts.rules.usage_key(account id)``, which the authorizer names for every request it
allows (``usageIdentifierKey``); API Gateway meters the request by that key's plan, and answers 403
(INVALID_API_KEY) when no enabled key of that value is in a plan of the stage. The value is no credential: with the
API key source AUTHORIZER, API Gateway never reads one from a client.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from botocore.exceptions import ClientError

from medialib.accounts.rules import usage_key

KEY_NAME_PREFIX = "medialib-"  # the key of account "acme" is named "medialib-acme"
_CONFLICT = "ConflictException"


def key_name(account_id: str) -> str:
    return KEY_NAME_PREFIX + account_id


def attach_account(apigateway: Any, usage_plan_id: str, account_id: str) -> str:
    """Give the account its API key in the usage plan; the key's id. Idempotent: the key is found (by its value)
    or created, enabled; it is added to the plan unless it is in it already. A key that exists is left as it is,
    enabled or not (:func:`set_account_enabled` turns it on or off). API keys are shared by the stacks of an AWS
    account and region (a value is unique there): another stack's plan may hold the same key."""
    key_id = find_key(apigateway, account_id) or _create_key(apigateway, account_id)
    try:
        apigateway.create_usage_plan_key(usagePlanId=usage_plan_id, keyId=key_id, keyType="API_KEY")
    except ClientError as err:
        if err.response.get("Error", {}).get("Code") != _CONFLICT:  # the key is in the plan already
            raise
    return key_id


def set_account_enabled(apigateway: Any, account_id: str, *, enabled: bool) -> bool:
    """Turn the account's API key on or off: while it is off, API Gateway answers the account's requests 403 in
    every stack whose plan holds it, whatever the authorizer says. False when the account has no key."""
    key_id = find_key(apigateway, account_id)
    if key_id is None:
        return False
    operation = {"op": "replace", "path": "/enabled", "value": "true" if enabled else "false"}
    apigateway.update_api_key(apiKey=key_id, patchOperations=[operation])
    return True


def find_key(apigateway: Any, account_id: str) -> str | None:
    """The id of the API key whose value is the account's usage key, or None. Looked up by its name first, then
    among every key (one named otherwise, e.g. by hand, still has the value)."""
    value = usage_key(account_id)
    for name_query in (key_name(account_id), None):
        for key in api_keys(apigateway, name_query):
            if key.get("value") == value:
                return str(key["id"])
    return None


def _create_key(apigateway: Any, account_id: str) -> str:
    try:
        created = apigateway.create_api_key(
            name=key_name(account_id),
            description=f"medialib account {account_id}: meters its requests (docs/limits.md); no credential",
            enabled=True,
            value=usage_key(account_id),
        )
    except ClientError as err:
        # Created meanwhile by another call: the value is unique in the region, so that key is the account's.
        found = find_key(apigateway, account_id) if err.response.get("Error", {}).get("Code") == _CONFLICT else None
        if found is None:
            raise
        return found
    return str(created["id"])


def api_keys(apigateway: Any, name_query: str | None) -> Iterator[dict[str, Any]]:
    options: dict[str, Any] = {"includeValues": True, "limit": 500}
    if name_query is not None:
        options["nameQuery"] = name_query
    while True:
        page = apigateway.get_api_keys(**options)
        yield from page.get("items", [])
        if not page.get("position"):
            return
        options["position"] = page["position"]
