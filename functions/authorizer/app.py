"""Lambda REQUEST authorizer: the private key as the Basic user name (any password), or ``x-api-key`` on the
img-processing.com ``/v1/images`` routes. Unknown key: "Unauthorized" (API Gateway answers 401)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from medialib.accounts.rules import presented_key, usage_key
from medialib.accounts.service import authenticate
from medialib.errors import UnauthorizedError
from medialib.observability import logger, task_handler


def _allow(method_arn: str, account_id: str) -> dict[str, Any]:
    # arn:aws:execute-api:region:account:apiId/stage/METHOD/path -> every route of this API and stage
    api_stage = "/".join(method_arn.split("/", 2)[:2])
    return {
        "principalId": account_id,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": f"{api_stage}/*/*"}],
        },
        "context": {"accountId": account_id},
        "usageIdentifierKey": usage_key(account_id),  # THROTTLE: the account's API key in the usage plan
    }


@task_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    headers = event.get("headers") or {}
    try:
        # No memo in the function (remember=False): API Gateway caches this answer per identity source for
        # AuthorizerCacheTtlSeconds, and that TTL alone bounds how long a disabled account still passes.
        account = authenticate(presented_key(event.get("path", ""), headers), remember=False)
    except UnauthorizedError:
        logger.info("request not authenticated", extra={"path": event.get("path")})
        raise Exception("Unauthorized") from None
    logger.append_keys(account_id=account.account_id)
    return _allow(event["methodArn"], account.account_id)
